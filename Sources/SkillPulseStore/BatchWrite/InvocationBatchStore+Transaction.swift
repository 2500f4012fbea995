import Foundation
import GRDB
import SkillPulseCore

// One batch's transaction: foreign commits first, then the commands, the multi-row inserts, the rollups and
// the cache rows, committed together; what the writer keeps in memory (the cache windows included) changes only
// after the commit.
extension InvocationBatchStore {
    func writeTransaction(_ commands: [WriteCommand], now: UTCTimestamp, windows: CacheWindows) throws
        -> BatchResult
    {
        var result = BatchResult(outcomes: [], invocations: [], sessions: [])
        var rollups = RollupChanges()
        var began = false
        // What the transaction reads of other writers' commits moves the tracker on; a rollback must move it
        // back, so that the next transaction reads those rows again (their tallies were only staged).
        let foreignBefore = foreign
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
                    windows.stage(tallies)
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
            windows.settle(false)
            foreign = foreignBefore
            // The rolled-back transaction may have inserted or changed sessions the directory remembers.
            sessions.forget()
            if !began, let error = error as? DatabaseError, error.resultCode == .SQLITE_BUSY { throw WriteLockTimeout() }
            throw error
        }
        windows.settle(true)
        skillMetrics.merge(rollups.metrics) { _, new in new }
        hourSessions.record(rollups.hourSessions)
        if let last = result.invocations.last { foreign.committed(upTo: last.id) }
        return result
    }

    /// Drops every cache of committed rows when another connection committed since this one's last
    /// transaction, and returns what it appended to `skill_invocation` (nil when nobody else wrote).
    func absorbForeignCommits(_ db: Database) throws -> ForeignCommitTracker.Changes? {
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

    /// Inserts every staged row with multi-row statements and returns their ids in staging order.
    ///
    /// Per-row statements pay SQLite's trigger set-up (7 guarded triggers) on every execution; one
    /// statement of 64 rows pays it once. With a single writer inside one transaction the ids of a
    /// multi-row INSERT are consecutive, ending at `lastInsertedRowID`.
    func flush(_ staging: InvocationStaging, db: Database, createdAt: String) throws -> [Int64] {
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

    static func jsonList(_ list: [String]?) -> String? {
        guard let list, !list.isEmpty, let data = try? JSONEncoder().encode(list) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
