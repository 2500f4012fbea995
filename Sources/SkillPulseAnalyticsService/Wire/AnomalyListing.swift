import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseStore
import SkillPulseWire

/// `list_anomalies {state, since_id, limit}`, validated: every bad field a `bad_request` naming it.
public struct AnomalyListRequest: Sendable, Equatable {
    public let state: AnomalyRowState
    public let sinceID: Int64
    public let limit: Int

    public static let defaultLimit = 100
    public static let maxLimit = 1000

    public init(state: AnomalyRowState = .open, sinceID: Int64 = 0, limit: Int = defaultLimit) {
        self.state = state
        self.sinceID = sinceID
        self.limit = limit
    }

    init(_ params: WireParams) throws {
        let decoded = try params.decode(Params.self)
        let name = decoded.state ?? AnomalyRowState.open.rawValue
        guard let state = AnomalyRowState(rawValue: name) else {
            throw WireError.badRequest("params.state: unknown state \"\(name.prefix(64))\"; known: "
                                       + AnomalyRowState.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let sinceID = decoded.sinceID ?? 0
        guard sinceID >= 0 else { throw WireError.badRequest("params.since_id must be an anomaly id ≥ 0") }
        let limit = decoded.limit ?? Self.defaultLimit
        guard (1...Self.maxLimit).contains(limit) else {
            throw WireError.badRequest("params.limit must be between 1 and \(Self.maxLimit)")
        }
        self.init(state: state, sinceID: sinceID, limit: limit)
    }

    private struct Params: Decodable {
        let state: String?
        let sinceID: Int64?
        let limit: Int?
        enum CodingKeys: String, CodingKey { case state, sinceID = "since_id", limit }
    }
}

/// `list_anomalies`' answer: a page of rows in id order, and where the next page starts.
struct AnomalyListResult: Encodable, Sendable {
    /// One stored anomaly; `metric` is left out for a type SkillPulse does not write (session-buddy's `drop`).
    struct ListedAnomaly: Encodable, Sendable {
        let id: Int64
        let skillName: String
        let metric: String?
        let anomalyType: String
        let baselineValue: Double?
        let observedValue: Double?
        let deviationScore: Double?
        let detectedAt: String
        let resolvedAt: String?
        let state: String

        enum CodingKeys: String, CodingKey {
            case id, skillName = "skill_name", metric, anomalyType = "anomaly_type", baselineValue = "baseline_value"
            case observedValue = "observed_value", deviationScore = "deviation_score", detectedAt = "detected_at"
            case resolvedAt = "resolved_at", state
        }

        init(_ row: StoredAnomalyRow) {
            id = row.id
            skillName = row.skillName
            metric = Anomaly.Kind(rawValue: row.anomalyType)?.metric
            anomalyType = row.anomalyType
            baselineValue = row.baselineValue
            observedValue = row.observedValue
            deviationScore = row.deviationScore
            detectedAt = row.detectedAt
            resolvedAt = row.resolvedAt
            state = row.resolvedAt == nil ? "open" : "resolved"
        }
    }

    let anomalies: [ListedAnomaly]
    let state: String
    /// The `since_id` of the next page: the last id returned (the request's own when none was).
    let nextSinceID: Int64
    /// Whether rows past `next_since_id` were left for the next page.
    let hasMore: Bool
    /// Why `anomalies` is empty (absent when it is not).
    let reason: String?
    let timestamp: String

    enum CodingKeys: String, CodingKey {
        case anomalies, state, nextSinceID = "next_since_id", hasMore = "has_more", reason, timestamp
    }

    /// Reads one page (one row more than asked, to know whether another page follows).
    static func page(_ request: AnomalyListRequest, from store: AnalyticsStore) async throws -> AnomalyListResult {
        let rows = try await store.anomalies(request.state, after: request.sinceID, limit: request.limit + 1)
        let page = rows.prefix(request.limit)
        let which = request.state == .all ? "" : "\(request.state.rawValue) "
        let reason = page.isEmpty
            ? (request.sinceID > 0 ? "no \(which)anomaly with an id above \(request.sinceID)" : "no \(which)anomalies recorded")
            : nil
        return AnomalyListResult(anomalies: page.map(ListedAnomaly.init), state: request.state.rawValue,
                                 nextSinceID: page.last?.id ?? request.sinceID, hasMore: rows.count > request.limit,
                                 reason: reason, timestamp: UTCTimestamp.now().normalized)
    }
}
