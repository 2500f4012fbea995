/// Committed invocations of one skill in one minute, as the sliding windows count them.
public struct MinuteTally: Sendable, Equatable {
    public let skill: String
    /// Minutes since the epoch.
    public let minute: Int64
    public let count: Int
    public let completed: Int

    public init(skill: String, minute: Int64, count: Int, completed: Int) {
        self.skill = skill
        self.minute = minute
        self.count = count
        self.completed = completed
    }
}

/// The writer's sliding 1 h / 24 h windows as the batch store sees them: the store stages every invocation a
/// transaction commits, its own and other writers' (read in the same transaction), reads back the figures it
/// stores in `skill_metrics_cache` — staged invocations included — and settles the staged ones once the
/// transaction ended: they join the windows only if it committed.
public struct CacheWindows {
    /// Stages invocations of the transaction in progress.
    public let stage: ([MinuteTally]) -> Void
    /// Ends the transaction's staging: true adds the staged invocations to the windows (it committed), false
    /// drops them (it rolled back).
    public let settle: (_ committed: Bool) -> Void
    /// The current figures of each named skill, staged invocations included.
    public let figures: ([String]) -> [String: CacheWindowFigures]
    /// Whether the windows hold invocations of a skill in a minute (minutes since the epoch), staged ones
    /// included: only then is the edge minute of a window worth an exact count from the table.
    public let holds: (String, Int64) -> Bool

    public init(stage: @escaping ([MinuteTally]) -> Void, settle: @escaping (_ committed: Bool) -> Void,
                figures: @escaping ([String]) -> [String: CacheWindowFigures],
                holds: @escaping (String, Int64) -> Bool) {
        self.stage = stage
        self.settle = settle
        self.figures = figures
        self.holds = holds
    }

    /// No windows: every cache row gets zero counts (benchmarks and tests of the rollups alone).
    public static var none: CacheWindows {
        CacheWindows(stage: { _ in }, settle: { _ in }, figures: { _ in [:] }, holds: { _, _ in false })
    }
}

/// The write lock stayed with another connection for the whole busy timeout, so the batch's transaction never
/// began and nothing was executed: the caller may retry the same commands as they are.
public struct WriteLockTimeout: Error, Sendable {}
