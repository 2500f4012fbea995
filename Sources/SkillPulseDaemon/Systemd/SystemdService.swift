import Dispatch
import Logging
import ServiceLifecycle
import Synchronization

/// Reports the daemon's life to systemd: READY=1 once it serves, STATUS= lines, WATCHDOG=1 pings while it
/// makes progress, STOPPING=1.
///
/// The periodic part runs on a timer of its own, not on the cooperative pool: a daemon busy answering a
/// flood of requests is making progress, and its pings must not wait behind that work (a flood on one CPU
/// once delayed them past `WatchdogSec`). The verdict it reads is a lock read, never a query.
public struct SystemdService: Service {
    let notifier: SystemdNotifier
    let logger: Logger
    let statusInterval: Duration
    let waitUntilReady: @Sendable () async -> Bool
    let liveness: @Sendable () -> Liveness
    let statusLine: @Sendable () -> String

    /// - Parameters:
    ///   - waitUntilReady: returns true once the daemon serves; false if it never will.
    ///   - liveness: the daemon's current verdict; the watchdog is pinged only while it says `progressing`.
    ///   - statusLine: the daemon's figures; called off the cooperative pool, so it must not block.
    public init(
        notifier: SystemdNotifier = SystemdNotifier(),
        logger: Logger,
        statusInterval: Duration = .seconds(5),
        waitUntilReady: @escaping @Sendable () async -> Bool,
        liveness: @escaping @Sendable () -> Liveness,
        statusLine: @escaping @Sendable () -> String
    ) {
        self.notifier = notifier
        self.logger = logger
        self.statusInterval = statusInterval
        self.waitUntilReady = waitUntilReady
        self.liveness = liveness
        self.statusLine = statusLine
    }

    public func run() async throws {
        let ready = await cancelWhenGracefulShutdown { await waitUntilReady() }
        guard ready, !Task.isCancelled, !Task.isShuttingDownGracefully else {
            notifier.stopping(status: "stopping before ready")
            return
        }
        notifier.ready(status: Self.line(liveness(), statusLine()))
        logger.info("ready")
        let reporter = PeriodicReport(notifier: notifier, logger: logger, statusInterval: statusInterval,
                                      liveness: liveness, statusLine: statusLine)
        reporter.start()
        try? await gracefulShutdown()
        reporter.stop()
        notifier.stopping(status: "draining: " + statusLine())
        logger.info("stopping: draining in-flight work")
    }

    /// The daemon's figures, led by the reason when it is not healthy.
    static func line(_ liveness: Liveness, _ figures: String) -> String {
        guard liveness.status != .healthy else { return figures }
        return "\(liveness.status.rawValue.uppercased()): \(liveness.reason ?? "unknown"); \(figures)"
    }
}

/// The once-a-second tick behind `SystemdService`: pings while the verdict says progress, and re-sends
/// STATUS= when the verdict changes or every `statusInterval`.
final class PeriodicReport: Sendable {
    private struct State {
        var timer: (any DispatchSourceTimer)?
        var sincePing: Duration = .zero
        var sinceStatus: Duration = .zero
        var last = Liveness.healthy
    }

    private let queue = DispatchQueue(label: "skillpulse.systemd-report")
    private let state = Mutex(State())
    private let notifier: SystemdNotifier
    private let logger: Logger
    private let statusInterval: Duration
    private let liveness: @Sendable () -> Liveness
    private let statusLine: @Sendable () -> String
    private let watchdog: Duration?
    private let tick: Duration

    init(notifier: SystemdNotifier, logger: Logger, statusInterval: Duration,
         liveness: @escaping @Sendable () -> Liveness, statusLine: @escaping @Sendable () -> String) {
        self.notifier = notifier
        self.logger = logger
        self.statusInterval = statusInterval
        self.liveness = liveness
        self.statusLine = statusLine
        watchdog = notifier.watchdogInterval()
        tick = min(watchdog ?? .seconds(1), .seconds(1))
    }

    func start() {
        let (seconds, attoseconds) = tick.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        state.withLock { state in
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
            timer.setEventHandler { [self] in self.fire() }
            timer.resume()
            state.timer = timer
        }
    }

    func stop() {
        state.withLock { state in
            state.timer?.cancel()
            state.timer = nil
        }
    }

    private func fire() {
        let now = liveness()
        let (ping, report, previous) = state.withLock { state -> (Bool, Bool, Liveness) in
            state.sincePing += tick
            state.sinceStatus += tick
            var ping = false
            if let watchdog, state.sincePing >= watchdog, now.progressing {
                ping = true
                state.sincePing = .zero
            }
            let report = now != state.last || state.sinceStatus >= statusInterval
            let previous = state.last
            if report {
                state.last = now
                state.sinceStatus = .zero
            }
            return (ping, report, previous)
        }
        if ping { notifier.watchdog() }
        guard report else { return }
        if now.progressing != previous.progressing {
            if now.progressing {
                logger.notice("making progress again; watchdog pings resume")
            } else {
                logger.error("no progress: withholding watchdog pings", metadata: ["reason": "\(now.reason ?? "unknown")"])
            }
        } else if now.status != previous.status {
            logger.log(level: now.status == .healthy ? .notice : .warning, "health is \(now.status.rawValue)",
                       metadata: ["reason": "\(now.reason ?? "")"])
        }
        notifier.status(SystemdService.line(now, statusLine()))
    }
}
