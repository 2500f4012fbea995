import Foundation
import SkillPulseCore
import Testing
@testable import SkillPulseAnalytics

/// The anomaly pass on hand-built skills: small counts judged by their own distribution, young skills judged
/// on their own history only, idle skills skipped, and an empty answer that says why.
struct AnomalyDetectorTests {
    static let hour: Int64 = 3_600_000
    static let now: Int64 = 1_800_000_000_000 + 1_234_567

    /// `perHour` invocations in each of the `hours` hours before `now` (the last one is the observed hour);
    /// `completed` decides each call's outcome from (hours back, call index).
    static func skill(_ name: String, into state: inout AnalyticsState, id: inout Int64, hours: Int, perHour: Int,
                      completed: (Int, Int) -> Bool = { _, _ in true }, duration: (Int, Int) -> Double = { _, _ in 2 }) {
        for hourBack in stride(from: hours, to: 0, by: -1) {
            for call in 0..<perHour {
                id += 1
                let time = now - Int64(hourBack) * hour + 1 + Int64(call) * (hour / Int64(perHour))
                state.apply(InvocationRecord(id: id, skillName: name, sessionID: "\(name)-\(hourBack)", userID: nil,
                                             invokedAt: time, completed: completed(hourBack, call),
                                             durationSeconds: duration(hourBack, call), workflowPhase: nil))
            }
        }
    }

    /// docs/analytics.md's worked example: 24 hours of 20 calls at 90 %, then 8 of 20. p̂ = 432.5/481, X² = 0.0037
    /// (no spread beyond the binomial), κ = 481; P(K ≤ 8) = 1.659·10⁻⁷ under BetaBinomial(20, 432.5, 48.5)
    /// (SciPy); five tests → −log₁₀(5 · 1.659·10⁻⁷) = −6.081.
    @Test func theDocumentedWorkedExample() throws {
        var state = AnalyticsState()
        var id: Int64 = 0
        Self.skill("flaky", into: &state, id: &id, hours: 25, perHour: 20) { hourBack, call in
            hourBack == 1 ? call % 5 < 2 : call % 10 != 0
        }
        state.prepare()
        let found = state.anomalies(AnomalyCriteria(), now: Self.now)
        let drop = try #require(found.first)
        #expect(found.count == 1 && drop.anomalyType == .performanceDrop && drop.baselineValue == 0.9 && drop.observedValue == 0.4)
        #expect(abs(drop.deviationScore - -6.081233901143755) < 1e-9, "\(drop.deviationScore)")
    }

    @Test func oneFailureInTenAtNinetyNinePercentIsNoOutage() {
        var state = AnalyticsState()
        var id: Int64 = 0
        // 24 baseline hours of 10 calls with 2 failures in all (99.2 %); then one failure in the last ten.
        Self.skill("reliable", into: &state, id: &id, hours: 25, perHour: 10) { hourBack, call in
            !(call == 0 && [1, 7, 19].contains(hourBack))
        }
        state.prepare()
        for method in DeviationMethod.allCases {
            #expect(state.anomalies(AnomalyCriteria(method: method), now: Self.now).isEmpty)
        }
        // Ten failures in ten is.
        var outage = AnalyticsState()
        id = 0
        Self.skill("reliable", into: &outage, id: &id, hours: 25, perHour: 10) { hourBack, call in
            hourBack != 1 && !(call == 0 && hourBack == 7)
        }
        outage.prepare()
        let found = outage.anomalies(AnomalyCriteria(), now: Self.now)
        #expect(found.map(\.anomalyType) == [.performanceDrop] && found[0].observedValue == 0, "\(found)")
        #expect(found.first.map { $0.deviationScore < -10 && abs($0.baselineValue - 239.0 / 240) < 1e-12 } == true)
    }

    /// Hours before a skill's first invocation are not zeros of its baseline: a skill five hours old at a
    /// steady 20 an hour is no volume spike against a week.
    @Test func aYoungSkillIsJudgedOnItsOwnHistory() {
        var state = AnalyticsState()
        var id: Int64 = 0
        Self.skill("young", into: &state, id: &id, hours: 5, perHour: 20)
        state.prepare()
        for hours in [24, 168, 2_160] {
            let report = state.anomalyReport(AnomalyCriteria(baselineHours: hours), now: Self.now)
            #expect(report.anomalies.isEmpty && report.skillsJudged == 1, "\(hours) h: \(report.anomalies)")
        }
        // A real surge is still one.
        var surging = AnalyticsState()
        id = 0
        Self.skill("young", into: &surging, id: &id, hours: 5, perHour: 20)
        Self.skill("young", into: &surging, id: &id, hours: 1, perHour: 60)
        surging.prepare()
        let found = surging.anomalies(AnomalyCriteria(baselineHours: 168), now: Self.now)
        #expect(found.map(\.anomalyType) == [.volumeSpike] && found[0].baselineValue == 20 && found[0].observedValue == 80,
                "\(found)")
    }

    @Test func anEmptyAnswerSaysWhy() {
        #expect(AnalyticsState().anomalyReport(AnomalyCriteria(), now: Self.now).reason?.hasPrefix("no invocations yet") == true)

        // Two hours of history: the baseline needs three whole hours before the last one.
        var fresh = AnalyticsState()
        var id: Int64 = 0
        Self.skill("new", into: &fresh, id: &id, hours: 2, perHour: 30)
        fresh.prepare()
        let young = fresh.anomalyReport(AnomalyCriteria(), now: Self.now)
        #expect(young.anomalies.isEmpty && young.skillsJudged == 0)
        #expect(young.reason?.hasPrefix("not enough history: needs 3 whole hours of baseline before the last hour") == true
                    && young.reason?.hasSuffix("is 2.0 hours old") == true, "\(young.reason ?? "nil")")

        // Invocations only long before the window.
        var idle = AnalyticsState()
        idle.apply(InvocationRecord(id: 1, skillName: "old", sessionID: "s", userID: nil, invokedAt: Self.now - 100 * Self.hour,
                                    completed: true, durationSeconds: 1, workflowPhase: nil))
        idle.prepare()
        #expect(idle.anomalyReport(AnomalyCriteria(), now: Self.now).reason == "no skill has invocations in the last 25 hours")

        // Judged and steady.
        var steady = AnalyticsState()
        id = 0
        Self.skill("steady", into: &steady, id: &id, hours: 25, perHour: 20)
        Self.skill("new", into: &steady, id: &id, hours: 2, perHour: 20)
        steady.prepare()
        let quiet = steady.anomalyReport(AnomalyCriteria(), now: Self.now)
        #expect(quiet.skillsJudged == 1 && quiet.reason == "no deviation reached the threshold 2.0: 1 skill judged "
                    + "against up to 24 hours of baseline (1 too young to judge)", "\(quiet.reason ?? "nil")")
    }

    /// A skill with nothing in the window is not judged at all, whatever the window (it costs one look at its
    /// newest invocation).
    @Test func idleSkillsAreSkipped() {
        var state = AnalyticsState()
        var id: Int64 = 0
        for index in 0..<50 {
            id += 1
            state.apply(InvocationRecord(id: id, skillName: "idle-\(index)", sessionID: "s", userID: nil,
                                         invokedAt: Self.now - 2_200 * Self.hour, completed: true, durationSeconds: 1,
                                         workflowPhase: nil))
        }
        Self.skill("busy", into: &state, id: &id, hours: 30, perHour: 5)
        state.prepare()
        let report = state.anomalyReport(AnomalyCriteria(baselineHours: 2_160), now: Self.now)
        #expect(report.skillsJudged == 1 && report.anomalies.isEmpty)
    }

    /// The slowdown of one hour is found on the log scale; a few percent is not, however many calls show it.
    @Test func latencyIsJudgedOnTheLogScale() {
        func state(lastHourFactor: Double) -> AnalyticsState {
            var state = AnalyticsState()
            var id: Int64 = 0
            var random = SplitMix64(seed: 3)
            Self.skill("api", into: &state, id: &id, hours: 25, perHour: 200) { _, _ in true } duration: { hourBack, _ in
                // Lognormal, median 2 s, log-spread 0.2 (Box–Muller).
                let u = Swift.max(random.unit(), 1e-300)
                let z = (-2 * log(u)).squareRoot() * cos(2 * Double.pi * random.unit())
                return 2 * exp(0.2 * z) * (hourBack == 1 ? lastHourFactor : 1)
            }
            state.prepare()
            return state
        }
        #expect(state(lastHourFactor: 1.03).anomalies(AnomalyCriteria(), now: Self.now).isEmpty)
        let slow = state(lastHourFactor: 1.5).anomalies(AnomalyCriteria(), now: Self.now)
        #expect(slow.map(\.anomalyType) == [.latencySpike], "\(slow)")
    }

    /// `mad` leaves an earlier outage out of the baseline: the current one then scores further out.
    @Test func madLeavesAnEarlierOutageOutOfTheBaseline() throws {
        var state = AnalyticsState()
        var id: Int64 = 0
        Self.skill("svc", into: &state, id: &id, hours: 25, perHour: 40) { hourBack, call in
            if hourBack == 1 || hourBack == 6 { return call % 10 < 5 }
            return call % 10 != 0
        }
        state.prepare()
        let z = try #require(state.anomalies(AnomalyCriteria(method: .zscore), now: Self.now).first)
        let mad = try #require(state.anomalies(AnomalyCriteria(method: .mad), now: Self.now).first)
        #expect(z.anomalyType == .performanceDrop && mad.anomalyType == .performanceDrop)
        #expect(abs(mad.baselineValue - 0.9) < 1e-12 && z.baselineValue < 0.9, "\(z) \(mad)")
        #expect(mad.deviationScore < z.deviationScore, "\(z) \(mad)")

        // Volume: a burst of 400 calls six hours ago widens the z-score baseline so much that today's 60 against
        // 20 an hour passes; without it, it is a spike.
        var volume = AnalyticsState()
        id = 0
        Self.skill("svc", into: &volume, id: &id, hours: 25, perHour: 20)
        for call in 0..<380 {
            id += 1
            volume.apply(InvocationRecord(id: id, skillName: "svc", sessionID: "burst", userID: nil,
                                          invokedAt: Self.now - 6 * Self.hour + 1 + Int64(call) * 9_000, completed: true,
                                          durationSeconds: 2, workflowPhase: nil))
        }
        Self.skill("svc", into: &volume, id: &id, hours: 1, perHour: 40)
        volume.prepare()
        #expect(!volume.anomalies(AnomalyCriteria(method: .zscore), now: Self.now).contains { $0.anomalyType == .volumeSpike })
        let spike = volume.anomalies(AnomalyCriteria(method: .mad), now: Self.now).first { $0.anomalyType == .volumeSpike }
        #expect(spike?.baselineValue == 20 && spike?.observedValue == 60, "\(String(describing: spike))")

        // Latency: one baseline hour ten times as slow is left out by mad, so a doubling now stands out more.
        var slow = AnalyticsState()
        id = 0
        var random = SplitMix64(seed: 9)
        Self.skill("svc", into: &slow, id: &id, hours: 25, perHour: 30) { _, _ in true } duration: { hourBack, _ in
            let jitter = exp(0.3 * ((random.unit() + random.unit() + random.unit()) - 1.5) * 2)
            return 2 * jitter * (hourBack == 8 ? 10 : hourBack == 1 ? 2 : 1)
        }
        slow.prepare()
        let zLatency = slow.anomalies(AnomalyCriteria(method: .zscore), now: Self.now).first { $0.anomalyType == .latencySpike }
        let madLatency = try #require(slow.anomalies(AnomalyCriteria(method: .mad), now: Self.now).first { $0.anomalyType == .latencySpike })
        #expect(madLatency.baselineValue < 2.5 && (zLatency.map { $0.baselineValue > 2.5 && $0.deviationScore < madLatency.deviationScore } ?? true),
                "\(String(describing: zLatency)) \(madLatency)")
    }

    /// Occupied buckets are exactly the non-empty ones of `buckets`, with the same figures.
    @Test(arguments: [30, 50_000])
    func occupiedBucketsAreTheNonEmptyBuckets(entries: Int) {
        var random = SplitMix64(seed: UInt64(entries) + 1)
        var series = SkillSeries()
        for _ in 0..<entries {
            series.append(time: Int64(random.next() % 100_000), completed: random.next() % 3 != 0,
                          duration: random.next() % 4 == 0 ? nil : Double(random.next() % 500) / 8)
        }
        series.prepare()
        for (start, width, count) in [(Int64(0), Int64(1_000), 100), (Int64(-5_000), Int64(7_000), 9), (Int64(20_000), Int64(3), 2_000)] {
            let all = series.buckets(from: start, width: width, count: count)
            var occupied: [OccupiedBucket] = []
            series.occupiedBuckets(from: start, width: width, count: count, into: &occupied)
            let expected = all.enumerated().filter { $0.element.invocations > 0 }
            #expect(occupied.map(\.slot) == expected.map(\.offset))
            for (bucket, (_, figures)) in zip(occupied, expected) {
                #expect(bucket.figures.invocations == figures.invocations && bucket.figures.completed == figures.completed
                            && bucket.figures.durations == figures.durations)
                #expect(abs(bucket.figures.durationSum - figures.durationSum) < 1e-6)
            }
        }
    }
}
