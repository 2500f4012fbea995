import Logging
import ServiceLifecycle

/// Reports the daemon's life to systemd: READY=1 once it serves, STATUS= lines, WATCHDOG=1 pings, STOPPING=1.
public struct SystemdService: Service {
    let notifier: SystemdNotifier
    let logger: Logger
    let statusInterval: Duration
    let waitUntilReady: @Sendable () async -> Void
    let statusLine: @Sendable () async -> String

    public init(
        notifier: SystemdNotifier = SystemdNotifier(),
        logger: Logger,
        statusInterval: Duration = .seconds(5),
        waitUntilReady: @escaping @Sendable () async -> Void,
        statusLine: @escaping @Sendable () async -> String
    ) {
        self.notifier = notifier
        self.logger = logger
        self.statusInterval = statusInterval
        self.waitUntilReady = waitUntilReady
        self.statusLine = statusLine
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await waitUntilReady()
        }
        guard !Task.isCancelled, !Task.isShuttingDownGracefully else {
            notifier.stopping(status: "stopping before ready")
            return
        }
        notifier.ready(status: await statusLine())
        logger.info("ready")
        let watchdog = notifier.watchdogInterval()
        let tick = min(watchdog ?? statusInterval, statusInterval)
        await cancelWhenGracefulShutdown {
            var sinceStatus = Duration.zero
            while !Task.isCancelled {
                do { try await Task.sleep(for: tick) } catch { return }
                if watchdog != nil { notifier.watchdog() }
                sinceStatus += tick
                if sinceStatus >= statusInterval {
                    sinceStatus = .zero
                    notifier.status(await statusLine())
                }
            }
        }
        notifier.stopping(status: "draining: " + (await statusLine()))
        logger.info("stopping: draining in-flight work")
    }
}
