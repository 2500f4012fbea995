import Foundation
import SkillPulseCore
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `analytics` against planted data sent through a real ingest, answers checked against direct SQL counts.
@Suite(.serialized)
struct AnalyticsServiceTests {
    static func result(_ client: WireClient, _ op: String, _ params: JSONValue = .object([:])) async throws -> JSONValue {
        try await client.call(op, params: params).get()
    }

    /// Polls `body` until it is true (the state follows commits within milliseconds; tests allow seconds).
    static func eventually(_ what: String, timeout: Duration = .seconds(20), _ body: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await body() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test func plantedStructureIsFoundAndNumbersMatchDirectCounts() async throws {
        let ingest = try await DaemonProcess()
        let writer = try await ingest.client()
        let now = UTCTimestamp.now().millisecondsSinceEpoch
        let rows = AnalyticsPlantedData.all(now: now)
        // Half before analytics starts (it loads them from the database), half after (from the stream).
        try await AnalyticsPlantedData.send(Array(rows[..<(rows.count / 2)]), through: writer)
        let analytics = try await DaemonProcess("analytics", arguments: ["--anomaly-interval", "1", "--flush-interval", "0.2"],
                                                directory: ingest.directory)
        let client = try await analytics.client()
        let events = try await analytics.client()
        let subscribed = try await Self.result(events, "subscribe", ["topics": ["anomaly"]])
        #expect(subscribed["topics"] == ["anomaly"])
        try await AnalyticsPlantedData.send(Array(rows[(rows.count / 2)...]), through: writer)
        let total = try IngestTraffic.count(ingest.databasePath)
        try await Self.eventually("analytics to apply every invocation") {
            try await Self.result(client, "stats")["invocations_applied"]?.intValue == Int64(total)
        }

        // Anomalies: flaky's last hour is a performance drop; steady is not flagged, with either method.
        for method in ["zscore", "mad"] {
            let found = try await Self.result(client, "detect_anomalies", ["method": .string(method)])["anomalies"]
            let names = found?.arrayValue?.compactMap { $0["skill_name"]?.stringValue } ?? []
            #expect(names.contains("flaky") && !names.contains("steady"), "\(method): \(String(describing: found))")
            let flaky = found?.arrayValue?.first { $0["skill_name"]?.stringValue == "flaky" }
            #expect(flaky?["anomaly_type"]?.stringValue == "performance_drop" && flaky?["observed_value"]?.doubleValue == 0.4)
        }
        // The background pass recorded it and told the subscriber.
        var anomalyEvent: WireEvent?
        for await event in events.events where event.name == "anomaly" {
            anomalyEvent = event
            break
        }
        #expect(anomalyEvent?.data["skill_name"]?.stringValue == "flaky" && anomalyEvent?.data["state"]?.stringValue == "open")
        try await Self.eventually("the anomaly row") {
            try IngestTraffic.count(ingest.databasePath, """
                SELECT count(*) FROM skill_anomalies WHERE skill_name = 'flaky' AND anomaly_type = 'performance_drop'
                AND resolved_at IS NULL
                """) == 1
        }

        // Real-time top skills of the last hour against a direct count.
        let top = try await Self.result(client, "get_real_time_metrics", ["limit": 3, "time_window_hours": 1])
        let lastHour = try IngestTraffic.count(ingest.databasePath, """
            SELECT count(*) FROM skill_invocation WHERE skill_name = 'flaky'
            AND invoked_at >= strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hour')
            """)
        let flakyTop = top["top_skills"]?.arrayValue?.first { $0["skill_name"]?.stringValue == "flaky" }
        #expect(flakyTop?["invocation_count"]?.intValue == Int64(lastHour) && flakyTop?["completion_rate"]?.doubleValue == 0.4,
                "\(top)")
        // Only steady and flaky have invocations in the last hour.
        #expect(top["top_skills"]?.arrayValue?.count == 2 && top["timestamp"]?.stringValue != nil, "\(top)")

        // Trends.
        for (skill, expected) in [("trend-rising", "improving"), ("trend-falling", "declining"), ("trend-flat", "stable")] {
            let trend = try await Self.result(client, "get_skill_trend", ["skill_name": .string(skill), "days": 14])
            #expect(trend["trend"]?.stringValue == expected && trend["n"]?.intValue == 14, "\(skill): \(trend)")
        }

        // Baselines equal a direct count.
        let baselines = try await Self.result(client, "get_community_baselines", ["limit": 1000])["baselines"]?.arrayValue ?? []
        let direct = try OutsideTools.query(ingest.databasePath, """
            SELECT skill_name, count(*) AS n, count(DISTINCT session_id) AS users, avg(completed) AS rate
            FROM skill_invocation GROUP BY skill_name
            """)
        #expect(baselines.count == direct.count)
        for row in direct {
            let name = row["skill_name"].string ?? ""
            let baseline = baselines.first { $0["skill_name"]?.stringValue == name }
            #expect(baseline?["total_invocations"]?.intValue == row["n"].int64
                        && baseline?["total_users"]?.intValue == row["users"].int64,
                    "\(name): \(String(describing: baseline))")
            #expect(abs((baseline?["global_completion_rate"]?.doubleValue ?? -1) - (row["rate"].double ?? .nan)) < 1e-9)
        }

        // Lift equals a direct count over sessions.
        // One read transaction, as one snapshot.
        let sessions = "SELECT count(DISTINCT session_id) FROM skill_invocation WHERE skill_name = ?"
        let read = try OutsideTools.query(ingest.databasePath, [
            ("SELECT count(DISTINCT session_id) FROM skill_invocation", []),
            (sessions, [.text("lint")]),
            (sessions, [.text("format")]),
            ("""
             SELECT count(*) FROM (SELECT session_id FROM skill_invocation WHERE skill_name = 'lint'
             INTERSECT SELECT session_id FROM skill_invocation WHERE skill_name = 'format')
             """, []),
        ]).map { try #require($0.first?[0].int) }
        let counts = (n: read[0], lint: read[1], format: read[2], both: read[3])
        let expectedLift = Double(counts.both * counts.n) / Double(counts.lint * counts.format)
        let dependencies = try await Self.result(client, "get_skill_dependencies", ["skill_name": "lint", "min_lift": 0])
        let format = dependencies["dependencies"]?.arrayValue?.first { $0["skill_b"]?.stringValue == "format" }
        #expect(format?["co_occurrence_count"]?.intValue == Int64(counts.both), "\(dependencies)")
        #expect(abs((format?["lift_score"]?.doubleValue ?? 0) - expectedLift) < 1e-9, "\(expectedLift) \(dependencies)")
        try await Self.eventually("the dependency row") {
            try IngestTraffic.count(ingest.databasePath, """
                SELECT count(*) FROM skill_dependencies WHERE skill_a = 'format' AND skill_b = 'lint'
                AND co_occurrence_count = \(counts.both) AND abs(lift_score - \(expectedLift)) < 1e-9
                """) == 1
        }

        // kill -9 and restart: the same answers.
        let before = try await Self.answers(client)
        await client.close()
        await events.close()
        #expect(await analytics.stop(signal: SIGKILL) != nil)
        try await analytics.restart()
        let restarted = try await analytics.client()
        #expect(try await Self.answers(restarted) == before)
        await restarted.close()
        await writer.close()
        #expect(await analytics.stop() == 0)
        #expect(!analytics.log.contains("cannot read the invocation log"), "a clean stop is no read failure")
        #expect(await ingest.stop() == 0)
    }

    /// Answers that do not depend on the clock, with their timestamps removed.
    static func answers(_ client: WireClient) async throws -> [JSONValue] {
        var answers: [JSONValue] = []
        for (op, params) in [("get_community_baselines", ["limit": 1000]), ("get_skill_dependencies", ["skill_name": "lint", "min_lift": 0]),
                             ("get_skill_trend", ["skill_name": "trend-rising", "days": 14]),
                             ("get_skill_metrics", ["skill_name": "format"]), ("compare_to_baseline", ["user_id": "user-1"])]
            as [(String, JSONValue)]
        {
            guard case .object(var fields) = try await result(client, op, params) else { continue }
            fields["timestamp"] = nil
            answers.append(.object(fields))
        }
        return answers
    }

    @Test func badInputGetsAFieldNamedAndTheConnectionServesOn() async throws {
        let ingest = try await DaemonProcess()
        let analytics = try await DaemonProcess("analytics", directory: ingest.directory)
        let client = try await analytics.client()
        let cases: [(String, JSONValue, String)] = [
            ("get_real_time_metrics", ["limit": 0], "params.limit"),
            ("get_real_time_metrics", ["limit": 1001], "params.limit"),
            ("get_real_time_metrics", ["time_window_hours": 0], "params.time_window_hours"),
            ("get_real_time_metrics", ["time_window_hours": 2161], "params.time_window_hours"),
            ("detect_anomalies", ["threshold": -1], "params.threshold"),
            ("detect_anomalies", ["method": "iqr"], "params.method"),
            ("get_skill_trend", ["skill_name": "x", "metric": "speed"], "params.metric"),
            ("get_skill_trend", ["skill_name": "x", "days": 0], "params.days"),
            ("get_skill_trend", ["metric": "completion_rate"], "params.skill_name"),
            ("get_community_baselines", ["limit": "ten"], "params.limit"),
            ("get_skill_dependencies", ["skill_name": "x", "min_lift": -1], "params.min_lift"),
            ("subscribe", ["topics": ["weather"]], "params.topics"),
        ]
        for (op, params, field) in cases {
            let response = try await client.call(op, params: params)
            guard case .failure(let error) = response.result else {
                Issue.record("\(op) \(params) succeeded")
                continue
            }
            #expect(error.code == .badRequest && error.message.contains(field), "\(op) \(params): \(error)")
        }
        let unknown = try await client.call("get_skill_metrics", params: ["skill_name": "never-seen"])
        if case .failure(let error) = unknown.result { #expect(error.code == .notFound) } else { Issue.record("found") }
        // The same connection still answers.
        #expect(try await Self.result(client, "health")["status"]?.stringValue == "healthy")
        await client.close()
        #expect(await analytics.stop() == 0)
        #expect(!analytics.log.contains("cannot read the invocation log"), "a clean stop is no read failure")
        #expect(await ingest.stop() == 0)
    }

    /// Ingest down: analytics keeps answering from the database, says `degraded`, and follows again when
    /// ingest is back.
    @Test func withoutIngestItAnswersFromTheDatabaseAndSaysDegraded() async throws {
        let ingest = try await DaemonProcess()
        let analytics = try await DaemonProcess("analytics", directory: ingest.directory)
        let client = try await analytics.client()
        #expect(await ingest.stop() == 0)
        try await Self.eventually("degraded health") {
            try await Self.result(client, "health")["status"]?.stringValue == "degraded"
        }
        // A row written while ingest is down (an operator's sqlite3) is still picked up from the database.
        let inserted = try await OutsideTools.sqlite3(ingest.databasePath, """
            INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, duration_seconds, user_id)
            VALUES ('manual', strftime('%Y-%m-%dT%H:%M:%fZ','now'), 'ops', 1, 1.0, 'ops');
            """)
        #expect(inserted.status == 0, "\(inserted.stderr)")
        try await Self.eventually("the manual row") {
            (try? await Self.result(client, "get_skill_metrics", ["skill_name": "manual"]))?["total_invocations"]?.intValue == 1
        }
        try await ingest.restart()
        try await Self.eventually("healthy again") {
            try await Self.result(client, "health")["status"]?.stringValue == "healthy"
        }
        let writer = try await ingest.client()
        _ = try await IngestTraffic.track(writer, session: "after", skill: "after-restart")
        try await Self.eventually("the streamed row") {
            (try? await Self.result(client, "get_skill_metrics", ["skill_name": "after-restart"]))?["total_invocations"]?.intValue == 1
        }
        await writer.close()
        await client.close()
        #expect(await analytics.stop() == 0)
        #expect(!analytics.log.contains("cannot read the invocation log"), "a clean stop is no read failure")
        #expect(await ingest.stop() == 0)
    }

    /// From the docs-only review: rows another process writes while ingest is quiet are picked up, and the
    /// taxonomy's seeds show without a restart.
    @Test func quietForeignRowsAndNewSeedsAppearWithoutRestart() async throws {
        let ingest = try await DaemonProcess()
        let analytics = try await DaemonProcess("analytics", directory: ingest.directory)
        let client = try await analytics.client()
        try await Self.eventually("following ingest") {
            try await Self.result(client, "health")["status"]?.stringValue == "healthy"
        }
        let inserted = try await OutsideTools.sqlite3(ingest.databasePath, """
            INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, duration_seconds, user_id)
            VALUES ('ruff-check', strftime('%Y-%m-%dT%H:%M:%fZ','now'), 'ops', 1, 1.0, 'ops');
            """)
        #expect(inserted.status == 0, "\(inserted.stderr)")
        try await Self.eventually("the quiet foreign row", timeout: .seconds(5)) {
            (try? await Self.result(client, "get_skill_metrics", ["skill_name": "ruff-check"]))?["total_invocations"]?.intValue == 1
        }
        let seeded = try await OutsideTools.skillpulse(["taxonomy", "init", "--db", ingest.databasePath])
        #expect(seeded.status == 0, "\(seeded.stderr)")
        try await Self.eventually("the seeded pair", timeout: .seconds(15)) {
            let found = try await Self.result(client, "get_skill_dependencies", ["skill_name": "ruff-check"])
            return found["dependencies"]?.arrayValue?.contains {
                $0["skill_b"]?.stringValue == "black-format" && $0["source"]?.stringValue == "seeded"
            } == true
        }
        await client.close()
        #expect(await analytics.stop() == 0)
        #expect(!analytics.log.contains("cannot read the invocation log"), "a clean stop is no read failure")
        #expect(await ingest.stop() == 0)
    }
}
