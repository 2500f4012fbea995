import Logging
import ServiceLifecycle
import SkillPulseCore
import SkillPulseStore

/// Checkpoints the WAL from a connection of its own (`WALCheckpointer`), so the batch writer never pays for
/// copying pages back into the database file (SQLite's auto-checkpoint runs inside the committing thread).
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
        let checkpointer = try await BlockingWork.run("ingest-checkpointer-open") {
            try WALCheckpointer.openConnection(path: path, label: "ingest-checkpointer")
        }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                // Flushed after each checkpoint, ahead of the writer's restart (see `WALCheckpointer.checkpoint`).
                guard let frames = await checkpoint(checkpointer, .passive, thenFlush: true) else { continue }
                if frames.walFrameCount >= restartFrames && frames.checkpointedFrameCount == frames.walFrameCount {
                    restart.request()
                }
            }
        }
        // A final full checkpoint leaves a small WAL behind for the next start and for backups — but it must
        // not stretch the drain: against an outside lock holder it gives up after a second (the WAL stays,
        // and the next start or checkpoint deals with it).
        _ = await checkpoint(checkpointer, .truncate, lockWait: .seconds(1))
    }

    /// One checkpoint, or nil (logged) when it could not run.
    private func checkpoint(_ checkpointer: WALCheckpointer, _ kind: WALCheckpointKind, thenFlush: Bool = false,
                            lockWait: Duration? = nil) async -> WALCheckpointResult?
    {
        do {
            return try await checkpointer.checkpoint(kind, thenFlush: thenFlush, lockWait: lockWait)
        } catch {
            logger.debug("checkpoint skipped", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
