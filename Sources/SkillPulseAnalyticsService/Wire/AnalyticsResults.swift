import SkillPulseAnalytics

/// Adds the answer's `timestamp` (and the op's echo fields) beside a result's own keys: JSONEncoder merges
/// keyed containers requested from the same encoder.
struct Stamped<Body: Encodable & Sendable>: Encodable, Sendable {
    let body: Body
    let extra: [String: String]

    private struct Key: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        try body.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in extra { try container.encode(value, forKey: Key(stringValue: key)) }
    }
}

struct TopSkillsResult: Encodable, Sendable {
    let topSkills: [TopSkill]
    let timeWindowHours: Double
    enum CodingKeys: String, CodingKey { case topSkills = "top_skills", timeWindowHours = "time_window_hours" }
}

struct AnomaliesResult: Encodable, Sendable {
    let anomalies: [Anomaly]
    let method: String
    let threshold: Double
    let timeWindowHours: Double
    enum CodingKeys: String, CodingKey { case anomalies, method, threshold, timeWindowHours = "time_window_hours" }
}

struct BaselinesResult: Encodable, Sendable {
    let baselines: [CommunityBaseline]
    let totalSkills: Int
    enum CodingKeys: String, CodingKey { case baselines, totalSkills = "total_skills" }
}

struct ComparisonResult: Encodable, Sendable {
    let userID: String
    let comparisons: [BaselineComparison]
    enum CodingKeys: String, CodingKey { case userID = "user_id", comparisons }
}

struct DependenciesResult: Encodable, Sendable {
    let skillName: String
    let dependencies: [SkillDependency]
    let sessions: Int
    enum CodingKeys: String, CodingKey { case skillName = "skill_name", dependencies, sessions }
}
