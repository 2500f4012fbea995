/// `get_skill_trend`'s metrics.
public enum TrendMetric: String, Sendable, CaseIterable {
    case completionRate = "completion_rate"
    case averageDuration = "avg_duration_seconds"
    case invocationCount = "invocation_count"

    /// For latency a falling series is the good news.
    var lowerIsBetter: Bool { self == .averageDuration }
}

/// The answer of `get_skill_trend`.
public struct SkillTrend: Sendable, Encodable, Equatable {
    public enum Direction: String, Sendable, Encodable {
        case improving, declining, stable
        case insufficientData = "insufficient_data"
    }

    public let trend: Direction
    /// Sen's slope, per day.
    public let slope: Double
    public let startValue: Double?
    public let endValue: Double?
    public let changePercent: Double?
    public let pValue: Double?
    /// session-buddy's `confidence`: the test's p-value (small means a real trend), kept under its name so a
    /// migrated client never reads it backwards.
    public let confidence: Double?
    /// 1 − p: large means a real trend.
    public let confidenceLevel: Double?
    /// Daily buckets that entered the test.
    public let n: Int
    /// One value per day, oldest first; null for a day with too few invocations to have one.
    public let dailyValues: [Double?]

    enum CodingKeys: String, CodingKey {
        case trend, slope, startValue = "start_value", endValue = "end_value", changePercent = "change_percent"
        case pValue = "p_value", confidence, confidenceLevel = "confidence_level", n, dailyValues = "daily_values"
    }
}

/// When a series counts as a trend.
public struct TrendCriteria: Sendable {
    public var significance: Double
    /// |end − start| / |start| (Sen's line) must reach this too: with enough days a tiny drift is
    /// "significant" and still not worth telling anyone about.
    public var minimumRelativeChange: Double
    /// Daily buckets needed for a verdict.
    public var minimumPoints: Int
    /// Invocations a day needs for its rate or mean duration to be a point.
    public var minimumPerDay: Int

    public init(significance: Double = 0.05, minimumRelativeChange: Double = 0.1, minimumPoints: Int = 4,
                minimumPerDay: Int = 3) {
        self.significance = significance
        self.minimumRelativeChange = minimumRelativeChange
        self.minimumPoints = minimumPoints
        self.minimumPerDay = minimumPerDay
    }
}

extension AnalyticsState {
    /// Mann–Kendall with Sen's slope over the `days` daily buckets ending now. Nil for an unknown skill.
    /// Requires `prepare()`.
    public func trend(_ skill: String, metric: TrendMetric, days: Int, now: Int64,
                      criteria: TrendCriteria = TrendCriteria()) -> SkillTrend? {
        guard let id = skillIDs[skill] else { return nil }
        let series = series[Int(id)]
        let day: Int64 = 86_400_000
        let buckets = series.buckets(from: now + 1 - day * Int64(days), width: day, count: days)
        let daily: [Double?] = buckets.map { bucket in
            switch metric {
            case .invocationCount: return Double(bucket.invocations)
            case .completionRate: return bucket.invocations >= criteria.minimumPerDay ? bucket.completionRate : nil
            case .averageDuration: return bucket.durations >= criteria.minimumPerDay ? bucket.averageDuration : nil
            }
        }
        return Self.trend(of: daily, metric: metric, criteria: criteria)
    }

    /// The test over the days that have a value, each at its own day index (so the slope is per day).
    static func trend(of daily: [Double?], metric: TrendMetric, criteria: TrendCriteria) -> SkillTrend {
        let points = daily.enumerated().compactMap { day, value in value.map { (Double(day), $0) } }
        let values = points.map(\.1)
        guard values.count >= criteria.minimumPoints, let test = MannKendall(values, positions: points.map(\.0)) else {
            return SkillTrend(trend: .insufficientData, slope: 0, startValue: values.first, endValue: values.last,
                              changePercent: nil, pValue: nil, confidence: 1, confidenceLevel: nil, n: values.count, dailyValues: daily)
        }
        // Sen's line at the first and last day with a value, kept where the metric can be: a rate within 0…1,
        // a count or a duration at 0 or above (a steep fall extrapolated to the window's edge went to −1).
        let clamp = { (value: Double) in metric == .completionRate ? Swift.min(1, Swift.max(0, value)) : Swift.max(0, value) }
        let start = clamp(test.intercept + test.slope * points.first!.0)
        let end = clamp(test.intercept + test.slope * points.last!.0)
        let relative = start != 0 ? (end - start) / abs(start) : (end == 0 ? 0 : .infinity)
        var direction = SkillTrend.Direction.stable
        if test.pValue < criteria.significance, abs(relative) >= criteria.minimumRelativeChange, test.slope != 0 {
            let rising = test.slope > 0
            direction = rising != metric.lowerIsBetter ? .improving : .declining
        }
        return SkillTrend(trend: direction, slope: test.slope, startValue: start, endValue: end,
                          changePercent: relative.isFinite ? relative * 100 : nil, pValue: test.pValue,
                          confidence: test.pValue, confidenceLevel: 1 - test.pValue, n: values.count, dailyValues: daily)
    }
}
