import SkillPulseAnalytics

/// A predictor fed by name the way the engine feeds it: the state's numbering of names beside it.
struct NamedPredictor {
    var names = InvocationNames()
    var predictor = SuccessPredictor()

    var samples: TrainingSamples { predictor.samples }

    mutating func observe(_ record: InvocationRecord) { predictor.observe(names.number(record)) }

    mutating func install(_ model: LogisticModel, report: TrainingReport) { predictor.install(model, report: report) }

    func predict(_ query: PredictionQuery) -> SuccessPrediction { predictor.predict(query, keys: names.keys(of: query)) }
}

/// A feature history fed by name.
struct NamedHistory {
    var names = InvocationNames()
    var history = SuccessFeatureHistory()

    var observed: Int { history.observed }

    mutating func sample(_ record: InvocationRecord, now: Int64 = .max) -> [Double]? {
        history.sample(names.number(record), now: now)
    }
}
