import CSQLiteSupport
import Foundation
import GRDB
import SkillPulseCore

/// Executes group-commit batches for `ingest`: one IMMEDIATE transaction per batch (commands check before they
/// write, so no savepoints), and every rollup the readers need updated set-wise before the commit.
///
/// What it keeps in memory (sessions, `skill_metrics` rows, hour session sets) is a cache of committed rows:
/// each transaction first asks `ForeignCommitTracker` whether another connection committed since, and if so
/// drops the cache and folds the other writer's invocations into the windows.
///
/// Not thread-safe by design: the writer thread is its only user.
public final class InvocationBatchStore {
    private let queue: DatabaseQueue
    /// Session rows read or written so far.
    private var sessions = SessionDirectory()
    /// skill_name → its skill_metrics row, read once; updated only after a batch commits.
    private var skillMetrics: [String: SkillMetricsState] = [:]
    /// (skill, hour) → sessions stored in skill_time_series_sessions; grows only once a batch has committed.
    private var hourSessions = HourSessionSets()
    private var foreign = ForeignCommitTracker()
    /// SQLite's schema cookie (it changes with every CREATE/DROP/ALTER) and the migration the schema is at.
    private var knownSchema: (cookie: Int64, migration: Int)
    /// Set for good once the applied migrations changed under this store.
    private var schemaChanged: SchemaChangedUnderWriter?
    private let statements = MultiRowStatements()

    /// False when SQLite refused to switch this connection's triggers off; each batch then sets the
    /// `ingest_batch_marker` row that the V5 triggers check instead.
    private let triggersDisabled: Bool
    /// Written by SQLite's WAL hook on this connection's commits, i.e. on the writer thread only.
    private let walFrames: UnsafeMutablePointer<CInt>

    /// How long one attempt to begin a batch waits for another connection's write lock (SQLite's busy
    /// timeout on this connection). Short, so that the writer regains control often enough to answer requests
    /// that have waited too long and to notice shutdown; the caller retries after `WriteLockTimeout`.
    public static let defaultLockWaitSlice: Duration = .milliseconds(250)

    /// Takes over `queue` for ingest's writes and switches its triggers off: this store maintains every rollup
    /// set-wise, and even guarded per-row triggers cost SQLite a subquery per trigger per row. Other
    /// connections (other writers of the same file) keep their triggers.
    public init(queue: DatabaseQueue, lockWaitSlice: Duration = InvocationBatchStore.defaultLockWaitSlice) {
        self.queue = queue
        let frames = UnsafeMutablePointer<CInt>.allocate(capacity: 1)
        frames.initialize(to: 0)
        walFrames = frames
        knownSchema = (try? queue.inDatabase { db in
            (try Int64.fetchOne(db, sql: "PRAGMA schema_version") ?? 0, try SchemaMigrator().status(db).current)
        }) ?? (0, 0)
        let state = queue.inDatabase { db in
            let connection = UnsafeMutableRawPointer(db.sqliteConnection)
            skillpulse_sqlite_record_wal_frames(connection, frames)
            BusyPolling.install(db, timeout: lockWaitSlice, poll: .microseconds(200))
            return skillpulse_sqlite_set_triggers_enabled(connection, 0)
        }
        triggersDisabled = state == 0
    }

    deinit {
        queue.inDatabase { db in skillpulse_sqlite_record_wal_frames(UnsafeMutableRawPointer(db.sqliteConnection), nil) }
        walFrames.deallocate()
    }

    /// Frames in the WAL after this connection's last commit (0 right after the WAL restarted).
    public var walFrameCount: Int { Int(walFrames.pointee) }

    /// Write transactions that found another connection's commits before them (and reloaded their caches).
    public var foreignCommitsSeen: Int { foreign.foreignCommits }

    /// Runs `commands` in one transaction; `windows` receives every committed invocation (this batch's and
    /// other writers') and supplies the windowed cache figures of the skills they touch.
    ///
    /// Commands check before they write, so a rejection (conflict, not found) never leaves partial rows and no
    /// savepoints are needed (they would copy every touched page). If the shared transaction fails anyway, each
    /// command is retried in a transaction of its own, so one poisonous request cannot fail its neighbours.
    /// Throws `WriteLockTimeout`, having executed nothing, when another connection kept the write lock for
    /// the whole lock-wait slice: that is no fault of the commands, so they are not split up and retried.
    public func write(_ commands: [WriteCommand], now: UTCTimestamp, windows: CacheWindows) throws(WriteLockTimeout)
        -> BatchResult
    {
        do {
            return try writeTransaction(commands, now: now, windows: windows)
        } catch let timeout as WriteLockTimeout {
            throw timeout
        } catch {
            guard commands.count > 1 else {
                return BatchResult(outcomes: [Self.failure(error)], invocations: [], sessions: [])
            }
            var merged = BatchResult(outcomes: [], invocations: [], sessions: [])
            for command in commands {
                let single: BatchResult
                do {
                    single = try write([command], now: now, windows: windows)
                } catch {
                    single = BatchResult(outcomes: [.failed(message: "database is locked by another connection",
                                                            retryable: true)], invocations: [], sessions: [])
                }
                merged.outcomes += single.outcomes
                let offset = merged.invocations.count
                merged.invocations += single.invocations
                merged.sessions += single.sessions.map { $0.shifted(by: offset) }
            }
            return merged
        }
    }

    /// Whether the write lock can be taken now (within one lock-wait slice): lets an idle writer that was
    /// blocked learn that the other connection let go, without waiting for a request to find out.
    public func writeLockIsFree() -> Bool {
        (try? queue.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE; ROLLBACK") }) != nil
    }

    static func failure(_ error: any Error) -> WriteOutcome {
        if let changed = error as? SchemaChangedUnderWriter {
            return .failed(message: changed.description, retryable: false)
        }
        guard let error = error as? DatabaseError else {
            return .failed(message: "\(error)", retryable: false)
        }
        let retryable: [ResultCode] = [.SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_NOMEM]
        return .failed(message: error.message ?? "\(error)", retryable: retryable.contains(error.resultCode))
    }

    private func writeTransaction(_ commands: [WriteCommand], now: UTCTimestamp, windows: CacheWindows) throws
        -> BatchResult
    {
        var result = BatchResult(outcomes: [], invocations: [], sessions: [])
        var rollups = RollupChanges()
        var began = false
        do {
            try queue.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    began = true
                    let foreignChanges = try absorbForeignCommits(db)
                    if !triggersDisabled {
                        // Tells the V5 triggers that this transaction maintains the rollups itself.
                        try db.execute(sql: "INSERT INTO ingest_batch_marker(token) VALUES (1)")
                    }
                    var aggregates = BatchAggregates()
                    let createdAt = now.normalized
                    var staging = InvocationStaging(createdAt: createdAt)
                    var staged: [StagedOutcome] = []
                    for command in commands {
                        staged.append(try execute(command, db: db, into: &result, staging: &staging))
                    }
                    let ids = try flush(staging, db: db, createdAt: createdAt)
                    result.invocations = staging.commit(ids: ids)
                    for invocation in result.invocations { aggregates.add(invocation.input, at: invocation.invokedAt) }
                    result.outcomes = staged.map { $0.resolve(ids) }
                    rollups = try writeRollups(aggregates, db: db, now: createdAt)
                    let tallies = Self.minuteTallies(result.invocations) + (foreignChanges?.tallies ?? [])
                    windows.record(tallies)
                    var latest = foreignChanges?.lastInvokedAt ?? [:]
                    for (skill, totals) in aggregates.skills where totals.last > latest[skill] ?? "" {
                        latest[skill] = totals.last
                    }
                    let figures = try WindowEdgeCounts.exact(windows.figures(Array(latest.keys)), skills: latest.keys,
                                                             now: now, holds: windows.holds, db: db)
                    try writeCache(latest, figures: figures, db: db, now: createdAt)
                    if !triggersDisabled { try db.execute(sql: "DELETE FROM ingest_batch_marker") }
                    return .commit
                }
            }
        } catch {
            // The rolled-back transaction may have inserted or changed sessions the directory remembers.
            sessions.forget()
            if !began, let error = error as? DatabaseError, error.resultCode == .SQLITE_BUSY { throw WriteLockTimeout() }
            throw error
        }
        skillMetrics.merge(rollups.metrics) { _, new in new }
        hourSessions.record(rollups.hourSessions)
        if let last = result.invocations.last { foreign.committed(upTo: last.id) }
        return result
    }

    /// Drops every cache of committed rows when another connection committed since this one's last
    /// transaction, and returns what it appended to `skill_invocation` (nil when nobody else wrote).
    private func absorbForeignCommits(_ db: Database) throws -> ForeignCommitTracker.Changes? {
        // Once the schema changed under us, every later batch is refused too, not only the one that noticed.
        if let schemaChanged { throw schemaChanged }
        guard let changes = try foreign.check(db) else { return nil }
        // Someone migrated or rolled back the file under us (`migrate` refuses while daemons run, but not
        // every tool does): writing on would put acknowledged rows into a schema this binary was not built for.
        let cookie = try Int64.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
        if cookie != knownSchema.cookie {
            // DDL that is not a migration (ANALYZE creating sqlite_stat1, an operator's index) changes the cookie
            // too; only a different set of applied migrations means a schema this binary was not built for.
            let migration = try SchemaMigrator().status(db).current
            guard migration == knownSchema.migration else {
                let changed = SchemaChangedUnderWriter(before: knownSchema.migration, now: migration)
                schemaChanged = changed
                throw changed
            }
            knownSchema.cookie = cookie
        }
        sessions.forget()
        skillMetrics.removeAll(keepingCapacity: true)
        hourSessions.forget()
        return changes
    }

    /// This batch's invocations per (skill, minute): one window update each, not one per invocation.
    static func minuteTallies(_ invocations: [CommittedInvocation]) -> [MinuteTally] {
        struct Key: Hashable {
            let skill: String
            let minute: Int64
        }
        var perMinute: [Key: (count: Int, completed: Int)] = [:]
        for invocation in invocations {
            let key = Key(skill: invocation.input.skillName,
                          minute: invocation.input.invokedAt.millisecondsSinceEpoch / 60_000)
            perMinute[key, default: (0, 0)].count += 1
            if invocation.input.completed { perMinute[key, default: (0, 0)].completed += 1 }
        }
        return perMinute.map { MinuteTally(skill: $0.key.skill, minute: $0.key.minute, count: $0.value.count,
                                           completed: $0.value.completed) }
    }

    private func execute(
        _ command: WriteCommand, db: Database, into result: inout BatchResult, staging: inout InvocationStaging
    ) throws -> StagedOutcome {
        switch command {
        case .createSession(let input):
            if try sessions.lookup(input.sessionID, db: db) != nil {
                return .done(.rejected(WriteRejection(kind: .conflict, message: "session \(input.sessionID) already exists")))
            }
            let record = SessionRecord(sessionID: input.sessionID, userID: input.userID,
                                       projectPath: input.projectPath, startedAt: input.startedAt.normalized)
            try sessions.insert(record, db: db)
            result.sessions.append(SessionChange(kind: .started, session: record, implicit: false,
                                                 position: staging.rows.count))
            return .done(.sessionCreated(record))

        case .endSession(let sessionID, let endedAt):
            guard let record = try sessions.lookup(sessionID, db: db)?.record else {
                return .done(.rejected(WriteRejection(kind: .notFound, message: "no session \(sessionID)")))
            }
            // A retry after a lost reply is answered with the first end, whatever time it carries.
            if record.endedAt != nil { return .done(.sessionEnded(record, alreadyEnded: true)) }
            let end = endedAt.normalized
            guard end >= record.startedAt else {
                return .done(.rejected(WriteRejection(kind: .invalid, message: """
                    params.ended_at: \(end) is before the session's started_at \(record.startedAt)
                    """)))
            }
            let ended = try sessions.end(record, at: end, db: db)
            result.sessions.append(SessionChange(kind: .ended, session: ended, implicit: ended.isImplicit,
                                                 position: staging.rows.count))
            return .done(.sessionEnded(ended, alreadyEnded: false))

        case .invocations(let list):
            if let rejection = try lateForEndedSession(list, db: db, staging: staging) { return .done(.rejected(rejection)) }
            var references: [StagedOutcome.Reference] = []
            references.reserveCapacity(list.count)
            for invocation in list {
                if let key = invocation.idempotencyKey {
                    if let slot = staging.slotsByKey[key] {
                        references.append(.sameAs(slot))
                        continue
                    }
                    if let existing = try Int64.fetchOne(
                        db.cachedStatement(sql: "SELECT id FROM skill_invocation WHERE idempotency_key = ?"),
                        arguments: [key])
                    {
                        references.append(.existing(existing))
                        continue
                    }
                }
                let sessionUser = try ensureSession(for: invocation, db: db, into: &result,
                                                    position: staging.rows.count)
                let slot = staging.stage(invocation, userID: invocation.userID ?? sessionUser)
                references.append(.staged(slot))
            }
            return .invocations(references)
        }
    }

    /// The rejection of a command holding an invocation timed after its session ended, or nil. Checked
    /// before anything is staged, so the command stays all or nothing; late delivery of invocations from
    /// before the end, and retries of stored ones, stay accepted.
    private func lateForEndedSession(_ list: [InvocationInput], db: Database, staging: InvocationStaging) throws
        -> WriteRejection?
    {
        for (index, invocation) in list.enumerated() {
            guard let entry = try sessions.lookup(invocation.sessionID, db: db), entry.endsBefore(invocation.invokedAt),
                  let ended = entry.record.endedAt
            else { continue }
            if let key = invocation.idempotencyKey {
                if staging.slotsByKey[key] != nil { continue }
                let stored = try Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM skill_invocation WHERE idempotency_key = ?)"),
                    arguments: [key]) ?? false
                if stored { continue }
            }
            let item = list.count > 1 ? "params.invocations[\(index)]" : "params"
            return WriteRejection(kind: .conflict, message: """
                \(item).invoked_at \(invocation.invokedAt.normalized) is after session \(invocation.sessionID) \
                ended (ended_at \(ended))
                """)
        }
        return nil
    }

    /// Returns the session's user, creating the session on the fly when this is its first invocation.
    private func ensureSession(for invocation: InvocationInput, db: Database, into result: inout BatchResult,
                               position: Int) throws -> String?
    {
        if let entry = try sessions.lookup(invocation.sessionID, db: db) {
            // A session this batch started announces the start it commits with, not its first item's time.
            if let moved = try sessions.noteInvocation(at: invocation.invokedAt, in: entry, db: db),
               let index = result.sessions.lastIndex(where: { $0.kind == .started && $0.session.sessionID == moved.sessionID })
            {
                let started = result.sessions[index]
                result.sessions[index] = SessionChange(kind: .started, session: moved, implicit: started.implicit,
                                                       position: started.position)
            }
            return entry.record.userID
        }
        let record = SessionRecord(sessionID: invocation.sessionID, userID: invocation.userID, projectPath: nil,
                                   startedAt: invocation.invokedAt.normalized)
        try sessions.insert(record, db: db)
        result.sessions.append(SessionChange(kind: .started, session: record, implicit: true, position: position))
        return invocation.userID
    }

    /// Inserts every staged row with multi-row statements and returns their ids in staging order.
    ///
    /// Per-row statements pay SQLite's trigger set-up (7 guarded triggers) on every execution; one
    /// statement of 64 rows pays it once. With a single writer inside one transaction the ids of a
    /// multi-row INSERT are consecutive, ending at `lastInsertedRowID`.
    private func flush(_ staging: InvocationStaging, db: Database, createdAt: String) throws -> [Int64] {
        var ids: [Int64] = []
        ids.reserveCapacity(staging.rows.count)
        for chunk in staging.rows.statementChunks() {
            var binder = try statements.binder(.invocations, rows: chunk.count, db: db)
            for row in chunk {
                let invocation = row.input
                binder.bind(invocation.skillName)
                binder.bind(row.invokedAt)
                binder.bind(invocation.sessionID)
                binder.bind(invocation.workflowPath)
                binder.bind(invocation.completed)
                binder.bind(invocation.durationSeconds)
                binder.bind(invocation.userQuery)
                binder.bind(Self.jsonList(invocation.alternativesConsidered))
                binder.bind(invocation.selectionRank)
                binder.bind(Self.jsonList(invocation.followUpActions))
                binder.bind(invocation.errorType)
                binder.bind(createdAt)
                binder.bind(invocation.workflowPhase?.rawValue)
                binder.bind(invocation.workflowStepID)
                binder.bind(row.userID)
                binder.bind(invocation.idempotencyKey)
            }
            try binder.run(db)
            let last = db.lastInsertedRowID
            ids += (0..<Int64(chunk.count)).map { last - Int64(chunk.count) + 1 + $0 }
        }
        return ids
    }

    /// What a batch changed in the writer's memory of the rollups; kept only once the transaction commits.
    struct RollupChanges {
        var metrics: [String: SkillMetricsState] = [:]
        var hourSessions: [(key: BatchAggregates.HourKey, session: String)] = []
    }

    /// Writes every rollup of the batch with multi-row statements.
    private func writeRollups(_ aggregates: BatchAggregates, db: Database, now: String) throws -> RollupChanges {
        var changes = RollupChanges()
        changes.metrics = try updatedMetrics(aggregates, db: db)
        for chunk in aggregates.skillOrder.statementChunks() {
            var binder = try statements.binder(.skillMetrics, rows: chunk.count, db: db)
            for skill in chunk {
                binder.bind(skill)
                changes.metrics[skill]!.bindColumns(&binder, now: now)
            }
            try binder.run(db)
        }

        let pairs = Array(aggregates.sessionSkills)
        for chunk in pairs.statementChunks() {
            var binder = try statements.binder(.sessionSkills, rows: chunk.count, db: db)
            for pair in chunk {
                binder.bind(pair.key.session)
                binder.bind(pair.key.skill)
                binder.bind(pair.value)
            }
            try binder.run(db)
        }

        // Only sessions new to their hour are inserted; every hour's unique_sessions is its set's new size.
        let hours = Array(aggregates.hours)
        var uniqueSessions: [Int] = []
        uniqueSessions.reserveCapacity(hours.count)
        for (key, hour) in hours {
            let stored = try hourSessions.stored(key, db: db)
            var unique = stored.count
            for session in hour.sessions where !stored.contains(session) {
                changes.hourSessions.append((key, session))
                unique += 1
            }
            uniqueSessions.append(unique)
        }
        for chunk in changes.hourSessions.statementChunks() {
            var binder = try statements.binder(.hourSessions, rows: chunk.count, db: db)
            for row in chunk {
                binder.bind(row.key.skill)
                binder.bind(row.key.hour)
                binder.bind(row.session)
            }
            try binder.run(db)
        }
        for range in MultiRowStatements.chunkRanges(hours.count) {
            var binder = try statements.binder(.hours, rows: range.count, db: db)
            for position in range {
                let (key, hour) = hours[position]
                binder.bind(key.skill)
                binder.bind(key.hour)
                binder.bind(hour.count)
                binder.bind(hour.completed)
                binder.bind(hour.durationSum)
                binder.bind(hour.durationCount)
                binder.bind(Double(hour.completed) / Double(hour.count))
                binder.bind(hour.durationCount > 0 ? hour.durationSum / Double(hour.durationCount) : nil)
                binder.bind(uniqueSessions[position])
            }
            try binder.run(db)
        }
        return changes
    }

    /// The batch's skills' skill_metrics rows after this batch, reading those the writer has not seen yet.
    private func updatedMetrics(_ aggregates: BatchAggregates, db: Database) throws -> [String: SkillMetricsState] {
        let unknown = aggregates.skillOrder.filter { skillMetrics[$0] == nil }
        var loaded: [String: SkillMetricsState] = [:]
        for chunk in unknown.chunked(by: 500) {
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            for row in try Row.fetchAll(db, sql: """
                SELECT CAST(skill_name AS BLOB) AS skill_name, total_invocations, completed_invocations,
                       total_duration_seconds, workflow_paths, common_errors, follow_up_actions, first_invoked,
                       last_invoked
                FROM skill_metrics WHERE skill_name IN (\(placeholders))
                """, arguments: StatementArguments(Array(chunk)))
            {
                guard let skill = StoredText.exact(row["skill_name"]) else { continue }
                loaded[skill] = SkillMetricsState(row: row)
            }
        }
        var updated: [String: SkillMetricsState] = [:]
        for skill in aggregates.skillOrder {
            guard let batch = aggregates.skills[skill] else { continue }
            var state = skillMetrics[skill] ?? loaded[skill] ?? .empty
            state.add(batch)
            updated[skill] = state
        }
        return updated
    }

    /// Writes the cache rows of every skill in `latest` (its newest `invoked_at` among the rows just seen).
    private func writeCache(_ latest: [String: String], figures: [String: CacheWindowFigures], db: Database,
                            now: String) throws
    {
        // Sorted: a stable row order keeps the statement's page accesses (and its WAL pages) predictable.
        for chunk in latest.keys.sorted().statementChunks() {
            var binder = try statements.binder(.cache, rows: chunk.count, db: db)
            for skill in chunk {
                let figure = figures[skill] ?? .zero
                binder.bind(skill)
                binder.bind(latest[skill])
                binder.bind(figure.count1h)
                binder.bind(figure.count24h)
                binder.bind(figure.completionRate24h)
                binder.bind(now)
            }
            try binder.run(db)
        }
    }

    /// Copies the WAL frames no checkpoint has copied yet, so that the next batch's transaction starts the WAL
    /// over from its beginning. PASSIVE: it neither waits for readers nor for another checkpointer (it then
    /// fails with SQLITE_BUSY and returns nil), so the writer never stalls behind them.
    @discardableResult
    public func checkpointWAL() -> (walFrameCount: Int, checkpointedFrameCount: Int)? {
        try? queue.writeWithoutTransaction { db in try db.checkpoint(.passive) }
    }

    /// Re-writes cache rows whose window figures changed because time passed (windows decay without inserts)
    /// or another writer added invocations.
    public func refreshCache(windows: CacheWindows, now: UTCTimestamp) throws -> Int {
        try queue.write { db in
            if let changes = try absorbForeignCommits(db) { windows.record(changes.tallies) }
            // Rows whose name is not UTF-8 (another writer's bytes) cannot be ingest's skills: the triggers keep them.
            let rows = try Row.fetchAll(db, sql: """
                SELECT CAST(skill_name AS BLOB) AS skill_name, invocation_count_1h, invocation_count_24h,
                       avg_completion_rate_24h
                FROM skill_metrics_cache
                """).compactMap { row in StoredText.exact(row["skill_name"]).map { (skill: $0, row: row) } }
            let skills = rows.map(\.skill)
            let figures = try WindowEdgeCounts.exact(windows.figures(skills), skills: skills, now: now,
                                                     holds: windows.holds, db: db)
            let update = try db.cachedStatement(sql: """
                UPDATE skill_metrics_cache SET invocation_count_1h = ?, invocation_count_24h = ?,
                    avg_completion_rate_24h = ?, updated_at = ?
                WHERE skill_name = ?
                """)
            var changed = 0
            for (skill, row) in rows {
                let fresh = figures[skill] ?? .zero
                let rate: DatabaseValue = row["avg_completion_rate_24h"]
                let stored: (Int, Int, Double?) = (StoredText.integer(row["invocation_count_1h"]),
                                                   StoredText.integer(row["invocation_count_24h"]),
                                                   rate.isNull ? nil : StoredText.real(rate))
                if stored != (fresh.count1h, fresh.count24h, fresh.completionRate24h) {
                    try update.execute(arguments: [fresh.count1h, fresh.count24h, fresh.completionRate24h,
                                                   now.normalized, skill])
                    changed += 1
                }
            }
            return changed
        }
    }

    /// Per-skill, per-minute counts of the last 24 hours, to seed ingest's sliding windows at start. Also
    /// marks the point from which other writers' commits are noticed: the same read sees both.
    public func recentMinuteCounts(since: UTCTimestamp) throws -> [MinuteTally] {
        try queue.inDatabase { db in
            var rows: [Row] = []
            try db.inTransaction(.deferred) {
                try foreign.start(db)
                rows = try MinuteTally.fetchAll(db, filter: "invoked_at >= ? AND id <= ?",
                                                arguments: [since.normalized, foreign.highestInvocationID])
                return .commit
            }
            return rows.compactMap(MinuteTally.init(row:))
        }
    }

    static func jsonList(_ list: [String]?) -> String? {
        guard let list, !list.isEmpty, let data = try? JSONEncoder().encode(list) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
