import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// READY=1 only once the socket is bound and the database checked; every failed start says why in one line
/// on stderr and in STATUS=/ERRNO=, and never takes over a socket that may be in use.
@Suite(.serialized)
struct StartupFailureTests {
    static let services = ["ingest", "analytics", "realtime-gateway", "metrics-exporter"]

    /// Runs `service` to its exit with a NOTIFY_SOCKET listener; returns its output and what it told systemd.
    static func failedStart(_ service: String, _ arguments: [String], directory: TemporaryDirectory,
                            environment: [String: String] = [:], prefix: [String] = [])
        async throws -> (Binaries.Output, [String])
    {
        let notify = try NotifyListener(path: directory.path("notify-\(UUID().uuidString.prefix(4)).sock"))
        chmod(notify.path, 0o777)
        var withNotify = environment
        withNotify["NOTIFY_SOCKET"] = notify.path
        let env = withNotify
        // A prefix (setpriv) runs the daemon as another user: from a copy that user can reach.
        let executable = prefix.isEmpty ? Binaries.url(service) : URL(fileURLWithPath: prefix[0])
        let allArguments = prefix.isEmpty ? arguments
            : Array(prefix.dropFirst()) + [try Binaries.forOtherUsers(service, in: directory).path] + arguments
        let output = try await OutsideTools.detached {
            try Binaries.runProcess(executable, allArguments, environment: env)
        }
        return (output, notify.collect(for: .milliseconds(300)))
    }

    static func expectOneLineFailure(_ output: Binaries.Output, _ messages: [String], mentions: [String],
                                     errno expected: Int32) {
        let lines = output.stderr.split(separator: "\n")
        #expect(output.status == 1, "\(output.stderr)")
        #expect(lines.count == 1, "more than one line: \(output.stderr)")
        for text in mentions { #expect(output.stderr.contains(text), "no \(text) in \(output.stderr)") }
        #expect(!messages.contains { $0.contains("READY=1") }, "READY=1 sent by a failed start: \(messages)")
        #expect(messages.contains { $0.contains("STATUS=") && $0.contains("ERRNO=\(expected)") },
                "no STATUS=/ERRNO=\(expected): \(messages)")
    }

    @Test(arguments: services)
    func aSecondInstanceNeverSaysReadyAndNamesTheSocket(service: String) async throws {
        let first = try await DaemonProcess(service)
        for _ in 0..<5 {
            let (output, messages) = try await Self.failedStart(
                service, ["--db", first.databasePath, "--runtime-dir", first.runtimeDirectory], directory: first.directory)
            Self.expectOneLineFailure(output, messages, mentions: [first.socketPath, "already listening"],
                                      errno: EADDRINUSE)
        }
        let client = try await first.client()
        #expect(DaemonHealth.serving(try await client.call("health").get()["status"]?.stringValue, service: service))
        await client.close()
        #expect(await first.stop() == 0)
    }

    @Test(arguments: services)
    func aSocketPathTooLongIsRefusedInOneLine(service: String) async throws {
        let directory = try TemporaryDirectory("long-\(service)")
        try #require(try Binaries.skillpulse(["migrate", "--db", directory.path("skillpulse.db")]).status == 0)
        let long = directory.path(String(repeating: "s", count: 120) + ".sock")
        let (output, messages) = try await Self.failedStart(
            service, ["--db", directory.path("skillpulse.db"), "--listen", long], directory: directory)
        Self.expectOneLineFailure(output, messages, mentions: [long, "at most 107"], errno: ENAMETOOLONG)
        let longRuntime = directory.path(String(repeating: "r", count: 110))
        let (second, told) = try await Self.failedStart(
            service, ["--db", directory.path("skillpulse.db"), "--runtime-dir", longRuntime], directory: directory)
        Self.expectOneLineFailure(second, told, mentions: [longRuntime, "at most 107"], errno: ENAMETOOLONG)
        #expect(!FileManager.default.fileExists(atPath: longRuntime), "a refused start left its runtime directory")
    }

    @Test(arguments: ["ingest", "analytics"])
    func aMissingDatabaseIsNeverCreated(service: String) async throws {
        let directory = try TemporaryDirectory("missing-\(service)")
        let database = directory.path("typo.db")
        let (output, messages) = try await Self.failedStart(
            service, ["--db", database, "--runtime-dir", directory.path("run")], directory: directory)
        Self.expectOneLineFailure(output, messages, mentions: ["no database at \(database)",
                                                               "skillpulse migrate --db \(database)"], errno: ENOENT)
        #expect(!FileManager.default.fileExists(atPath: database), "\(service) created \(database)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("run/\(service).sock")))
    }

    /// A migrated database every user may open (SQLite gives `-wal`/`-shm` the database's mode) and a
    /// runtime directory whose mode the test sets.
    static func layoutForOtherUsers(_ name: String) throws -> (TemporaryDirectory, String, String) {
        let directory = try TemporaryDirectory(name)
        chmod(directory.url.path, 0o777)
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        chmod(database, 0o666)
        let runtime = directory.path("run")
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        return (directory, database, runtime)
    }

    /// The runtime directory is not writable for the daemon's user: EACCES, with the path.
    @Test func aForbiddenRuntimeDirectoryIsNamed() async throws {
        let (directory, database, runtime) = try Self.layoutForOtherUsers("forbidden")
        chmod(runtime, 0o755)
        let (output, messages) = try await Self.failedStart(
            "analytics", ["--db", database, "--runtime-dir", runtime], directory: directory,
            prefix: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
        Self.expectOneLineFailure(output, messages, mentions: [runtime + "/analytics.sock", "permission denied"],
                                  errno: EACCES)
    }

    /// Two users of one group share a runtime directory: the second cannot probe the first one's socket
    /// (EACCES) and must leave it alone instead of unlinking it and serving a socket of its own.
    @Test(arguments: ["ingest", "analytics"])
    func aSocketThatCannotBeProbedIsNeverStolen(service: String) async throws {
        let (directory, database, runtime) = try Self.layoutForOtherUsers("steal-\(service)")
        chown(runtime, 0, 4000)
        chmod(runtime, 0o770)
        let first = try BackgroundProcess(URL(fileURLWithPath: "/usr/bin/setpriv"), [
            "--reuid=5000", "--regid=5000", "--groups=4000", try Binaries.forOtherUsers(service, in: directory).path,
            "--db", database, "--runtime-dir", runtime,
        ], directory: directory)
        defer { first.kill9() }
        let socket = runtime + "/\(service).sock"
        var waited = 0
        while UnixSocketProbe.state(socket) != "listening" && waited < 300 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        try #require(UnixSocketProbe.state(socket) == "listening", "first instance did not start: \(first.errors)")
        let inode = OpenDatabaseFile.inode(at: socket)
        let (output, messages) = try await Self.failedStart(
            service, ["--db", database, "--runtime-dir", runtime], directory: directory,
            prefix: ["/usr/bin/setpriv", "--reuid=5001", "--regid=5001", "--groups=4000"])
        Self.expectOneLineFailure(output, messages, mentions: [socket, "cannot be probed"], errno: EACCES)
        #expect(OpenDatabaseFile.inode(at: socket) == inode, "the first instance's socket was replaced")
        let client = try await WireClient.connect(path: socket)
        #expect(try await client.call("health").get()["pid"]?.intValue == Int64(first.process.processIdentifier))
        await client.close()
    }

    /// Odd paths get one line and no crash: `.`, `./`, `/` and the working directory are directories,
    /// `""` is empty, `~` expands, a missing `--listen` directory is never created.
    @Test(arguments: services)
    func oddPathsGetOneLine(service: String) async throws {
        let directory = try TemporaryDirectory("paths-\(service)")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        let cases: [(arguments: [String], mentions: String, errno: Int32)] = [
            (["--db", "."], "is a directory; pass the database file", EISDIR),
            (["--db", "./"], "is a directory; pass the database file", EISDIR),
            (["--db", "/"], "--db / is a directory", EISDIR),
            (["--db", ""], "--db is empty", EINVAL),
            (["--db", "~/skillpulse-absent-\(UUID().uuidString).db"], "no database at /", ENOENT),
            (["--db", database, "--runtime-dir", ""], "--runtime-dir is empty", EINVAL),
            (["--db", database, "--runtime-dir", database], "the runtime directory \(database) exists and is not a directory", ENOTDIR),
            (["--db", database, "--listen", directory.path("absent/x.sock")], "the directory \(directory.path("absent")) does not exist", ENOENT),
            (["--db", database, "--listen", "."], "exists and is not a socket", EEXIST),
        ]
        for entry in cases {
            let (output, messages) = try await Self.failedStart(service, entry.arguments, directory: directory)
            #expect(output.status == 1 && output.stderr.split(separator: "\n").count == 1
                        && output.stderr.contains(entry.mentions), "\(entry.arguments): \(output.stderr)")
            #expect(!messages.contains { $0.contains("READY=1") }, "\(entry.arguments)")
            #expect(messages.contains { $0.contains("ERRNO=\(entry.errno)") }, "\(entry.arguments): \(messages)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path("absent")), "a --listen directory was created")
    }

    /// With JOURNAL_STREAM naming stderr, every line carries its syslog priority; otherwise none does.
    @Test func journalStreamLinesCarryPriorities() async throws {
        let directory = try TemporaryDirectory("journal")
        let log = directory.path("journal.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        var info = stat()
        try #require(stat(log, &info) == 0)
        let stream = "\(info.st_dev):\(info.st_ino)"
        let process = Process()
        process.executableURL = Binaries.url("ingest")
        process.arguments = ["--db", directory.path("absent.db"), "--runtime-dir", directory.path("run")]
        var environment = ProcessInfo.processInfo.environment
        environment["JOURNAL_STREAM"] = stream
        process.environment = environment
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        try process.run()
        process.waitUntilExit()
        let failure = try String(contentsOfFile: log, encoding: .utf8)
        #expect(failure.hasPrefix("<3>ingest: no database at"), "\(failure)")

        let daemon = try await DaemonProcess(environment: ["JOURNAL_STREAM": "0:0"], directory: directory)
        #expect(await daemon.stop() == 0)
        let plain = daemon.log.split(separator: "\n")
        #expect(!plain.isEmpty && plain.allSatisfy { !$0.hasPrefix("<") }, "\(daemon.log)")
    }
}

/// What a connect(2) to a socket path says, from the test process.
enum UnixSocketProbe {
    static func state(_ path: String) -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        let result = connect(fd, path)
        return result == 0 ? "listening" : String(cString: strerror(result))
    }

    /// connect(2) of `fd` to `path`; returns 0 or the errno.
    static func connect(_ fd: Int32, _ path: String) -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in path.utf8CString.withUnsafeBytes { raw.copyMemory(from: $0) } }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result == 0 ? 0 : errno
    }
}
