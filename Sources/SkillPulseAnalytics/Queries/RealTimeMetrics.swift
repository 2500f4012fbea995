import SkillPulseCore

/// One row of `get_real_time_metrics`' `top_skills`. Rates are fractions (0–1) everywhere in SkillPulse.
public struct TopSkill: Sendable, Encodable, Equatable {
    public let skillName: String
    public let invocationCount: Int
    public let completedCount: Int
    public let completionRate: Double
    public let avgDuration: Double?
    public let p95Duration: Double?
    public let lastInvocationAt: String

    enum CodingKeys: String, CodingKey {
        case skillName = "skill_name", invocationCount = "invocation_count", completedCount = "completed_count"
        case completionRate = "completion_rate", avgDuration = "avg_duration", p95Duration = "p95_duration"
        case lastInvocationAt = "last_invocation_at"
    }
}

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
                            completionRate: figures.completionRate ?? 0, avgDuration: figures.averageDuration,
                            p95Duration: Descriptive.quantile(durations, 0.95),
                            lastInvocationAt: UTCTimestamp(millisecondsSinceEpoch: totals[index].last).normalized)
        }
    }
}
