import Foundation
import SkillPulseAnalytics
import SkillPulseCore
import Synchronization

/// The daemon's one copy of `AnalyticsState`, shared by the follower (writes) and the request handlers
/// (reads).
///
/// A read/write lock rather than an actor: the follower applies up to 100,000 invocations a second and an actor
/// hop per event costs more than the work. Queries read beside each other; a change waits only for the read
/// slices in progress. No hold is long: a pass over every skill takes the lock a slice of `skillsPerSlice`
/// skills at a time, a page is applied 500 rows at a time, and nothing awaits or does I/O under it.
public final class AnalyticsEngine: Sendable {
    private let state = ReadWriteLock(AnalyticsState())
    /// What `health`, `stats` and the follower read, copied out at the end of every change to `state`: they
    /// never wait for the state's lock (which a query's slice or an apply slice may hold).
    private let published = Mutex(PublishedFigures())
    private let seeds = Mutex<[SeededDependency]>([])
    /// Apart from `state`: a prediction reads only this, and training copies its rows out without holding up
    /// the queries on `state`.
    private let predictor = Mutex(SuccessPredictor())
    private let clusterCache = Mutex<(generation: Int, clustering: SkillClustering)?>(nil)
    /// Held by whoever applies invocations, across the state's and the predictor's locks: two appliers (the
    /// stream and the quiet-time poll) would otherwise feed the predictor in a different order from the state.
    private let applying = Mutex(())
    public let settings: AnalyticsSettings
    /// Where passes over every skill or user run — queries, the anomaly pass, the derived-table flush — at a
    /// lowered priority (see `FairWorkerPool`).
    public let workers: FairWorkerPool
    /// Where small reads of the state run: a dashboard's `get_real_time_metrics`, a prediction, the `metrics`
    /// topic's tick.
    public let interactive: FairWorkerPool
    /// Where the follower's pages are applied.
    private let applier: FairWorkerPool

    /// `workerThreads`: threads for passes over every skill or user (two, or one on a single core).
    ///
    /// No async caller takes the state's lock on the cooperative pool: its two threads also answer `health`,
    /// and one waiting for its turn at the lock behind the follower and the workers' slices is one fewer for
    /// everything else. Each caller hops to a lane of its own instead.
    public init(settings: AnalyticsSettings,
                workerThreads: Int = min(2, ProcessInfo.processInfo.activeProcessorCount)) {
        self.settings = settings
        workers = FairWorkerPool(threads: workerThreads, label: "analytics-query", niceness: 10)
        // Two: a prediction waiting for the predictor's lock (held while the applier feeds it a slice) must not
        // hold up a dashboard's query behind it.
        interactive = FairWorkerPool(threads: 2, label: "analytics-fast", niceness: 0)
        applier = FairWorkerPool(threads: 1, label: "analytics-apply", niceness: 0)
    }

    /// `apply(page:through:)` on the applier's thread.
    public func applyOffPool(page: [InvocationRecord], through lastID: Int64) async {
        await applier.run(for: ObjectIdentifier(self)) { self.apply(page: page, through: lastID) }
    }

    /// `query` on the workers, as background work of `owner` (its turn is its own).
    public func backgroundQuery<T: Sendable>(for owner: AnyObject, _ body: @escaping @Sendable (borrowing AnalyticsState) -> T)
        async -> T
    {
        await workers.run(for: ObjectIdentifier(owner)) { self.query(body) }
    }

    public var lastInvocationID: Int64 { published.withLock { $0.lastID } }
    public var generation: Int { published.withLock { $0.generation } }

    /// The state's figures, as of its last change.
    struct PublishedFigures {
        var lastID: Int64 = 0
        var applied = 0
        var skills = 0
        var sessions = 0
        var generation = 0
        var pendingPairs = 0
    }

    /// Changes the state under its lock and publishes its figures before letting go.
    ///
    /// Every change ends with `prepare()` (unsorted series sorted), so readers never need to change anything.
    private func mutate<T>(_ body: (inout AnalyticsState) -> T) -> T {
        state.withWriteLock { state in
            let result = body(&state)
            state.prepare()
            let figures = PublishedFigures(lastID: state.lastInvocationID, applied: state.invocationsApplied,
                                           skills: state.skillCount, sessions: state.sessionCount,
                                           generation: state.generation, pendingPairs: state.pendingPairs)
            published.withLock { $0 = figures }
            return result
        }
    }

    /// Applies committed invocations in id order; returns how many were new.
    @discardableResult
    public func apply(_ records: some Collection<InvocationRecord>) -> Int {
        let records = Array(records)
        return applying.withLock { _ in
            // In slices, as pages are (a commit event may carry 10,000 rows).
            stride(from: 0, to: records.count, by: Self.sliceSize).reduce(0) { total, start in
                total + admit(records[start..<min(start + Self.sliceSize, records.count)])
            }
        }
    }

    /// Applies a page read from the database, moving past rows it cannot place in time.
    public func apply(page: [InvocationRecord], through lastID: Int64) {
        applying.withLock { _ in
            // In slices: a query or a prediction waits for one slice (well under a millisecond), not a page.
            for start in stride(from: 0, to: page.count, by: Self.sliceSize) {
                admit(page[start..<min(start + Self.sliceSize, page.count)])
            }
            mutate { $0.skip(through: lastID) }
        }
    }

    static let sliceSize = 500

    /// The state numbers and applies the records; the predictor observes the ones that were new.
    @discardableResult
    private func admit(_ records: some Collection<InvocationRecord>) -> Int {
        let accepted = mutate { state in
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
        mutate { $0.markChanged(changes) }
    }

    /// Stored dependency rows no session supports yet (the taxonomy's seeds), shown beside observed ones.
    public func setSeeds(_ rows: [SeededDependency]) {
        seeds.withLock { $0 = rows }
    }

    public func prune(now: Int64) {
        let cutoff = now - Int64(settings.retentionDays) * 86_400_000
        let skills = published.withLock { $0.skills }
        for start in stride(from: 0, to: skills, by: Self.skillsPerSlice) {
            mutate { $0.prune(before: cutoff, skills: start..<min(start + Self.skillsPerSlice, skills)) }
        }
    }

    /// Runs a query on the state (prepared by every change), beside other queries.
    public func query<T>(_ body: (borrowing AnalyticsState) -> T) -> T {
        state.withReadLock(body)
    }

    /// `query` for the lane of small reads: it overtakes a change that waits for the lock (but not one that
    /// holds it), so a dashboard's query does not wait for the read slices the change waits for. Two threads
    /// run these, each well under a millisecond, so the follower is never held back by more than two.
    public func smallQuery<T>(_ body: (borrowing AnalyticsState) -> T) -> T {
        state.withReadLock(overtakingWaitingWriters: true, body)
    }

    /// Skills per hold of the state's lock in a pass over every skill: a slice of an anomaly pass at 100 costs
    /// well under a millisecond, so the follower and a dashboard's query wait at most about that per holder
    /// ahead of them.
    public static let skillsPerSlice = 100

    /// Runs `body` over every skill's number in slices of `size`, taking the state's lock for each: skills
    /// added meanwhile are left out, and invocations applied between slices count for the later ones.
    public func forEachSkillSlice(size: Int = skillsPerSlice, _ body: (borrowing AnalyticsState, Range<Int>) -> Void) {
        let skills = published.withLock { $0.skills }
        for start in stride(from: 0, to: skills, by: size) {
            query { body($0, start..<min(start + size, skills)) }
        }
    }

    /// `AnalyticsState.anomalyReport`, one slice of skills at a time.
    public func anomalyReport(_ criteria: AnomalyCriteria, now: Int64) -> AnomalyReport {
        var scan = AnomalyScan()
        forEachSkillSlice { state, skills in scan.merge(state.anomalyScan(criteria, now: now, skills: skills)) }
        return scan.report(criteria, skillCount: published.withLock { $0.skills }, now: now)
    }

    /// `AnalyticsState.topSkills`, ranked one slice of skills at a time — or, `inOneHold`, under one hold of
    /// the lock (a short window skips idle skills at a look each: about a millisecond at 10,000 skills, less
    /// than waiting for a turn per slice).
    public func topSkills(limit: Int, windowMillis: Int64, now: Int64, inOneHold: Bool = false) -> [TopSkill] {
        if inOneHold { return smallQuery { $0.topSkills(limit: limit, windowMillis: windowMillis, now: now) } }
        var ranked: [RankedSkill] = []
        forEachSkillSlice { state, skills in ranked += state.rankSkills(windowMillis: windowMillis, now: now, skills: skills) }
        let leaders = AnalyticsState.leaders(ranked, limit: limit)
        var top: [TopSkill] = []
        for start in stride(from: 0, to: leaders.count, by: Self.skillsPerSlice) {
            let chosen = leaders[start..<min(start + Self.skillsPerSlice, leaders.count)]
            top += query { $0.topSkillDetails(chosen, windowMillis: windowMillis, now: now) }
        }
        return top.sorted { ($0.invocationCount, $1.skillName) > ($1.invocationCount, $0.skillName) }
    }

    /// `AnalyticsState.communityBaselines`, one slice of skills at a time (percentiles refreshed in slices too).
    public func communityBaselines(withPercentiles: Bool = true) -> [CommunityBaseline] {
        if withPercentiles {
            while mutate({ $0.refreshQuantiles(limit: Self.skillsPerSlice) }) {}
        }
        let rates = query { $0.sortedCompletionRates() }
        var rows: [CommunityBaseline] = []
        forEachSkillSlice { state, skills in
            rows += state.baselineRows(skills: skills, rates: rates, withPercentiles: withPercentiles)
        }
        return AnalyticsState.ordered(rows)
    }

    /// Every pair seen together in at least `minimumTogether` sessions, for a rewrite of the stored table:
    /// the keys are copied at once, their associations computed a slice at a time.
    public func pairsForFullWrite(minimumTogether: Int) -> [ObservedPair] {
        let keys = mutate { $0.startFullPairWrite() }
        var pairs: [ObservedPair] = []
        for start in stride(from: 0, to: keys.count, by: Self.pairsPerSlice) {
            let slice = keys[start..<min(start + Self.pairsPerSlice, keys.count)]
            pairs += query { $0.associations(of: slice, minimumTogether: minimumTogether) }
        }
        return pairs
    }

    /// Pairs per hold of the state's lock in a full rewrite of the pairs (about a millisecond's work).
    static let pairsPerSlice = 5_000

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
        let keys = state.withReadLock(overtakingWaitingWriters: true) { $0.names.keys(of: query) }
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
        var count = 0
        forEachSkillSlice { state, skills in
            count += state.invocationCount(from: now - Int64(days) * 86_400_000, through: now, skills: skills)
        }
        return count
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
        let clustering = state.withReadLock { $0.coUsage }.skillClusters(minimumTogether: minimum)
        clusterCache.withLock { $0 = (current, clustering) }
        return (clustering, true)
    }

    /// What changed since the last call, for the derived tables.
    public func takeChanges(pairLimit: Int = .max) -> StateChanges {
        mutate { $0.takeChanges(pairLimit: pairLimit) }
    }

    /// Figures for `stats` and `health`.
    public func figures() -> (lastID: Int64, applied: Int, skills: Int, sessions: Int) {
        published.withLock { ($0.lastID, $0.applied, $0.skills, $0.sessions) }
    }

    /// Changed pairs not yet written to `skill_dependencies` (for `stats`).
    public var pendingDependencyRows: Int { published.withLock { $0.pendingPairs } }
}
