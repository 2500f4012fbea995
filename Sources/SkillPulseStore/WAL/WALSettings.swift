import GRDB

/// The per-connection WAL settings, in one place so that a port to another database finds them together.
enum WALSettings {
    /// Ingest's writer: SQLite never checkpoints on its commits (auto-checkpoint runs inside the committing
    /// thread; `WALCheckpointer` copies pages off the writer thread instead), and a WAL that started over after
    /// growing past the budget is cut back to `journalSizeLimitBytes`.
    static func applyToIngestWriter(_ db: Database, budget: WALBudget) throws {
        try disableAutoCheckpoint(db)
        try db.execute(sql: "PRAGMA journal_size_limit = \(budget.journalSizeLimitBytes)")
    }

    /// No checkpoint on commit: this connection leaves checkpoints to another (or checkpoints itself).
    static func disableAutoCheckpoint(_ db: Database) throws {
        try setAutoCheckpoint(db, frames: 0)
    }

    /// Checkpoint on commit once the WAL holds `frames` frames (0: never).
    static func setAutoCheckpoint(_ db: Database, frames: Int) throws {
        try db.execute(sql: "PRAGMA wal_autocheckpoint = \(frames)")
    }

    /// Whether the file is (still) in WAL mode: an operator's `sqlite3` may have switched it back.
    static func journalIsWAL(_ db: Database) throws -> Bool {
        try String.fetchOne(db, sql: "PRAGMA journal_mode")?.lowercased() == "wal"
    }
}
