import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Socket activation with `systemd-socket-activate`, laid out as the units lay it out: the passed socket sits
/// at the runtime directory's `<service>.sock`, named by `FileDescriptorName=<service>`.
@Suite(.serialized)
struct SocketActivationTests {
    static let activator = "/usr/bin/systemd-socket-activate"

    /// Starts the activator listening on `listen` with `fdname`, running `service` on the runtime dir `runtime`.
    static func activate(_ service: String, listen: String, fdname: String, database: String, runtime: String,
                         directory: TemporaryDirectory) throws -> BackgroundProcess {
        try #require(FileManager.default.isExecutableFile(atPath: activator),
                     "systemd-socket-activate is missing (Debian package systemd)")
        return try BackgroundProcess(URL(fileURLWithPath: activator), [
            "-l", listen, "--fdname=\(fdname)", Binaries.url(service).path, "--db", database, "--runtime-dir", runtime,
        ], directory: directory)
    }

    static func migrated(_ name: String) throws -> (TemporaryDirectory, String, String) {
        let directory = try TemporaryDirectory(name)
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        let runtime = directory.path("run")
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        return (directory, database, runtime)
    }

    /// Connects to the activator's socket (which starts the daemon), retrying until the activator listens.
    static func connect(_ path: String) async throws -> RawSocket {
        for _ in 0..<100 {
            if let socket = try? RawSocket(path: path) { return socket }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RawSocketError.system("connect", ECONNREFUSED)
    }

    @Test(arguments: ["ingest", "analytics"])
    func theUnitsLayoutIsServedOnThePassedSocket(service: String) async throws {
        let (directory, database, runtime) = try Self.migrated("activate-\(service)")
        let path = runtime + "/\(service).sock"
        let activator = try Self.activate(service, listen: path, fdname: service, database: database,
                                          runtime: runtime, directory: directory)
        defer { activator.kill9() }
        let socket = try await Self.connect(path)
        socket.sendJSON(#"{"id":1,"op":"health"}"#)
        let reply = socket.readFrame()
        #expect(DaemonHealth.serving((reply?["result"] as? [String: Any])?["status"] as? String, service: service),
                "\(String(describing: reply)); \(activator.errors)")
        kill(activator.process.processIdentifier, SIGTERM)
        #expect(await activator.waitForExit(timeout: .seconds(25)) == 0, "\(activator.errors)")
        #expect(!activator.errors.contains("already listening"), "\(activator.errors)")
    }

    @Test(arguments: ["ingest", "analytics"])
    func aWronglyNamedSocketIsRefusedAndNotKeptOpen(service: String) async throws {
        let (directory, database, runtime) = try Self.migrated("misnamed-\(service)")
        let path = runtime + "/\(service).sock"
        let activator = try Self.activate(service, listen: path, fdname: "wrong", database: database,
                                          runtime: runtime, directory: directory)
        defer { activator.kill9() }
        let socket = try await Self.connect(path)
        socket.sendJSON(#"{"id":1,"op":"health"}"#)
        #expect(await activator.waitForExit(timeout: .seconds(20)) == 1, "\(activator.errors)")
        // The client that triggered the activation learns at once: no reply, the connection is closed.
        #expect(socket.readFrame() == nil)
        #expect(socket.isClosedByPeer())
        let lines = activator.errors.split(separator: "\n").filter { $0.hasPrefix("\(service):") }
        #expect(lines.count == 1 && lines[0].contains("none named \"\(service)\"")
                    && lines[0].contains("FileDescriptorName=\(service)"), "\(activator.errors)")
    }

    @Test func aTCPSocketWithTheRightNameIsRefused() async throws {
        let (directory, database, runtime) = try Self.migrated("activate-tcp")
        let port = Int.random(in: 20_000..<60_000)
        let activator = try Self.activate("ingest", listen: "127.0.0.1:\(port)", fdname: "ingest",
                                          database: database, runtime: runtime, directory: directory)
        defer { activator.kill9() }
        var connected = false
        for _ in 0..<100 where !connected {
            connected = Self.tcpConnect(port: port)
            if !connected { try await Task.sleep(for: .milliseconds(50)) }
        }
        try #require(connected, "the activator never listened on \(port)")
        #expect(await activator.waitForExit(timeout: .seconds(20)) == 1, "\(activator.errors)")
        #expect(activator.errors.contains("is a TCP socket"), "\(activator.errors)")
        #expect(!FileManager.default.fileExists(atPath: runtime + "/ingest.sock"), "bound a socket of its own")
    }

    static func tcpConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}
