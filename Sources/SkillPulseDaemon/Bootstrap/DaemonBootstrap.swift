import Foundation
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
    public let drainTimeout: Duration

    /// The base of every `health` reply; services add their own figures beside these keys.
    public func healthReport(_ liveness: Liveness, walEnabled: Bool, figures: [String: JSONValue] = [:]) -> JSONValue {
        var report: [String: JSONValue] = [
            "status": .string(liveness.status.rawValue),
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
        if let reason = liveness.reason { report["reason"] = .string(reason) }
        for (key, value) in figures where report[key] == nil { report[key] = value }
        return .object(report)
    }
}

/// The steps every daemon's start shares, in order: logging, paths, database and schema check, socket.
///
/// Everything that blocks (opening SQLite, the schema check) runs through `BlockingWork`, never on the
/// cooperative pool.
public enum DaemonBootstrap {
    public static func makeLogger(service: String, options: DaemonOptions) -> Logger {
        let environment = ProcessInfo.processInfo.environment
        let level = options.resolvedLogLevel(environment: environment)
        let journal = DaemonLogHandler.stderrIsJournal(environment: environment)
        var logger = Logger(label: "skillpulse.\(service)") { label in DaemonLogHandler(label: label, journal: journal) }
        logger.logLevel = level
        return logger
    }

    public static func context(service: String, options: DaemonOptions, schemaVersion: Int, logger: Logger)
        throws(DaemonStartupError) -> DaemonContext
    {
        let (paths, listen) = try options.checkedPaths(environment: ProcessInfo.processInfo.environment)
        return DaemonContext(
            service: service,
            paths: paths,
            listener: try listener(service: service, listen: listen, paths: paths, logger: logger),
            logger: logger,
            schemaVersion: schemaVersion,
            startedAt: .now,
            serverConfiguration: WireServerConfiguration(maxFrameLength: options.maxFrameBytes,
                                                         drainTimeout: options.drainTimeout),
            drainTimeout: options.drainTimeout
        )
    }

    /// A socket systemd passed (named like the service) wins over binding one ourselves; a passed socket that
    /// does not fit is refused (see `SocketActivation.controlSocket`). The runtime directory is created if
    /// missing; the directory of an explicit `--listen` path must exist (nothing creates directories the
    /// operator did not name).
    static func listener(service: String, listen: String?, paths: SkillPulsePaths, logger: Logger)
        throws(DaemonStartupError) -> WireListener
    {
        if let socket = try SocketActivation.controlSocket(for: service, among: SocketActivation.passedSockets()) {
            logger.info("using socket-activated listener", metadata: ["fd": "\(socket.descriptor)", "name": "\(socket.name)"])
            return .inherited(descriptor: socket.descriptor, name: socket.name)
        }
        let socketPath = listen ?? paths.socketPath(for: service)
        // Checked before anything is created: a refused start must leave no directory behind.
        guard socketPath.utf8.count <= UnixSocketAddress.maxPathBytes else {
            throw DaemonStartupError("the socket path \(socketPath) is \(socketPath.utf8.count) bytes; Unix sockets allow "
                                     + "at most \(UnixSocketAddress.maxPathBytes): choose a shorter --runtime-dir or --listen",
                                     errno: ENAMETOOLONG)
        }
        if let listen {
            let directory = PathInput.directory(of: listen)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw DaemonStartupError("cannot listen on \(listen): the directory \(directory) does not exist",
                                         errno: ENOENT)
            }
            return .path(listen)
        }
        let directory = paths.runtimeDirectory
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw DaemonStartupError("the runtime directory \(directory) exists and is not a directory", errno: ENOTDIR)
            }
        } else {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            } catch {
                throw DaemonStartupError("cannot create the runtime directory \(directory): permission denied or a "
                                         + "parent is not a directory (\(PathInput.directory(of: directory)))", errno: EACCES)
            }
        }
        return .path(paths.socketPath(for: service))
    }

    /// Opens the writer connection (on a thread of its own) and refuses a database that is missing or not at
    /// this binary's schema. Never creates the file: `skillpulse migrate` does.
    public static func openCheckedWriter(paths: SkillPulsePaths, service: String) async throws -> IngestDatabase {
        try await startupDatabaseWork(service, path: paths.databasePath) {
            try IngestDatabase.openChecked(path: paths.databasePath, label: service)
        }
    }

    /// Opens read-only connections (on a thread of its own) and refuses a database that is missing or not at
    /// this binary's schema.
    public static func openCheckedReader(paths: SkillPulsePaths, service: String) async throws -> StoreReader {
        try await startupDatabaseWork(service, path: paths.databasePath) {
            try StoreReader.openChecked(path: paths.databasePath, label: service)
        }
    }

    /// The connection a reader daemon writes its derived tables through (short IMMEDIATE transactions).
    public static func openDerivedWriter(paths: SkillPulsePaths, service: String) async throws -> DerivedTableWriter {
        try await startupDatabaseWork(service, path: paths.databasePath) {
            try DerivedTableWriter(path: paths.databasePath, label: "\(service)-writer")
        }
    }

    private static func startupDatabaseWork<T: Sendable>(_ service: String, path: String,
                                                         _ body: @escaping @Sendable () throws -> T)
        async throws -> T
    {
        do {
            return try await BlockingWork.run("\(service)-open") {
                try DatabaseOpener.mapOpenErrors(path: path, body)
            }
        } catch let error as StoreError {
            throw DaemonStartupError(error.description, errno: error.errno)
        }
    }
}
