import SkillPulseAnalytics
import SkillPulseCore
import Synchronization

/// The daemon's one copy of `AnalyticsState`, shared by the follower (writes) and the request handlers
/// (reads).
///
/// A lock rather than an actor: the follower applies up to 100,000 invocations a second and an actor hop per
/// event costs more than the work; every critical section is CPU-only and bounded (a query over at most the
/// retention window, a page of events), never I/O or an await.
public final class AnalyticsEngine: Sendable {
    private let state = Mutex(AnalyticsState())
    private let seeds = Mutex<[SeededDependency]>([])
    /// Apart from `state`: a prediction reads only this, and training copies its rows out without holding up
    /// the queries on `state`.
    private let predictor = Mutex(SuccessPredictor())
    private let clusterCache = Mutex<(generation: Int, clustering: SkillClustering)?>(nil)
    /// Held by whoever applies invocations, across the state's and the predictor's locks: two appliers (the
    /// stream and the quiet-time poll) would otherwise feed the predictor in a different order from the state.
    private let applying = Mutex(())
    public let settings: AnalyticsSettings

    public init(settings: AnalyticsSettings) {
        self.settings = settings
    }

    public var lastInvocationID: Int64 { state.withLock { $0.lastInvocationID } }
    public var generation: Int { state.withLock { $0.generation } }

    /// Applies committed invocations in id order; returns how many were new.
    @discardableResult
    public func apply(_ records: some Collection<InvocationRecord>) -> Int {
        applying.withLock { _ in admit(records) }
    }

    /// Applies a page read from the database, moving past rows it cannot place in time.
    public func apply(page: [InvocationRecord], through lastID: Int64) {
        applying.withLock { _ in
            // In slices: a query or a prediction waits for one slice (well under a millisecond), not a page.
            for start in stride(from: 0, to: page.count, by: Self.sliceSize) {
                admit(page[start..<min(start + Self.sliceSize, page.count)])
            }
            state.withLock { $0.skip(through: lastID) }
        }
    }

    static let sliceSize = 500

    /// The state numbers and applies the records; the predictor observes the ones that were new.
    @discardableResult
    private func admit(_ records: some Collection<InvocationRecord>) -> Int {
        let accepted = state.withLock { state in
            var accepted: [NumberedInvocation] = []
            accepted.reserveCapacity(records.count)
            for record in records {
                if let invocation = state.admit(record) { accepted.append(invocation) }
            }
            return accepted
        }
        guard !accepted.isEmpty else { return 0 }
        predictor.withLock { predictor in
            for invocation in accepted { predictor.observe(invocation) }
        }
        return accepted.count
    }

    public func markChanged(_ changes: StateChanges) {
        state.withLock { $0.markChanged(changes) }
    }

    /// Stored dependency rows no session supports yet (the taxonomy's seeds), shown beside observed ones.
    public func setSeeds(_ rows: [SeededDependency]) {
        seeds.withLock { $0 = rows }
    }

    public func prune(now: Int64) {
        let cutoff = now - Int64(settings.retentionDays) * 86_400_000
        state.withLock { $0.prune(before: cutoff) }
    }

    /// Runs a query on prepared state.
    public func query<T>(_ body: (inout AnalyticsState) -> T) -> T {
        state.withLock { state in
            state.prepare()
            return body(&state)
        }
    }

    public func dependencies(of skill: String, limit: Int, minimumLift: Double) -> [SkillDependency]? {
        let seeds = seeds.withLock { $0 }
        return query { state in
            guard state.knows(skill: skill) || seeds.contains(where: { $0.skillA == skill || $0.skillB == skill }) else {
                return nil
            }
            return state.dependencies(of: skill, limit: limit, minimumLift: minimumLift,
                                      minimumTogether: settings.minimumCoOccurrence, seeded: seeds)
        }
    }

    public func anomalyCriteria(threshold: Double = 2, windowHours: Double = 24, method: DeviationMethod = .zscore)
        -> AnomalyCriteria
    {
        AnomalyCriteria(threshold: threshold, baselineHours: max(1, Int(windowHours.rounded(.up))), method: method,
                        minimumSamples: settings.anomalyMinimumSamples)
    }

    public var trendCriteria: TrendCriteria { TrendCriteria(minimumRelativeChange: settings.trendMinimumChange) }

    /// The success prediction for `query` from the live history and the current model.
    public func predict(_ query: PredictionQuery) -> SuccessPrediction {
        // The names are numbered by the state; its lock is held for four table lookups.
        let keys = state.withLock { $0.names.keys(of: query) }
        return predictor.withLock { $0.predict(query, keys: keys) }
    }

    /// The training rows dated in the last `days` days up to `now` (features as of each row's time, from a
    /// replay in time order), and how many rows had been observed when they were copied.
    public func trainingRows(days: Int, now: Int64) -> (rows: TrainingSet, observed: Int) {
        // Copy-on-write: the lock is held for a reference copy; the replay runs outside it.
        let (log, observed) = predictor.withLock { ($0.log, $0.rowsObserved) }
        return (log.rows(from: now - Int64(days) * 86_400_000, through: now), observed)
    }

    /// Every invocation dated in the last `days` days up to `now` that the state holds (training rows or not).
    public func invocationsInWindow(days: Int, now: Int64) -> Int {
        query { $0.invocationCount(from: now - Int64(days) * 86_400_000, through: now) }
    }

    /// Records a training attempt (see `SuccessPredictor.record`); returns the version then served.
    public func record(_ outcome: Result<(model: LogisticModel, report: TrainingReport), TrainingRefusal>,
                       rowsObserved: Int) -> String {
        predictor.withLock { predictor in
            predictor.record(outcome, rowsObserved: rowsObserved)
            return predictor.modelVersion
        }
    }

    /// Training figures: rows observed in all and at the last training attempt, the rows kept for training, the
    /// model's version and report (nil while there is no model).
    public func predictorFigures() -> (observed: Int, atTraining: Int, kept: Int, version: String, report: TrainingReport?) {
        predictor.withLock { ($0.rowsObserved, $0.rowsAtTraining, $0.log.count, $0.modelVersion, $0.report) }
    }

    /// The skill clusters, recomputed only when an invocation arrived since the last computation (Louvain over
    /// every qualifying pair takes ~0.1 s on a thousand skills, run on a snapshot outside the state's lock).
    public func clusters() -> (clustering: SkillClustering, fresh: Bool) {
        let current = generation
        if let cached = clusterCache.withLock({ $0 }), cached.generation == current { return (cached.clustering, false) }
        let minimum = settings.minimumCoOccurrence
        let clustering = state.withLock { $0.coUsage }.skillClusters(minimumTogether: minimum)
        clusterCache.withLock { $0 = (current, clustering) }
        return (clustering, true)
    }

    /// What changed since the last call, for the derived tables.
    public func takeChanges(pairLimit: Int = .max) -> StateChanges {
        state.withLock { $0.takeChanges(pairLimit: pairLimit) }
    }

    /// Figures for `stats` and `health`.
    public func figures() -> (lastID: Int64, applied: Int, skills: Int, sessions: Int) {
        state.withLock { ($0.lastInvocationID, $0.invocationsApplied, $0.skillCount, $0.sessionCount) }
    }

    /// Changed pairs not yet written to `skill_dependencies` (for `stats`).
    public var pendingDependencyRows: Int { state.withLock { $0.pendingPairs } }
}
