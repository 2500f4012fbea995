import GRDB
import Logging
import ServiceLifecycle
import SkillPulseStore

/// Checkpoints the WAL from a connection of its own, so the batch writer never pays for copying pages back
/// into the database file (SQLite's auto-checkpoint runs inside the committing thread).
///
/// PASSIVE checkpoints copy pages while the writer keeps going; under sustained load they never find the
/// moment to let the WAL wrap around, so the writer itself restarts the WAL once it passes a limit
/// (`InvocationBatchStore.restartWALIfLarger`), which is cheap because the pages were already copied here.
struct WALCheckpointService: Service {
    let path: String
    let interval: Duration
    let logger: Logger

    func run() async throws {
        let connection = try DatabaseOpener.openWriter(path: path, label: "ingest-checkpointer")
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                checkpoint(connection, .passive)
            }
        }
        // A final full checkpoint leaves a small WAL behind for the next start and for backups.
        checkpoint(connection, .truncate)
    }

    private func checkpoint(_ connection: DatabaseQueue, _ kind: Database.CheckpointMode) {
        do {
            try connection.writeWithoutTransaction { db in _ = try db.checkpoint(kind) }
        } catch {
            logger.debug("checkpoint skipped", metadata: ["error": "\(error)"])
        }
    }
}
