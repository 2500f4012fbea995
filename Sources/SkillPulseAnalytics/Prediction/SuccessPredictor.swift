/// A success prediction: the probability, the model behind it and what moved it most.
public struct SuccessPrediction: Sendable, Equatable {
    public let probability: Double
    /// "prior" until a model is trained, then "lr-<n>" for the n-th model of this process.
    public let modelVersion: String
    /// (feature, its contribution to this prediction's log-odds against an average row), largest |·| first.
    public let topFactors: [(feature: String, weight: Double)]

    public static func == (lhs: SuccessPrediction, rhs: SuccessPrediction) -> Bool {
        lhs.probability == rhs.probability && lhs.modelVersion == rhs.modelVersion
            && lhs.topFactors.map(\.feature) == rhs.topFactors.map(\.feature)
            && lhs.topFactors.map(\.weight) == rhs.topFactors.map(\.weight)
    }
}

/// The success predictor's live state: the feature history every invocation updates, the training rows
/// it yields (features as of each row's own time) and the current model.
public struct SuccessPredictor: Sendable {
    public private(set) var history = SuccessFeatureHistory()
    public private(set) var samples: TrainingSamples
    public private(set) var model: LogisticModel?
    public private(set) var report: TrainingReport?
    public private(set) var version = 0
    /// Samples taken when the current model was trained.
    public private(set) var samplesAtTraining = 0
    /// Every sample ever taken (the buffer may have dropped the oldest).
    public private(set) var samplesTaken = 0

    public init(capacity: Int = 2_000_000) {
        samples = TrainingSamples(capacity: capacity)
    }

    public var modelVersion: String { model == nil ? "prior" : "lr-\(version)" }

    /// Adds an invocation (numbered by the state's `InvocationNames`) to the history and the training rows.
    /// `now` (wall clock) keeps a row dated far in the future from stopping training (see
    /// `SuccessFeatureHistory.futureAllowanceMillis`).
    public mutating func observe(_ invocation: NumberedInvocation, now: Int64 = .max) {
        if let row = history.sample(invocation, now: now) {
            samples.append(row, label: invocation.completed, time: invocation.time)
            samplesTaken += 1
        }
    }

    /// The prediction for `query`, whose names `keys` numbers (`InvocationNames.keys(of:)`).
    public func predict(_ query: PredictionQuery, keys: PredictionKeys, factors: Int = 5) -> SuccessPrediction {
        let features = history.features(keys, time: query.time, sessionInvocations: query.sessionInvocations)
        guard let model else {
            // No model yet: the smoothed rate of the most specific group the query belongs to.
            let logOdds = history.knows(skill: keys.skill) ? features[3] : features[4]
            return SuccessPrediction(probability: LogisticModel.sigmoid(logOdds), modelVersion: modelVersion, topFactors: [])
        }
        let contributions = model.contributions(features)
        let ranked = contributions.indices.sorted { abs(contributions[$0]) > abs(contributions[$1]) }.prefix(factors)
        return SuccessPrediction(probability: model.probability(features), modelVersion: modelVersion,
                                 topFactors: ranked.map { (SuccessFeatureHistory.featureNames[$0], contributions[$0]) })
    }

    public mutating func install(_ model: LogisticModel, report: TrainingReport) {
        self.model = model
        self.report = report
        version += 1
        samplesAtTraining = samplesTaken
    }
}
