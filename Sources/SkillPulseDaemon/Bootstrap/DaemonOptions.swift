import ArgumentParser
import Foundation
import Logging
import SkillPulseCore
import SkillPulseWire

/// Flags every daemon accepts; environment variables fill what the flags leave out.
public struct DaemonOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: "SQLite database path (env SKILLPULSE_DB; default $STATE_DIRECTORY/skillpulse.db, else ./.skillpulse/skillpulse.db).")
    public var db: String?

    @Option(name: .customLong("runtime-dir"), help: "Directory for the Unix sockets (env SKILLPULSE_RUNTIME_DIR; default $RUNTIME_DIRECTORY, else ./.skillpulse/run).")
    public var runtimeDir: String?

    @Option(name: .long, help: "Explicit socket path to listen on (default: <runtime-dir>/<service>.sock).")
    public var listen: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (env SKILLPULSE_LOG_LEVEL).")
    public var logLevel: String?

    @Option(name: .customLong("max-frame-bytes"), help: "Largest frame accepted on the socket.")
    public var maxFrameBytes: Int = WireFrame.defaultMaxLength

    @Option(name: .customLong("drain-timeout-ms"),
            help: "After SIGTERM, how long draining may take before waiting requests are answered `unavailable` and connections closed; the process exits at most 3 s later. Keep it below the unit's TimeoutStopSec.")
    public var drainTimeoutMs: Int = 20_000

    public init() {}

    /// The drain budget `--drain-timeout-ms` sets.
    public var drainTimeout: Duration { .milliseconds(drainTimeoutMs) }

    public func paths(environment: [String: String]) -> SkillPulsePaths {
        SkillPulsePaths.resolve(database: db, runtimeDirectory: runtimeDir, environment: environment)
    }

    /// The paths as absolute, tidy paths (`~` expanded, `.`/`..` resolved), or the one-line reason they cannot
    /// be used: an empty value, or a directory where the database file belongs.
    public func checkedPaths(environment: [String: String]) throws(DaemonStartupError) -> (SkillPulsePaths, listen: String?) {
        let resolved = paths(environment: environment)
        let home = environment["HOME"]
        let cwd = FileManager.default.currentDirectoryPath
        do {
            let database = try PathInput.absolute(resolved.databasePath, flag: "--db", home: home, workingDirectory: cwd)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: database, isDirectory: &isDirectory), isDirectory.boolValue {
                throw DaemonStartupError("--db \(database) is a directory; pass the database file "
                                         + "(e.g. \(database == "/" ? "" : database)/skillpulse.db)", errno: EISDIR)
            }
            let runtime = try PathInput.absolute(resolved.runtimeDirectory, flag: "--runtime-dir", home: home,
                                                 workingDirectory: cwd)
            let listen = try listen.map { raw throws(PathInput.Problem) in
                try PathInput.absolute(raw, flag: "--listen", home: home, workingDirectory: cwd)
            }
            return (SkillPulsePaths(databasePath: database, runtimeDirectory: runtime), listen)
        } catch let problem as PathInput.Problem {
            throw DaemonStartupError(problem.description, errno: EINVAL)
        } catch let error as DaemonStartupError {
            throw error
        } catch {
            throw DaemonStartupError("\(error)", errno: EINVAL)
        }
    }

    public func resolvedLogLevel(environment: [String: String]) -> Logger.Level {
        (logLevel ?? environment["SKILLPULSE_LOG_LEVEL"]).flatMap(Logger.Level.init(rawValue:)) ?? .info
    }

    public func validate() throws {
        guard maxFrameBytes >= 64, maxFrameBytes <= Int(UInt32.max) else {
            throw ValidationError("--max-frame-bytes must be between 64 and \(UInt32.max)")
        }
        guard drainTimeoutMs >= 100, drainTimeoutMs <= 600_000 else {
            throw ValidationError("--drain-timeout-ms must be between 100 and 600000")
        }
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }
}
