import Logging
import ServiceLifecycle

/// Reports the daemon's life to systemd: READY=1 once it serves, STATUS= lines, WATCHDOG=1 pings while it
/// makes progress, STOPPING=1.
public struct SystemdService: Service {
    let notifier: SystemdNotifier
    let logger: Logger
    let statusInterval: Duration
    let waitUntilReady: @Sendable () async -> Bool
    let liveness: @Sendable () -> Liveness
    let statusLine: @Sendable () async -> String

    /// - Parameters:
    ///   - waitUntilReady: returns true once the daemon serves; false if it never will.
    ///   - liveness: the daemon's current verdict; the watchdog is pinged only while it says `progressing`.
    public init(
        notifier: SystemdNotifier = SystemdNotifier(),
        logger: Logger,
        statusInterval: Duration = .seconds(5),
        waitUntilReady: @escaping @Sendable () async -> Bool,
        liveness: @escaping @Sendable () -> Liveness,
        statusLine: @escaping @Sendable () async -> String
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
        notifier.ready(status: await line(liveness()))
        logger.info("ready")
        let watchdog = notifier.watchdogInterval()
        // Checked every second so that a change of health reaches STATUS= and the log at once.
        let tick = min(watchdog ?? .seconds(1), .seconds(1))
        await cancelWhenGracefulShutdown {
            var sinceStatus = Duration.zero
            var sincePing = Duration.zero
            var last = Liveness.healthy
            while !Task.isCancelled {
                do { try await Task.sleep(for: tick) } catch { return }
                sinceStatus += tick
                sincePing += tick
                let now = liveness()
                if let watchdog, sincePing >= watchdog {
                    if now.progressing {
                        notifier.watchdog()
                        sincePing = .zero
                    }
                }
                if now != last || sinceStatus >= statusInterval {
                    if now.progressing != last.progressing {
                        if now.progressing {
                            logger.notice("making progress again; watchdog pings resume")
                        } else {
                            logger.error("no progress: withholding watchdog pings", metadata: [
                                "reason": "\(now.reason ?? "unknown")"
                            ])
                        }
                    } else if now.status != last.status {
                        let level: Logger.Level = now.status == .healthy ? .notice : .warning
                        logger.log(level: level, "health is \(now.status.rawValue)", metadata: [
                            "reason": "\(now.reason ?? "")"
                        ])
                    }
                    last = now
                    sinceStatus = .zero
                    notifier.status(await line(now))
                }
            }
        }
        notifier.stopping(status: "draining: " + (await statusLine()))
        logger.info("stopping: draining in-flight work")
    }

    /// The daemon's figures, led by the reason when it is not healthy.
    private func line(_ liveness: Liveness) async -> String {
        let figures = await statusLine()
        guard liveness.status != .healthy else { return figures }
        return "\(liveness.status.rawValue.uppercased()): \(liveness.reason ?? "unknown"); \(figures)"
    }
}
