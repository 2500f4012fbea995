import SkillPulseAnalytics

/// The analytics daemon's tunables (its command-line options; docs/analytics.md explains each).
public struct AnalyticsSettings: Sendable {
    /// How often the background pass looks for anomalies and records them.
    public var anomalyInterval: Duration = .seconds(60)
    /// How often changed baselines and dependencies are written to their tables.
    public var flushInterval: Duration = .seconds(2)
    /// Changed dependency pairs written per flush at most, those changed first; the rest wait. Under a bulk
    /// load nearly every pair changes between two flushes, and writing them all every 2 s would cost more than
    /// following the stream (20,000 rows take ~0.1 s); a pair that changes again while it waits is written
    /// once, with its latest figures.
    public var flushMaxPairs = 20_000
    /// Sessions two skills must share before they count as a dependency.
    public var minimumCoOccurrence = 3
    /// Invocations the observed hour needs before it can raise an alert.
    public var anomalyMinimumSamples = 10
    /// The score the background pass records an anomaly at (`detect_anomalies`' `threshold` for the pass).
    public var anomalyThreshold = 2.0
    /// How the background pass forms baselines (`detect_anomalies`' `method` for the pass).
    public var anomalyMethod = DeviationMethod.zscore
    /// The relative change (Sen's line, start to end) a significant trend also needs.
    public var trendMinimumChange = 0.1
    /// Invocations older than this leave memory (lifetime totals stay); no window may be longer.
    public var retentionDays = 90

    /// How often the success model is retrained (sooner when `retrainGrowth` new rows arrived).
    public var trainInterval: Duration = .seconds(3600)
    /// New training rows, as a share of the last model's, that trigger an early retraining.
    public var retrainGrowth = 0.1
    /// Days of history the background training uses.
    public var trainDays = 30
    /// How often the skill clusters are recomputed (when anything changed) and written to their tables.
    public var clusterInterval: Duration = .seconds(300)

    public init() {}

    /// The names `anomalyMethod` takes (`--anomaly-method`).
    public static var anomalyMethodNames: [String] { DeviationMethod.allCases.map(\.rawValue) }
    /// The largest `anomalyThreshold` that means anything: scores are capped there.
    public static let maximumAnomalyThreshold = AnomalyCriteria.maximumScore

    /// Sets `anomalyMethod` by name; false (and unchanged) for a name not in `anomalyMethodNames`.
    @discardableResult
    public mutating func chooseAnomalyMethod(named name: String) -> Bool {
        guard let method = DeviationMethod(rawValue: name) else { return false }
        anomalyMethod = method
        return true
    }
}
