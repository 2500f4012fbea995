import Foundation
import SkillPulseWire
import Synchronization

// Batches that found another connection holding the database's write lock: requeued in order, or answered
// `unavailable` once they have waited `lockWait`.
extension InvocationBatchWriter {
    /// Another connection held the write lock for a whole lock-wait slice, so `batch` was not executed. Its
    /// requests go back to the head of the queue, in order, unless they have waited `lockWait` (or ingest is
    /// draining): those, and queued requests as old, are answered `unavailable` with nothing written.
    /// `attemptStarted` is when this attempt began waiting: the writer has been blocked since then, not since
    /// the slice ran out (which would understate every figure by one slice).
    func waitedForLock(_ batch: [Pending], attemptStarted: ContinuousClock.Instant) {
        let now = ContinuousClock.now
        let since = figures.withLock { figures in
            let since = figures.lockBlockedSince ?? attemptStarted
            figures.lockBlockedSince = since
            return since
        }
        var expired: [Pending] = []
        withQueue { state in
            let draining = !state.accepting
            var keep: [Pending] = []
            for pending in batch + state.pending {
                if draining || now - pending.arrival >= policy.lockWait {
                    expired.append(pending)
                } else {
                    keep.append(pending)
                }
            }
            state.pending = keep
            state.queuedRows = keep.reduce(0) { $0 + $1.command.weight }
        }
        guard !expired.isEmpty else { return }
        let waited = (now - since).seconds
        let draining = withQueue { !$0.accepting }
        figures.withLock { $0.lockTimeouts += expired.count }
        logger.warning("another connection holds the database's write lock; answering requests unavailable", metadata: [
            "requests": "\(expired.count)", "blocked_seconds": "\(String(format: "%.1f", waited))",
        ])
        let error = WireError.unavailable(draining
            ? String(format: "ingest is shutting down while another connection holds the database's write lock "
                         + "(waited %.1f s); nothing was written; retry later", waited)
            : String(format: "the database is locked by another writer (ingest has waited %.1f s for its write "
                         + "lock); nothing was written; retry later", max(waited, policy.lockWait.seconds)))
        for pending in expired { pending.ticket.resolve(.failure(error)) }
    }
}
