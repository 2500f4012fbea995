/// When a group-commit batch closes, and how much may wait for one.
public struct GroupCommitPolicy: Sendable {
    /// A batch closes once it holds this many rows…
    public var maxRows: Int
    /// …or this long after its first request arrived, whichever comes first.
    public var maxDelay: Duration
    /// Rows queued beyond this are refused with `unavailable` instead of growing memory.
    public var queueCapacity: Int

    public init(maxRows: Int = 2000, maxDelay: Duration = .milliseconds(2), queueCapacity: Int = 100_000) {
        self.maxRows = maxRows
        self.maxDelay = maxDelay
        self.queueCapacity = queueCapacity
    }
}
