import Testing
@testable import SkillPulseAnalytics
import SkillPulseCore

/// Passes over every skill taken a slice at a time (as the daemon holds its lock) give the whole pass's answer.
struct SlicedPassTests {
    static let hour: Int64 = 3_600_000
    static let now: Int64 = 1_800_000_000_000

    /// 60 skills over three days: steady ones, bursty ones, idle ones, one that fails in its last hour, ties.
    static func state() -> AnalyticsState {
        var state = AnalyticsState()
        var random = SplitMix64(seed: 42)
        var id: Int64 = 0
        for hourBack in stride(from: 72, through: 0, by: -1) {
            for skill in 0..<60 {
                guard skill % 7 != 3 || hourBack > 30 else { continue }  // idle for the last 30 hours
                let count = skill % 5 == 0 && hourBack == 0 ? 40 : Int(random.next() % 6)
                for index in 0..<count {
                    id += 1
                    let failing = skill == 11 && hourBack == 0
                    let time = now - Int64(hourBack) * hour - Int64(random.next() % UInt64(hour - 1)) - 1
                    state.apply(InvocationRecord(
                        id: id, skillName: "skill-\(skill)", sessionID: "s-\(hourBack)-\(index % 4)",
                        userID: "user-\(random.next() % 9)", invokedAt: time,
                        completed: failing ? false : random.unit() < 0.9, durationSeconds: 0.5 + random.unit(),
                        workflowPhase: ["setup", "execution"][skill % 2]))
                }
            }
        }
        state.prepare()
        return state
    }

    static func slices(_ count: Int, size: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: size).map { $0..<min($0 + size, count) }
    }

    @Test(arguments: [1, 7, 100])
    func anAnomalyPassInSlicesFindsWhatTheWholePassFinds(size: Int) {
        let state = Self.state()
        for criteria in [AnomalyCriteria(), AnomalyCriteria(threshold: 0.5, baselineHours: 48, method: .mad)] {
            let whole = state.anomalyReport(criteria, now: Self.now)
            var scan = AnomalyScan()
            for range in Self.slices(state.skillCount, size: size) { scan.merge(state.anomalyScan(criteria, now: Self.now, skills: range)) }
            let sliced = scan.report(criteria, skillCount: state.skillCount, now: Self.now)
            #expect(!whole.anomalies.isEmpty)
            #expect(sliced.anomalies == whole.anomalies)
            #expect(sliced.skillsJudged == whole.skillsJudged && sliced.reason == whole.reason)
        }
    }

    @Test(arguments: [1, 7, 100])
    func realTimeRanksInSlicesGiveTheWholeTopList(size: Int) {
        let state = Self.state()
        for (limit, window) in [(1, Self.hour), (5, Self.hour), (10, 24 * Self.hour), (100, 72 * Self.hour)] {
            let whole = state.topSkills(limit: limit, windowMillis: window, now: Self.now)
            var ranked: [RankedSkill] = []
            for range in Self.slices(state.skillCount, size: size) {
                ranked += state.rankSkills(windowMillis: window, now: Self.now, skills: range)
            }
            let sliced = state.topSkillDetails(AnalyticsState.leaders(ranked, limit: limit), windowMillis: window, now: Self.now)
            #expect(sliced == whole)
            // Against a count of every skill's window, ties by name.
            let direct = (0..<state.skillCount).map { index in
                (name: state.skillNames[index], count: state.series[index].window(from: Self.now - window, to: Self.now + 1).invocations)
            }.filter { $0.count > 0 }.sorted { ($0.count, $1.name) > ($1.count, $0.name) }.prefix(limit)
            #expect(whole.map(\.skillName) == direct.map(\.name) && whole.map(\.invocationCount) == direct.map(\.count))
        }
    }

    @Test func leadersCutAtTheLimitKeepTiesInNameOrder() {
        let ranked = [("c", 5), ("a", 5), ("b", 5), ("d", 9), ("e", 1)].enumerated().map {
            RankedSkill(index: $0.offset, name: $0.element.0, invocations: $0.element.1)
        }
        #expect(AnalyticsState.leaders(ranked, limit: 3).map(\.name) == ["d", "a", "b"])
        #expect(AnalyticsState.leaders(ranked, limit: 10).map(\.name) == ["d", "a", "b", "c", "e"])
        #expect(AnalyticsState.leaders(ranked, limit: 0).isEmpty && AnalyticsState.leaders([], limit: 3).isEmpty)
    }

    @Test(arguments: [1, 7, 100])
    func baselinesAndCountsInSlicesEqualTheWhole(size: Int) {
        var state = Self.state()
        let whole = state.communityBaselines()
        let rates = state.sortedCompletionRates()
        var rows: [CommunityBaseline] = []
        var count = 0
        for range in Self.slices(state.skillCount, size: size) {
            rows += state.baselineRows(skills: range, rates: rates, withPercentiles: true)
            count += state.invocationCount(from: Self.now - 24 * Self.hour, through: Self.now, skills: range)
        }
        #expect(AnalyticsState.ordered(rows) == whole)
        #expect(count == state.invocationCount(from: Self.now - 24 * Self.hour, through: Self.now))
    }

    @Test func aPruneInSlicesLeavesWhatAWholePruneLeaves() {
        var whole = Self.state()
        var sliced = whole
        let cutoff = Self.now - 40 * Self.hour
        whole.prune(before: cutoff)
        for range in Self.slices(sliced.skillCount, size: 7) { sliced.prune(before: cutoff, skills: range) }
        whole.prepare()
        sliced.prepare()
        #expect(sliced.topSkills(limit: 100, windowMillis: 72 * Self.hour, now: Self.now)
                == whole.topSkills(limit: 100, windowMillis: 72 * Self.hour, now: Self.now))
        #expect(sliced.invocationCount(from: .min, through: .max) == whole.invocationCount(from: .min, through: .max))
        #expect(whole.invocationCount(from: .min, through: cutoff - 1) == 0)
        while sliced.refreshQuantiles(limit: 5) {}
        #expect(sliced.communityBaselines() == whole.communityBaselines())
    }
}
