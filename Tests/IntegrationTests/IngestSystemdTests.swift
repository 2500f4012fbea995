import Foundation
import SkillPulseCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// systemd integration: readiness, watchdog and stopping notifications, and socket activation.
@Suite(.serialized)
struct IngestSystemdTests {
    @Test func reportsReadyWatchdogAndStoppingOnNotifySocket() async throws {
        let directory = try TemporaryDirectory("notify")
        let notify = try NotifyListener(path: directory.path("notify.sock"))
        let daemon = try await DaemonProcess(environment: [
            "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000",
        ], directory: directory, waitUntilReady: false)
        var seen: [String] = []
        #expect(notify.waitFor("READY=1", seen: &seen), "no READY=1 in \(seen)")
        // READY=1 is only sent once the socket accepts connections.
        let client = try await daemon.client()
        #expect(try await client.call("health").get()["status"]?.stringValue == "healthy")
        await client.close()
        #expect(notify.waitFor("WATCHDOG=1", seen: &seen), "no WATCHDOG=1 in \(seen)")
        kill(daemon.pid, SIGTERM)
        #expect(notify.waitFor("STOPPING=1", seen: &seen), "no STOPPING=1 in \(seen)")
        #expect(await daemon.stop() == 0)
        #expect(seen.contains { $0.contains("STATUS=") })
    }

    @Test func servesASocketPassedBySystemdSocketActivate() async throws {
        let activator = URL(fileURLWithPath: "/usr/bin/systemd-socket-activate")
        try #require(FileManager.default.isExecutableFile(atPath: activator.path),
                     "systemd-socket-activate is missing (Debian package systemd)")
        let directory = try TemporaryDirectory("activate")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        let socketPath = directory.path("activated.sock")
        let process = Process()
        process.executableURL = activator
        // The runtime dir is elsewhere on purpose: ingest must use the passed socket, not bind its own.
        process.arguments = ["-l", socketPath, "--fdname=ingest", Binaries.url("ingest").path,
                             "--db", database, "--runtime-dir", directory.path("unused-run")]
        let log = directory.path("activate.log")
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = process.standardError
        try process.run()
        defer {
            if process.isRunning {
                kill(process.processIdentifier, SIGTERM)
                process.waitUntilExit()
            }
        }
        var connected: RawSocket?
        for _ in 0..<100 where connected == nil {
            connected = try? RawSocket(path: socketPath)
            if connected == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let socket = try #require(connected, "socket-activate never listened")
        socket.sendJSON(#"{"id":1,"op":"track_invocation","params":{"session_id":"a","skill_name":"s","completed":true}}"#)
        let reply = socket.readFrame()
        #expect(reply?["ok"] as? Bool == true, "reply \(String(describing: reply)); log: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
        #expect(!FileManager.default.fileExists(atPath: directory.path("unused-run/ingest.sock")))
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(try IngestTraffic.count(database) == 1)
    }
}
