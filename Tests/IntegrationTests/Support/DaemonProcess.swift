import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real daemon process on a migrated database in a temporary directory.
final class DaemonProcess: @unchecked Sendable {
    // @unchecked: the only mutable state, the current `Process` (replaced by `restart()`), is read and written
    // only under `lock`; the other stored properties are `let`; Foundation.Process's own methods
    // (isRunning, processIdentifier, terminationStatus, waitUntilExit) are thread-safe.
    let name: String
    let directory: TemporaryDirectory
    let databasePath: String
    let runtimeDirectory: String
    private let lock = NSLock()
    private var launched = Process()
    /// The daemon's current process (a new one after `restart()`).
    var process: Process { lock.withLock { launched } }
    let arguments: [String]
    let environment: [String: String]
    let logPath: String
    /// With a CPU list, the daemon runs under `taskset -c CPUS`: on one CPU its cooperative pool has a single
    /// thread, so one blocking call in async code stalls everything and tests see it.
    let cpus: String?

    var socketPath: String { runtimeDirectory + "/\(name).sock" }
    var pid: Int32 { process.processIdentifier }

    /// Migrates a new database (unless `migrate` is false) and starts `name` on it; returns once it serves.
    /// The database is `skillpulse.db` in the directory unless `database` names another place (a small
    /// file system, say); sockets and logs stay in the directory.
    init(_ name: String = "ingest", arguments: [String] = [], environment: [String: String] = [:],
         migrate: Bool = true, directory: TemporaryDirectory? = nil, database: String? = nil,
         waitUntilReady: Bool = true, cpus: String? = nil) async throws {
        self.name = name
        self.cpus = cpus
        self.directory = try directory ?? TemporaryDirectory(name)
        databasePath = database ?? self.directory.path("skillpulse.db")
        runtimeDirectory = self.directory.path("run")
        logPath = self.directory.path("\(name)-\(UUID().uuidString.prefix(4)).log")
        self.arguments = arguments
        self.environment = environment
        if migrate, !FileManager.default.fileExists(atPath: databasePath) {
            let result = try Binaries.skillpulse(["migrate", "--db", databasePath])
            try #require(result.status == 0, "migrate failed: \(result.stderr)")
        }
        try launch()
        if waitUntilReady { try await self.waitUntilReady() }
    }

    private func launch() throws {
        let process = Process()
        let daemonArguments = ["--db", databasePath, "--runtime-dir", runtimeDirectory] + arguments
        if let cpus {
            // taskset execs the daemon, so the pid stays the daemon's.
            process.executableURL = URL(fileURLWithPath: "/usr/bin/taskset")
            process.arguments = ["-c", cpus, Binaries.url(name).path] + daemonArguments
        } else {
            process.executableURL = Binaries.url(name)
            process.arguments = daemonArguments
        }
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "LISTEN_FDS")
        env.removeValue(forKey: "LISTEN_PID")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        lock.withLock { launched = process }
    }

    /// Starts the same daemon again on the same files (after a crash or a clean stop).
    func restart() async throws {
        try launch()
        try await waitUntilReady()
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Polls until the socket accepts a connection that answers `health`.
    func waitUntilReady(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                Issue.record("\(name) exited with \(process.terminationStatus) before serving:\n\(log)")
                throw DaemonProcessError.exited(process.terminationStatus)
            }
            if let client = try? await WireClient.connect(path: socketPath) {
                let healthy = (try? await client.call("health"))?.result != nil
                await client.close()
                if healthy { return }
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("\(name) did not become ready:\n\(log)")
        throw DaemonProcessError.notReady
    }

    func client() async throws -> WireClient {
        try await WireClient.connect(path: socketPath)
    }

    /// Sends `signal` and waits for the exit status (nil on timeout).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async -> Int32? {
        if process.isRunning { kill(process.processIdentifier, signal) }
        return await process.exitStatus(within: timeout)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

enum DaemonProcessError: Error {
    case exited(Int32)
    case notReady
}

/// What `health` says of a daemon that serves normally. `analytics` started without ingest answers from the
/// database and says `degraded` (docs/analytics.md), which is how most tests run it.
enum DaemonHealth {
    static func serving(_ status: String?, service: String) -> Bool {
        status == "healthy" || (service == "analytics" && status == "degraded")
    }
}
