import Foundation
import Testing

/// `skillpulse bench analytics --hostile` against real ingest and analytics daemons: hostile clients pipeline the
/// most expensive request of every op while ingest takes a load, and the bench reports `health`, a dashboard's
/// real-time query and the lag behind ingest. The figures are the benchmark's to judge; this keeps it working
/// and checks what must hold on any machine: every hostile request answered without an error, every
/// acknowledged batch applied, and `health` never stalled for seconds.
@Suite(.serialized)
struct AnalyticsHostileBenchTests {
    @Test func theHostileBenchAnswersEveryRequestAndHealthKeepsAnswering() async throws {
        let directory = try TemporaryDirectory("analytics-hostile")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        // 500 skills, 20 users (the bench asks about bench-a-user-1), a day of history.
        try await AnalyticsStartupTests.bulkInsert(database, count: 40_000, skill: "i % 500",
                                                   then: "UPDATE skill_invocation SET user_id = 'bench-a-user-' || (id % 20);")
        let ingest = try await DaemonProcess("ingest", directory: directory)
        let analytics = try await DaemonProcess("analytics", directory: directory)
        let result = try Binaries.skillpulse([
            "bench", "analytics", "--db", database, "--runtime-dir", ingest.runtimeDirectory, "--skip-load", "--hostile",
            "--hostile-seconds", "5", "--hostile-load-rate", "300", "--users", "20", "--json",
        ])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        for line in ["health (own connection", "get_real_time_metrics {limit 10, 1 h}", "analytics behind ingest",
                     "detect_anomalies", "get_community_baselines", "train_model", "record_ab_outcome"] {
            #expect(result.stdout.contains(line), "no \(line) in \(result.stdout)")
        }
        let summary = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("{") }.map { Data($0.utf8) })
        let figures = try #require(try JSONSerialization.jsonObject(with: summary) as? [String: Any])
        #expect(figures["hostile_errors"] as? Int == 0, "\(result.stdout)")
        #expect((figures["hostile_answered"] as? Int ?? 0) > 17, "\(result.stdout)")
        #expect(figures["unapplied_batches"] as? Int == 0, "\(result.stdout)")
        // Seconds, not milliseconds, were the failure this guards against (health waited behind the queries).
        #expect((figures["health_max_ms"] as? Double ?? .infinity) < 2_000, "\(result.stdout)")
        #expect((figures["lag_max_seconds"] as? Double ?? .infinity) < 5, "\(result.stdout)")
        let health = try await analytics.client()
        #expect(try await health.call("health").get()["status"]?.stringValue == "healthy")
        await health.close()
    }
}
