import ArgumentParser
import Foundation
import SkillPulseCore
import SkillPulseStore

/// `skillpulse bench store`: the writer's own cost, without sockets or JSON: how fast group-committed batches
/// of pre-validated invocations go into a scratch database.
struct BenchStoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Write N invocations in batches straight through the batch store (no daemon); print rows/s.")

    @Option(help: "Scratch database file to create (must not exist).") var db: String
    @Option(help: "Invocations to write in total.") var events = 200_000
    @Option(help: "Invocations per transaction (ingest's group-commit size).") var batch = 2_000
    @Option(help: "Distinct skills.") var skills = 100
    @Option(help: "Distinct sessions.") var sessions = 50

    func validate() throws {
        guard events >= 1, batch >= 1, skills >= 1, sessions >= 1 else {
            throw ValidationError("--events, --batch, --skills and --sessions must be ≥ 1")
        }
        guard !FileManager.default.fileExists(atPath: db) else {
            throw ValidationError("\(db) exists; bench store needs a path for a new scratch database")
        }
    }

    func run() throws {
        // As in ingest: checkpoints belong to another connection, the writer only restarts an oversized WAL.
        let store = try InvocationBatchStore.createScratch(path: db)
        var generator = SplitMix64(seed: 42)
        let base = UTCTimestamp.now()
        var written = 0
        var transactions = 0
        // WAL frames the commits wrote: what each invocation costs in page writes (and, later, disk bandwidth).
        var framesWritten = 0
        var framesBefore = store.walFrameCount
        let start = ContinuousClock.now
        while written < events {
            let count = min(batch, events - written)
            let list = (0..<count).map { offset -> InvocationInput in
                let index = written + offset
                let session = Int(generator.next() % UInt64(sessions))
                return InvocationInput(
                    sessionID: "bench-\(session)", skillName: "bench-skill-\(generator.next() % UInt64(skills))",
                    completed: generator.next() % 10 < 8, durationSeconds: Double(generator.next() % 5000) / 1000,
                    invokedAt: base.adding(milliseconds: Int64(index / 10)), workflowPhase: .execution,
                    userID: "bench-user-\(session % 7)")
            }
            let result: BatchResult
            do {
                result = try store.write([.invocations(list)], now: .now(), windows: .none)
            } catch {
                throw ValidationError("write failed: another connection holds the database's write lock")
            }
            if case .failed(let message, _) = result.outcomes.first {
                throw ValidationError("write failed: \(message)")
            }
            // No checkpointer runs beside this writer: it checkpoints itself, as ingest's safety valve does.
            // A count below the last one means this commit started the WAL over.
            let frames = store.walFrameCount
            framesWritten += frames >= framesBefore ? frames - framesBefore : frames
            if store.walFrameCount > WALBudget().safetyFrames { store.checkpointWAL() }
            framesBefore = store.walFrameCount
            written += count
            transactions += 1
        }
        let seconds = (ContinuousClock.now - start).seconds
        print(String(format: "bench store: %d invocations in %d transactions in %.3f s = %.0f rows/s (%.1f µs per row)",
                     written, transactions, seconds, Double(written) / seconds, seconds * 1e6 / Double(written)))
        print(String(format: "WAL: %d frames, %.1f per commit, %.0f bytes per invocation",
                     framesWritten, Double(framesWritten) / Double(transactions),
                     Double(framesWritten * WALBudget.frameBytes) / Double(written)))
    }
}
