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
    // Internal rather than private: the store's concept files (+Transaction, +SessionRules, +Rollups,
    // +CacheRefresh, +WAL) extend it.
    let queue: DatabaseQueue
    /// Session rows read or written so far.
    var sessions = SessionDirectory()
    /// skill_name → its skill_metrics row, read once; updated only after a batch commits.
    var skillMetrics: [String: SkillMetricsState] = [:]
    /// (skill, hour) → sessions stored in skill_time_series_sessions; grows only once a batch has committed.
    var hourSessions = HourSessionSets()
    var foreign = ForeignCommitTracker()
    /// SQLite's schema cookie (it changes with every CREATE/DROP/ALTER) and the migration the schema is at.
    var knownSchema: (cookie: Int64, migration: Int)
    /// Set for good once the applied migrations changed under this store.
    var schemaChanged: SchemaChangedUnderWriter?
    let statements = MultiRowStatements()

    /// False when SQLite refused to switch this connection's triggers off; each batch then sets the
    /// `ingest_batch_marker` row that the V5 triggers check instead.
    let triggersDisabled: Bool
    /// Written by SQLite's WAL hook on this connection's commits, i.e. on the writer thread only.
    let walFrames: UnsafeMutablePointer<CInt>

    /// How long one attempt to begin a batch waits for another connection's write lock (SQLite's busy
    /// timeout on this connection). Short, so that the writer regains control often enough to answer requests
    /// that have waited too long and to notice shutdown; the caller retries after `WriteLockTimeout`.
    public static let defaultLockWaitSlice: Duration = .milliseconds(250)

    /// Takes over `queue` for ingest's writes and switches its triggers off: this store maintains every rollup
    /// set-wise, and even guarded per-row triggers cost SQLite a subquery per trigger per row. Other
    /// connections (other writers of the same file) keep their triggers.
    init(queue: DatabaseQueue, lockWaitSlice: Duration = InvocationBatchStore.defaultLockWaitSlice) {
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

    /// Takes over ingest's checked writer connection (see `init(queue:lockWaitSlice:)`).
    public convenience init(_ database: IngestDatabase,
                            lockWaitSlice: Duration = InvocationBatchStore.defaultLockWaitSlice) {
        self.init(queue: database.queue, lockWaitSlice: lockWaitSlice)
    }

    /// A store over a new scratch database at `path` (`skillpulse bench store`): created, migrated to this
    /// binary's schema, and, as in ingest, with no checkpoint on commit (the caller checkpoints past
    /// `WALBudget.safetyFrames`, as ingest's writer does when no checkpointer keeps up).
    public static func createScratch(path: String) throws -> InvocationBatchStore {
        let queue = try DatabaseOpener.openWriter(path: path)
        try SchemaMigrator().migrate(queue, path: path)
        try queue.writeWithoutTransaction { db in try WALSettings.disableAutoCheckpoint(db) }
        return InvocationBatchStore(queue: queue)
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
}
