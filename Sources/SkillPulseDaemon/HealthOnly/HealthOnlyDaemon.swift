import Foundation
import Logging
import ServiceLifecycle
import SkillPulseWire

/// A daemon whose own features are not built yet: it checks the schema, serves `health`, reports to
/// systemd (with a watchdog that means progress) and drains on SIGTERM — everything every SkillPulse daemon
/// does, and nothing it cannot do.
public enum HealthOnlyDaemon {
    public static func run(service: String, options: DaemonOptions, runtime: DaemonRuntime) async throws {
        let logger = runtime.logger
        let (paths, _) = try options.checkedPaths(environment: ProcessInfo.processInfo.environment)
        let reader = try await DaemonBootstrap.openCheckedReader(paths: paths, service: service)
        let schemaVersion = reader.schemaVersion
        let context = try DaemonBootstrap.context(service: service, options: options, schemaVersion: schemaVersion,
                                                  logger: logger)
        let database = DatabaseObservation()
        database.record(walEnabled: try await reader.journalIsWAL())
        let counters = WireServerCounters()
        let monitor = LivenessMonitor.reader(reader, database: database, counters: counters)
        let server = WireServer(listener: context.listener,
                                handler: ReaderHealthHandler(monitor: monitor, database: database, context: context,
                                                             counters: counters),
                                configuration: context.serverConfiguration, counters: counters, logger: logger)
        // Bound last, once the database is checked: a taken or forbidden socket fails the start before READY.
        try await server.bind()
        let status = SystemdService(logger: logger, waitUntilReady: { await server.waitUntilListening() },
                                    liveness: { monitor.current }) {
            "schema V\(schemaVersion) checked; serving health only; \(counters.activeConnections) connections"
        }
        try await runtime.run(services: [
            .init(service: monitor), .init(service: WireServerService(server: server)), .init(service: status),
        ])
        logger.info("\(service) stopped cleanly")
    }

    /// The body of such a daemon's `main`.
    public static func main(service: String, options: DaemonOptions) async throws {
        try await DaemonMain.run(service: service, options: options) { runtime in
            try await run(service: service, options: options, runtime: runtime)
        }
    }
}
