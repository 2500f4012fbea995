import GRDB

/// Ingest's writer connection, opened and checked against this binary's schema; `InvocationBatchStore` takes
/// it over for the batch writes, after ingest applied its WAL settings.
public final class IngestDatabase: Sendable {
    let queue: DatabaseQueue
    /// The schema version the open found (always this binary's: an older or newer one is refused).
    public let schemaVersion: Int

    private init(queue: DatabaseQueue, schemaVersion: Int) {
        self.queue = queue
        self.schemaVersion = schemaVersion
    }

    /// Opens the writer connection and refuses a database that is missing or not at this binary's schema.
    /// Never creates the file: `skillpulse migrate` does. Blocking: call it off the cooperative pool.
    public static func openChecked(path: String, label: String) throws -> IngestDatabase {
        let queue = try DatabaseOpener.openWriter(path: path, label: label, create: false)
        let version = try SchemaGuard.requireCurrent(queue, path: path)
        return IngestDatabase(queue: queue, schemaVersion: version)
    }

    /// Checkpoints run in ingest's `WALCheckpointer`, off the writer thread; see `WALSettings.applyToIngestWriter`.
    public func applyWALSettings(_ budget: WALBudget) async throws {
        try await queue.writeWithoutTransaction { db in try WALSettings.applyToIngestWriter(db, budget: budget) }
    }

    /// Whether the file is in WAL mode (for `health`), through the async API.
    public func journalIsWAL() async throws -> Bool {
        try await queue.read { db in try WALSettings.journalIsWAL(db) }
    }
}
