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

/// The writer's sliding 1 h / 24 h windows as the batch store sees them: the store feeds them every committed
/// invocation, its own and other writers', and reads back the figures it stores in `skill_metrics_cache`.
public struct CacheWindows {
    /// Adds invocations to the windows.
    public let record: ([MinuteTally]) -> Void
    /// The current figures of each named skill.
    public let figures: ([String]) -> [String: CacheWindowFigures]
    /// Whether the windows hold invocations of a skill in a minute (minutes since the epoch): only then is the
    /// edge minute of a window worth an exact count from the table.
    public let holds: (String, Int64) -> Bool

    public init(record: @escaping ([MinuteTally]) -> Void,
                figures: @escaping ([String]) -> [String: CacheWindowFigures],
                holds: @escaping (String, Int64) -> Bool) {
        self.record = record
        self.figures = figures
        self.holds = holds
    }

    /// No windows: every cache row gets zero counts (benchmarks and tests of the rollups alone).
    public static var none: CacheWindows { CacheWindows(record: { _ in }, figures: { _ in [:] }, holds: { _, _ in false }) }
}

/// The write lock stayed with another connection for the whole busy timeout, so the batch's transaction never
/// began and nothing was executed: the caller may retry the same commands as they are.
public struct WriteLockTimeout: Error, Sendable {}
