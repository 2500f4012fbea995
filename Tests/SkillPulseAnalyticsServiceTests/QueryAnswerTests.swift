import Foundation
import SkillPulseAnalytics
@testable import SkillPulseAnalyticsService
import SkillPulseCore
import SkillPulseWire
import Testing

/// Every query op from request JSON to reply JSON in process (no socket, no database): the answers agree with
/// direct counts over the planted invocations, and bad input is a `bad_request` naming the field. The socket
/// and the database are covered by IntegrationTests' AnalyticsServiceTests; this lane runs in milliseconds.
struct QueryAnswerTests {
    /// Three skills over the last 30 minutes: `read-file` 40× (30 completed), `run-tests` 20× (10), `deploy` 5× (5),
    /// across 4 users and 10 sessions; each session reads, then tests (and every other one deploys).
    static let now = UTCTimestamp.now().millisecondsSinceEpoch
    static func plantedRecords() -> [InvocationRecord] {
        var records: [InvocationRecord] = []
        var id: Int64 = 0
        func add(_ skill: String, session: Int, completed: Bool, duration: Double) {
            id += 1
            records.append(InvocationRecord(id: id, skillName: skill, sessionID: "s\(session)", userID: "u\(session % 4)",
                                            invokedAt: now - 1_800_000 + id * 1_000, completed: completed,
                                            durationSeconds: duration, workflowPhase: "execution"))
        }
        for session in 0..<10 {
            for read in 0..<4 { add("read-file", session: session, completed: read < 3, duration: 0.5) }
            for test in 0..<2 { add("run-tests", session: session, completed: test == 0, duration: 10) }
            if session % 2 == 0 { add("deploy", session: session, completed: true, duration: 60) }
        }
        return records
    }

    let analytics = InProcessAnalytics(records: plantedRecords())

    @Test func realTimeMetricsRankTheWindowByVolume() throws {
        let result = try analytics.call(#"{"id":1,"op":"get_real_time_metrics","params":{"limit":2}}"#).get()
        let top = try #require(result["top_skills"]?.arrayValue)
        #expect(top.map { $0["skill_name"]?.stringValue } == ["read-file", "run-tests"])
        #expect(top[0]["invocation_count"] == 40 && top[0]["completed_count"] == 30 && top[0]["completion_rate"] == 0.75)
        #expect(top[1]["avg_duration"] == 10)
        #expect(result["time_window_hours"] == 1 && result["timestamp"]?.stringValue != nil)
    }

    @Test func skillMetricsCountTheLifetimeAndTheWindows() throws {
        let result = try analytics.call(#"{"id":"a","op":"get_skill_metrics","params":{"skill_name":"run-tests"}}"#).get()
        #expect(result["total_invocations"] == 20 && result["completed_invocations"] == 10)
        #expect(result["completion_rate"] == 0.5 && result["total_users"] == 4 && result["sessions"] == 10)
    }

    @Test func dependenciesAndBaselinesComeFromTheSameState() throws {
        let baselines = try analytics.call(#"{"id":2,"op":"get_community_baselines"}"#).get()
        #expect(baselines["total_skills"] == 3)
        let deploy = try #require(baselines["baselines"]?.arrayValue?.first { $0["skill_name"] == "deploy" })
        #expect(deploy["total_invocations"] == 5 && deploy["global_completion_rate"] == 1)
        let dependencies = try analytics.call(
            #"{"id":3,"op":"get_skill_dependencies","params":{"skill_name":"deploy","min_lift":0}}"#).get()
        let partners = dependencies["dependencies"]?.arrayValue?.compactMap { $0["skill_b"]?.stringValue } ?? []
        #expect(Set(partners) == ["read-file", "run-tests"], "every deploy session also read and tested: \(dependencies)")
    }

    @Test func aUserIsComparedWithTheCommunity() throws {
        let result = try analytics.call(#"{"id":4,"op":"compare_to_baseline","params":{"user_id":"u1"}}"#).get()
        #expect(result["user_id"] == "u1")
        #expect(result["comparisons"]?.arrayValue?.count == 2, "u1 ran sessions 1, 5, 9: no deploy")
    }

    @Test func compareToBaselineAppliesIngestsNameRulesToTheUser() throws {
        #expect(throws: WireError.badRequest("params.user_id must not start or end with whitespace")) {
            try analytics.call(#"{"id":9,"op":"compare_to_baseline","params":{"user_id":" u1"}}"#).get()
        }
        #expect(throws: WireError.badRequest("params.user_id must not be empty")) {
            try analytics.call(#"{"id":9,"op":"compare_to_baseline","params":{"user_id":""}}"#).get()
        }
        let nul = try analytics.call(#"{"id":9,"op":"compare_to_baseline","params":{"user_id":"u\u0000"}}"#)
        guard case .failure(let error) = nul else { Issue.record("answered \(nul)"); return }
        #expect(error.code == .badRequest && error.message.hasPrefix("params.user_id"), "\(error)")
    }

    @Test func unknownSkillsAndBadFieldsAreAnsweredWithStableCodes() throws {
        #expect(throws: WireError.notFound("skill \"nope\" has never been invoked")) {
            try analytics.call(#"{"id":5,"op":"get_skill_trend","params":{"skill_name":"nope"}}"#).get()
        }
        #expect(throws: WireError.badRequest("params.limit must be between 1 and 1000")) {
            try analytics.call(#"{"id":6,"op":"get_real_time_metrics","params":{"limit":0}}"#).get()
        }
        #expect(throws: WireError.badRequest("params.method: unknown method \"median\"; known: zscore, mad")) {
            try analytics.call(#"{"id":7,"op":"detect_anomalies","params":{"method":"median"}}"#).get()
        }
        let unknown = try analytics.call(#"{"id":8,"op":"get_everything"}"#)
        guard case .failure(let error) = unknown else { Issue.record("answered \(unknown)"); return }
        #expect(error.code == .unknownOp && error.message.hasSuffix(AnalyticsOp.allCases.map(\.rawValue).joined(separator: ", ")))
    }

    /// The planted invocations are half an hour old: no baseline yet, and the answer says so.
    @Test func anomaliesAnswerWhyTheyAreEmptyAndRefuseWindowsWithoutABaseline() throws {
        let result = try analytics.call(#"{"id":1,"op":"detect_anomalies"}"#).get()
        #expect(result["anomalies"] == [] && result["reason"]?.stringValue?.hasPrefix(
            "not enough history: needs 3 whole hours of baseline before the last hour; the oldest invocation of the 3 skills") == true,
                "\(result)")
        #expect(throws: WireError.badRequest("params.time_window_hours must be at least 3 (the baseline needs 3 whole hours "
                                             + "before the observed hour) and at most 2160 (90 days)")) {
            try analytics.call(#"{"id":2,"op":"detect_anomalies","params":{"time_window_hours":2}}"#).get()
        }
        #expect(throws: WireError.badRequest("params.state: unknown state \"closed\"; known: open, resolved, all")) {
            try analytics.call(#"{"id":3,"op":"list_anomalies","params":{"state":"closed"}}"#).get()
        }
        #expect(throws: WireError.badRequest("params.since_id must be an anomaly id ≥ 0")) {
            try analytics.call(#"{"id":4,"op":"list_anomalies","params":{"since_id":-5}}"#).get()
        }
        #expect(throws: WireError.badRequest("params.limit must be between 1 and 1000")) {
            try analytics.call(#"{"id":5,"op":"list_anomalies","params":{"limit":5000}}"#).get()
        }
        let request = WireRequest<AnalyticsOperation>.decode(Data(#"{"id":6,"op":"list_anomalies"}"#.utf8))
        guard case .success(.listAnomalies(let listing)) = request.operation else { Issue.record("\(request.operation)"); return }
        #expect(listing == AnomalyListRequest(state: .open, sinceID: 0, limit: 100))
    }

    @Test func everyQueryOpDecodesToAQueryOfTheSameName() throws {
        let requests: [AnalyticsOp: String] = [
            .getSkillMetrics: #"{"skill_name":"deploy"}"#, .getRealTimeMetrics: "{}", .detectAnomalies: "{}",
            .getSkillTrend: #"{"skill_name":"deploy"}"#, .getCommunityBaselines: "{}",
            .compareToBaseline: #"{"user_id":"u0"}"#, .getSkillDependencies: #"{"skill_name":"deploy"}"#,
            .getCollaborativeRecommendations: #"{"user_id":"u0"}"#,
        ]
        for (op, params) in requests {
            let request = WireRequest<AnalyticsOperation>.decode(Data(#"{"id":1,"op":"\#(op.rawValue)","params":\#(params)}"#.utf8))
            let operation = try request.operation.get()
            #expect(operation.name == op)
            guard case .query = operation else { Issue.record("\(op) is not answered from the state"); continue }
            #expect(throws: Never.self) { try analytics.call(#"{"id":1,"op":"\#(op.rawValue)","params":\#(params)}"#).get() }
        }
    }
}

/// session-buddy's result keys keep their meaning (docs/analytics.md, "Compared with session-buddy"): where
/// SkillPulse has a better figure it is under a new key, so a migrated client never reads a value backwards.
struct SessionBuddyKeyTests {
    static let now = UTCTimestamp.now().millisecondsSinceEpoch

    /// `fast` completes in 2 s and 4 s and fails slowly (30 s); `broken` only fails; `deploy` follows `fast` in
    /// two sessions of four; 14 days of `trending`, improving.
    static func records() -> [InvocationRecord] {
        var records: [InvocationRecord] = []
        func add(_ skill: String, session: String, user: String, completed: Bool, duration: Double?, at time: Int64) {
            records.append(InvocationRecord(id: Int64(records.count + 1), skillName: skill, sessionID: session, userID: user,
                                            invokedAt: time, completed: completed, durationSeconds: duration,
                                            workflowPhase: "execution"))
        }
        let day: Int64 = 86_400_000
        for index in 0..<14 * 20 {
            let dayIndex = Int64(index / 20)
            add("trending", session: "t\(index)", user: "tu", completed: index % 20 < 5 + Int(dayIndex),
                duration: 1, at: now - (13 - dayIndex) * day - 7_200_000 + Int64(index % 20) * 60_000)
        }
        for (index, (completed, duration)) in [(true, 2.0), (true, 4.0), (false, 30.0)].enumerated() {
            add("fast", session: "s\(index)", user: "u\(index)", completed: completed, duration: duration,
                at: now - 600_000 + Int64(index) * 1_000)
        }
        add("broken", session: "s0", user: "u0", completed: false, duration: 9, at: now - 500_000)
        add("fast", session: "s3", user: "u0", completed: true, duration: 3, at: now - 400_000)
        return records
    }

    let analytics = InProcessAnalytics(records: records())

    @Test func realTimeAverageDurationCountsCompletedInvocations() throws {
        let result = try analytics.call(#"{"id":1,"op":"get_real_time_metrics","params":{"limit":10}}"#).get()
        let top = try #require(result["top_skills"]?.arrayValue)
        let fast = try #require(top.first { $0["skill_name"] == "fast" })
        // session-buddy: completed only (2, 4, 3 → 3); every invocation with a duration: (2+4+30+3)/4 = 9.75.
        #expect(fast["avg_duration"] == 3 && fast["avg_duration_all"] == 9.75, "\(fast)")
        let broken = try #require(top.first { $0["skill_name"] == "broken" })
        #expect(broken["avg_duration"] == 0 && broken["avg_duration_all"] == 9, "\(broken)")
        let metrics = try analytics.call(#"{"id":2,"op":"get_skill_metrics","params":{"skill_name":"fast"}}"#).get()
        #expect(metrics["windows"]?["1h"]?["avg_duration"] == 3 && metrics["windows"]?["1h"]?["avg_duration_all"] == 9.75)
    }

    @Test func trendConfidenceIsThePValueAsInSessionBuddy() throws {
        let trend = try analytics.call(#"{"id":3,"op":"get_skill_trend","params":{"skill_name":"trending","days":14}}"#).get()
        let p = try #require(trend["p_value"]?.doubleValue)
        #expect(trend["trend"] == "improving" && p < 0.05, "\(trend)")
        #expect(trend["confidence"]?.doubleValue == p && trend["confidence_level"]?.doubleValue == 1 - p)
    }

    @Test func baselinesCountSessionsAndRankByEffectiveness() throws {
        let result = try analytics.call(#"{"id":4,"op":"get_community_baselines","params":{"limit":10}}"#).get()
        let baselines = try #require(result["baselines"]?.arrayValue)
        let percentiles = baselines.compactMap { $0["effectiveness_percentile"]?.doubleValue }
        #expect(percentiles == percentiles.sorted(by: >), "most effective first: \(baselines)")
        let fast = try #require(baselines.first { $0["skill_name"] == "fast" })
        // Four sessions (s0–s3) of three users.
        #expect(fast["total_users"] == 4 && fast["distinct_users"] == 3, "\(fast)")
    }

    @Test func dependencyTypesKeepTheReferenceScaleAndSayTheDirection() throws {
        let result = try analytics.call(
            #"{"id":5,"op":"get_skill_dependencies","params":{"skill_name":"fast","min_lift":0}}"#).get()
        for dependency in result["dependencies"]?.arrayValue ?? [] {
            let lift = try #require(dependency["lift_score"]?.doubleValue)
            #expect(dependency["relationship_type"]?.stringValue == Association.relationshipType(lift: lift))
            #expect(dependency["direction"]?.stringValue == Association.direction(lift: lift))
        }
    }

    @Test func recommendationSourcesUseTheReferenceNames() throws {
        let result = try analytics.call(
            #"{"id":6,"op":"get_collaborative_recommendations","params":{"user_id":"stranger","limit":3}}"#).get()
        let items = try #require(result["recommendations"]?.arrayValue)
        #expect(!items.isEmpty && items.allSatisfy { $0["source"] == "global_popularity" && $0["method"] == "popular" },
                "\(result)")
    }
}

extension SessionBuddyKeyTests {
    @Test func fractionalWindowsKeepTheirInclusiveEdge() {
        #expect(AnalyticsHandler.windowMillis(hours: 65.0 / 60) == 3_900_000)
        #expect(AnalyticsHandler.windowMillis(hours: 1.0 / 60) == 60_000)
        #expect(AnalyticsHandler.windowMillis(hours: 0.1) == 360_000)
    }
}

/// Every empty answer says why.
struct EmptyAnswerReasonTests {
    let empty = InProcessAnalytics(records: [])
    let planted = InProcessAnalytics(records: QueryAnswerTests.plantedRecords())

    @Test func emptyListsCarryAReason() throws {
        let top = try empty.call(#"{"id":1,"op":"get_real_time_metrics","params":{}}"#).get()
        #expect(top["top_skills"]?.arrayValue?.isEmpty == true && top["reason"] == "no invocations yet", "\(top)")
        let baselines = try empty.call(#"{"id":2,"op":"get_community_baselines","params":{}}"#).get()
        #expect(baselines["baselines"]?.arrayValue?.isEmpty == true
                && baselines["reason"]?.stringValue?.contains("no invocations yet") == true, "\(baselines)")
        let dependencies = try planted.call(
            #"{"id":3,"op":"get_skill_dependencies","params":{"skill_name":"deploy","min_lift":1000}}"#).get()
        #expect(dependencies["dependencies"]?.arrayValue?.isEmpty == true
                && dependencies["reason"]?.stringValue?.contains("lift of 1000") == true, "\(dependencies)")
        // A list with entries has no reason.
        let busy = try planted.call(#"{"id":4,"op":"get_real_time_metrics","params":{}}"#).get()
        #expect(busy["reason"] == nil && busy["top_skills"]?.arrayValue?.isEmpty == false)
        let old = try planted.call(#"{"id":5,"op":"get_real_time_metrics","params":{"time_window_hours":0.001}}"#).get()
        #expect(old["top_skills"]?.arrayValue?.isEmpty == false || old["reason"]?.stringValue?.contains("no invocations in the last") == true)
    }
}
