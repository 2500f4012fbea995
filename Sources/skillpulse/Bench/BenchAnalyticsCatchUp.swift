import Foundation
import SkillPulseCore
import SkillPulseStore
import SkillPulseWire
#if canImport(Glibc)
import Glibc
#endif

/// How fast analytics works off a backlog: it is frozen (SIGSTOP) while `events` invocations are committed
/// through ingest, then thawed (SIGCONT) and timed until it has applied them all. That rate — on one core,
/// with its flushes and background passes running — bounds the ingest rate it can follow; on a 2-core machine it
/// is the only way to see it, since ingest and the bench client cannot produce that rate beside it.
struct BenchAnalyticsCatchUp {
    let events: Int
    let users: Int
    let skills: Int

    func run(ingest: WireClient, analytics: WireClient, socket: String, database: String) async throws
        -> (seconds: Double, rate: Double)
    {
        guard let pid = try DaemonConnection.result(try await analytics.call("health"))["pid"]?.intValue else {
            throw CLI.fail("analytics' health names no pid")
        }
        let appliedBefore = try DaemonConnection.result(try await analytics.call("stats"))["invocations_applied"]?.intValue ?? 0
        // The day before now: current timestamps, ingest's quick path, new sessions.
        let data = BenchAnalyticsData(invocations: events, skills: skills, users: users, days: 1, batch: 1_000,
                                      runID: UInt64(UTCTimestamp.now().millisecondsSinceEpoch) ^ 0xca7c4)
        let requests = data.requests(now: UTCTimestamp.now().millisecondsSinceEpoch - 60_000)
        try await freezeOutsideTransactions(pid: pid_t(pid), database: database)
        var thawed = false
        defer { if !thawed { kill(pid_t(pid), SIGCONT) } }
        let connections = try (0..<2).map { _ in try PipelinedBenchConnection(path: socket) }
        let perClient = (0..<2).map { client in stride(from: client, to: requests.count, by: 2).map { requests[$0] } }
        let start = ContinuousClock.now
        let tally = await withTaskGroup(of: WorkerTally.self) { group in
            for (client, list) in perClient.enumerated() {
                group.addTask { await connections[client].run(list, pipeline: 8, start: start, interval: nil) }
            }
            return await group.reduce(into: WorkerTally()) { $0.merge($1) }
        }
        guard tally.errors == 0 else { throw CLI.fail("the catch-up load had \(tally.errors) errors: \(tally.firstError ?? "")") }
        let target = appliedBefore + Int64(tally.ackedEvents)
        kill(pid_t(pid), SIGCONT)
        thawed = true
        let thawedAt = ContinuousClock.now
        while true {
            if let applied = try? DaemonConnection.result(try await analytics.call("stats"))["invocations_applied"]?.intValue,
               applied >= target { break }
            if ContinuousClock.now - thawedAt > .seconds(120) { throw CLI.fail("analytics did not catch up within 120 s") }
            try await Task.sleep(for: .milliseconds(5))
        }
        let seconds = (ContinuousClock.now - thawedAt).seconds
        return (seconds, Double(tally.ackedEvents) / seconds)
    }

    /// Stops analytics at a moment it holds no write transaction (frozen inside one, it would hold ingest's
    /// writes up): stop it, then check that the write lock is free with a transaction of our own; if it is not,
    /// let it run a little and try again.
    private func freezeOutsideTransactions(pid: pid_t, database: String) async throws {
        let probe = try await BlockingWork.run("bench-probe") {
            try DerivedTableWriter(path: database, label: "bench-probe", lockTimeout: 0.05)
        }
        defer { try? probe.close() }
        for _ in 0..<100 {
            guard kill(pid, SIGSTOP) == 0 else { throw CLI.fail("cannot stop analytics (pid \(pid)): errno \(errno)") }
            do {
                try await probe.probeWriteLock()
                return
            } catch {
                kill(pid, SIGCONT)
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw CLI.fail("analytics held the write lock every time it was stopped")
    }
}
