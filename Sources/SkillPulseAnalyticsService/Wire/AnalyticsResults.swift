import NIOCore
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire

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

/// `get_real_time_metrics`' answer. Dashboards poll it, so it writes its own JSON instead of going through
/// JSONEncoder (the same keys; absent values omitted, as the synthesized encoding does).
struct TopSkillsResult: CompactJSONEncodable {
    let topSkills: [TopSkill]
    let timeWindowHours: Double
    let timestamp: String
    /// Why `top_skills` is empty; absent when it is not.
    var reason: String? = nil
    enum CodingKeys: String, CodingKey {
        case topSkills = "top_skills", timeWindowHours = "time_window_hours", timestamp, reason
    }

    func writeJSON(to buffer: inout ByteBuffer) {
        buffer.writeStaticString(#"{"top_skills":["#)
        for (index, skill) in topSkills.enumerated() {
            if index > 0 { buffer.writeStaticString(",") }
            buffer.writeStaticString(#"{"skill_name":"#)
            buffer.writeJSONString(skill.skillName)
            buffer.writeStaticString(#","invocation_count":"#)
            buffer.writeJSONInteger(skill.invocationCount)
            buffer.writeStaticString(#","completed_count":"#)
            buffer.writeJSONInteger(skill.completedCount)
            buffer.writeStaticString(#","completion_rate":"#)
            buffer.writeJSONNumber(skill.completionRate)
            if let average = skill.avgDuration {
                buffer.writeStaticString(#","avg_duration":"#)
                buffer.writeJSONNumber(average)
            }
            if let average = skill.avgDurationAll {
                buffer.writeStaticString(#","avg_duration_all":"#)
                buffer.writeJSONNumber(average)
            }
            if let p95 = skill.p95Duration {
                buffer.writeStaticString(#","p95_duration":"#)
                buffer.writeJSONNumber(p95)
            }
            buffer.writeStaticString(#","last_invocation_at":"#)
            buffer.writeJSONString(skill.lastInvocationAt)
            buffer.writeStaticString("}")
        }
        buffer.writeStaticString(#"],"time_window_hours":"#)
        buffer.writeJSONNumber(timeWindowHours)
        buffer.writeStaticString(#","timestamp":"#)
        buffer.writeJSONString(timestamp)
        if let reason {
            buffer.writeStaticString(#","reason":"#)
            buffer.writeJSONString(reason)
        }
        buffer.writeStaticString("}")
    }
}

struct AnomaliesResult: Encodable, Sendable {
    let anomalies: [Anomaly]
    /// Why `anomalies` is empty; absent when it is not.
    let reason: String?
    let method: String
    let threshold: Double
    let timeWindowHours: Double
    enum CodingKeys: String, CodingKey { case anomalies, reason, method, threshold, timeWindowHours = "time_window_hours" }
}

struct BaselinesResult: Encodable, Sendable {
    let baselines: [CommunityBaseline]
    let totalSkills: Int
    /// Why `baselines` is empty; absent when it is not.
    var reason: String? { baselines.isEmpty ? "no invocations yet: every skill invoked gets a baseline" : nil }
    enum CodingKeys: String, CodingKey { case baselines, totalSkills = "total_skills", reason }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(baselines, forKey: .baselines)
        try container.encode(totalSkills, forKey: .totalSkills)
        try container.encodeIfPresent(reason, forKey: .reason)
    }
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
    /// Why `dependencies` is empty; absent when it is not.
    var reason: String? = nil
    enum CodingKeys: String, CodingKey { case skillName = "skill_name", dependencies, sessions, reason }
}
