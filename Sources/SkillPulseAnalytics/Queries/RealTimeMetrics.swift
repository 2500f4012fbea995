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
        var ranked: [(name: String, figures: WindowFigures)] = []
        for (name, series) in series {
            let figures = series.window(from: now - windowMillis, to: now + 1)
            if figures.invocations > 0 { ranked.append((name, figures)) }
        }
        ranked.sort { $0.figures.invocations > $1.figures.invocations
            || ($0.figures.invocations == $1.figures.invocations && $0.name < $1.name) }
        return ranked.prefix(limit).map { name, figures in
            let durations = series[name]!.durations(in: figures)
            return TopSkill(skillName: name, invocationCount: figures.invocations, completedCount: figures.completed,
                            completionRate: figures.completionRate ?? 0, avgDuration: figures.averageDuration,
                            p95Duration: Descriptive.quantile(durations, 0.95),
                            lastInvocationAt: UTCTimestamp(millisecondsSinceEpoch: totals[name]!.last).normalized)
        }
    }
}
