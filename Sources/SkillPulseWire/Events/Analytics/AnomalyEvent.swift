/// The `data` of analytics' `anomaly` event: an anomaly opened (`state` "open", with its figures) or resolved
/// (`state` "resolved", with `resolved_at`).
public struct AnomalyEvent: Codable, Sendable, Equatable {
    /// Whether the anomaly was opened or resolved by this pass.
    public enum State: String, Codable, Sendable { case open, resolved }

    public let id: Int64
    public let skillName: String
    public let metric: String
    public let anomalyType: String
    public let baselineValue: Double?
    public let observedValue: Double?
    public let deviationScore: Double?
    public let detectedAt: String
    public let resolvedAt: String?
    public let state: State

    public init(id: Int64, skillName: String, metric: String, anomalyType: String, baselineValue: Double?,
                observedValue: Double?, deviationScore: Double?, detectedAt: String, resolvedAt: String?, state: State) {
        self.id = id
        self.skillName = skillName
        self.metric = metric
        self.anomalyType = anomalyType
        self.baselineValue = baselineValue
        self.observedValue = observedValue
        self.deviationScore = deviationScore
        self.detectedAt = detectedAt
        self.resolvedAt = resolvedAt
        self.state = state
    }

    enum CodingKeys: String, CodingKey {
        case id, skillName = "skill_name", metric, anomalyType = "anomaly_type", baselineValue = "baseline_value"
        case observedValue = "observed_value", deviationScore = "deviation_score", detectedAt = "detected_at"
        case resolvedAt = "resolved_at", state
    }
}
