import Foundation
import GRDB
import ServiceLifecycle
import SkillPulseWire

/// The ops every daemon answers before it has any of its own.
public enum CommonOperation: WireOperation {
    case health

    public init(op: String, params: WireParams) throws {
        switch op {
        case "health":
            _ = try params.decode(NoParams.self)
            self = .health
        default:
            throw WireError(.unknownOp, "unknown op \"\(op.prefix(64))\"; this daemon answers health")
        }
    }
}

/// Answers `health` by probing the database through the daemon's own read connection.
public struct ReaderHealthHandler: WireHandler {
    let pool: DatabasePool
    let context: DaemonContext

    public func handle(_ operation: CommonOperation) -> PendingOutcome {
        .later {
            let wal = DaemonBootstrap.walEnabled(pool)
            do {
                _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_migrations") }
                return .result(context.healthReport(status: "healthy", walEnabled: wal))
            } catch {
                return .result(context.healthReport(status: "unhealthy", walEnabled: wal,
                                                    figures: ["error": .string("\(error)")]))
            }
        }
    }
}

/// A daemon whose own features are not built yet: it checks the schema, serves `health`, reports to
/// systemd and drains on SIGTERM — everything every SkillPulse daemon does, and nothing it cannot do.
public enum HealthOnlyDaemon {
    public static func run(service: String, options: DaemonOptions) async throws {
        let logger = DaemonBootstrap.makeLogger(service: service, options: options)
        let paths = options.paths(environment: ProcessInfo.processInfo.environment)
        let (pool, schemaVersion) = try DaemonBootstrap.openCheckedReader(paths: paths, service: service)
        let context = try DaemonBootstrap.context(service: service, options: options, schemaVersion: schemaVersion,
                                                  logger: logger)
        let server = WireServer(listener: context.listener, handler: ReaderHealthHandler(pool: pool, context: context),
                                configuration: context.serverConfiguration, logger: logger)
        let status = SystemdService(logger: logger, waitUntilReady: { await server.waitUntilListening() }) {
            "schema V\(schemaVersion) checked; serving health only"
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: WireServerService(server: server)), .init(service: status)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.info("\(service) stopped cleanly")
    }

    /// The body of such a daemon's `main`: runs it, printing a start-up failure as one line.
    public static func main(service: String, options: DaemonOptions) async throws {
        do {
            try await run(service: service, options: options)
        } catch let error as DaemonStartupError {
            FileHandle.standardError.write(Data("\(service): \(error.description)\n".utf8))
            throw ExitStatus.failure
        }
    }
}

/// A non-zero exit that has already been explained on stderr.
public enum ExitStatus: Error {
    case failure
}
