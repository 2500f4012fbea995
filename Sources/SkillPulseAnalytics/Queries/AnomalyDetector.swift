/// One finding of `detect_anomalies`: the last hour of a skill against its baseline.
public struct Anomaly: Sendable, Encodable, Equatable {
    public enum Kind: String, Sendable, Encodable, CaseIterable {
        case performanceDrop = "performance_drop", performanceSpike = "performance_spike"
        case latencySpike = "latency_spike", volumeDrop = "volume_drop", volumeSpike = "volume_spike"

        /// Each kind concerns exactly one metric, so (skill, kind) identifies an open anomaly.
        public var metric: String {
            switch self {
            case .performanceDrop, .performanceSpike: return "completion_rate"
            case .latencySpike: return "avg_duration_seconds"
            case .volumeDrop, .volumeSpike: return "invocation_count"
            }
        }
    }

    public let skillName: String
    public let metric: String
    public let anomalyType: Kind
    public let baselineValue: Double
    public let observedValue: Double
    public let deviationScore: Double
    /// Invocations in the observed hour.
    public let sampleSize: Int

    enum CodingKeys: String, CodingKey {
        case skillName = "skill_name", metric, anomalyType = "anomaly_type", baselineValue = "baseline_value"
        case observedValue = "observed_value", deviationScore = "deviation_score", sampleSize = "sample_size"
    }
}

/// How `detect_anomalies` judges: see docs/analytics.md for the reasoning behind each floor.
public struct AnomalyCriteria: Sendable {
    public var threshold: Double
    public var baselineHours: Int
    public var method: DeviationMethod
    /// Invocations the observed hour needs before its rate or latency may be judged (three failures are not
    /// an outage), and the baseline's mean hourly volume needed before a drop in volume counts.
    public var minimumSamples: Int
    /// Baseline hours with data needed for any score.
    public static let minimumBaselineHours = 3
    /// Invocations a baseline hour needs for its rate or mean duration to be one of the baseline's values.
    public static let minimumPerBaselineHour = 3

    public init(threshold: Double = 2, baselineHours: Int = 24, method: DeviationMethod = .zscore,
                minimumSamples: Int = 10) {
        self.threshold = threshold
        self.baselineHours = baselineHours
        self.method = method
        self.minimumSamples = minimumSamples
    }
}

extension AnalyticsState {
    /// Every skill's last hour [now − 1 h, now] against the `baselineHours` hourly buckets before it, for
    /// completion rate, mean duration and volume; sorted by |score|, largest first. Requires `prepare()`.
    public func anomalies(_ criteria: AnomalyCriteria, now: Int64) -> [Anomaly] {
        let hour: Int64 = 3_600_000
        let observedStart = now - hour + 1
        let baselineStart = observedStart - hour * Int64(criteria.baselineHours)
        var found: [Anomaly] = []
        for (index, series) in series.enumerated() {
            let name = skillNames[index]
            let observed = series.window(from: observedStart, to: now + 1)
            let baseline = series.buckets(from: baselineStart, width: hour, count: criteria.baselineHours)
            found += Self.judge(name, observed: observed, baseline: baseline, criteria: criteria)
        }
        return found.sorted { abs($0.deviationScore) > abs($1.deviationScore)
            || (abs($0.deviationScore) == abs($1.deviationScore) && $0.skillName < $1.skillName) }
    }

    static func judge(_ name: String, observed: WindowFigures, baseline: [BucketFigures],
                      criteria: AnomalyCriteria) -> [Anomaly] {
        guard baseline.filter({ $0.invocations > 0 }).count >= AnomalyCriteria.minimumBaselineHours else { return [] }
        var found: [Anomaly] = []
        func report(_ kind: Anomaly.Kind, _ center: Double, _ value: Double, _ score: Double) {
            found.append(Anomaly(skillName: name, metric: kind.metric, anomalyType: kind, baselineValue: center,
                                 observedValue: value, deviationScore: score, sampleSize: observed.invocations))
        }
        let usable = baseline.filter { $0.invocations >= AnomalyCriteria.minimumPerBaselineHour }
        let rates = usable.compactMap(\.completionRate)
        if observed.invocations >= criteria.minimumSamples, rates.count >= AnomalyCriteria.minimumBaselineHours,
           let rate = observed.completionRate, let typical = Descriptive.mean(rates)
        {
            // A steady baseline has no spread: the binomial error of the observed hour is the floor.
            let floor = Swift.max((typical * (1 - typical) / Double(observed.invocations)).squareRoot(), 0.01)
            if let (center, score) = DeviationScore.score(rate, baseline: rates, method: criteria.method, minimumSpread: floor) {
                if score <= -criteria.threshold { report(.performanceDrop, center, rate, score) }
                if score >= criteria.threshold { report(.performanceSpike, center, rate, score) }
            }
        }
        let means = baseline.filter { $0.durations >= AnomalyCriteria.minimumPerBaselineHour }.compactMap(\.averageDuration)
        if observed.durations >= criteria.minimumSamples, means.count >= AnomalyCriteria.minimumBaselineHours,
           let mean = observed.averageDuration, let typical = Descriptive.mean(means)
        {
            // 5 % of the typical latency: jitter below that is never an alert.
            if let (center, score) = DeviationScore.score(mean, baseline: means, method: criteria.method,
                                                          minimumSpread: 0.05 * abs(typical)),
               score >= criteria.threshold
            {
                report(.latencySpike, center, mean, score)
            }
        }
        let volumes = baseline.map { Double($0.invocations) }
        if let typical = Descriptive.mean(volumes) {
            // Poisson: counts fluctuate by about √mean on their own.
            let floor = Swift.max(typical, 1).squareRoot()
            let value = Double(observed.invocations)
            if let (center, score) = DeviationScore.score(value, baseline: volumes, method: criteria.method, minimumSpread: floor) {
                if score <= -criteria.threshold, typical >= Double(criteria.minimumSamples) {
                    report(.volumeDrop, center, value, score)
                }
                if score >= criteria.threshold, observed.invocations >= criteria.minimumSamples {
                    report(.volumeSpike, center, value, score)
                }
            }
        }
        return found
    }
}
