import SkillPulseCore

/// The `data` of analytics' `metrics` event: the top skills of the last hour, as `get_real_time_metrics`
/// ranks them.
public struct MetricsEvent: Codable, Sendable, Equatable {
    public let topSkills: [TopSkill]
    public let timestamp: String

    public init(topSkills: [TopSkill], timestamp: String) {
        self.topSkills = topSkills
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey { case topSkills = "top_skills", timestamp }
}
