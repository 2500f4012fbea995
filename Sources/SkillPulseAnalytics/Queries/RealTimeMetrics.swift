import SkillPulseCore

extension AnalyticsState {
    /// The most invoked skills of [now − window, now]: two binary searches per skill, then a percentile for
    /// the `limit` winners only. Requires `prepare()`.
    public func topSkills(limit: Int, windowMillis: Int64, now: Int64) -> [TopSkill] {
        let ranked = rankSkills(windowMillis: windowMillis, now: now, skills: 0..<skillCount)
        return topSkillDetails(Self.leaders(ranked, limit: limit), windowMillis: windowMillis, now: now)
    }

    /// The skills numbered in `skills` with invocations in the window, and how many: ranks of consecutive ranges
    /// concatenate, so a caller can hold the state's lock for one range at a time. Requires `prepare()`.
    public func rankSkills(windowMillis: Int64, now: Int64, skills: Range<Int>) -> [RankedSkill] {
        var ranked: [RankedSkill] = []
        let start = now - windowMillis
        // Through a buffer pointer: `for … in series`, and even `series[index].newest`, copy each `SkillSeries`
        // (a retain and a release per array it holds), which cost more than the searches at 10,000 skills.
        series.withUnsafeBufferPointer { series in
            for index in skills.clamped(to: series.indices) {
                // Most skills have nothing in a short window: their newest invocation says so without a search
                // (and without reading their series).
                guard newestInSeries[index] >= start else { continue }
                let invocations = series[index].count(from: start, to: now + 1)
                if invocations > 0 { ranked.append(RankedSkill(index: index, name: skillNames[index], invocations: invocations)) }
            }
        }
        return ranked
    }

    /// The `limit` most invoked of `ranked` (ties by name).
    public static func leaders(_ ranked: [RankedSkill], limit: Int) -> [RankedSkill] {
        // Only those that can make the cut are compared by name: the `limit`-th largest count is found among
        // plain integers first (a thousand name comparisons cost more than the whole ranking).
        guard limit > 0 else { return [] }
        var candidates = ranked
        if ranked.count > limit {
            let cut = ranked.map(\.invocations).sorted(by: >)[limit - 1]
            candidates = ranked.filter { $0.invocations >= cut }
        }
        return Array(candidates.sorted { ($0.invocations, $1.name) > ($1.invocations, $0.name) }.prefix(limit))
    }

    /// The figures of `chosen` over the window, in the order of their counts now. Requires `prepare()`.
    public func topSkillDetails(_ chosen: some Collection<RankedSkill>, windowMillis: Int64, now: Int64) -> [TopSkill] {
        let start = now - windowMillis
        return chosen.map { skill in
            let index = skill.index
            let figures = series[index].window(from: start, to: now + 1)
            let durations = series[index].durations(in: figures)
            return TopSkill(skillName: skill.name, invocationCount: figures.invocations, completedCount: figures.completed,
                            completionRate: figures.completionRate ?? 0, avgDuration: figures.averageCompletedDuration,
                            avgDurationAll: figures.averageDuration,
                            p95Duration: Descriptive.quantile(durations, 0.95),
                            lastInvocationAt: UTCTimestamp(millisecondsSinceEpoch: totals[index].last).normalized)
        }
        .sorted { ($0.invocationCount, $1.skillName) > ($1.invocationCount, $0.skillName) }
    }
}

/// A skill with invocations in a real-time window (see `AnalyticsState.rankSkills`).
public struct RankedSkill: Sendable {
    let index: Int
    let name: String
    let invocations: Int
}
