import Synchronization

// What the writer has done so far, for `stats`, `health` and the systemd STATUS line.
extension InvocationBatchWriter {
    /// Figures for `stats`, `health` and the systemd STATUS line.
    public struct Figures: Sendable {
        public var committedInvocations: Int
        /// Transactions that wrote rows; a batch that failed, or whose commands were all refused or duplicates,
        /// is not one.
        public var committedBatches: Int
        public var committedCommands: Int
        public var rejectedFull: Int
        public var failedBatches: Int
        public var queuedRows: Int
        public var lastError: String?
        /// True from a failed batch until the next one commits.
        public var lastBatchFailed: Bool
        /// Time the writer thread spent inside batch transactions: near wall-clock time means it is saturated.
        public var busySeconds: Double = 0
        /// Requests answered `unavailable` because another connection held the write lock past `lockWait`.
        public var lockTimeouts = 0
        /// Since when the writer has been waiting for another connection's write lock; nil while it is not.
        public var lockBlockedSince: ContinuousClock.Instant?
        /// When a command last failed in the database.
        public var lastFailureAt: ContinuousClock.Instant?
        /// Batches that found another connection's commits first (and reloaded what the writer keeps in memory).
        public var foreignCommits = 0
    }

    /// True while the writer has no batch in hand and none queued: the WAL checkpointer may then take the write
    /// lock for a moment without delaying anyone's request.
    public var isIdle: Bool {
        withQueue { $0.pending.isEmpty && $0.inFlight.isEmpty }
    }

    public var currentFigures: Figures {
        var snapshot = figures.withLock { $0 }
        snapshot.queuedRows = withQueue { $0.queuedRows }
        return snapshot
    }
}
