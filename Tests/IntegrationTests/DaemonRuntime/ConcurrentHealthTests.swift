import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Every daemon answers a burst of requests while pinned to one CPU — a cooperative pool of one thread, where
/// a single blocking call in async code stalls everything — and still stops on SIGTERM within its budget.
@Suite(.serialized)
struct ConcurrentHealthTests {
    static let services = ["ingest", "analytics", "realtime-gateway", "metrics-exporter"]
    /// The read ops each daemon answers besides `health`.
    static let readOps = ["ingest": ["stats"], "analytics": ["stats", "get_real_time_metrics"]]

    @Test(arguments: services)
    func aThousandConcurrentRequestsAllGetAnswers(service: String) async throws {
        let daemon = try await DaemonProcess(service, cpus: "0")
        let ops = ["health"] + (Self.readOps[service] ?? [])
        let answered = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<1_000 {
                group.addTask {
                    let client = try await daemon.client()
                    defer { Task { await client.close() } }
                    let op = ops[index % ops.count]
                    let reply = try await client.call(op).get()
                    if op == "health" {
                        let status = reply["status"]?.stringValue
                        return status == "healthy" || status == "degraded" ? 1 : 0
                    }
                    return reply["invocations_committed"] != nil || reply["invocations_applied"] != nil
                        || reply["top_skills"] != nil ? 1 : 0
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(answered == 1_000, "\(service): \(answered) of 1000 answered")
        // Fresh clients still get answers afterwards.
        let client = try await daemon.client()
        let health = try await client.call("health").get()
        if service == "analytics" {
            // Alone, without ingest, analytics answers from the database and says so.
            #expect(health["status"]?.stringValue == "degraded" && health["reason"]?.stringValue?.contains("ingest") == true,
                    "\(health)")
        } else {
            #expect(health["status"]?.stringValue == "healthy")
        }
        await client.close()
        let started = ContinuousClock.now
        #expect(await daemon.stop(signal: SIGTERM, timeout: .seconds(23)) == 0, "\(daemon.log)")
        #expect(ContinuousClock.now - started < .seconds(23))
    }
}
