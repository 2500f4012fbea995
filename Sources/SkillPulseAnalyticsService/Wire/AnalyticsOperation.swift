import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire

/// A request to `analytics.sock`, decoded and validated: every bad field is a `bad_request` naming it. Ops are
/// grouped by how they are answered — from the in-memory state, through the A/B tables in arrival order, by the
/// models — so each group's handler switches over its own cases, exhaustively.
public enum AnalyticsOperation: WireOperation {
    case query(AnalyticsQuery)
    case experiment(ExperimentOperation)
    case model(ModelOperation)
    /// Rows of `skill_anomalies`, read from the database: the recovery after `lagged`.
    case listAnomalies(AnomalyListRequest)
    case subscribe(topics: Set<AnalyticsTopic>)
    case health
    case stats

    /// The longest window any op accepts: what analytics keeps in memory.
    public static let maxWindowHours = 90.0 * 24
    public static let maxLimit = 1000

    /// The op's name on the wire.
    public var name: AnalyticsOp {
        switch self {
        case .query(let query): query.name
        case .experiment(let experiment): experiment.name
        case .model(let model): model.name
        case .listAnomalies: .listAnomalies
        case .subscribe: .subscribe
        case .health: .health
        case .stats: .stats
        }
    }

    public init(op: String, params: WireParams) throws {
        switch try AnalyticsOp.named(op) {
        case .getSkillMetrics:
            let decoded = try params.decode(SkillParams.self)
            self = .query(.skillMetrics(skill: try Self.skill(decoded.skillName)))
        case .getRealTimeMetrics:
            let decoded = try params.decode(RealTimeParams.self)
            self = .query(.realTimeMetrics(limit: try Self.limit(decoded.limit ?? 10),
                                           windowHours: try Self.window(decoded.timeWindowHours ?? 1)))
        case .detectAnomalies:
            let decoded = try params.decode(AnomalyParams.self)
            let threshold = decoded.threshold ?? 2
            guard threshold > 0, threshold.isFinite else {
                throw WireError.badRequest("params.threshold must be a positive number (2: a 1-in-100 chance per pass for a steady skill)")
            }
            let name = decoded.method ?? "zscore"
            guard let method = DeviationMethod(rawValue: name) else {
                throw WireError.badRequest("params.method: unknown method \"\(name.prefix(64))\"; known: zscore, mad")
            }
            self = .query(.detectAnomalies(threshold: threshold, windowHours: try Self.baselineWindow(decoded.timeWindowHours ?? 24),
                                           method: method))
        case .listAnomalies:
            self = .listAnomalies(try AnomalyListRequest(params))
        case .getSkillTrend:
            let decoded = try params.decode(TrendParams.self)
            let name = decoded.metric ?? TrendMetric.completionRate.rawValue
            guard let metric = TrendMetric(rawValue: name) else {
                throw WireError.badRequest("params.metric: unknown metric \"\(name.prefix(64))\"; known: "
                                           + TrendMetric.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let days = decoded.days ?? 7
            guard (1...90).contains(days) else { throw WireError.badRequest("params.days must be between 1 and 90") }
            self = .query(.skillTrend(skill: try Self.skill(decoded.skillName), metric: metric, days: days))
        case .getCommunityBaselines:
            let decoded = try params.decode(LimitParams.self)
            self = .query(.communityBaselines(limit: try Self.limit(decoded.limit ?? 20)))
        case .compareToBaseline:
            let decoded = try params.decode(CompareParams.self)
            // Ingest's name rules, as for every other user_id: a NUL or padded id can never match a stored one.
            self = .query(.compareToBaseline(user: try Self.text(decoded.userID, "user_id"),
                                             skill: try decoded.skillName.map(Self.skill)))
        case .getSkillDependencies:
            let decoded = try params.decode(DependencyParams.self)
            let minimumLift = decoded.minLift ?? 1.5
            guard minimumLift >= 0, minimumLift.isFinite else {
                throw WireError.badRequest("params.min_lift must be a number ≥ 0")
            }
            self = .query(.skillDependencies(skill: try Self.skill(decoded.skillName),
                                             limit: try Self.limit(decoded.limit ?? 10), minimumLift: minimumLift))
        case .getCollaborativeRecommendations:
            self = .query(try Self.recommendations(params))
        case .predictSuccessProbability:
            self = .model(try Self.predictSuccess(params))
        case .trainModel:
            self = .model(try Self.trainModel(params))
        case .getSkillClusters:
            self = .model(try Self.skillClusters(params))
        case .createABTest:
            self = .experiment(try Self.createABTest(params))
        case .assignABTest:
            self = .experiment(try Self.assignABTest(params))
        case .recordABOutcome:
            self = .experiment(try Self.recordABOutcome(params))
        case .getABTestSummary:
            self = .experiment(.summary(testID: try Self.testID(params.decode(TestParams.self).testID)))
        case .stopABTest:
            self = .experiment(.stop(testID: try Self.testID(params.decode(TestParams.self).testID)))
        case .listABTests:
            self = .experiment(.list(limit: try Self.limit(params.decode(LimitParams.self).limit ?? 100)))
        case .subscribe:
            self = .subscribe(topics: try AnalyticsTopic.subscription(try params.decode(SubscribeParams.self).topics))
        case .health:
            _ = try params.decode(NoParams.self)
            self = .health
        case .stats:
            _ = try params.decode(NoParams.self)
            self = .stats
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

    /// `detect_anomalies`' window: it must hold `AnomalyCriteria.minimumBaselineHours` whole hours of baseline.
    static func baselineWindow(_ hours: Double) throws -> Double {
        let minimum = AnomalyCriteria.minimumBaselineHours
        guard hours >= Double(minimum), hours <= maxWindowHours else {
            throw WireError.badRequest("params.time_window_hours must be at least \(minimum) (the baseline needs \(minimum) "
                                       + "whole hours before the observed hour) and at most \(Int(maxWindowHours)) (90 days)")
        }
        return hours
    }

    static func window(_ hours: Double) throws -> Double {
        guard hours > 0, hours <= maxWindowHours else {
            throw WireError.badRequest("params.time_window_hours must be > 0 and at most \(Int(maxWindowHours)) (90 days)")
        }
        return hours
    }
}

struct SkillParams: Decodable {
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

struct LimitParams: Decodable {
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
