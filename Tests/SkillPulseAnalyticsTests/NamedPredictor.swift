import SkillPulseAnalytics

/// A predictor fed by name the way the engine feeds it: the state's numbering of names beside it.
struct NamedPredictor {
    var names = InvocationNames()
    var predictor = SuccessPredictor()

    mutating func observe(_ record: InvocationRecord) { predictor.observe(names.number(record)) }

    /// Every training row (features from the replay in time order).
    func rows(through end: Int64 = .max) -> TrainingSet { predictor.trainingRows(from: .min, through: end) }

    /// Trains on every row and records the attempt, as the trainer does.
    @discardableResult
    mutating func train() -> Result<(model: LogisticModel, report: TrainingReport), TrainingRefusal> {
        let outcome = SuccessModelTraining.train(rows())
        predictor.record(outcome, rowsObserved: predictor.rowsObserved)
        return outcome
    }

    mutating func install(_ model: LogisticModel, report: TrainingReport) { predictor.install(model, report: report) }

    func predict(_ query: PredictionQuery) -> SuccessPrediction { predictor.predict(query, keys: names.keys(of: query)) }
}

/// A training log fed by name (through a predictor: the live history numbers the rows' pairs).
struct NamedLog {
    var names = InvocationNames()
    var predictor: SuccessPredictor

    init(capacity: Int = 2_000_000) { predictor = SuccessPredictor(capacity: capacity) }

    var log: TrainingLog { predictor.log }

    mutating func append(_ record: InvocationRecord) { predictor.observe(names.number(record)) }

    func rows(from start: Int64 = .min, through end: Int64 = .max) -> TrainingSet {
        predictor.trainingRows(from: start, through: end)
    }
}
