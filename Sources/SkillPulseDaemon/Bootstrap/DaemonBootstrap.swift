import Foundation
import GRDB
import Logging
import SkillPulseCore
import SkillPulseStore
import SkillPulseWire

/// What a daemon learns before it serves: where things are, its socket, and the checked database.
public struct DaemonContext: Sendable {
    public let service: String
    public let paths: SkillPulsePaths
    public let listener: WireListener
    public let logger: Logger
    public let schemaVersion: Int
    public let startedAt: ContinuousClock.Instant
    public let serverConfiguration: WireServerConfiguration

    /// The base of every `health` reply; services add their own figures beside these keys.
    public func healthReport(status: String, walEnabled: Bool, figures: [String: JSONValue] = [:]) -> JSONValue {
        var report: [String: JSONValue] = [
            "status": .string(status),
            "service": .string(service),
            "version": .string(SkillPulseVersion.current),
            "pid": .integer(Int64(ProcessInfo.processInfo.processIdentifier)),
            "uptime_s": .number((ContinuousClock.now - startedAt).seconds),
            "db": .object([
                "path": .string(paths.databasePath),
                "schema_version": .integer(Int64(schemaVersion)),
                "wal": .bool(walEnabled),
            ]),
        ]
        for (key, value) in figures where report[key] == nil { report[key] = value }
        return .object(report)
    }
}

/// A start-up failure: printed as one line to stderr, and the process exits non-zero.
public struct DaemonStartupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The steps every daemon's `main` shares, in order: logging, paths, socket, database and schema check.
public enum DaemonBootstrap {
    public static func makeLogger(service: String, options: DaemonOptions) -> Logger {
        let level = options.resolvedLogLevel(environment: ProcessInfo.processInfo.environment)
        var logger = Logger(label: "skillpulse.\(service)") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = level
        return logger
    }

    public static func context(service: String, options: DaemonOptions, schemaVersion: Int, logger: Logger)
        throws -> DaemonContext
    {
        let environment = ProcessInfo.processInfo.environment
        let paths = options.paths(environment: environment)
        return DaemonContext(
            service: service,
            paths: paths,
            listener: try listener(service: service, options: options, paths: paths, logger: logger),
            logger: logger,
            schemaVersion: schemaVersion,
            startedAt: .now,
            serverConfiguration: WireServerConfiguration(maxFrameLength: options.maxFrameBytes)
        )
    }

    /// A socket systemd passed (named like the service) wins over binding one ourselves.
    static func listener(service: String, options: DaemonOptions, paths: SkillPulsePaths, logger: Logger) throws
        -> WireListener
    {
        let passed = SocketActivation.passedUnixListeners()
        if let socket = SocketActivation.listener(named: service, among: passed) {
            logger.info("using socket-activated listener", metadata: ["fd": "\(socket.descriptor)", "name": "\(socket.name)"])
            return .inherited(descriptor: socket.descriptor, name: socket.name)
        }
        if !passed.isEmpty {
            logger.warning("systemd passed sockets, none named \(service); binding our own", metadata: [
                "names": "\(passed.map(\.name))"
            ])
        }
        let path = options.listen ?? paths.socketPath(for: service)
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        } catch {
            throw DaemonStartupError("cannot create the runtime directory \(directory): \(error.localizedDescription)")
        }
        return .path(path)
    }

    /// Opens the writer connection and refuses a database that is not at this binary's schema.
    public static func openCheckedWriter(paths: SkillPulsePaths, service: String) throws -> (DatabaseQueue, Int) {
        do {
            let queue = try DatabaseOpener.openWriter(path: paths.databasePath, label: service)
            let version = try SchemaGuard.requireCurrent(queue, path: paths.databasePath)
            return (queue, version)
        } catch let error as StoreError {
            throw DaemonStartupError(error.description)
        }
    }

    /// Opens read-only connections and refuses a database that is not at this binary's schema.
    public static func openCheckedReader(paths: SkillPulsePaths, service: String) throws -> (DatabasePool, Int) {
        do {
            let pool = try DatabaseOpener.openReader(path: paths.databasePath, label: service)
            let version = try SchemaGuard.requireCurrent(pool, path: paths.databasePath)
            return (pool, version)
        } catch let error as StoreError {
            throw DaemonStartupError(error.description)
        }
    }

    /// Whether the database file is in WAL mode, as `health` reports it.
    public static func walEnabled(_ reader: some DatabaseReader) -> Bool {
        (try? reader.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") })?.lowercased() == "wal"
    }
}
