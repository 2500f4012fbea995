import Dispatch
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The hard limit on a drain: `grace` after the drain timeout the process exits whatever it is waiting for,
/// so a stop never outlasts systemd's `TimeoutStopSec` (and is never ended by SIGKILL mid-write).
///
/// The timer runs on a private queue: it must fire even when every cooperative-pool thread is stuck.
public final class ShutdownDeadline: Sendable {
    private let queue = DispatchQueue(label: "skillpulse.shutdown-deadline")
    private let timer = Mutex<(any DispatchSourceTimer)?>(nil)
    private let limit: Duration
    private let logger: Logger
    private let notifier: SystemdNotifier

    public init(drainTimeout: Duration, grace: Duration = .seconds(3), logger: Logger,
                notifier: SystemdNotifier = SystemdNotifier()) {
        limit = drainTimeout + grace
        self.logger = logger
        self.notifier = notifier
    }

    /// Starts the countdown once; later calls (a second SIGTERM) change nothing.
    public func arm() {
        timer.withLock { timer in
            guard timer == nil else { return }
            let source = DispatchSource.makeTimerSource(queue: queue)
            let (seconds, attoseconds) = limit.components
            source.schedule(deadline: .now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)))
            let logger = self.logger
            let notifier = self.notifier
            let limit = self.limit
            source.setEventHandler {
                logger.critical("shutdown deadline passed (\(limit)): exiting without waiting for the rest")
                notifier.send("STATUS=shutdown deadline passed; exiting\nERRNO=\(ETIMEDOUT)")
                // _exit: the other threads may hold locks that atexit handlers would wait for.
                _exit(EXIT_FAILURE)
            }
            source.resume()
            timer = source
        }
    }
}
