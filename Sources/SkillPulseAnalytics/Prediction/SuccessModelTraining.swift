/// What `train_model` reports: measured on a held-out later slice of time, never on rows the model saw.
public struct TrainingReport: Sendable, Equatable {
    public let samples: Int
    public let trainingSamples: Int
    public let evaluationSamples: Int
    public let auc: Double?
    public let brier: Double?
    /// The later slice's Brier score if every prediction were the training slice's success rate.
    public let baseRateBrier: Double?
    /// The training slice's success rate.
    public let baseRate: Double
}

/// Trains the success predictor on a time-ordered set of samples.
public enum SuccessModelTraining {
    /// The least samples a model is trained on; fewer leave the prior in charge.
    public static let minimumSamples = 50

    /// Fits on the earliest `trainFraction` of the rows and scores the rest (rows must be in time order); the
    /// model returned for serving is then refitted on all rows. Nil below `minimumSamples`; the AUC is nil when
    /// the later slice holds only one outcome.
    public static func train(features: [Double], labels: [Bool], width: Int, trainFraction: Double = 0.8)
        -> (model: LogisticModel, report: TrainingReport)?
    {
        let count = labels.count
        guard count >= minimumSamples else { return nil }
        let split = min(count - 1, max(1, Int(Double(count) * trainFraction)))
        let early = LogisticModel.fit(rows: Array(features[0..<(split * width)]), width: width,
                                      labels: Array(labels[0..<split]))
        let laterLabels = Array(labels[split...])
        var scores: [Double] = []
        scores.reserveCapacity(count - split)
        var row = [Double](repeating: 0, count: width)
        for index in split..<count {
            for j in 0..<width { row[j] = features[index * width + j] }
            scores.append(early.probability(row))
        }
        let baseRate = Double(labels[0..<split].filter { $0 }.count) / Double(split)
        let report = TrainingReport(
            samples: count, trainingSamples: split, evaluationSamples: count - split,
            auc: ModelQuality.auc(scores: scores, labels: laterLabels),
            brier: ModelQuality.brier(probabilities: scores, labels: laterLabels),
            baseRateBrier: ModelQuality.brier(probabilities: Array(repeating: baseRate, count: laterLabels.count),
                                              labels: laterLabels),
            baseRate: baseRate)
        let serving = LogisticModel.fit(rows: features, width: width, labels: labels)
        return (serving, report)
    }
}
