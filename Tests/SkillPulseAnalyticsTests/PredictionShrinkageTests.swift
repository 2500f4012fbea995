import Foundation
import SkillPulseCore
import Testing
@testable import SkillPulseAnalytics

/// Issue #23: a model of one outcome answered 0.99999999999 for everything, and a first model on a few hundred
/// uniform rows gave a skill never seen anything from 0.42 to 0.98. The prior answers until the training slice
/// holds both outcomes, and a model corrects the prior instead of replacing it.
struct PredictionShrinkageTests {
    static let start: Int64 = 1_780_000_000_000

    static func record(_ id: Int, skill: String, user: String, session: String, at time: Int64, completed: Bool,
                       phase: String? = "execution") -> InvocationRecord {
        InvocationRecord(id: Int64(id), skillName: skill, sessionID: session, userID: user, invokedAt: time,
                         completed: completed, durationSeconds: 1, workflowPhase: phase)
    }

    /// `count` invocations a minute apart, every one completed with probability `rate`: 20 skills, 60 users,
    /// three phases, sessions of ~5 calls.
    static func uniform(count: Int, rate: Double, seed: UInt64) -> [InvocationRecord] {
        var random = SplitMix64(seed: seed)
        let phases = ["setup", "execution", "verification"]
        var sessions: [Int: String] = [:]
        return (0..<count).map { index in
            let user = Int(random.next() % 60)
            let skill = Int(random.next() % 20)
            if sessions[user] == nil || random.unit() < 0.2 { sessions[user] = "s-\(user)-\(index)" }
            return record(index + 1, skill: "skill-\(skill)", user: "user-\(user)", session: sessions[user]!,
                          at: start + Int64(index) * 60_000, completed: random.unit() < rate,
                          phase: phases[Int(random.next() % 3)])
        }
    }

    /// The tester's case: the first 50 invocations (5 users, 5 skills) all completed. Training refuses (the slice
    /// holds no abandoned row), the prior answers — and says why — and 90 straight failures of a user on a skill
    /// pull it down at once, without waiting for a retraining.
    @Test func aOneOutcomeFirstSampleLeavesThePriorInCharge() throws {
        var predictor = NamedPredictor()
        let skills = ["lint", "test", "build", "docs", "deploy"]
        let users = ["ana", "bo", "cy", "di", "ed"]
        for index in 0..<50 {
            predictor.observe(Self.record(index + 1, skill: skills[index % 5], user: users[(index / 5) % 5],
                                          session: "s\(index / 5)", at: Self.start + Int64(index) * 60_000,
                                          completed: true))
        }
        let outcome = predictor.train()
        guard case .failure(.tooFewOfAnOutcome(rows: 50, sliceRows: 40, sliceCompleted: 40)) = outcome else {
            Issue.record("trained on one outcome: \(outcome)")
            return
        }
        let time = Self.start + 50 * 60_000
        let before = predictor.predict(PredictionQuery(skillName: "lint", userID: "ana", time: time))
        #expect(before.modelVersion == "prior" && before.source == .prior && before.topFactors.isEmpty)
        #expect(before.reason?.contains("40 completed and 0 abandoned") == true, "\(before.reason ?? "")")
        // The documented smoothing: everyone 50.5/51, lint (10 + 5·g)/15, ana on lint (2 + 5·lint)/7.
        let everyone = 50.5 / 51
        let lint = (10 + 5 * everyone) / 15
        #expect(abs(before.probability - (2 + 5 * lint) / 7) < 1e-9, "\(before.probability)")

        for index in 0..<90 {
            predictor.observe(Self.record(100 + index, skill: "lint", user: "ana", session: "f\(index / 5)",
                                          at: time + Int64(index) * 60_000, completed: false))
        }
        let later = time + 90 * 60_000
        let after = predictor.predict(PredictionQuery(skillName: "lint", userID: "ana", time: later))
        // Everyone 50.5/141, lint (10 + 5·g)/105, ana on lint (2 + 5·lint)/97: 0.998 → 0.026.
        let lintAfter = (10 + 5 * 50.5 / 141) / 105
        #expect(after.source == .prior && abs(after.probability - (2 + 5 * lintAfter) / 97) < 1e-9
                && after.probability < 0.03, "\(after.probability)")
        // A skill never seen gets everyone's smoothed rate, 50.5/141, whoever asks.
        let unseen = predictor.predict(PredictionQuery(skillName: "never-seen", userID: "bo", time: later))
        #expect(abs(unseen.probability - 50.5 / 141) < 1e-9, "\(unseen.probability)")

        // Both outcomes in the training slice now: a model, and it too says the user fails this skill.
        let trained = try predictor.train().get()
        #expect(trained.model.offsetFeature == SuccessFeatureHistory.priorFeature)
        let model = predictor.predict(PredictionQuery(skillName: "lint", userID: "ana", time: later))
        #expect(model.source == .logistic && model.modelVersion == "lr-1" && model.reason == nil)
        #expect(model.probability < 0.15, "\(model.probability)")
    }

    @Test func fewRowsOrFewOfAnOutcomeAreRefused() {
        let rows = Self.uniform(count: 49, rate: 0.5, seed: 1)
        var predictor = NamedPredictor()
        for row in rows { predictor.observe(row) }
        #expect(predictor.train().failure == .tooFewRows(rows: 49))
        // Four abandoned rows in the training slice are too few as well.
        var few = NamedPredictor()
        for index in 0..<100 {
            few.observe(Self.record(index + 1, skill: "s", user: "u", session: "s", at: Self.start + Int64(index) * 1_000,
                                    completed: index % 20 != 0))
        }
        #expect(few.train().failure == .tooFewOfAnOutcome(rows: 100, sliceRows: 80, sliceCompleted: 76))
    }

    /// A first model on 600 invocations at a uniform 70 %, over 20 data sets: a skill never seen is predicted at
    /// the data's own rate for a caller without history (measured: within 0.022 of it in every set), and within
    /// a few points for known callers (measured: median deviation 0.011, 90th percentile 0.022, largest 0.12 —
    /// a user whose record was 2 of 10 by chance). Before: 0.42–0.98.
    @Test func anUnseenSkillAtAUniformRateGetsTheBaseRate() throws {
        var deviations: [Double] = []
        for seed: UInt64 in 1...20 {
            let rows = Self.uniform(count: 600, rate: 0.7, seed: seed)
            let rate = Double(rows.filter(\.completed).count) / Double(rows.count)
            var predictor = NamedPredictor()
            for row in rows { predictor.observe(row) }
            _ = try predictor.train().get()
            let time = rows.last!.invokedAt + 60_000
            let anonymous = predictor.predict(PredictionQuery(skillName: "unseen", time: time))
            #expect(anonymous.source == .logistic && abs(anonymous.probability - rate) < 0.05,
                    "seed \(seed): \(anonymous.probability) at a rate of \(rate)")
            for user in 0..<60 {
                for phase in ["setup", "execution", "verification"] {
                    let query = PredictionQuery(skillName: "unseen", userID: "user-\(user)", workflowPhase: phase,
                                                sessionID: "new", time: time)
                    let probability = predictor.predict(query).probability
                    #expect(probability > 0.5 && probability < 0.9, "seed \(seed) user \(user): \(probability)")
                    deviations.append(abs(probability - rate))
                }
            }
        }
        deviations.sort()
        let median = deviations[deviations.count / 2]
        let p90 = deviations[deviations.count * 9 / 10]
        #expect(median < 0.03 && p90 < 0.05, "median \(median), 90th percentile \(p90)")
    }

    /// With a model trained on heterogeneous data, a user's run of failures on a skill lowers their prediction
    /// on it at once (the history is live; the model is not retrained), and another user's far less (the skill's
    /// own rate, recent rate above all, moved too).
    @Test func aUsersRunOfFailuresLowersTheirPrediction() throws {
        var (predictor, _) = try PredictionAndRecommendationTests.train(PredictionAndRecommendationTests.plantedInvocations())
        let time = Self.start + 24_000 * 108_000
        // skill-7 is an easy skill for user-5 in the planted data; see what the model says, then fail it 90 times.
        let query = PredictionQuery(skillName: "skill-7", userID: "user-5", workflowPhase: "execution", time: time)
        let other = PredictionQuery(skillName: "skill-7", userID: "user-6", workflowPhase: "execution", time: time)
        let before = predictor.predict(query).probability
        let otherBefore = predictor.predict(other).probability
        for index in 0..<90 {
            predictor.observe(Self.record(100_000 + index, skill: "skill-7", user: "user-5", session: "run-\(index / 6)",
                                          at: time - 90 * 1_000 + Int64(index) * 1_000, completed: false))
        }
        let after = predictor.predict(PredictionQuery(skillName: "skill-7", userID: "user-5", workflowPhase: "execution",
                                                      time: time))
        #expect(after.probability < before - 0.3 && after.probability < 0.3, "\(before) → \(after.probability)")
        #expect(after.topFactors.contains { $0.feature == "user_skill_completion_rate" && $0.weight < 0 })
        let otherAfter = predictor.predict(other).probability
        #expect(before - after.probability > 2 * (otherBefore - otherAfter), "\(otherBefore) → \(otherAfter)")
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
