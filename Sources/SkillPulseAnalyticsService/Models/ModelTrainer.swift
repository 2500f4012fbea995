import Logging
import ServiceLifecycle
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire

/// Trains the success model: on request (`train_model`), every `trainInterval`, and early once the rows that
/// arrived since the last model reach `retrainGrowth` of the rows seen then (or there is no model yet and enough
/// rows) — but in the background at most once a minute, so a bulk load does not spend its CPU refitting.
/// The fit runs on a thread of its own, never on the cooperative pool.
final class ModelTrainer: Service, Sendable {
    let engine: AnalyticsEngine
    let logger: Logger

    static let minimumSpacing = Duration.seconds(60)

    init(engine: AnalyticsEngine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    /// Fits a model on the last `days` days and installs it; `bad_request`-free: too little data is `not_found`
    /// naming how many rows there are.
    func train(days: Int) async throws(WireError) -> (report: TrainingReport, version: String) {
        let engine = engine
        let fitted: (LogisticModel, TrainingReport)?
        do {
            fitted = try await BlockingWork.run("analytics-train") {
                let rows = engine.trainingRows(days: days, now: UTCTimestamp.now().millisecondsSinceEpoch)
                return SuccessModelTraining.train(features: rows.features, labels: rows.labels,
                                                  width: SuccessFeatureHistory.featureCount).map { ($0.model, $0.report) }
            }
        } catch {
            throw WireError(.internal, "training failed: \(error)")
        }
        guard let (model, report) = fitted else {
            let available = engine.trainingRows(days: days, now: UTCTimestamp.now().millisecondsSinceEpoch).labels.count
            throw WireError.notFound("too little history to train on: \(available) rows in the last \(days) days, "
                                     + "at least \(SuccessModelTraining.minimumSamples) needed")
        }
        let version = engine.install(model, report: report)
        logger.info("success model trained", metadata: [
            "version": "\(version)", "samples": "\(report.samples)", "auc": "\(report.auc.map { "\($0)" } ?? "n/a")",
            "brier": "\(report.brier.map { "\($0)" } ?? "n/a")",
        ])
        return (report, version)
    }

    func run() async throws {
        let settings = engine.settings
        await cancelWhenGracefulShutdown {
            var lastTraining = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(5))
                let figures = self.engine.predictorFigures()
                let grown = figures.taken - figures.atTraining
                let since = ContinuousClock.now - lastTraining
                let due = figures.report == nil
                    ? figures.taken >= SuccessModelTraining.minimumSamples
                    : (since >= settings.trainInterval && grown > 0)
                        || (since >= Self.minimumSpacing
                            && Double(grown) >= settings.retrainGrowth * Double(max(figures.atTraining, 1_000)))
                guard due else { continue }
                lastTraining = .now
                do { _ = try await self.train(days: settings.trainDays) } catch {
                    self.logger.debug("background training skipped: \(error)")
                }
            }
        }
    }
}
