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
    public let settings: AnalyticsSettings

    public init(settings: AnalyticsSettings) {
        self.settings = settings
    }

    public var lastInvocationID: Int64 { state.withLock { $0.lastInvocationID } }
    public var generation: Int { state.withLock { $0.generation } }

    /// Applies committed invocations in id order; returns how many were new.
    @discardableResult
    public func apply(_ records: some Sequence<InvocationRecord>) -> Int {
        state.withLock { state in
            var applied = 0
            for record in records where state.apply(record) { applied += 1 }
            return applied
        }
    }

    /// Applies a page read from the database, moving past rows it cannot place in time.
    public func apply(page: [InvocationRecord], through lastID: Int64) {
        // In slices: a query waits for one slice (well under a millisecond), not for a whole page.
        for start in stride(from: 0, to: page.count, by: 1_000) {
            state.withLock { state in
                for record in page[start..<min(start + 1_000, page.count)] { state.apply(record) }
            }
        }
        state.withLock { $0.skip(through: lastID) }
    }

    public func markChanged(skills: Set<String>, pairs: Set<SkillPair>) {
        state.withLock { $0.markChanged(skills: skills, pairs: pairs) }
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

    /// What changed since the last call, for the derived tables.
    public func takeChanges() -> (skills: Set<String>, pairs: Set<SkillPair>) {
        state.withLock { $0.takeChanges() }
    }

    /// Figures for `stats` and `health`.
    public func figures() -> (lastID: Int64, applied: Int, skills: Int, sessions: Int) {
        state.withLock { ($0.lastInvocationID, $0.invocationsApplied, $0.skillCount, $0.sessionCount) }
    }
}
