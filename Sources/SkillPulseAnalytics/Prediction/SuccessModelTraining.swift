import Foundation

/// What `train_model` reports: measured on a held-out later slice of time, never on rows the model saw.
public struct TrainingReport: Sendable, Equatable {
    /// Rows the served model was fitted on: every training row of the window.
    public let samples: Int
    public let trainingSamples: Int
    public let evaluationSamples: Int
    /// Completed rows among `samples`.
    public let completedSamples: Int
    public let auc: Double?
    public let brier: Double?
    /// The later slice's Brier score if every prediction were the training slice's success rate.
    public let baseRateBrier: Double?
    /// The later slice's Brier score and AUC of the prior alone (the smoothed rates, no model).
    public let priorBrier: Double?
    public let priorAUC: Double?
    /// The training slice's success rate.
    public let baseRate: Double
    /// The L2 penalty chosen for the weights (see `SuccessModelTraining.penalties`).
    public let penalty: Double
}

/// Why no model was trained: too few rows, or too few of one outcome for a model to learn anything but
/// "always" (a model fitted on one outcome answered 0.99999999999 for everything).
public enum TrainingRefusal: Error, Sendable, Equatable {
    case tooFewRows(rows: Int)
    /// The training slice (the earliest 80 % of `rows`) holds fewer than `SuccessModelTraining.minimumPerOutcome`
    /// completed or abandoned rows.
    case tooFewOfAnOutcome(rows: Int, sliceRows: Int, sliceCompleted: Int)

    /// What a reply says: the figures and what is missing.
    public var explanation: String {
        switch self {
        case .tooFewRows(let rows):
            return "\(rows) training rows, at least \(SuccessModelTraining.minimumSamples) needed"
        case .tooFewOfAnOutcome(let rows, let sliceRows, let sliceCompleted):
            let abandoned = sliceRows - sliceCompleted
            return "the training slice (the earliest \(sliceRows) of \(rows) training rows) holds \(sliceCompleted) "
                + "completed and \(abandoned) abandoned invocations; a model needs at least "
                + "\(SuccessModelTraining.minimumPerOutcome) of each"
        }
    }
}

/// Trains the success predictor on a time-ordered set of samples.
public enum SuccessModelTraining {
    /// The least samples a model is trained on; fewer leave the prior in charge.
    public static let minimumSamples = 50
    /// The least completed and the least abandoned rows the training slice needs.
    public static let minimumPerOutcome = 5
    /// The penalties tried, by held-out log-loss on the latest quarter of the training slice. With the prior as
    /// offset, a large one keeps a model of few or uninformative rows at the prior; with many rows the data
    /// outweighs any of them.
    public static let penalties: [Double] = [30, 100, 300, 1_000, 3_000, 10_000]
    /// The penalty when the training slice is too small or one-sided to choose: the cautious end.
    static let defaultPenalty = 100.0
    /// Rows the penalty is chosen on at most (the latest of the training slice): the choice matters for small
    /// sets, where the data cannot outweigh the penalty; six fits of a million rows would cost seconds.
    static let selectionRows = 20_000
    /// The span of time the training slice must cover before the hour of day is a feature: over a shorter one
    /// "hour of day" is only "how late", and every prediction (made after the last row) sits at its edge.
    public static let hourOfDayMinimumSpanMillis: Int64 = 3 * 86_400_000

    /// Fits on the earliest `trainFraction` of the rows and scores the rest (rows must be in time order); the
    /// model returned for serving is then refitted on all rows. The AUC is nil when the later slice holds only
    /// one outcome.
    public static func train(_ set: TrainingSet, trainFraction: Double = 0.8)
        -> Result<(model: LogisticModel, report: TrainingReport), TrainingRefusal>
    {
        let count = set.count
        guard count >= minimumSamples else { return .failure(.tooFewRows(rows: count)) }
        let split = min(count - 1, max(1, Int(Double(count) * trainFraction)))
        let early = set.slice(0..<split)
        let earlyCompleted = early.completed
        guard earlyCompleted >= minimumPerOutcome, split - earlyCompleted >= minimumPerOutcome else {
            return .failure(.tooFewOfAnOutcome(rows: count, sliceRows: split, sliceCompleted: earlyCompleted))
        }
        let offset = SuccessFeatureHistory.priorFeature
        let excluded: Set<Int> = early.times[split - 1] - early.times[0] < hourOfDayMinimumSpanMillis
            ? SuccessFeatureHistory.hourOfDayFeatures : []
        let penalty = choosePenalty(early, excluded: excluded)
        let model = LogisticModel.fit(rows: early.features, width: set.width, labels: early.labels, penalty: penalty,
                                      offsetFeature: offset, excluded: excluded)
        let later = set.slice(split..<count)
        var scores: [Double] = []
        var priors: [Double] = []
        scores.reserveCapacity(later.count)
        priors.reserveCapacity(later.count)
        for index in 0..<later.count {
            let row = Array(later.row(index))
            scores.append(model.probability(row))
            priors.append(LogisticModel.sigmoid(row[offset]))
        }
        let baseRate = Double(earlyCompleted) / Double(split)
        let report = TrainingReport(
            samples: count, trainingSamples: split, evaluationSamples: count - split, completedSamples: set.completed,
            auc: ModelQuality.auc(scores: scores, labels: later.labels),
            brier: ModelQuality.brier(probabilities: scores, labels: later.labels),
            baseRateBrier: ModelQuality.brier(probabilities: Array(repeating: baseRate, count: later.count),
                                              labels: later.labels),
            priorBrier: ModelQuality.brier(probabilities: priors, labels: later.labels),
            priorAUC: ModelQuality.auc(scores: priors, labels: later.labels),
            baseRate: baseRate, penalty: penalty)
        let serving = LogisticModel.fit(rows: set.features, width: set.width, labels: set.labels, penalty: penalty,
                                        offsetFeature: offset, excluded: excluded)
        return .success((serving, report))
    }

    /// The penalty chosen on (the latest `selectionRows` of) the training slice: each is fitted on its earlier
    /// three quarters and scored by log-loss on the last quarter; the largest penalty whose loss is within one
    /// standard error of the best one's (paired, per row) wins — on a few hundred uninformative rows the losses
    /// differ by noise, and the cautious model (closest to the prior) should win such a draw. `defaultPenalty`
    /// when either part lacks an outcome.
    static func choosePenalty(_ slice: TrainingSet, excluded: Set<Int>) -> Double {
        let rows = slice.slice(max(0, slice.count - selectionRows)..<slice.count)
        let split = rows.count * 3 / 4
        let fitting = rows.slice(0..<split)
        let validation = rows.slice(split..<rows.count)
        let fittingCompleted = fitting.completed
        let validationCompleted = validation.completed
        guard fittingCompleted > 0, fittingCompleted < fitting.count, validationCompleted > 0,
              validationCompleted < validation.count else { return defaultPenalty }
        let losses: [[Double]] = penalties.map { penalty in
            let model = LogisticModel.fit(rows: fitting.features, width: rows.width, labels: fitting.labels,
                                          penalty: penalty, offsetFeature: SuccessFeatureHistory.priorFeature,
                                          excluded: excluded)
            return (0..<validation.count).map { index in
                let p = min(max(model.probability(Array(validation.row(index))), 1e-12), 1 - 1e-12)
                return validation.labels[index] ? -log(p) : -log(1 - p)
            }
        }
        let means = losses.map { $0.reduce(0, +) / Double($0.count) }
        let best = means.indices.min { means[$0] < means[$1] }!
        for candidate in penalties.indices.reversed() where candidate > best {
            let differences = zip(losses[candidate], losses[best]).map { $0 - $1 }
            let n = Double(differences.count)
            let mean = differences.reduce(0, +) / n
            let variance = differences.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / max(n - 1, 1)
            if mean <= (variance / n).squareRoot() { return penalties[candidate] }
        }
        return penalties[best]
    }
}
