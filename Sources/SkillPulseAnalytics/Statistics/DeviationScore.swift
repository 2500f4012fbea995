/// How a baseline is formed from its hours (`detect_anomalies`' `method`), and how `DeviationScore` scores.
public enum DeviationMethod: String, Sendable, CaseIterable {
    /// Every baseline hour counts; `DeviationScore`: (x − mean) / standard deviation.
    case zscore
    /// Baseline hours further than 5 robust spreads (1.4826 · MAD) from the median hour are left out first, so an
    /// earlier outage in the baseline neither moves it nor widens it; `DeviationScore`: (x − median) / (1.4826 · MAD).
    case mad
}

public enum DeviationScore {
    /// 1.4826 makes the MAD a consistent estimator of σ for normal data.
    public static let madScale = 1.4826

    /// The score of `observed` against `baseline`, or nil if the baseline has fewer than two values.
    /// `minimumSpread` floors the spread: a perfectly steady baseline (spread 0) would otherwise turn any
    /// change into an infinite score.
    public static func score(_ observed: Double, baseline: [Double], method: DeviationMethod,
                             minimumSpread: Double = 0) -> (center: Double, score: Double)? {
        guard baseline.count >= 2 else { return nil }
        let center: Double
        let spread: Double
        switch method {
        case .zscore:
            guard let mean = Descriptive.mean(baseline), let sd = Descriptive.standardDeviation(baseline) else { return nil }
            center = mean
            spread = sd
        case .mad:
            guard let median = Descriptive.median(baseline), let mad = Descriptive.medianAbsoluteDeviation(baseline) else {
                return nil
            }
            center = median
            spread = madScale * mad
        }
        let effective = Swift.max(spread, minimumSpread)
        guard effective > 0 else { return observed == center ? (center, 0) : nil }
        return (center, (observed - center) / effective)
    }
}
