import GRDB

/// The read-only connections of a daemon that reads the shared database (a pool: WAL lets them read beside the
/// writer), checked against this binary's schema when opened. Its consumers' stores (`AnalyticsStore`,
/// `ABTestStore`) read through it; the liveness monitors probe it.
public final class StoreReader: Sendable {
    let pool: DatabasePool
    /// The schema version the open found (always this binary's: an older or newer one is refused).
    public let schemaVersion: Int

    private init(pool: DatabasePool, schemaVersion: Int) {
        self.pool = pool
        self.schemaVersion = schemaVersion
    }

    /// Opens read-only connections and refuses a database that is missing or not at this binary's schema.
    /// Blocking: call it off the cooperative pool (`BlockingWork`).
    public static func openChecked(path: String, label: String) throws -> StoreReader {
        let pool = try DatabaseOpener.openReader(path: path, label: label)
        let version = try SchemaGuard.requireCurrent(pool, path: path)
        return StoreReader(pool: pool, schemaVersion: version)
    }

    /// The database probe every reader daemon's liveness monitor runs: one cheap query through the async API
    /// (never blocking a pool thread), which also tells whether the file is (still) in WAL mode.
    public func journalIsWAL() async throws -> Bool {
        try await pool.read { db in try WALSettings.journalIsWAL(db) }
    }
}
