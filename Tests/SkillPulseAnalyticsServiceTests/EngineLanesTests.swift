import Foundation
import Logging
import SkillPulseAnalytics
@testable import SkillPulseAnalyticsService
import SkillPulseCore
import SkillPulseWire
import Testing

/// The engine's sliced passes and shared trainings, in process.
struct EngineLanesTests {
    static func records(count: Int, skills: Int, now: Int64) -> [InvocationRecord] {
        var random = SplitMix64(seed: 3)
        return (0..<count).map { index in
            let skill = Int(random.next() % UInt64(skills))
            return InvocationRecord(
                id: Int64(index + 1), skillName: "skill-\(skill)", sessionID: "session-\(index / 5)",
                userID: "user-\(random.next() % 40)", invokedAt: now - Int64(count - index) * 60_000,
                completed: random.unit() < 0.3 + 0.6 * Double(skill % 3) / 2, durationSeconds: 1 + random.unit(),
                workflowPhase: "execution")
        }
    }

    /// The engine's passes take the lock a slice of skills at a time; their answers are the whole state's.
    @Test func slicedPassesOfTheEngineAnswerAsTheStateDoes() {
        let now = UTCTimestamp.now().millisecondsSinceEpoch
        let records = Self.records(count: 20_000, skills: 450, now: now)
        let engine = AnalyticsEngine(settings: AnalyticsSettings())
        engine.apply(records)
        var state = AnalyticsState()
        for record in records { state.apply(record) }
        state.prepare()
        #expect(engine.topSkills(limit: 1000, windowMillis: 90 * 86_400_000, now: now)
                == state.topSkills(limit: 1000, windowMillis: 90 * 86_400_000, now: now))
        #expect(engine.topSkills(limit: 10, windowMillis: 3_600_000, now: now, inOneHold: true)
                == state.topSkills(limit: 10, windowMillis: 3_600_000, now: now))
        let criteria = AnomalyCriteria(threshold: 0.5, baselineHours: 200, method: .mad)
        let report = engine.anomalyReport(criteria, now: now)
        #expect(report.anomalies == state.anomalyReport(criteria, now: now).anomalies && report.reason == state.anomalyReport(criteria, now: now).reason)
        #expect(engine.communityBaselines() == state.communityBaselines())
        #expect(engine.invocationsInWindow(days: 10, now: now) == state.invocationCount(from: now - 10 * 86_400_000, through: now))
        #expect(Set(engine.pairsForFullWrite(minimumTogether: 2).map(\.key)) == Set(state.pairs(minimumTogether: 2).map(\.key)))
    }

    /// Four clients asking to train the same window at once get one training; a later request trains again.
    @Test func concurrentTrainingsOfOneWindowShareOneFit() async throws {
        let now = UTCTimestamp.now().millisecondsSinceEpoch
        let engine = AnalyticsEngine(settings: AnalyticsSettings())
        engine.apply(Self.records(count: 8_000, skills: 30, now: now))
        let trainer = ModelTrainer(engine: engine, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let versions = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<4 { group.addTask { try await trainer.train(days: 30).version } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(versions).count == 1, "\(versions)")
        let later = try await trainer.train(days: 30).version
        #expect(later != versions[0])
        // Another window is a training of its own.
        async let short = trainer.train(days: 10).version
        async let long = trainer.train(days: 30).version
        let (a, b) = try await (short, long)
        #expect(a != b)
    }
}
