/// One skill's figures in a time window, as `get_real_time_metrics`' `top_skills` and analytics' `metrics`
/// event carry them. Rates are fractions (0–1) everywhere in SkillPulse.
public struct TopSkill: Sendable, Codable, Equatable {
    public let skillName: String
    public let invocationCount: Int
    public let completedCount: Int
    public let completionRate: Double
    /// Mean duration of the window's completed invocations, 0 when none carried one (session-buddy's meaning).
    public let avgDuration: Double?
    /// Mean duration of every invocation of the window that carried one, failed ones included.
    public let avgDurationAll: Double?
    public let p95Duration: Double?
    public let lastInvocationAt: String

    public init(skillName: String, invocationCount: Int, completedCount: Int, completionRate: Double,
                avgDuration: Double?, avgDurationAll: Double? = nil, p95Duration: Double?, lastInvocationAt: String) {
        self.skillName = skillName
        self.invocationCount = invocationCount
        self.completedCount = completedCount
        self.completionRate = completionRate
        self.avgDuration = avgDuration
        self.avgDurationAll = avgDurationAll
        self.p95Duration = p95Duration
        self.lastInvocationAt = lastInvocationAt
    }

    enum CodingKeys: String, CodingKey {
        case skillName = "skill_name", invocationCount = "invocation_count", completedCount = "completed_count"
        case completionRate = "completion_rate", avgDuration = "avg_duration", avgDurationAll = "avg_duration_all"
        case p95Duration = "p95_duration"
        case lastInvocationAt = "last_invocation_at"
    }
}
