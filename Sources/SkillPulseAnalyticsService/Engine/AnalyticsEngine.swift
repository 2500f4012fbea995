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
        let now = UTCTimestamp.now().millisecondsSinceEpoch
        predictor.withLock { predictor in
            for invocation in accepted { predictor.observe(invocation, now: now) }
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

    /// The training rows of the last `days` days (features as of each row's time), copied out.
    public func trainingRows(days: Int, now: Int64) -> (features: [Double], labels: [Bool], times: [Int64]) {
        // Copy-on-write: the lock is held for a reference copy; the rows are gathered outside it.
        predictor.withLock { $0.samples }.rows(since: now - Int64(days) * 86_400_000)
    }

    public func install(_ model: LogisticModel, report: TrainingReport) -> String {
        predictor.withLock { predictor in
            predictor.install(model, report: report)
            return predictor.modelVersion
        }
    }

    /// Training figures: samples taken in all and when the model was trained, the model's version and report.
    public func predictorFigures() -> (taken: Int, atTraining: Int, version: String, report: TrainingReport?) {
        predictor.withLock { ($0.samplesTaken, $0.samplesAtTraining, $0.modelVersion, $0.report) }
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
