import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire

/// The ops `analytics.sock` answers, decoded and validated: every bad field is a `bad_request` naming it.
public enum AnalyticsOperation: WireOperation {
    case skillMetrics(skill: String)
    case realTimeMetrics(limit: Int, windowHours: Double)
    case detectAnomalies(threshold: Double, windowHours: Double, method: DeviationMethod)
    case skillTrend(skill: String, metric: TrendMetric, days: Int)
    case communityBaselines(limit: Int)
    case compareToBaseline(user: String, skill: String?)
    case skillDependencies(skill: String, limit: Int, minimumLift: Double)
    case predictSuccess(PredictionQuery)
    case trainModel(days: Int)
    case createABTest(ABTestRequest)
    case assignABTest(testID: Int64, user: String)
    case recordABOutcome(ABOutcomeRequest)
    case abTestSummary(testID: Int64)
    case stopABTest(testID: Int64)
    case listABTests(limit: Int)
    case recommendations(user: String, limit: Int)
    case skillClusters(limit: Int)
    case subscribe(topics: Set<AnalyticsTopic>)
    case health
    case stats

    /// The longest window any op accepts: what analytics keeps in memory.
    public static let maxWindowHours = 90.0 * 24
    public static let maxLimit = 1000

    public init(op: String, params: WireParams) throws {
        switch op {
        case "get_skill_metrics":
            let decoded = try params.decode(SkillParams.self)
            self = .skillMetrics(skill: try Self.skill(decoded.skillName))
        case "get_real_time_metrics":
            let decoded = try params.decode(RealTimeParams.self)
            self = .realTimeMetrics(limit: try Self.limit(decoded.limit ?? 10),
                                    windowHours: try Self.window(decoded.timeWindowHours ?? 1))
        case "detect_anomalies":
            let decoded = try params.decode(AnomalyParams.self)
            let threshold = decoded.threshold ?? 2
            guard threshold > 0, threshold.isFinite else {
                throw WireError.badRequest("params.threshold must be a positive number of standard deviations")
            }
            let name = decoded.method ?? "zscore"
            guard let method = DeviationMethod(rawValue: name) else {
                throw WireError.badRequest("params.method: unknown method \"\(name.prefix(64))\"; known: zscore, mad")
            }
            self = .detectAnomalies(threshold: threshold, windowHours: try Self.window(decoded.timeWindowHours ?? 24),
                                    method: method)
        case "get_skill_trend":
            let decoded = try params.decode(TrendParams.self)
            let name = decoded.metric ?? TrendMetric.completionRate.rawValue
            guard let metric = TrendMetric(rawValue: name) else {
                throw WireError.badRequest("params.metric: unknown metric \"\(name.prefix(64))\"; known: "
                                           + TrendMetric.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let days = decoded.days ?? 7
            guard (1...90).contains(days) else { throw WireError.badRequest("params.days must be between 1 and 90") }
            self = .skillTrend(skill: try Self.skill(decoded.skillName), metric: metric, days: days)
        case "get_community_baselines":
            let decoded = try params.decode(LimitParams.self)
            self = .communityBaselines(limit: try Self.limit(decoded.limit ?? 20))
        case "compare_to_baseline":
            let decoded = try params.decode(CompareParams.self)
            guard !decoded.userID.isEmpty else { throw WireError.badRequest("params.user_id must not be empty") }
            self = .compareToBaseline(user: decoded.userID, skill: try decoded.skillName.map(Self.skill))
        case "get_skill_dependencies":
            let decoded = try params.decode(DependencyParams.self)
            let minimumLift = decoded.minLift ?? 1.5
            guard minimumLift >= 0, minimumLift.isFinite else {
                throw WireError.badRequest("params.min_lift must be a number ≥ 0")
            }
            self = .skillDependencies(skill: try Self.skill(decoded.skillName), limit: try Self.limit(decoded.limit ?? 10),
                                      minimumLift: minimumLift)
        case "predict_success_probability", "train_model", "create_ab_test", "assign_ab_test", "record_ab_outcome",
             "get_ab_test_summary", "stop_ab_test", "list_ab_tests", "get_collaborative_recommendations",
             "get_skill_clusters":
            self = try Self.modelOperation(op, params: params)
        case "subscribe":
            let decoded = try params.decode(SubscribeParams.self)
            let known = AnalyticsTopic.allCases.map(\.rawValue).joined(separator: ", ")
            guard !decoded.topics.isEmpty else { throw WireError.badRequest("params.topics must name at least one of \(known)") }
            var topics: Set<AnalyticsTopic> = []
            for name in decoded.topics {
                guard let topic = AnalyticsTopic(rawValue: name) else {
                    throw WireError.badRequest("params.topics: unknown topic \"\(name.prefix(64))\"; known: \(known)")
                }
                topics.insert(topic)
            }
            self = .subscribe(topics: topics)
        case "health":
            _ = try params.decode(NoParams.self)
            self = .health
        case "stats":
            _ = try params.decode(NoParams.self)
            self = .stats
        default:
            throw WireError(.unknownOp, "unknown op \"\(op.prefix(64))\"; analytics answers get_skill_metrics, "
                            + "get_real_time_metrics, detect_anomalies, get_skill_trend, get_community_baselines, "
                            + "compare_to_baseline, get_skill_dependencies, predict_success_probability, "
                            + "train_model, create_ab_test, assign_ab_test, record_ab_outcome, get_ab_test_summary, "
                            + "stop_ab_test, list_ab_tests, get_collaborative_recommendations, get_skill_clusters, "
                            + "subscribe, health, stats")
        }
    }

    /// Ingest's rules for names (no control characters, no surrounding whitespace, at most 200 characters) and
    /// its NFC normalisation, so a name typed either way finds the row ingest stored.
    static func skill(_ name: String) throws -> String {
        try field { () throws(FieldError) in try FieldRules.name(name, field: "skill_name") }
    }

    /// Runs a field rule; its error becomes a `bad_request` naming `params.<field>`.
    static func field<T>(_ rule: () throws(FieldError) -> T) throws -> T {
        do {
            return try rule()
        } catch {
            throw WireError.badRequest("params.\(error.field) \(error.message)")
        }
    }

    static func limit(_ value: Int) throws -> Int {
        guard (1...maxLimit).contains(value) else {
            throw WireError.badRequest("params.limit must be between 1 and \(maxLimit)")
        }
        return value
    }

    static func window(_ hours: Double) throws -> Double {
        guard hours > 0, hours <= maxWindowHours else {
            throw WireError.badRequest("params.time_window_hours must be > 0 and at most \(Int(maxWindowHours)) (90 days)")
        }
        return hours
    }
}

private struct SkillParams: Decodable {
    let skillName: String
    enum CodingKeys: String, CodingKey { case skillName = "skill_name" }
}

private struct RealTimeParams: Decodable {
    let limit: Int?
    let timeWindowHours: Double?
    enum CodingKeys: String, CodingKey { case limit, timeWindowHours = "time_window_hours" }
}

private struct AnomalyParams: Decodable {
    let threshold: Double?
    let timeWindowHours: Double?
    let method: String?
    enum CodingKeys: String, CodingKey { case threshold, timeWindowHours = "time_window_hours", method }
}

private struct TrendParams: Decodable {
    let skillName: String
    let metric: String?
    let days: Int?
    enum CodingKeys: String, CodingKey { case skillName = "skill_name", metric, days }
}

private struct LimitParams: Decodable {
    let limit: Int?
}

private struct CompareParams: Decodable {
    let userID: String
    let skillName: String?
    enum CodingKeys: String, CodingKey { case userID = "user_id", skillName = "skill_name" }
}

private struct DependencyParams: Decodable {
    let skillName: String
    let limit: Int?
    let minLift: Double?
    enum CodingKeys: String, CodingKey { case skillName = "skill_name", limit, minLift = "min_lift" }
}

private struct SubscribeParams: Decodable {
    let topics: [String]
}

/// What `analytics.sock` streams to subscribers.
public enum AnalyticsTopic: String, Sendable, CaseIterable, Comparable {
    case anomaly, metrics

    public static func < (lhs: AnalyticsTopic, rhs: AnalyticsTopic) -> Bool { lhs.rawValue < rhs.rawValue }
}
