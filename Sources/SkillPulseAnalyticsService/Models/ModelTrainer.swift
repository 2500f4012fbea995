import Logging
import ServiceLifecycle
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire
import Synchronization

/// What `train_model` answers: the report of the model trained, its version and every invocation of the window.
struct TrainingAnswer: Sendable {
    let report: TrainingReport
    let version: String
    let days: Int
    /// Invocations dated in the window, training rows or not.
    let rowsInWindow: Int
}

/// Trains the success model: on request (`train_model`), every `trainInterval`, and early once the rows that
/// arrived since the last model reach `retrainGrowth` of the rows seen then (or there is no model yet and enough
/// rows) — but in the background at most once a minute, so a bulk load does not spend its CPU refitting.
/// The replay and the fit run on a thread of their own, never on the cooperative pool.
final class ModelTrainer: Service, Sendable {
    let engine: AnalyticsEngine
    let logger: Logger
    /// Trainings under way, by window: a request for a window already being trained waits for that training's
    /// answer instead of starting another (four clients asking at once cost one fit, not four).
    private let underWay = Mutex<[Int: Task<Result<TrainingAnswer, WireError>, Never>]>([:])

    static let minimumSpacing = Duration.seconds(60)

    init(engine: AnalyticsEngine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    /// Fits a model on the training rows dated in the last `days` days and installs it. Too few rows, or too
    /// few of one outcome, is `not_found` saying what the window holds; the current model (or the prior) stays.
    func train(days: Int) async throws(WireError) -> TrainingAnswer {
        let training = underWay.withLock { underWay in
            if let running = underWay[days] { return running }
            let task = Task { () -> Result<TrainingAnswer, WireError> in
                do throws(WireError) { return .success(try await self.trainNow(days: days)) } catch { return .failure(error) }
            }
            underWay[days] = task
            return task
        }
        let answer = await training.value
        // Whoever comes first after it finished forgets it (only it: a newer one may have started since).
        underWay.withLock { if $0[days] == training { $0[days] = nil } }
        return try answer.get()
    }

    /// One training on the last `days` days (see `train(days:)`).
    private func trainNow(days: Int) async throws(WireError) -> TrainingAnswer {
        let engine = engine
        let now = UTCTimestamp.now().millisecondsSinceEpoch
        let attempt: (outcome: Result<(model: LogisticModel, report: TrainingReport), TrainingRefusal>, observed: Int,
                      inWindow: Int)
        do {
            attempt = try await BlockingWork.run("analytics-train", niceness: 10) {
                let (rows, observed) = engine.trainingRows(days: days, now: now)
                return (SuccessModelTraining.train(rows), observed, engine.invocationsInWindow(days: days, now: now))
            }
        } catch {
            throw WireError(.internal, "training failed: \(error)")
        }
        let version = engine.record(attempt.outcome, rowsObserved: attempt.observed)
        let inWindow = attempt.inWindow
        switch attempt.outcome {
        case .failure(let refusal):
            throw WireError.notFound("no model trained on the last \(days) days (\(inWindow) invocations dated in "
                                     + "them): \(refusal.explanation)")
        case .success(let trained):
            let report = trained.report
            logger.info("success model trained", metadata: [
                "version": "\(version)", "samples": "\(report.samples)", "rows_in_window": "\(inWindow)",
                "auc": "\(report.auc.map { "\($0)" } ?? "n/a")", "brier": "\(report.brier.map { "\($0)" } ?? "n/a")",
                "penalty": "\(report.penalty)",
            ])
            return TrainingAnswer(report: report, version: version, days: days, rowsInWindow: inWindow)
        }
    }

    func run() async throws {
        let settings = engine.settings
        await cancelWhenGracefulShutdown {
            var lastTraining = ContinuousClock.now
            var lastDuration = Duration.zero
            var attempted = false
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(5))
                let figures = self.engine.predictorFigures()
                let grown = figures.observed - figures.atTraining
                let since = ContinuousClock.now - lastTraining
                let due: Bool
                if figures.report == nil {
                    // No model yet: try again once rows arrived, but no more often than 20 times the last attempt
                    // took (a long one-sided history costs a replay each time).
                    due = figures.observed >= SuccessModelTraining.minimumSamples && (!attempted || grown > 0)
                        && since >= lastDuration * 20
                } else {
                    due = (since >= settings.trainInterval && grown > 0)
                        || (since >= Self.minimumSpacing
                            && Double(grown) >= settings.retrainGrowth * Double(max(figures.atTraining, 1_000)))
                }
                guard due else { continue }
                attempted = true
                lastTraining = .now
                await Self.awaitUnlessCancelled {
                    do { _ = try await self.train(days: settings.trainDays) } catch {
                        self.logger.debug("background training left the model as it was: \(error)")
                    }
                }
                lastDuration = ContinuousClock.now - lastTraining
            }
        }
    }

    /// Runs `body` in a task of its own and waits for it — unless this task is cancelled first (a shutdown): a
    /// training takes seconds on a million rows (more in a debug build) and must not hold a stop up past its
    /// deadline. Its thread then finishes on its own, and the process ends without waiting for it.
    static func awaitUnlessCancelled(_ body: @escaping @Sendable () async -> Void) async {
        let waiting = WaitingContinuation()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                waiting.store(continuation)
                Task {
                    await body()
                    waiting.resume()
                }
                // Cancelled before the continuation was stored: the handler found nothing to resume.
                if Task.isCancelled { waiting.resume() }
            }
        } onCancel: {
            waiting.resume()
        }
    }
}

/// A continuation resumed once, by whichever comes first (see `ModelTrainer.awaitUnlessCancelled`).
private final class WaitingContinuation: Sendable {
    private let continuation = Mutex<CheckedContinuation<Void, Never>?>(nil)

    func store(_ continuation: CheckedContinuation<Void, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func resume() {
        continuation.withLock { $0.take() }?.resume()
    }
}
