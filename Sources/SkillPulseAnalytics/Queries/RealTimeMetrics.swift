import SkillPulseCore

extension AnalyticsState {
    /// The most invoked skills of [now − window, now]: two binary searches per skill, then a percentile for
    /// the `limit` winners only. Requires `prepare()`.
    public func topSkills(limit: Int, windowMillis: Int64, now: Int64) -> [TopSkill] {
        var ranked: [(index: Int, figures: WindowFigures)] = []
        let start = now - windowMillis
        for (index, series) in series.enumerated() {
            // Most skills have nothing in a short window: their newest invocation says so without a search.
            guard let newest = series.newest, newest >= start else { continue }
            let figures = series.window(from: start, to: now + 1)
            if figures.invocations > 0 { ranked.append((index, figures)) }
        }
        ranked.sort { $0.figures.invocations > $1.figures.invocations
            || ($0.figures.invocations == $1.figures.invocations && skillNames[$0.index] < skillNames[$1.index]) }
        return ranked.prefix(limit).map { index, figures in
            let name = skillNames[index]
            let durations = series[index].durations(in: figures)
            return TopSkill(skillName: name, invocationCount: figures.invocations, completedCount: figures.completed,
                            completionRate: figures.completionRate ?? 0, avgDuration: figures.averageCompletedDuration,
                            avgDurationAll: figures.averageDuration,
                            p95Duration: Descriptive.quantile(durations, 0.95),
                            lastInvocationAt: UTCTimestamp(millisecondsSinceEpoch: totals[index].last).normalized)
        }
    }
}
