import Foundation
import SkillPulseCore
import SkillPulseWire
import Testing

/// Issue #23 through the real daemons: a back-dated history sent in shuffled order trains the success model
/// (only rows arriving in time order used to be training rows), a one-sided start leaves the prior answering
/// and says why, `train_model` says what its figures count, and empty recommendations say why.
@Suite(.serialized)
struct AnalyticsTrainingHistoryTests {
    static func result(_ client: WireClient, _ op: String, _ params: JSONValue = .object([:])) async throws -> JSONValue {
        try await AnalyticsModelServiceTests.result(client, op, params)
    }

    static func invocation(_ skill: String, session: String, user: String, at time: Int64, completed: Bool,
                           phase: String) -> JSONValue {
        .object([
            "session_id": .string(session), "skill_name": .string(skill), "completed": .bool(completed),
            "duration_seconds": 1.0, "invoked_at": .string(AnalyticsPlantedData.stamp(time)), "user_id": .string(user),
            "workflow_phase": .string(phase),
        ])
    }

    /// 4,000 invocations over the 10 days before `now`: 20 easy skills (log-odds +1.5), 20 hard ones (−1.5),
    /// 150 users with effects in [−1, 1], sessions of a few calls; then shuffled.
    static func importedHistory(now: Int64) -> [JSONValue] {
        var random = SplitMix64(seed: 23)
        let users = (0..<150).map { _ in -1 + 2 * random.unit() }
        let phases = ["setup", "execution", "verification"]
        var rows: [JSONValue] = []
        for session in 0..<1_000 {
            let user = Int(random.next() % 150)
            let start = now - 10 * AnalyticsPlantedData.day + Int64(random.unit() * Double(9 * AnalyticsPlantedData.day))
            for call in 0..<4 {
                let skill = Int(random.next() % 40)
                let logOdds = (skill < 20 ? 1.5 : -1.5) + users[user]
                let completed = random.unit() < 1 / (1 + exp(-logOdds))
                rows.append(invocation(skill < 20 ? "easy-\(skill)" : "hard-\(skill)", session: "import-\(session)",
                                       user: "iu-\(user)", at: start + Int64(call) * 90_000, completed: completed,
                                       phase: phases[call % 3]))
            }
        }
        for index in stride(from: rows.count - 1, to: 0, by: -1) { rows.swapAt(index, Int(random.next() % UInt64(index + 1))) }
        return rows
    }

    @Test func aShuffledBackDatedImportTrainsTheModel() async throws {
        let ingest = try await DaemonProcess()
        let writer = try await ingest.client()
        let analytics = try await DaemonProcess("analytics", directory: ingest.directory)
        let client = try await analytics.client()
        let empty = try await Self.result(client, "get_collaborative_recommendations", ["user_id": "anyone"])
        #expect(empty["recommendations"]?.arrayValue?.isEmpty == true && empty["reason"] == "no_invocations"
                && empty["message"]?.stringValue?.contains("Generated 0 recommendations for anyone") == true, "\(empty)")

        let now = UTCTimestamp.now().millisecondsSinceEpoch
        let rows = Self.importedHistory(now: now)
        // Small batches: the rows reach analytics in many commits, each out of time order.
        for start in stride(from: 0, to: rows.count, by: 250) {
            _ = try await writer.call("track_batch", params: ["invocations": .array(Array(rows[start..<(start + 250)]))]).get()
        }
        try await AnalyticsServiceTests.eventually("analytics to apply every invocation") {
            try await Self.result(client, "stats")["invocations_applied"]?.intValue == Int64(rows.count)
        }
        #expect(try await Self.result(client, "stats")["training_rows"]?.intValue == Int64(rows.count))

        let trained = try await Self.result(client, "train_model", ["days": 30])
        #expect(trained["samples"]?.intValue == Int64(rows.count) && trained["rows_in_window"]?.intValue == Int64(rows.count),
                "\(trained)")
        #expect(trained["model"] == "logistic" && trained["model_version"]?.stringValue?.hasPrefix("lr-") == true)
        let auc = try #require(trained["auc"]?.doubleValue)
        let brier = try #require(trained["brier"]?.doubleValue)
        let baseRateBrier = try #require(trained["base_rate_brier"]?.doubleValue)
        #expect(auc >= 0.75 && brier < baseRateBrier - 0.02, "\(trained)")

        // The planted structure: easy skills for an average user well above hard ones; a skill never seen near
        // the base rate.
        let easy = try await Self.result(client, "predict_success_probability", ["skill_name": "easy-3", "user_id": "iu-7"])
        let hard = try await Self.result(client, "predict_success_probability", ["skill_name": "hard-23", "user_id": "iu-7"])
        let easyP = try #require(easy["probability"]?.doubleValue)
        let hardP = try #require(hard["probability"]?.doubleValue)
        #expect(easy["model"] == "logistic" && easy["reason"] == nil && easyP > hardP + 0.35, "\(easy) \(hard)")
        let unseen = try await Self.result(client, "predict_success_probability", ["skill_name": "brand-new"])
        let baseRate = try #require(trained["base_rate"]?.doubleValue)
        #expect(abs((unseen["probability"]?.doubleValue ?? -1) - baseRate) < 0.1 && unseen["skill_known"] == false,
                "\(unseen) against a base rate of \(baseRate)")

        // A shorter window trains on its own rows only, and says how many the window holds.
        let lastDays = try await Self.result(client, "train_model", ["days": 3])
        let inWindow = try #require(lastDays["rows_in_window"]?.intValue)
        #expect(inWindow > 500 && inWindow < 2_500 && lastDays["samples"]?.intValue == inWindow, "\(lastDays)")

        let stranger = try await Self.result(client, "get_collaborative_recommendations", ["user_id": "stranger", "limit": 3])
        #expect(stranger["reason"] == "unknown_user" && stranger["recommendations"]?.arrayValue?.count == 3, "\(stranger)")
        await client.close()
        #expect(await analytics.stop() == 0)
        #expect(await ingest.stop() == 0)
    }

    /// The tester's start: every invocation so far completed. No model (the training slice has no abandoned
    /// row): `train_model` says so with the window's figures, the prior answers and says why; back-dated
    /// failures among those rows then let a model train.
    @Test func aOneSidedStartLeavesThePriorAnsweringUntilBothOutcomesArrive() async throws {
        let ingest = try await DaemonProcess()
        let writer = try await ingest.client()
        let analytics = try await DaemonProcess("analytics", directory: ingest.directory)
        let client = try await analytics.client()
        let now = UTCTimestamp.now().millisecondsSinceEpoch
        let completed = (0..<60).map { index in
            Self.invocation("lint", session: "first-\(index / 6)", user: "ana", at: now - 3_600_000 + Int64(index) * 30_000,
                            completed: true, phase: "execution")
        }
        try await AnalyticsPlantedData.send(completed, through: writer)
        try await AnalyticsServiceTests.eventually("analytics to apply the invocations") {
            try await Self.result(client, "stats")["invocations_applied"]?.intValue == 60
        }
        let refused = try await AnalyticsModelServiceTests.failure(client, "train_model", ["days": 30])
        #expect(refused?.code == .notFound, "\(String(describing: refused))")
        let message = refused?.message ?? ""
        #expect(message.contains("60 invocations dated in them") && message.contains("48 completed and 0 abandoned")
                && message.contains("at least 5 of each"), "\(message)")
        let prior = try await Self.result(client, "predict_success_probability", ["skill_name": "lint", "user_id": "ana"])
        let probability = try #require(prior["probability"]?.doubleValue)
        #expect(prior["model"] == "prior" && prior["model_version"] == "prior" && probability < 0.9999
                && prior["reason"]?.stringValue?.contains("no model yet") == true, "\(prior)")
        let everything = try await Self.result(client, "get_collaborative_recommendations", ["user_id": "ana"])
        #expect(everything["recommendations"]?.arrayValue?.isEmpty == true && everything["reason"] == "tried_every_skill",
                "\(everything)")

        // Failures dated among the first rows (an import of what happened meanwhile): both outcomes now.
        let failures = (0..<20).map { index in
            Self.invocation("lint", session: "late-\(index / 5)", user: "ana", at: now - 3_600_000 + Int64(index) * 75_000 + 10_000,
                            completed: false, phase: "execution")
        }
        try await AnalyticsPlantedData.send(failures, through: writer)
        try await AnalyticsServiceTests.eventually("analytics to apply the failures") {
            try await Self.result(client, "stats")["invocations_applied"]?.intValue == 80
        }
        let trained = try await Self.result(client, "train_model", ["days": 30])
        #expect(trained["samples"]?.intValue == 80 && trained["rows_in_window"]?.intValue == 80, "\(trained)")
        let model = try await Self.result(client, "predict_success_probability", ["skill_name": "lint", "user_id": "ana"])
        let modelled = try #require(model["probability"]?.doubleValue)
        #expect(model["model"] == "logistic" && modelled > 0.5 && modelled < 0.95, "\(model)")
        await client.close()
        #expect(await analytics.stop() == 0)
        #expect(await ingest.stop() == 0)
    }
}
