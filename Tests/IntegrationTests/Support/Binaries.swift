import Foundation
import Testing

/// Finds the package's built executables and runs them as real processes.
enum Binaries {
    /// The built product `name`, next to the test bundle (`swift build --build-tests` puts them together).
    static func url(_ name: String) -> URL {
        let candidates = [
            Bundle.main.executableURL?.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug"),
        ].compactMap { $0 }
        for directory in candidates {
            let url = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        Issue.record("executable \(name) not found near \(candidates.map(\.path)); run `swift build` before `swift test`")
        return candidates[0].appendingPathComponent(name)
    }

    /// A copy of the built product `name` that any user can run, inside `directory` (removed with it): tests
    /// that start a binary as another user (`setpriv`) must not depend on the mode of the directories the
    /// checkout sits in (a clone under a 0700 home would make `.build` unreachable for that user).
    static func forOtherUsers(_ name: String, in directory: TemporaryDirectory) throws -> URL {
        let folder = directory.url.appendingPathComponent("bin-\(UUID().uuidString.prefix(6))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        // The test's directory must be traversable by that user too (tests that need more set more).
        let mode = try FileManager.default.attributesOfItem(atPath: directory.url.path)[.posixPermissions] as? Int ?? 0
        try FileManager.default.setAttributes([.posixPermissions: mode | 0o755], ofItemAtPath: directory.url.path)
        let copy = folder.appendingPathComponent(name)
        try FileManager.default.copyItem(at: url(name), to: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy.path)
        return copy
    }

    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// Runs `url` to completion; output goes through files so a chatty child can never block on a full pipe.
    @discardableResult
    static func runProcess(_ url: URL, _ arguments: [String], environment: [String: String] = [:],
                           currentDirectory: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "NOTIFY_SOCKET")
        env.removeValue(forKey: "LISTEN_FDS")
        for (key, value) in environment { env[key] = value }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("sp-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let out = scratch.appendingPathComponent("out"), err = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return Output(status: process.terminationStatus,
                      stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Runs the `skillpulse` CLI.
    @discardableResult
    static func skillpulse(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        try runProcess(url("skillpulse"), arguments, environment: environment)
    }
}

/// A fresh directory for one test, removed when the test's scope ends.
final class TemporaryDirectory {
    let url: URL

    init(_ label: String = "skillpulse") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
