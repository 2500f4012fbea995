import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// analytics rebuilds its state from the database before READY, in pages: it says how far it got, and a stop
/// asked for meanwhile ends it between two pages instead of after the whole log. Its writes of
/// `skill_dependencies` keep to their per-flush budget and converge on a direct count.
@Suite(.serialized)
struct AnalyticsStartupTests {
    static let rows = 300_000

    /// Writes `count` invocations the way a foreign bulk import would, in one transaction (with ingest's batch
    /// marker, so the rollup triggers stay out of the way: these tests are about the invocation log), and the
    /// `skill_metrics` rows the derived tables' foreign keys need.
    /// `skill` and `session` are SQL expressions of the row number `i` (from `first`); `then` runs in the same
    /// transaction, after the insert.
    static func bulkInsert(_ database: String, count: Int, first: Int = 1, skill: String = "i % 50",
                           session: String = "'session-' || (i / 10)", then: String = "") async throws {
        let result = try await OutsideTools.sqlite3(database, """
            BEGIN; INSERT INTO ingest_batch_marker(token) VALUES (1);
            WITH RECURSIVE n(i) AS (SELECT \(first) UNION ALL SELECT i + 1 FROM n WHERE i < \(first + count - 1))
            INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, created_at, duration_seconds)
            SELECT 'skill-' || (\(skill)), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (i % 86400) || ' seconds'),
                   \(session), i % 3 != 0, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), (i % 7) + 0.5 FROM n;
            INSERT OR IGNORE INTO skill_metrics (skill_name) SELECT DISTINCT skill_name FROM skill_invocation;
            \(then)
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

    /// Pairs seen together in at least 3 sessions, counted straight from the invocation log, and the stored rows.
    static func dependencyTables(_ database: String) async throws -> (direct: [String], stored: [String]) {
        let direct = try await OutsideTools.sqlite3(database, """
            WITH s AS (SELECT DISTINCT session_id, skill_name FROM skill_invocation)
            SELECT a.skill_name || '|' || b.skill_name || '|' || count(*) FROM s a JOIN s b
            ON a.session_id = b.session_id AND a.skill_name < b.skill_name GROUP BY a.skill_name, b.skill_name
            HAVING count(*) >= 3 ORDER BY 1;
            """)
        let stored = try await OutsideTools.sqlite3(database, """
            SELECT min(skill_a, skill_b) || '|' || max(skill_a, skill_b) || '|' || co_occurrence_count
            FROM skill_dependencies ORDER BY 1;
            """)
        return (direct.stdout.split(separator: "\n").map(String.init), stored.stdout.split(separator: "\n").map(String.init))
    }

    /// A flush writes at most `--flush-max-pairs` changed pairs; the rest wait (`dependency_rows_pending`) and
    /// are written by the next flushes, until the table equals a direct count over sessions. Rows deleted by
    /// hand come back when their pair changes again, at a new rowid.
    @Test func dependencyRowsKeepToTheirBudgetAndConvergeOnADirectCount() async throws {
        let directory = try TemporaryDirectory("analytics-pairs")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        // 3,000 sessions of 10 invocations over 60 skills, spread so that ~1,700 pairs share sessions.
        let skill = "(i * 37 + i / 10) % 60"
        try await Self.bulkInsert(database, count: 30_000, skill: skill)
        let analytics = try await DaemonProcess("analytics", arguments: ["--flush-max-pairs", "100", "--flush-interval", "0.2"],
                                                directory: directory)
        let client = try await analytics.client()
        try await AnalyticsServiceTests.eventually("the first (full) write of every pair") {
            let tables = try await Self.dependencyTables(database)
            return tables.direct == tables.stored
        }
        // More sessions change most pairs (N grows < 5 % and within the minute, so no full rewrite: the budget
        // applies); in the same transaction, three stored rows of pairs they change are deleted by hand.
        try await Self.bulkInsert(database, count: 1_400, first: 30_001, skill: "(i * 41 + i / 7) % 60",
                                  session: "'late-' || (i / 10)", then: """
            DELETE FROM skill_dependencies WHERE rowid IN (
                SELECT d.rowid FROM skill_dependencies d WHERE EXISTS (
                    SELECT 1 FROM skill_invocation a JOIN skill_invocation b ON a.session_id = b.session_id
                    WHERE a.session_id LIKE 'late-%' AND a.skill_name = d.skill_a AND b.skill_name = d.skill_b)
                ORDER BY d.rowid LIMIT 3);
            """)
        var pendingSeen: [Int64] = []
        try await AnalyticsServiceTests.eventually("the new rows to be applied and written") {
            let stats = try await client.call("stats").get()
            let pending = stats["dependency_rows_pending"]?.intValue ?? -1
            if pending > 0 { pendingSeen.append(pending) }
            guard stats["invocations_applied"]?.intValue == 31_400, pending == 0 else { return false }
            let tables = try await Self.dependencyTables(database)
            return tables.direct == tables.stored
        }
        // More than one flush's worth changed, and it was worked off 100 at a time.
        #expect((pendingSeen.max() ?? 0) > 100, "\(pendingSeen)")
        #expect(Set(pendingSeen).count > 2, "\(pendingSeen)")
        // Lift as documented: co·N / (n_a·n_b), N = sessions — for a pair whose count did not change since it
        // was written, within the drift that gets it rewritten: N up 5 %, n_a or n_b up 2.5 % (1/1.05 … 1.025²).
        let lifts = try await OutsideTools.sqlite3(database, """
            WITH s AS (SELECT DISTINCT session_id, skill_name FROM skill_invocation),
                 n AS (SELECT count(DISTINCT session_id) AS sessions FROM skill_invocation),
                 per AS (SELECT skill_name, count(*) AS c FROM s GROUP BY skill_name)
            SELECT max(abs(d.lift_score / (d.co_occurrence_count * n.sessions * 1.0 / (a.c * b.c)) - 1))
            FROM skill_dependencies d, n JOIN per a ON a.skill_name = d.skill_a JOIN per b ON b.skill_name = d.skill_b;
            """)
        #expect(Double(lifts.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).map { $0 <= 0.051 } == true,
                "\(lifts.stdout) \(lifts.stderr)")
        await client.close()
        #expect(await analytics.stop() == 0)
    }
}
