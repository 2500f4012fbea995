/// When a group-commit batch closes, and how much may wait for one.
public struct GroupCommitPolicy: Sendable {
    /// A batch closes once it holds this many rows… (10,000: one largest `track_batch` fits one commit. Pages
    /// that every commit dirties, one per touched key range per index, are paid once per batch, so a bulk load
    /// ran 76k events/s at 2,000 and 114k at 10,000; a request that queues behind a full batch waits its commit,
    /// ~90 ms here, which `--batch-max-rows` trades back.)
    public var maxRows: Int
    /// …or this long after its first request arrived, whichever comes first.
    public var maxDelay: Duration
    /// Rows queued beyond this are refused with `unavailable` instead of growing memory.
    public var queueCapacity: Int
    /// A request still waiting after this long because another connection holds the database's write lock
    /// is answered `unavailable` (nothing written). Shorter holds (analytics' and the CLI's transactions, a
    /// few milliseconds) only delay the batch.
    public var lockWait: Duration

    public init(maxRows: Int = 10_000, maxDelay: Duration = .milliseconds(2), queueCapacity: Int = 100_000,
                lockWait: Duration = .seconds(10)) {
        self.maxRows = maxRows
        self.maxDelay = maxDelay
        self.queueCapacity = queueCapacity
        self.lockWait = lockWait
    }
}
