import Logging
import ServiceLifecycle
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire

/// Trains the success model: on request (`train_model`), every `trainInterval`, and early once the rows that
/// arrived since the last model reach `retrainGrowth` of its rows (or there is no model yet and enough rows).
/// The fit runs on a thread of its own, never on the cooperative pool.
final class ModelTrainer: Service, Sendable {
    let engine: AnalyticsEngine
    let logger: Logger

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
                let due = figures.report == nil
                    ? figures.taken >= SuccessModelTraining.minimumSamples
                    : (ContinuousClock.now - lastTraining >= settings.trainInterval && grown > 0)
                        || Double(grown) >= settings.retrainGrowth * Double(max(figures.report?.samples ?? 0, 1_000))
                guard due else { continue }
                lastTraining = .now
                do { _ = try await self.train(days: settings.trainDays) } catch {
                    self.logger.debug("background training skipped: \(error)")
                }
            }
        }
    }
}
