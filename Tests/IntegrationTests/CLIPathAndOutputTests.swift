import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Odd paths get a clear answer from every CLI command (before: `.` killed them with SIGILL), and output
/// into a pipe or file leaves line by line.
@Suite(.serialized)
struct CLIPathAndOutputTests {
    static let commands: [[String]] = [["status"], ["verify"], ["migrate"], ["migrate", "--dry-run"], ["rollback"],
                                       ["backup", "copy.db"], ["restore", "--yes", "copy.db"], ["taxonomy", "init"]]

    @Test(arguments: [".", "./", "/", "", "~", "/tmp/../tmp/."])
    func oddDatabasePathsGetAClearAnswer(path: String) async throws {
        let directory = try TemporaryDirectory("cli-paths")
        let workingDirectory = directory.url
        for command in Self.commands {
            let result = try await OutsideTools.detached {
                try Binaries.runProcess(Binaries.url("skillpulse"), command + ["--db", path],
                                        currentDirectory: workingDirectory)
            }
            #expect(result.status == 1 || result.status == 64, "\(command) --db '\(path)': \(result.status) \(result.stderr)")
            #expect(!result.stderr.contains("Backtracing") && !result.stderr.contains("Fatal error"),
                    "\(command) --db '\(path)': \(result.stderr)")
            let said = result.stderr.contains("is a directory") || result.stderr.contains("is empty")
            #expect(said, "\(command) --db '\(path)': \(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).isEmpty,
                "a refused command left files behind")
    }

    @Test(arguments: [".", "./", "/", ""])
    func oddBackupAndRestorePathsGetAClearAnswer(path: String) async throws {
        let directory = try TemporaryDirectory("cli-paths-backup")
        let workingDirectory = directory.url
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        for command in [["backup", path], ["restore", "--yes", path]] {
            let result = try await OutsideTools.detached {
                try Binaries.runProcess(Binaries.url("skillpulse"), command + ["--db", database],
                                        currentDirectory: workingDirectory)
            }
            // An empty argument is malformed usage (ArgumentParser's exit 64 and usage text); the rest are
            // one-line failures.
            #expect(result.status == (path.isEmpty ? 64 : 1), "\(command): \(result.status) \(result.stderr)")
            #expect(path.isEmpty || result.stderr.split(separator: "\n").count == 1, "\(command): \(result.stderr)")
            #expect(!result.stderr.contains("Backtracing"), "\(command): \(result.stderr)")
        }
    }

    /// `skillpulse demo > file` (or `| tee`) then Ctrl-C: the lines printed so far are in the file.
    @Test func outputIntoAFileSurvivesCtrlC() async throws {
        let daemon = try await DaemonProcess()
        let demo = try BackgroundProcess(Binaries.url("skillpulse"), [
            "demo", "--rate", "400", "--duration", "60", "--runtime-dir", daemon.runtimeDirectory,
        ], directory: daemon.directory)
        #expect(await demo.waitForOutput("demo: 500 invocations sent", timeout: .seconds(20)),
                "nothing reached the file while demo ran: \(demo.output) \(demo.errors)")
        kill(demo.process.processIdentifier, SIGINT)
        let status = await demo.waitForExit(timeout: .seconds(10))
        #expect(status == 130, "\(String(describing: status))")
        #expect(demo.output.hasPrefix("demo traffic:"), "\(demo.output)")
        // The total acknowledged so far is the last line, and ingest holds at least that many.
        let last = try #require(demo.output.split(separator: "\n").last.map(String.init))
        #expect(last.hasSuffix("invocations sent (interrupted)"), "\(demo.output)")
        let total = try #require(Int(last.split(separator: " ")[1]))
        #expect(try IngestTraffic.count(daemon.databasePath) >= total)
        #expect(await daemon.stop() == 0)
    }

    /// `skillpulse tail | head -2` ends quietly when `head` leaves (before: a Swift trap on the broken pipe,
    /// exit 132 and a long backtrace).
    @Test func tailIntoAPipeThatClosesEndsQuietly() async throws {
        let daemon = try await DaemonProcess()
        let script = "\(Binaries.url("skillpulse").path) tail --runtime-dir \(daemon.runtimeDirectory) | head -2"
        let tail = try BackgroundProcess(URL(fileURLWithPath: "/bin/bash"), ["-o", "pipefail", "-c", script],
                                         directory: daemon.directory)
        try await Task.sleep(for: .milliseconds(500))
        let client = try await daemon.client()
        for index in 0..<10 { _ = try await IngestTraffic.track(client, session: "tail-\(index)") }
        await client.close()
        let status = await tail.waitForExit(timeout: .seconds(20))
        #expect(status == 0, "\(String(describing: status)): \(tail.errors)")
        #expect(!tail.errors.contains("Fatal error") && !tail.errors.contains("Backtracing"), "\(tail.errors)")
        #expect(tail.output.split(separator: "\n").count == 2, "\(tail.output)")
        #expect(await daemon.stop() == 0)
    }

    /// `skillpulse status > /dev/full`: the report was lost, so the command failed (before: exit 0).
    @Test func outputThatCannotBeWrittenFailsTheCommand() throws {
        let directory = try TemporaryDirectory("dev-full")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        let process = Process()
        process.executableURL = Binaries.url("skillpulse")
        process.arguments = ["status", "--db", database]
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: "/dev/full"))
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(message)")
        #expect(message.hasPrefix("skillpulse: could not write the output to stdout:"), "\(message)")
    }

    /// `backup ''` is a usage error like any malformed argument; `--create-dir` names the part of the path
    /// that stops it and why.
    @Test func emptyBackupDestinationAndBlockedCreateDir() throws {
        let directory = try TemporaryDirectory("usage")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        let empty = try Binaries.skillpulse(["backup", "--db", database, ""])
        #expect(empty.status == 64 && empty.stderr.contains("destination is empty"), "\(empty.status) \(empty.stderr)")
        _ = FileManager.default.createFile(atPath: directory.path("plain"), contents: Data("x".utf8))
        let blocked = try Binaries.skillpulse(["migrate", "--create-dir", "--db", directory.path("plain/sub/new.db")])
        #expect(blocked.status == 1 && blocked.stderr.contains("\(directory.path("plain")) is a file, not a directory"),
                "\(blocked.stderr)")
    }
}
