import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The programs operators point at a live database — the `sqlite3` shell, Python's `sqlite3` module, the CLI —
/// run as separate processes, off the cooperative pool (waiting for a child blocks its thread).
enum OutsideTools {
    static func detached(_ body: @escaping @Sendable () throws -> Binaries.Output) async throws -> Binaries.Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// `sqlite3 -cmd '.timeout 5000' DATABASE SQL`, as an operator types it.
    static func sqlite3(_ database: String, _ sql: String) async throws -> Binaries.Output {
        try await detached {
            try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                    ["sqlite3", "-cmd", ".timeout 5000", database, sql])
        }
    }

    /// `python3 -c SCRIPT ARGUMENTS…`.
    static func python(_ script: String, _ arguments: [String]) async throws -> Binaries.Output {
        try await detached {
            try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script] + arguments)
        }
    }

    /// The `skillpulse` CLI.
    static func skillpulse(_ arguments: [String]) async throws -> Binaries.Output {
        try await detached { try Binaries.skillpulse(arguments) }
    }

    /// `PRAGMA integrity_check` through the sqlite3 shell: "ok" for a sound file.
    static func integrityCheck(_ database: String) async throws -> String {
        try await sqlite3(database, "PRAGMA integrity_check").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A child process left running while the test goes on (a lock holder, a second writer); its stdout goes to a
/// file the test polls.
final class BackgroundProcess: @unchecked Sendable {
    // @unchecked: `process` is set in init and only read after; Process's own methods are thread-safe.
    let process = Process()
    let outputPath: String
    let errorPath: String

    init(_ executable: URL, _ arguments: [String], directory: TemporaryDirectory) throws {
        let tag = UUID().uuidString.prefix(6)
        outputPath = directory.path("bg-\(tag).out")
        errorPath = directory.path("bg-\(tag).err")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment.removeValue(forKey: "LISTEN_FDS")
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    static func python(_ script: String, _ arguments: [String], directory: TemporaryDirectory) throws
        -> BackgroundProcess
    {
        try BackgroundProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script] + arguments,
                              directory: directory)
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Waits until stdout contains `text`; false on timeout or if the process exited first.
    func waitForOutput(_ text: String, timeout: Duration = .seconds(20)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if output.contains(text) { return true }
            if !process.isRunning { return output.contains(text) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Waits for the exit and returns its status (nil on timeout, after which the process is killed).
    func waitForExit(timeout: Duration = .seconds(60)) async -> Int32? {
        await process.exitStatus(within: timeout)
    }

    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { kill9() }
}

/// What `/proc/PID/fd` says about the database files a process holds open.
struct OpenDatabaseFile: Equatable, CustomStringConvertible {
    let target: String
    let inode: UInt64

    var unlinked: Bool { target.hasSuffix(" (deleted)") }
    var description: String { "\(target) (inode \(inode))" }

    /// Every descriptor of `pid` open on `path` (deleted or not).
    static func held(by pid: Int32, path: String) -> [OpenDatabaseFile] {
        let directory = "/proc/\(pid)/fd"
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return descriptors.compactMap { descriptor in
            let link = directory + "/" + descriptor
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link),
                  target == resolved || target == resolved + " (deleted)"
            else { return nil }
            var info = stat()
            guard stat(link, &info) == 0 else { return nil }
            return OpenDatabaseFile(target: target, inode: UInt64(info.st_ino))
        }
    }

    /// The inode now at `path`, or nil when no file is there.
    static func inode(at path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }
}

extension Process {
    /// Polls for the exit (a blocking wait would hold a cooperative thread) and returns the status, or kills
    /// the process and returns nil when it outlives `timeout`.
    func exitStatus(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if isRunning {
            kill(processIdentifier, SIGKILL)
            waitUntilExit()
            return nil
        }
        return terminationStatus
    }
}
