import Foundation
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire

/// The part-2 half of `bench analytics`: recommendations, predictions, A/B tests, clusters and training
/// through the socket, and the in-process cost of a prediction, an assignment and a 100,000-row training.
struct BenchAnalyticsModels {
    let calls: Int
    let users: Int
    let runID: UInt64

    /// Times each op over the socket. Sets up one A/B test (`bench-ab-<run>`) with `users` assignments and
    /// 10,000 outcomes first, and stops it at the end.
    func timeOps(_ analytics: WireClient, skills names: [String]) async throws -> [BenchAnalyticsCommand.OpFigures] {
        var random = SplitMix64(seed: runID ^ 0x5eed)
        func user() -> String { "bench-a-user-\(random.next() % UInt64(users))" }
        func skill() -> String { names[Int(random.next() % UInt64(names.count))] }
        var results: [BenchAnalyticsCommand.OpFigures] = []
        func time(_ op: String, label: String? = nil, target: String, reference: String, count: Int? = nil,
                  _ params: () -> JSONValue) async throws {
            var samples: [Double] = []
            for _ in 0..<(count ?? calls) {
                let arguments = params()
                let started = ContinuousClock.now
                _ = try DaemonConnection.result(try await analytics.call(op, params: arguments))
                samples.append((ContinuousClock.now - started).milliseconds)
            }
            results.append(.init(op: label ?? op, target: target, reference: reference, latency: LatencySummary(samples: samples)))
        }
        try await time("health", target: "—", reference: "(the socket's round-trip floor)") { [:] }
        try await time("get_collaborative_recommendations", target: "< 10 ms", reference: "203 ms (MCP, 100k rows)") {
            ["user_id": .string(user()), "limit": 5]
        }
        try await time("predict_success_probability", target: "< 0.2 ms*", reference: "25.7 ms (10k rows)") {
            ["skill_name": .string(skill()), "user_id": .string(user()), "workflow_phase": "execution"]
        }
        try await time("get_skill_clusters", target: "—", reference: "— (tables never filled)", count: max(10, calls / 10)) {
            ["limit": 20]
        }

        let created = try DaemonConnection.result(try await analytics.call("create_ab_test", params: [
            "test_name": .string("bench-ab-\(runID)"), "control_strategy": "control", "treatment_strategy": "treatment",
            "assignment_ratio": 0.5, "min_sample_size": 100, "minimum_detectable_effect": 0.02,
        ]))
        guard let testID = created["test_id"]?.intValue else { throw CLI.fail("create_ab_test returned no test_id") }
        let assignees = min(users, 5_000)
        try await time("assign_ab_test", label: "assign_ab_test (new user)", target: "—", reference: "—", count: assignees) { [counter = Counter()] in
            ["test_id": .integer(testID), "user_id": .string("bench-a-user-\(counter.next())")]
        }
        try await time("assign_ab_test", label: "assign_ab_test (assigned)", target: "< 0.1 ms*", reference: "—") {
            ["test_id": .integer(testID), "user_id": .string("bench-a-user-\(random.next() % UInt64(assignees))")]
        }
        try await time("record_ab_outcome", target: "—", reference: "—", count: 10_000) {
            ["test_id": .integer(testID), "user_id": .string("bench-a-user-\(random.next() % UInt64(assignees))"),
             "skill_name": .string(names[0]), "completed": .bool(random.unit() < 0.6)]
        }
        try await time("get_ab_test_summary", target: "< 5 ms", reference: "— (t-test on 0/1; view says 1.0)") {
            ["test_id": .integer(testID)]
        }
        _ = try DaemonConnection.result(try await analytics.call("stop_ab_test", params: ["test_id": .integer(testID)]))
        return results
    }

    /// `train_model` over the socket on the last `days` days: its figures and wall time.
    func train(_ analytics: WireClient, days: Int) async throws -> (report: JSONValue, seconds: Double) {
        let started = ContinuousClock.now
        let report = try DaemonConnection.result(try await analytics.call("train_model", params: ["days": .integer(Int64(days))]))
        return (report, (ContinuousClock.now - started).seconds)
    }

    /// The same data set fed to a predictor in this process: a 100,000-row training, then predictions and
    /// assignments timed one by one (what the daemon does per request, without the socket).
    static func inProcess(data: BenchAnalyticsData, now: Int64, calls: Int) -> [String: Double] {
        // Fed as the engine feeds them: the state numbers each row, the predictor observes it by number.
        var predictor = SuccessPredictor()
        var state = AnalyticsState()
        var id: Int64 = 0
        var skills: [String] = []
        let loadStarted = ContinuousClock.now
        data.forEachRow(now: now) { row in
            id += 1
            let record = InvocationRecord(
                id: id, skillName: row.skillName, sessionID: row.session, userID: row.userName, invokedAt: row.time,
                completed: row.completed, durationSeconds: row.duration, workflowPhase: row.phase)
            if let numbered = state.admit(record) { predictor.observe(numbered) }
            if row.skill >= skills.count { skills.append(contentsOf: (skills.count...row.skill).map { "bench-a-skill-\($0)" }) }
        }
        var figures = BenchAnalyticsQueries.time(&state, skills: skills, now: now, calls: calls)
        figures["apply_in_process_rows_per_second"] = Double(id) / (ContinuousClock.now - loadStarted).seconds
        let names = state.names
        let replayStarted = ContinuousClock.now
        let all = predictor.trainingRows(from: .min, through: .max)
        figures["replay_all_rows_seconds"] = (ContinuousClock.now - replayStarted).seconds
        let rows = min(100_000, all.count)
        let started = ContinuousClock.now
        if case .success(let trained) = SuccessModelTraining.train(all.slice((all.count - rows)..<all.count)) {
            figures["train_100k_seconds"] = (ContinuousClock.now - started).seconds
            figures["train_100k_auc"] = trained.report.auc ?? .nan
            figures["train_100k_brier"] = trained.report.brier ?? .nan
            figures["train_100k_base_rate_brier"] = trained.report.baseRateBrier ?? .nan
            predictor.install(trained.model, report: trained.report)
        }
        figures["train_rows"] = Double(rows)
        var random = SplitMix64(seed: 99)
        let count = max(calls, 10_000)
        var predictions: [Double] = []
        var sink = 0.0
        for _ in 0..<count {
            let query = PredictionQuery(skillName: skills[Int(random.next() % UInt64(skills.count))],
                                        userID: "bench-a-user-\(random.next() % UInt64(data.users))",
                                        workflowPhase: "execution", time: now)
            let started = ContinuousClock.now
            // What the engine does per request: the names' numbers, then the prediction.
            sink += predictor.predict(query, keys: names.keys(of: query)).probability
            predictions.append((ContinuousClock.now - started).milliseconds)
        }
        var book = ABTestRecord(config: ABTestConfig(testID: 1, name: "bench", description: nil, controlStrategy: "a",
                                                     treatmentStrategy: "b", assignmentRatio: 0.5, minimumSampleSize: 100,
                                                     metric: "completion_rate", minimumDetectableEffect: nil, startDate: ""),
                                status: "running", endDate: nil)
        var assignments: [Double] = []
        for index in 0..<count {
            let user = "bench-a-user-\(index % data.users)"
            let started = ContinuousClock.now
            let group = book.assignments[user] ?? ABTestAssignment.group(testID: 1, userID: user, ratio: 0.5)
            book.assign(user, to: group)
            assignments.append((ContinuousClock.now - started).milliseconds)
        }
        let prediction = LatencySummary(samples: predictions)
        let assignment = LatencySummary(samples: assignments)
        figures["predict_in_process_p50_ms"] = prediction.p50
        figures["predict_in_process_p99_ms"] = prediction.p99
        figures["assign_in_process_p50_ms"] = assignment.p50
        figures["assign_in_process_p99_ms"] = assignment.p99
        if sink < 0 { print(sink) }
        return figures
    }
}

/// A counter a parameter closure can advance (the closures above are not `mutating`).
final class Counter {
    private var value = 0
    func next() -> Int {
        defer { value += 1 }
        return value
    }
}
