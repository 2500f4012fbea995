import GRDB

/// How every SkillPulse process other than ingest writes the shared database: a connection of its own and short
/// `BEGIN IMMEDIATE` transactions, run on the connection's own dispatch queue (never on the cooperative pool).
///
/// Who waits for whom: SQLite has one write lock. A transaction here waits for ingest's current batch (at most
/// one 10,000-row commit, ~100 ms) through the busy timeout; ingest waits for this transaction the same way.
/// So bodies must stay short — read what you need first, outside the transaction, and write in pages of rows —
/// and never await anything inside one. `lockTimeout` is how long a transaction may wait for the lock before
/// it fails with `StoreError.databaseBusy`.
public final class DerivedTableWriter: Sendable {
    private let queue: DatabaseQueue
    public let path: String

    /// Opens `path` for writing (WAL, foreign keys, busy timeout); throws `StoreError` for a missing,
    /// read-only or foreign file.
    public init(path: String, label: String, lockTimeout: Double = DatabaseOpener.busyTimeout) throws {
        self.path = path
        queue = try DatabaseOpener.openWriter(path: path, label: label, busyTimeout: lockTimeout, create: false)
        try queue.writeWithoutTransaction { db in
            try WALSettings.setAutoCheckpoint(db, frames: Self.autoCheckpointFrames)
        }
    }

    /// 0: this connection never checkpoints on commit. Checkpoints are ingest's — its checkpointer copies
    /// pages off the write path and starts the WAL over past its budget whoever writes it (a RESTART checkpoint
    /// makes this connection's next commit restart it while ingest is idle), and its writer checkpoints past
    /// `safetyFrames`. With SQLite's default (1,000 frames) every commit here ran a checkpoint of ingest's
    /// WAL, copying and fsyncing: under load a fifth of analytics' CPU; and a threshold at the safety size was
    /// still crossed under load, racing ingest's own. Without ingest, the writes here are a few rows a second
    /// (a foreign writer such as `sqlite3` checkpoints its own), and ingest's next start checkpoints the rest.
    public static let autoCheckpointFrames = 0

    /// Runs `body` in one IMMEDIATE transaction and commits it. Internal: the consumers' stores
    /// (`AnalyticsStore`, `ABTestStore`, `ContentionProbe`) wrap it in typed operations.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await queue.write(body)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            throw StoreError.databaseBusy(path: path)
        }
    }

    /// Commits an empty IMMEDIATE transaction: returns once the write lock could be taken (within
    /// `lockTimeout`), throws `StoreError.databaseBusy` when another connection kept it that long.
    public func probeWriteLock() async throws {
        try await write { _ in }
    }

    /// Closes the connection; later writes fail.
    public func close() throws {
        try queue.close()
    }
}
