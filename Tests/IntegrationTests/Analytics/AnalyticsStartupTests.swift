import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// analytics rebuilds its state from the database before READY, in pages: it says how far it got, and a stop
/// asked for meanwhile ends it between two pages instead of after the whole log.
@Suite(.serialized)
struct AnalyticsStartupTests {
    static let rows = 300_000

    /// Writes `count` invocations the way a foreign bulk import would, in one transaction (with ingest's batch
    /// marker, so the rollup triggers stay out of the way: this test is about the invocation log only).
    static func bulkInsert(_ database: String, count: Int) async throws {
        let result = try await OutsideTools.sqlite3(database, """
            BEGIN; INSERT INTO ingest_batch_marker(token) VALUES (1);
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(count))
            INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, created_at, duration_seconds)
            SELECT 'skill-' || (i % 50), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (i % 86400) || ' seconds'),
                   'session-' || (i / 10), i % 3 != 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), (i % 7) + 0.5 FROM n;
            DELETE FROM ingest_batch_marker; COMMIT;
            """)
        try #require(result.status == 0, "\(result.stderr)")
    }

    @Test func aStopDuringTheRebuildEndsItBetweenTwoPages() async throws {
        let directory = try TemporaryDirectory("analytics-startup")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        try await Self.bulkInsert(database, count: Self.rows)
        let notify = try NotifyListener(path: directory.path("notify.sock"))
        let analytics = try await DaemonProcess("analytics", environment: ["NOTIFY_SOCKET": notify.path],
                                                directory: directory, waitUntilReady: false)
        var seen: [String] = []
        #expect(notify.waitFor("STATUS=rebuilding the state from the database", seen: &seen), "\(seen)")
        let asked = ContinuousClock.now
        #expect(await analytics.stop(timeout: .seconds(20)) == 0, "\(analytics.log)")
        let took = ContinuousClock.now - asked
        seen += notify.collect(for: .milliseconds(100))
        #expect(analytics.log.contains("stopped during start-up"), "\(analytics.log)")
        #expect(!seen.contains { $0.contains("READY=1") }, "\(seen)")
        #expect(took < .seconds(5), "stopping took \(took)")

        // Nothing was lost by stopping early: the next start rebuilds every row.
        // (Without NOTIFY_SOCKET: nobody reads the listener any more, and a full datagram queue blocks senders.)
        let again = try await DaemonProcess("analytics", directory: directory)
        let client = try await again.client()
        let stats = try await client.call("stats").get()
        #expect(stats["invocations_applied"]?.intValue == Int64(Self.rows), "\(stats)")
        await client.close()
        #expect(await again.stop() == 0)
    }
}
