/// A success prediction: the probability, the model behind it and what moved it most.
public struct SuccessPrediction: Sendable, Equatable {
    /// What answered: a fitted model, or the prior while there is none.
    public enum Source: String, Sendable {
        case logistic
        case prior
    }

    public let probability: Double
    /// "prior" until a model is trained, then "lr-<n>" for the n-th model of this process.
    public let modelVersion: String
    public let source: Source
    /// Why the prior answered (nil for a model's answer).
    public let reason: String?
    /// (feature, its contribution to this prediction's log-odds against an average row), largest |·| first.
    public let topFactors: [(feature: String, weight: Double)]

    public static func == (lhs: SuccessPrediction, rhs: SuccessPrediction) -> Bool {
        lhs.probability == rhs.probability && lhs.modelVersion == rhs.modelVersion && lhs.source == rhs.source
            && lhs.reason == rhs.reason
            && lhs.topFactors.map(\.feature) == rhs.topFactors.map(\.feature)
            && lhs.topFactors.map(\.weight) == rhs.topFactors.map(\.weight)
    }
}

/// The success predictor's live state: the feature history every invocation updates (read by predictions),
/// the log of rows a model is trained on (`TrainingLog`: replayed in time order at training) and the model.
public struct SuccessPredictor: Sendable {
    public private(set) var history = SuccessFeatureHistory()
    public private(set) var log: TrainingLog
    public private(set) var model: LogisticModel?
    public private(set) var report: TrainingReport?
    /// Why the last training left no model, while there is none.
    public private(set) var refusal: TrainingRefusal?
    public private(set) var version = 0
    /// Rows observed when the last training was attempted (whether or not it installed a model).
    public private(set) var rowsAtTraining = 0

    public init(capacity: Int = 2_000_000) {
        log = TrainingLog(capacity: capacity)
    }

    public var modelVersion: String { model == nil ? "prior" : "lr-\(version)" }
    /// Every invocation observed.
    public var rowsObserved: Int { history.observed }

    /// Adds an invocation (numbered by the state's `InvocationNames`) to the history and the training log.
    public mutating func observe(_ invocation: NumberedInvocation) {
        let pairs = history.observe(invocation)
        log.append(invocation, pairs: pairs)
    }

    /// The training rows dated in [`start`, `end`] (see `TrainingLog.rows`).
    public func trainingRows(from start: Int64, through end: Int64) -> TrainingSet {
        log.rows(from: start, through: end)
    }

    /// The prediction for `query`, whose names `keys` numbers (`InvocationNames.keys(of:)`).
    public func predict(_ query: PredictionQuery, keys: PredictionKeys, factors: Int = 5) -> SuccessPrediction {
        let features = history.features(keys, time: query.time, sessionInvocations: query.sessionInvocations)
        guard let model else {
            // The user's rate on the skill, smoothed towards the skill's, smoothed towards everyone's: a skill or
            // user never seen gets the wider rate.
            let reason = "no model yet: " + (refusal?.explanation ?? "none trained so far")
            return SuccessPrediction(probability: LogisticModel.sigmoid(features[SuccessFeatureHistory.priorFeature]),
                                     modelVersion: modelVersion, source: .prior, reason: reason, topFactors: [])
        }
        let contributions = model.contributions(features)
        let ranked = contributions.indices.sorted { abs(contributions[$0]) > abs(contributions[$1]) }.prefix(factors)
        return SuccessPrediction(probability: model.probability(features), modelVersion: modelVersion, source: .logistic,
                                 reason: nil,
                                 topFactors: ranked.map { (SuccessFeatureHistory.featureNames[$0], contributions[$0]) })
    }

    /// Records a training attempt on the rows observed by then: a model replaces the current one; a refusal
    /// leaves the current model (if any) in place.
    public mutating func record(_ outcome: Result<(model: LogisticModel, report: TrainingReport), TrainingRefusal>,
                                rowsObserved: Int) {
        rowsAtTraining = rowsObserved
        switch outcome {
        case .success(let trained):
            model = trained.model
            report = trained.report
            refusal = nil
            version += 1
        case .failure(let refusal):
            self.refusal = refusal
        }
    }

    public mutating func install(_ model: LogisticModel, report: TrainingReport) {
        record(.success((model, report)), rowsObserved: rowsObserved)
    }
}
