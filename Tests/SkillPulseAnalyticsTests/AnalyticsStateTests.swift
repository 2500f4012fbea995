import Testing
@testable import SkillPulseAnalytics

/// The incremental state against direct counts over the same hand-built invocations.
struct AnalyticsStateTests {
    static let hour: Int64 = 3_600_000
    static let now: Int64 = 1_800_000_000_000

    static func record(_ id: Int64, _ skill: String, session: String, user: String = "u", at time: Int64,
                       completed: Bool = true, duration: Double? = 1, phase: String? = nil) -> InvocationRecord {
        InvocationRecord(id: id, skillName: skill, sessionID: session, userID: user, invokedAt: time,
                         completed: completed, durationSeconds: duration, workflowPhase: phase)
    }

    @Test func windowsCountWhatTheyHoldEvenOutOfOrder() {
        var state = AnalyticsState()
        let times: [Int64] = [Self.now - 10, Self.now - 2 * Self.hour, Self.now - 30 * 60_000, Self.now - 5 * Self.hour, Self.now]
        for (index, time) in times.enumerated() {
            state.apply(Self.record(Int64(index + 1), "a", session: "s", at: time, completed: index % 2 == 0,
                                    duration: Double(index + 1)))
        }
        let again = state.apply(Self.record(3, "a", session: "s", at: Self.now))
        #expect(!again, "an id seen before counts twice")
        state.prepare()
        let top = state.topSkills(limit: 10, windowMillis: Self.hour, now: Self.now)
        #expect(top.count == 1 && top[0].invocationCount == 3 && top[0].completedCount == 3, "\(top)")
        // Durations 1, 3 and 5 within the hour.
        #expect(top[0].avgDuration == 3 && top[0].p95Duration == Descriptive.quantile([1, 3, 5], 0.95))
        let report = try! #require(state.skillMetrics("a", now: Self.now))
        #expect(report.totalInvocations == 5 && report.windows["24h"]?.invocationCount == 5)
        #expect(state.skillMetrics("b", now: Self.now) == nil)
    }

    @Test func coOccurrenceAndLiftMatchADirectCountOverSessions() throws {
        var state = AnalyticsState()
        // Sessions: {a,b}, {a,b,c}, {a}, {c}, {b,c}; a repeated inside a session counts once.
        let sessions: [(String, [String])] = [("1", ["a", "b", "a"]), ("2", ["a", "b", "c"]), ("3", ["a"]), ("4", ["c"]),
                                              ("5", ["b", "c"])]
        var id: Int64 = 0
        for (session, skills) in sessions {
            for skill in skills {
                id += 1
                state.apply(Self.record(id, skill, session: session, at: Self.now))
            }
        }
        // N = 5; a in 3, b in 3, together in 2 → lift 2·5/9.
        let ab = try #require(state.association("a", "b"))
        #expect(ab.together == 2 && abs(ab.lift - 10.0 / 9.0) < 1e-12 && abs(ab.confidenceAToB - 2.0 / 3.0) < 1e-12)
        let dependencies = state.dependencies(of: "a", limit: 10, minimumLift: 0, minimumTogether: 1)
        #expect(dependencies.map(\.skillB) == ["b", "c"] && dependencies[1].coOccurrenceCount == 1, "\(dependencies)")
        #expect(state.dependencies(of: "a", limit: 10, minimumLift: 0, minimumTogether: 3).isEmpty)
        let seeded = state.dependencies(of: "a", limit: 10, minimumLift: 1.5, minimumTogether: 1, seeded: [
            SeededDependency(skillA: "a", skillB: "z", coOccurrenceCount: 1, liftScore: 3.5),
        ])
        #expect(seeded.map(\.skillB) == ["z"] && seeded[0].source == "seeded")
    }

    @Test func anomaliesFindADropAndLeaveASteadySkillAlone() {
        var state = AnalyticsState()
        var id: Int64 = 0
        // 24 baseline hours of 20 calls at 90 %, for both skills; then the last hour: "flaky" at 40 %.
        for hour in 1...24 {
            for call in 0..<20 {
                for skill in ["steady", "flaky"] {
                    id += 1
                    let time = Self.now - Int64(hour) * Self.hour - Int64(call) * 60_000
                    state.apply(Self.record(id, skill, session: "s\(hour)", at: time, completed: call % 10 != 0,
                                            duration: 2 + Double(call % 3) * 0.1))
                }
            }
        }
        for call in 0..<20 {
            for skill in ["steady", "flaky"] {
                id += 1
                let completed = skill == "steady" ? call % 10 != 0 : call % 5 < 2
                state.apply(Self.record(id, skill, session: "last", at: Self.now - Int64(call) * 60_000 - 1,
                                        completed: completed, duration: 2 + Double(call % 3) * 0.1))
            }
        }
        state.prepare()
        for method in DeviationMethod.allCases {
            let found = state.anomalies(AnomalyCriteria(method: method), now: Self.now)
            #expect(found.map(\.skillName) == ["flaky"] && found[0].anomalyType == .performanceDrop, "\(method): \(found)")
            #expect(found.first.map { abs($0.observedValue - 0.4) < 1e-12 && abs($0.baselineValue - 0.9) < 1e-9 } == true)
        }
        // Three failed calls are not an outage.
        var tiny = AnalyticsState()
        for index in 0..<3 { tiny.apply(Self.record(Int64(index + 1), "x", session: "s", at: Self.now - 1, completed: false)) }
        tiny.prepare()
        #expect(tiny.anomalies(AnomalyCriteria(), now: Self.now).isEmpty)
    }

    @Test func trendsOfPlantedSeries() {
        func state(_ rate: (Int) -> Double, days: Int = 14) -> AnalyticsState {
            var state = AnalyticsState()
            var id: Int64 = 0
            for day in 0..<days {
                for call in 0..<100 {
                    id += 1
                    let time = Self.now - Int64(days - day) * 86_400_000 + Int64(call) * 60_000 + 1
                    state.apply(Self.record(id, "k", session: "s", at: time, completed: Double(call) < rate(day) * 100,
                                            duration: 1 + Double(day)))
                }
            }
            state.prepare()
            return state
        }
        let rising = state { 0.5 + 0.03 * Double($0) }.trend("k", metric: .completionRate, days: 14, now: Self.now)
        #expect(rising?.trend == .improving && rising?.n == 14, "\(String(describing: rising))")
        let falling = state { 0.9 - 0.03 * Double($0) }.trend("k", metric: .completionRate, days: 14, now: Self.now)
        #expect(falling?.trend == .declining)
        let flat = state { _ in 0.8 }.trend("k", metric: .completionRate, days: 14, now: Self.now)
        #expect(flat?.trend == .stable)
        // Durations grow every day: slower is declining.
        let slower = state { _ in 0.8 }.trend("k", metric: .averageDuration, days: 14, now: Self.now)
        #expect(slower?.trend == .declining && slower.map { abs($0.slope - 1) < 1e-9 } == true)
        let short = state({ _ in 0.8 }, days: 2).trend("k", metric: .completionRate, days: 14, now: Self.now)
        #expect(short?.trend == .insufficientData)
    }

    @Test func baselinesEqualDirectCounts() throws {
        var state = AnalyticsState()
        let rows: [(String, String, Bool, Double, String)] = [
            ("a", "u1", true, 1, "setup"), ("a", "u2", false, 3, "setup"), ("a", "u1", true, 2, "execution"),
            ("b", "u1", true, 10, "execution"),
        ]
        for (index, row) in rows.enumerated() {
            state.apply(Self.record(Int64(index + 1), row.0, session: "s", user: row.1, at: Self.now, completed: row.2,
                                    duration: row.3, phase: row.4))
        }
        state.prepare()
        let baselines = state.communityBaselines()
        // session-buddy's order: most effective first (b completes 100 %, a 67 %), though a is invoked more.
        #expect(baselines.map(\.skillName) == ["b", "a"])
        let a = try #require(baselines.last)
        // total_users is session-buddy's COUNT(DISTINCT session_id) (one session here); distinct_users the users.
        #expect(a.skillName == "a" && a.totalUsers == 1 && a.distinctUsers == 2 && a.totalInvocations == 3
                && a.globalCompletionRate == 2.0 / 3.0)
        #expect(a.globalAvgDurationSeconds == 2 && a.p50Duration == 2 && a.mostCommonWorkflowPhase == "setup")
        #expect(a.effectivenessPercentile == 25 && baselines[0].effectivenessPercentile == 75)
        let comparison = try #require(state.compareToBaseline(user: "u2", skill: "a"))
        #expect(comparison[0].userCompletionRate == 0 && comparison[0].completionRatePercentile == 25)
        #expect(state.compareToBaseline(user: "nobody", skill: nil) == nil)
    }

    /// From the docs-only review: an invocation without a user is no user; a skipped day keeps its place in
    /// the trend (slope per day); a late row older than the retention window stays out of the percentiles.
    @Test func reviewFindings() throws {
        var state = AnalyticsState()
        state.apply(Self.record(1, "a", session: "s", user: "u1", at: Self.now, completed: true))
        state.apply(InvocationRecord(id: 2, skillName: "a", sessionID: "s", userID: nil, invokedAt: Self.now,
                                     completed: false, durationSeconds: 1, workflowPhase: nil))
        state.prepare()
        #expect(state.skillMetrics("a", now: Self.now)?.totalUsers == 1)
        #expect(state.compareToBaseline(user: "u1", skill: "a")?.first?.completionRatePercentile == 50)

        // Rates on days 0, 1, 4, 8, 9 of 10 (SciPy-free literal: Sen's slope 0.05/day, line from 0.5).
        let daily: [Double?] = [0.5, 0.6, nil, nil, 0.7, nil, nil, nil, 0.9, 1.0]
        let trend = AnalyticsState.trend(of: daily, metric: .completionRate, criteria: TrendCriteria())
        #expect(abs(trend.slope - 0.05) < 1e-12 && abs(trend.startValue! - 0.5) < 1e-12)
        #expect(abs(trend.endValue! - 0.95) < 1e-12 && trend.n == 5 && trend.dailyValues.count == 10)

        var retained = AnalyticsState()
        retained.apply(Self.record(1, "b", session: "s", at: Self.now - 1, duration: 1))
        retained.prune(before: Self.now - 90 * 86_400_000)
        retained.apply(Self.record(2, "b", session: "s", at: Self.now - 100 * 86_400_000, duration: 100))
        retained.prepare()
        let baseline = try #require(retained.communityBaselines().first)
        #expect(baseline.totalInvocations == 2 && baseline.p95Duration == 1, "\(baseline)")
    }
}

extension AnalyticsStateTests {
    /// A count that collapses (Sen's line extrapolated to the window's first day went to −1, "change 480 %"):
    /// the line stays at 0 or above, and an insufficient series says confidence 1 (session-buddy's p of 1).
    @Test func trendLinesOfCountsNeverGoNegative() {
        let daily: [Double?] = [0, 0, 0, 0, 0, 0, 0, 0, 40, 30, 20, 10, 2, 1]
        let trend = AnalyticsState.trend(of: daily.reversed(), metric: .invocationCount, criteria: TrendCriteria())
        #expect((trend.startValue ?? -1) >= 0 && (trend.endValue ?? -1) >= 0, "\(trend)")
        let falling = AnalyticsState.trend(of: [50, 40, 30, 20, 10, 1, 0, 0, 0], metric: .averageDuration,
                                           criteria: TrendCriteria())
        #expect((falling.endValue ?? -1) >= 0 && (falling.startValue ?? -1) >= 0, "\(falling)")
        let short = AnalyticsState.trend(of: [1, 2], metric: .invocationCount, criteria: TrendCriteria())
        #expect(short.trend == .insufficientData && short.confidence == 1 && short.confidenceLevel == nil)
    }
}

extension AnalyticsStateTests {
    /// A seeded pair stays shown until sessions have used the pair often enough to show it observed: one or two
    /// sessions with both made it vanish (no longer "seeded", not yet "observed").
    @Test func aSeedStaysUntilItsPairIsObservedEnough() {
        var state = AnalyticsState()
        let seed = SeededDependency(skillA: "lint", skillB: "test", coOccurrenceCount: 10, liftScore: 2)
        var id: Int64 = 0
        func session(_ name: String, _ skills: [String]) {
            for skill in skills {
                id += 1
                state.apply(Self.record(id, skill, session: name, at: Self.now))
            }
        }
        for index in 0..<6 { session("other\(index)", ["other"]) }
        state.prepare()
        #expect(state.dependencies(of: "lint", limit: 10, minimumLift: 1.5, minimumTogether: 3, seeded: [seed])
                    .map(\.source) == ["seeded"])
        for index in 0..<2 { session("both\(index)", ["lint", "test"]) }
        state.prepare()
        let twoSessions = state.dependencies(of: "lint", limit: 10, minimumLift: 1.5, minimumTogether: 3, seeded: [seed])
        #expect(twoSessions.map(\.source) == ["seeded"], "\(twoSessions)")
        session("both2", ["lint", "test"])
        state.prepare()
        let observed = state.dependencies(of: "lint", limit: 10, minimumLift: 1.5, minimumTogether: 3, seeded: [seed])
        #expect(observed.map(\.source) == ["observed"] && observed.first?.coOccurrenceCount == 3, "\(observed)")
    }
}
