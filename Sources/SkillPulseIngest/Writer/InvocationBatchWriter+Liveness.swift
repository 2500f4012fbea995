import Foundation
import SkillPulseDaemon
import Synchronization

// The writer's verdict for `health`, STATUS= and the watchdog.
extension InvocationBatchWriter {
    /// The writer's verdict for `health`, STATUS= and the watchdog: it makes progress while it commits, or is
    /// idle with nothing waiting. Work that has waited `stallLimit` (blocked on another process's write lock,
    /// or a writer thread that stopped) makes it `unhealthy` and stops the watchdog pings.
    public func liveness(stallLimit: Duration, queueCapacity: Int) -> Liveness {
        let now = ContinuousClock.now
        let figures = currentFigures
        let (waitingSince, waitingRows) = withQueue { state -> (ContinuousClock.Instant?, Int) in
            let since = [state.inFlightSince, state.pending.first?.arrival].compactMap { $0 }.min()
            return (since, state.queuedRows + state.inFlightRows)
        }
        if let since = figures.lockBlockedSince {
            let blocked = now - since
            guard waitingSince != nil else {
                return Liveness(status: .degraded, reason: String(
                    format: "another connection held the database write lock for %.1f s; no request waits now",
                    blocked.seconds), progressing: true)
            }
            return Liveness(status: blocked >= stallLimit ? .unhealthy : .degraded, reason: String(
                format: "writer blocked %.1f s on the database write lock held by another connection (%d rows waiting)",
                blocked.seconds, waitingRows), progressing: blocked < stallLimit)
        }
        if let waitingSince, now - waitingSince >= stallLimit {
            return Liveness(status: .unhealthy, reason: String(
                format: "writer has made no progress for %.1f s (%d rows waiting)", (now - waitingSince).seconds,
                waitingRows), progressing: false)
        }
        if figures.lastBatchFailed {
            return Liveness(status: .unhealthy, reason: "the last batch failed: \(figures.lastError ?? "unknown error")",
                            progressing: true)
        }
        if waitingRows * 5 >= queueCapacity * 4 {
            return Liveness(status: .degraded, reason: "write queue \(waitingRows) of \(queueCapacity) rows",
                            progressing: true)
        }
        if let failedAt = figures.lastFailureAt, now - failedAt < Self.failureMemory {
            return Liveness(status: .degraded, reason: String(
                format: "a command failed %.0f s ago: %@", (now - failedAt).seconds, figures.lastError ?? "unknown error"),
                progressing: true)
        }
        return .healthy
    }

    /// How long a failed command keeps `health` at `degraded` after the writer recovered.
    static let failureMemory: Duration = .seconds(60)
}
