import CSQLiteSupport
import GRDB
import Logging
import ServiceLifecycle
import SkillPulseCore
import SkillPulseStore

/// Checkpoints the WAL from a connection of its own, so the batch writer never pays for copying pages back
/// into the database file (SQLite's auto-checkpoint runs inside the committing thread).
///
/// PASSIVE checkpoints copy pages while the writer keeps going. Once the WAL holds more than
/// `restartFrames` frames and a checkpoint has caught up, the writer is asked to finish the restart at its
/// next batch boundary (see `WALRestartRequest`), which keeps the WAL file bounded without stalling ingest.
struct WALCheckpointService: Service {
    let path: String
    let interval: Duration
    let restartFrames: Int
    let restart: WALRestartRequest
    let logger: Logger

    func run() async throws {
        let path = self.path
        let connection = try await BlockingWork.run("ingest-checkpointer-open") {
            try DatabaseOpener.openWriter(path: path, label: "ingest-checkpointer", create: false)
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                // The async API runs the checkpoint on the connection's own queue: its copying and fsyncs
                // must not block a thread of the cooperative pool, which serves every request.
                guard let frames = await checkpoint(connection, .passive, thenFlush: true) else { continue }
                if frames.walFrameCount >= restartFrames && frames.checkpointedFrameCount == frames.walFrameCount {
                    restart.request()
                }
            }
        }
        // A final full checkpoint leaves a small WAL behind for the next start and for backups — but it must
        // not stretch the drain: against an outside lock holder it gives up after a second (the WAL stays,
        // and the next start or checkpoint deals with it).
        _ = await checkpoint(connection, .truncate, lockWait: .seconds(1))
    }

    /// With `thenFlush`, also flushes the database and WAL files' dirty pages to disk afterwards, on the
    /// connection's queue like the checkpoint itself.
    ///
    /// Why flush: a WAL restart ends with one checkpoint that the writer runs between two batches, and its
    /// syncs must write whatever is still dirty in the page cache, megabytes under load (10–15 ms of stalled
    /// ingest per restart). The page cache belongs to the file, so syncing here does that work ahead of time.
    /// The sync goes through the descriptors SQLite holds (`skillpulse_sqlite_sync_files`): a descriptor of
    /// our own would drop the process's locks when closed, and another process would then delete the live WAL.
    private func checkpoint(_ connection: DatabaseQueue, _ kind: Database.CheckpointMode, thenFlush: Bool = false,
                            lockWait: Duration? = nil) async
        -> (walFrameCount: Int, checkpointedFrameCount: Int)?
    {
        do {
            return try await connection.writeWithoutTransaction { db in
                if let lockWait { BusyPolling.install(db, timeout: lockWait) }
                let frames = try db.checkpoint(kind)
                if thenFlush { _ = skillpulse_sqlite_sync_files(UnsafeMutableRawPointer(db.sqliteConnection)) }
                return frames
            }
        } catch {
            logger.debug("checkpoint skipped", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
