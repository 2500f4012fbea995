import Logging
import ServiceLifecycle
import SkillPulseCore
import SkillPulseStore

/// Checkpoints the WAL from a connection of its own (`WALCheckpointer`), so the batch writer never pays for
/// copying pages back into the database file (SQLite's auto-checkpoint runs inside the committing thread), and
/// keeps the WAL file bounded whoever writes it (`WALRestartPolicy`).
///
/// PASSIVE checkpoints copy pages while the writers keep going. Once the WAL is past its restart point, either
/// the writer is asked to finish the restart at its next batch boundary (see `WALRestartRequest`), or — while
/// the writer is idle, or when its hand-over did not complete — a RESTART checkpoint here makes the next write
/// transaction of any connection start the WAL over. Each pass also feeds `stats`' WAL figures (`WALGauge`).
struct WALCheckpointService: Service {
    let path: String
    let interval: Duration
    let budget: WALBudget
    let restart: WALRestartRequest
    /// True while ingest's writer has no batch in hand and none queued.
    let writerIsIdle: @Sendable () -> Bool
    let gauge: WALGauge
    let logger: Logger

    /// How long a RESTART checkpoint here waits for the write lock, and then for readers to leave the WAL. It
    /// holds the write lock while it waits for readers, so every writer waits with it: short, and tried again a
    /// second later (`WALRestartPolicy.failureBackoff`).
    static let restartLockWait: Duration = .milliseconds(100)

    func run() async throws {
        let path = self.path
        let checkpointer = try await BlockingWork.run("ingest-checkpointer-open") {
            try WALCheckpointer.openConnection(path: path, label: "ingest-checkpointer")
        }
        await cancelWhenGracefulShutdown {
            var policy = WALRestartPolicy(budget: budget)
            while !Task.isCancelled {
                do { try await Task.sleep(for: interval) } catch { return }
                // Flushed after each checkpoint, ahead of the writer's restart (see `WALCheckpointer.checkpoint`).
                guard let pass = await checkpoint(checkpointer, .passive, thenFlush: true) else { continue }
                gauge.record(pass)
                switch policy.next(after: pass, writerIdle: writerIsIdle(), now: .now) {
                case .nothing:
                    break
                case .handOver:
                    restart.request()
                case .restartHere(let truncate):
                    if let done = await checkpoint(checkpointer, truncate ? .truncate : .restart,
                                                   lockWait: Self.restartLockWait) {
                        gauge.recordCheckpointerRestart()
                        gauge.record(done)
                    } else {
                        policy.restartHereFailed(now: .now)
                    }
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
            logger.debug("checkpoint skipped", metadata: ["kind": "\(kind)", "error": "\(error)"])
            return nil
        }
    }
}
