import Logging
import ServiceLifecycle
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseStore

/// Writes what changed into the derived tables every `flushInterval` (baselines, dependencies) and runs the
/// anomaly pass every `anomalyInterval`: short transactions of at most `rowsPerTransaction` rows beside
/// ingest's, never on the read path.
final class DerivedTableSync: Service, Sendable {
    let engine: AnalyticsEngine
    let store: AnalyticsStore
    let recorder: AnomalyRecorder
    let dependencies: DependencyTableWriter
    let logger: Logger
    static let rowsPerTransaction = 2_000
    static let fullWriteSpacing = Duration.seconds(60)

    /// Where a failed write shows (`health`).
    let storage: StorageHealth

    init(engine: AnalyticsEngine, store: AnalyticsStore, recorder: AnomalyRecorder,
         dependencies: DependencyTableWriter, logger: Logger, storage: StorageHealth = StorageHealth()) {
        self.storage = storage
        self.engine = engine
        self.store = store
        self.recorder = recorder
        self.dependencies = dependencies
        self.logger = logger
    }

    func run() async throws {
        let settings = engine.settings
        await cancelWhenGracefulShutdown {
            var lastAnomalyPass = ContinuousClock.now
            var lastPrune = ContinuousClock.now
            // Lift depends on N (all sessions): when N has grown by 5 % since every pair was last written,
            // rewrite them all so stored lifts do not drift — at most once a minute, or a bulk load (N growing
            // 5 % every few seconds) would rewrite hundreds of thousands of pairs over and over.
            var sessionsAtFullWrite = 0
            var lastFullWrite: ContinuousClock.Instant?
            while !Task.isCancelled {
                try? await Task.sleep(for: settings.flushInterval)
                do {
                    let allowed = lastFullWrite.map { ContinuousClock.now - $0 >= Self.fullWriteSpacing } ?? true
                    let written = try await self.flush(sessionsAtFullWrite: allowed ? sessionsAtFullWrite : Int.max)
                    if allowed && written != sessionsAtFullWrite {
                        sessionsAtFullWrite = written
                        lastFullWrite = .now
                    }
                } catch is CancellationError {
                    // Shutting down: the last flush below runs after the loop.
                } catch {
                    self.storage.failed(.writes, "write baselines or dependencies", error)
                    self.logger.warning("could not write baselines or dependencies; retrying: \(error)")
                }
                if ContinuousClock.now - lastAnomalyPass >= settings.anomalyInterval {
                    lastAnomalyPass = .now
                    do { try await self.recorder.pass(now: .now()) } catch {
                        self.storage.failed(.writes, "write the anomaly table", error)
                        self.logger.warning("anomaly pass failed; retrying at the next interval: \(error)")
                    }
                }
                if ContinuousClock.now - lastPrune >= .seconds(3600) {
                    lastPrune = .now
                    let engine = self.engine
                    await engine.workers.run(for: ObjectIdentifier(self)) {
                        engine.prune(now: UTCTimestamp.now().millisecondsSinceEpoch)
                    }
                }
            }
        }
        // What changed since the last flush still reaches the tables at shutdown.
        _ = try? await flush(sessionsAtFullWrite: Int.max)
    }

    /// Writes changed baselines and pairs; returns the session count at the last full write of pairs
    /// (`Int.max` in: no full write now).
    func flush(sessionsAtFullWrite: Int) async throws -> Int {
        let minimum = engine.settings.minimumCoOccurrence
        let sessions = engine.figures().sessions
        let rewriteAll = Double(sessions) >= Double(sessionsAtFullWrite) * 1.05 && sessionsAtFullWrite != Int.max
        let engine = engine
        let pairLimit = rewriteAll ? .max : engine.settings.flushMaxPairs
        let changes = await engine.workers.run(for: ObjectIdentifier(self)) { engine.takeChanges(pairLimit: pairLimit) }
        guard !changes.isEmpty || rewriteAll else { return sessionsAtFullWrite }
        do {
            let stamp = UTCTimestamp.now().normalized
            if !changes.skills.isEmpty {
                let rows = await engine.workers.run(for: ObjectIdentifier(self)) {
                    engine.communityBaselines(withPercentiles: false).map(BaselineRow.init)
                }
                for chunk in rows.chunked(Self.rowsPerTransaction) {
                    try await store.upsertBaselines(chunk, at: stamp)
                }
            }
            let pairs = await engine.workers.run(for: ObjectIdentifier(self)) {
                rewriteAll ? engine.pairsForFullWrite(minimumTogether: minimum)
                    : engine.query { $0.associations(of: changes.pairs, minimumTogether: minimum) }
            }
            try await dependencies.write(pairs, at: stamp)
            storage.succeeded(.writes)
        } catch {
            // A failed full rewrite is retried whole (the count it started from stays), so its pairs need no
            // marks — and a shutdown's last flush then writes only what changed since, not every pair.
            engine.markChanged(rewriteAll ? StateChanges(skills: changes.skills, pairs: []) : changes)
            throw error
        }
        return rewriteAll ? sessions : sessionsAtFullWrite
    }
}

extension BaselineRow {
    init(_ baseline: CommunityBaseline) {
        self.init(skillName: baseline.skillName, totalUsers: baseline.totalUsers,
                  totalInvocations: baseline.totalInvocations, globalCompletionRate: baseline.globalCompletionRate,
                  globalAvgDurationSeconds: baseline.globalAvgDurationSeconds,
                  mostCommonWorkflowPhase: baseline.mostCommonWorkflowPhase,
                  effectivenessPercentile: baseline.effectivenessPercentile)
    }
}

extension Array {
    func chunked(_ size: Int) -> [[Element]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}
