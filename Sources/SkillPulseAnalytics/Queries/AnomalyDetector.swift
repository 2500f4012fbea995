import Foundation

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
    /// Signed surprise: −log₁₀ of the chance that a steady skill shows a deviation at least this large in its
    /// last hour, corrected for the several tests made of the skill (Bonferroni); negative below the baseline.
    /// |score| ≥ threshold is an anomaly: 2 means a 1-in-100 event for a steady skill.
    public let deviationScore: Double
    /// Invocations in the observed hour.
    public let sampleSize: Int

    enum CodingKeys: String, CodingKey {
        case skillName = "skill_name", metric, anomalyType = "anomaly_type", baselineValue = "baseline_value"
        case observedValue = "observed_value", deviationScore = "deviation_score", sampleSize = "sample_size"
    }
}

/// How `detect_anomalies` judges: see docs/analytics.md for the reasoning behind each constant.
public struct AnomalyCriteria: Sendable {
    /// The |score| an anomaly needs: 2 = a 1 % chance per pass for a steady skill, 3 = 0.1 %.
    public var threshold: Double
    public var baselineHours: Int
    public var method: DeviationMethod
    /// Invocations (or durations) the observed hour needs before its rate (or latency) may be judged, and the
    /// volume needed on either side of a volume anomaly: three failures are not an outage.
    public var minimumSamples: Int
    /// Whole hours of baseline (after a skill's first invocation) needed for any score; also the shortest
    /// window `detect_anomalies` accepts.
    public static let minimumBaselineHours = 3
    /// Baseline hours with invocations (with durations) the rate (latency) needs.
    public static let minimumBusyHours = 3
    /// `mad`: baseline hours needed before outlying ones are looked for (a MAD of fewer is mostly noise).
    public static let minimumHoursToScreen = 8
    /// `mad`: a baseline hour further than this many robust spreads from the median hour is left out.
    public static let screenCutoff = 5.0
    /// The smallest standard error of an hour's mean log-duration: a slowdown of a few percent is never an
    /// alert, however many calls show it.
    public static let minimumLogDurationError = 0.05
    /// Scores are capped (a probability below 10⁻³⁰⁰ says nothing more).
    public static let maximumScore = 300.0

    public init(threshold: Double = 2, baselineHours: Int = 24, method: DeviationMethod = .zscore,
                minimumSamples: Int = 10) {
        self.threshold = threshold
        self.baselineHours = baselineHours
        self.method = method
        self.minimumSamples = minimumSamples
    }
}

/// What one pass found, and — when it found nothing — why.
public struct AnomalyReport: Sendable {
    public let anomalies: [Anomaly]
    /// Skills whose last hour was judged (invocations in the window and enough history).
    public let skillsJudged: Int
    /// Why `anomalies` is empty (nil when it is not): not enough history, nothing in the window, or nothing
    /// reached the threshold.
    public let reason: String?
}

/// Part of an anomaly pass: what the skills of one range gave (see `AnalyticsState.anomalyScan`).
public struct AnomalyScan: Sendable {
    public var found: [Anomaly] = []
    var judged = 0
    var young = 0
    var oldestActive = Int64.max

    public init() {}

    /// Adds the next range's scan.
    public mutating func merge(_ other: AnomalyScan) {
        found += other.found
        judged += other.judged
        young += other.young
        oldestActive = Swift.min(oldestActive, other.oldestActive)
    }

    /// The whole pass: anomalies by |score|, largest first, or why there are none.
    public func report(_ criteria: AnomalyCriteria, skillCount: Int, now: Int64) -> AnomalyReport {
        let hour: Int64 = 3_600_000
        let found = found.sorted { left, right in
            let (a, b) = (abs(left.deviationScore), abs(right.deviationScore))
            if a != b { return a > b }
            if left.skillName != right.skillName { return left.skillName < right.skillName }
            return left.anomalyType.rawValue < right.anomalyType.rawValue
        }
        guard found.isEmpty else { return AnomalyReport(anomalies: found, skillsJudged: judged, reason: nil) }
        let reason: String
        let minimum = AnomalyCriteria.minimumBaselineHours
        if skillCount == 0 {
            reason = "no invocations yet: a skill is judged once it has \(minimum) whole hours of baseline before the last hour"
        } else if judged == 0 && young > 0 {
            let age = Double(now - oldestActive) / Double(hour)
            reason = "not enough history: needs \(minimum) whole hours of baseline before the last hour; the oldest "
                + "invocation of the \(young) skill\(young == 1 ? "" : "s") active in the window is "
                + String(format: "%.1f", age) + " hours old"
        } else if judged == 0 {
            reason = "no skill has invocations in the last \(criteria.baselineHours + 1) hours"
        } else {
            reason = "no deviation reached the threshold \(criteria.threshold): \(judged) skill\(judged == 1 ? "" : "s") "
                + "judged against up to \(criteria.baselineHours) hours of baseline"
                + (young > 0 ? " (\(young) too young to judge)" : "")
        }
        return AnomalyReport(anomalies: [], skillsJudged: judged, reason: reason)
    }
}

extension AnalyticsState {
    /// Every skill's last hour [now − 1 h, now] against the `baselineHours` hourly buckets before it, for
    /// completion rate, mean duration and volume; sorted by |score|, largest first. Requires `prepare()`.
    public func anomalies(_ criteria: AnomalyCriteria, now: Int64) -> [Anomaly] {
        anomalyReport(criteria, now: now).anomalies
    }

    /// `anomalies` with the figures behind an empty answer.
    ///
    /// A skill with no invocation in the window is skipped after one look at its newest invocation; hours
    /// before a skill's first invocation are not part of its baseline (they were not quiet hours: it did not
    /// exist), and a skill with fewer than `minimumBaselineHours` whole hours since then is not judged.
    public func anomalyReport(_ criteria: AnomalyCriteria, now: Int64) -> AnomalyReport {
        anomalyScan(criteria, now: now, skills: 0..<skillCount).report(criteria, skillCount: skillCount, now: now)
    }

    /// The skills numbered in `skills` judged as `anomalyReport` does: scans of consecutive ranges merge into
    /// the whole pass, so a caller can hold the state's lock for one range at a time.
    public func anomalyScan(_ criteria: AnomalyCriteria, now: Int64, skills: Range<Int>) -> AnomalyScan {
        let hour: Int64 = 3_600_000
        let observedStart = now - hour + 1
        let baselineStart = observedStart - hour * Int64(criteria.baselineHours)
        var scan = AnomalyScan()
        var scratch: [OccupiedBucket] = []
        series.withUnsafeBufferPointer { series in  // no copy of each series (see `rankSkills`)
            for index in skills.clamped(to: series.indices) {
                guard newestInSeries[index] >= baselineStart else { continue }  // idle: its series is not read
                let first = totals[index].first
                scan.oldestActive = Swift.min(scan.oldestActive, first)
                let skipped = first <= baselineStart ? 0 : Int((first - baselineStart + hour - 1) / hour)
                let eligible = criteria.baselineHours - skipped
                guard eligible >= AnomalyCriteria.minimumBaselineHours else {
                    scan.young += 1
                    continue
                }
                scan.judged += 1
                series[index].occupiedBuckets(from: baselineStart + Int64(skipped) * hour, width: hour, count: eligible,
                                              into: &scratch)
                let observed = series[index].window(from: observedStart, to: now + 1)
                scan.found += Self.judge(skillNames[index], observed: observed, hours: scratch, eligibleHours: eligible,
                                         criteria: criteria)
            }
        }
        return scan
    }

    /// One skill: the observed hour against the occupied baseline hours (`hours`, out of `eligibleHours`).
    static func judge(_ name: String, observed: WindowFigures, hours: [OccupiedBucket], eligibleHours: Int,
                      criteria: AnomalyCriteria) -> [Anomaly] {
        let screen = criteria.method == .mad
        let minimum = criteria.minimumSamples
        let rate = observed.invocations >= minimum ? RateBaseline(hours, screen: screen) : nil
        let latency = observed.durations >= minimum ? LatencyBaseline(hours, screen: screen) : nil
        let volume = VolumeBaseline(hours, eligibleHours: eligibleHours, screen: screen)
        let dropTested = volume.mean >= Double(minimum)
        let spikeTested = observed.invocations >= minimum
        // Bonferroni over the one-sided tests this skill gets, so that a steady skill shows any anomaly in at
        // most 10^−threshold of the passes.
        let tests = (rate == nil ? 0 : 2) + (latency == nil ? 0 : 1) + (dropTested ? 1 : 0) + (spikeTested ? 1 : 0)
        guard tests > 0 else { return [] }
        func score(_ logTail: Double, negative: Bool) -> Double {
            let surprise = -(logTail / Foundation.log(10.0) + log10(Double(tests)))
            let capped = Swift.min(Swift.max(surprise, 0), AnomalyCriteria.maximumScore)
            return negative ? -capped : capped
        }
        var found: [Anomaly] = []
        func report(_ kind: Anomaly.Kind, _ baseline: Double, _ value: Double, _ score: Double) {
            guard abs(score) >= criteria.threshold else { return }
            found.append(Anomaly(skillName: name, metric: kind.metric, anomalyType: kind, baselineValue: baseline,
                                 observedValue: value, deviationScore: score, sampleSize: observed.invocations))
        }
        if let rate, let value = observed.completionRate {
            let expected = Double(observed.invocations) * rate.smoothedRate
            let completed = observed.completed
            if Double(completed) < expected {
                let tail = TailProbability.betaBinomial(completed, n: observed.invocations, p: rate.smoothedRate,
                                                        concentration: rate.concentration, side: .lower)
                report(.performanceDrop, rate.rate, value, score(tail, negative: true))
            } else if Double(completed) > expected {
                let tail = TailProbability.betaBinomial(completed, n: observed.invocations, p: rate.smoothedRate,
                                                        concentration: rate.concentration, side: .upper)
                report(.performanceSpike, rate.rate, value, score(tail, negative: false))
            }
        }
        if let latency, let mean = observed.averageDuration, mean > latency.mean {
            // The hour's mean log-duration against the baseline's: Student's t, the spread estimated from the
            // baseline hours (their count less one degrees of freedom).
            let observedLog = observed.logDurationSum / Double(observed.durations)
            let error = Swift.max((latency.variance * (1 / Double(observed.durations) + 1 / latency.durations)).squareRoot(),
                                  AnomalyCriteria.minimumLogDurationError)
            let t = (observedLog - latency.logMean) / error
            if t > 0 {
                let tail = TailProbability.studentUpper(t, degrees: Double(latency.hours - 1))
                report(.latencySpike, latency.mean, mean, score(tail, negative: false))
            }
        }
        let count = observed.invocations
        if dropTested && Double(count) < volume.expected {
            let tail = TailProbability.negativeBinomial(count, mean: volume.expected, shape: volume.shape, side: .lower)
            report(.volumeDrop, volume.mean, Double(count), score(tail, negative: true))
        }
        if spikeTested && Double(count) > volume.expected {
            let tail = TailProbability.negativeBinomial(count, mean: volume.expected, shape: volume.shape, side: .upper)
            report(.volumeSpike, volume.mean, Double(count), score(tail, negative: false))
        }
        return found
    }
}

/// `mad`'s screen: which of `values` lie within `screenCutoff` robust spreads (1.4826 · MAD, at least
/// `floor`) of their median. `zeros` more values of 0 take part in the median and the MAD (the empty hours of
/// a count); the last element of the result says whether those are kept. nil: too few values to screen, or no
/// spread to judge by — keep everything.
private func screened(_ values: [Double], zeros: Int = 0, floor: Double) -> (kept: [Bool], zerosKept: Bool)? {
    let total = values.count + zeros
    guard total >= AnomalyCriteria.minimumHoursToScreen else { return nil }
    let median = multisetMedian(values.sorted(), constant: 0, copies: zeros)
    let deviations = values.map { abs($0 - median) }.sorted()
    let mad = multisetMedian(deviations, constant: abs(median), copies: zeros)
    let spread = Swift.max(DeviationScore.madScale * mad, floor)
    guard spread > 0 else { return nil }
    let limit = AnomalyCriteria.screenCutoff * spread
    return (values.map { abs($0 - median) <= limit }, abs(median) <= limit)
}

/// The median of `sorted` together with `copies` copies of `constant`.
private func multisetMedian(_ sorted: [Double], constant: Double, copies: Int) -> Double {
    var below = 0
    var high = sorted.count
    while below < high {
        let middle = (below + high) / 2
        if sorted[middle] < constant { below = middle + 1 } else { high = middle }
    }
    func element(_ rank: Int) -> Double {
        if rank < below { return sorted[rank] }
        if rank < below + copies { return constant }
        return sorted[rank - copies]
    }
    let total = sorted.count + copies
    return total % 2 == 1 ? element(total / 2) : (element(total / 2 - 1) + element(total / 2)) / 2
}

/// The completion rate of the baseline hours, as a beta-binomial prediction of the observed hour's completions:
/// the pooled rate (smoothed by half a call each way, so 240 completions of 240 do not make a rate of exactly 1),
/// spread by the between-hour variation the baseline shows beyond the binomial, and by the baseline's own
/// estimation error (its κ is at most the calls it counted).
private struct RateBaseline {
    /// Completed / invocations over the (kept) baseline hours: the `baseline_value`.
    let rate: Double
    let smoothedRate: Double
    /// α + β of the predictive beta-binomial.
    let concentration: Double

    init?(_ hours: [OccupiedBucket], screen: Bool) {
        var busy = hours.map(\.figures).filter { $0.invocations > 0 }
        guard busy.count >= AnomalyCriteria.minimumBusyHours else { return nil }
        if screen {
            let pooled = Self.smoothed(busy)
            let residuals = busy.map { hour in
                (Double(hour.completed) - Double(hour.invocations) * pooled)
                    / (Double(hour.invocations) * pooled * (1 - pooled)).squareRoot()
            }
            if let (kept, _) = screened(residuals, floor: 1) {
                let remaining = zip(busy, kept).filter(\.1).map(\.0)
                if remaining.count >= AnomalyCriteria.minimumBusyHours { busy = remaining }
            }
        }
        let calls = busy.reduce(0) { $0 + $1.invocations }
        rate = Double(busy.reduce(0) { $0 + $1.completed }) / Double(calls)
        smoothedRate = Self.smoothed(busy)
        // Pearson's X² against the pooled rate is about (hours − 1) for binomial hours; the excess, per call
        // beyond the first of each hour, estimates the intra-hour correlation ρ.
        var pearson = 0.0
        var pairsWeight = 0
        for hour in busy {
            let expected = Double(hour.invocations) * smoothedRate
            pearson += (Double(hour.completed) - expected) * (Double(hour.completed) - expected)
                / (expected * (1 - smoothedRate))
            pairsWeight += hour.invocations - 1
        }
        let between = pairsWeight > 0 ? Swift.max(0, (pearson - Double(busy.count - 1)) / Double(pairsWeight)) : 0
        let correlation = Swift.min(0.99, between + 1 / (Double(calls) + 2))
        concentration = 1 / correlation - 1
    }

    private static func smoothed(_ hours: [BucketFigures]) -> Double {
        let calls = hours.reduce(0) { $0 + $1.invocations }
        let completed = hours.reduce(0) { $0 + $1.completed }
        return (Double(completed) + 0.5) / (Double(calls) + 1)
    }
}

/// The hourly volume as a negative-binomial prediction of the observed hour's count: the mean of the baseline
/// hours (empty ones included — after the skill's first invocation), spread by Poisson noise, by the variation
/// between hours beyond it and by the mean's own estimation error.
private struct VolumeBaseline {
    /// Invocations per baseline hour: the `baseline_value`.
    let mean: Double
    /// The predicted mean (smoothed by half a call, so a skill silent for the whole baseline predicts > 0).
    let expected: Double
    /// The negative binomial's r (variance = expected + expected²/r); infinite: Poisson.
    let shape: Double

    init(_ hours: [OccupiedBucket], eligibleHours: Int, screen: Bool) {
        var counts = hours.map { Double($0.figures.invocations) }
        var zeros = eligibleHours - counts.count
        if screen {
            let rough = counts.reduce(0, +) / Double(eligibleHours)
            if let (kept, zerosKept) = screened(counts, zeros: zeros, floor: Swift.max(rough, 1).squareRoot()) {
                let remaining = zip(counts, kept).filter(\.1).map(\.0)
                let remainingZeros = zerosKept ? zeros : 0
                if remaining.count + remainingZeros >= AnomalyCriteria.minimumBaselineHours {
                    counts = remaining
                    zeros = remainingZeros
                }
            }
        }
        let hourCount = Double(counts.count + zeros)
        let total = counts.reduce(0, +)
        mean = total / hourCount
        expected = (total + 0.5) / hourCount
        let squares = counts.reduce(0) { $0 + $1 * $1 }
        let variance = hourCount > 1 ? Swift.max(0, (squares - hourCount * mean * mean) / (hourCount - 1)) : 0
        let between = Swift.max(0, variance - mean)
        let extra = between + (expected + between) / hourCount
        shape = extra > 0 ? expected * expected / extra : .infinity
    }
}

/// Durations on the log scale: the pooled mean log-duration of the baseline hours and the variance of one
/// call's log-duration, estimated from how far the hours' means stray from the pooled mean (each weighted by
/// its calls).
private struct LatencyBaseline {
    /// Mean duration over the (kept) baseline hours: the `baseline_value`.
    let mean: Double
    let logMean: Double
    let variance: Double
    /// Durations in the (kept) baseline hours.
    let durations: Double
    /// Baseline hours with durations.
    let hours: Int

    init?(_ all: [OccupiedBucket], screen: Bool) {
        var timed = all.map(\.figures).filter { $0.durations > 0 }
        guard timed.count >= AnomalyCriteria.minimumBusyHours else { return nil }
        if screen {
            let logMeans = timed.map { $0.logDurationSum / Double($0.durations) }
            let center = Descriptive.median(logMeans) ?? 0
            let scaled = zip(timed, logMeans).map { hour, logMean in Double(hour.durations).squareRoot() * (logMean - center) }
            if let (kept, _) = screened(scaled, floor: 0) {
                let remaining = zip(timed, kept).filter(\.1).map(\.0)
                if remaining.count >= AnomalyCriteria.minimumBusyHours { timed = remaining }
            }
        }
        let count = timed.reduce(0) { $0 + $1.durations }
        durations = Double(count)
        mean = timed.reduce(0) { $0 + $1.durationSum } / durations
        logMean = timed.reduce(0) { $0 + $1.logDurationSum } / durations
        var squares = 0.0
        for hour in timed {
            let deviation = hour.logDurationSum / Double(hour.durations) - logMean
            squares += Double(hour.durations) * deviation * deviation
        }
        hours = timed.count
        variance = squares / Double(hours - 1)
    }
}
