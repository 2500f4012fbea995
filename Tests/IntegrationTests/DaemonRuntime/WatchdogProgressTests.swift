import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The watchdog means progress: ingest stops pinging while its writer cannot commit (an outside lock holder,
/// a stopped writer thread), `health` and STATUS= say why, and everything resumes when the writer does.
@Suite(.serialized)
struct WatchdogProgressTests {
    /// Keeps one track request waiting on the writer at all times, until cancelled.
    static func keepWriting(_ daemon: DaemonProcess) -> Task<Void, Never> {
        Task {
            var index = 0
            while !Task.isCancelled {
                index += 1
                let session = "wd-\(index)"
                if let client = try? await daemon.client() {
                    Task {
                        _ = try? await client.call("track_invocation",
                                                   params: IngestTraffic.invocation(session: session))
                        await client.close()
                    }
                }
                try? await Task.sleep(for: .milliseconds(300))
            }
        }
    }

    static func health(_ daemon: DaemonProcess) async throws -> JSONValue {
        let client = try await daemon.client()
        defer { Task { await client.close() } }
        return try await client.call("health").get()
    }

    /// Past the stall limit (2 s here): `health` is unhealthy with `reason`, and no WATCHDOG=1 arrives for 3 s.
    /// Returns what systemd was told meanwhile.
    static func expectStalled(_ daemon: DaemonProcess, notify: NotifyListener, reason: String) async throws -> [String] {
        try await Task.sleep(for: .milliseconds(2600))
        let health = try await Self.health(daemon)
        #expect(health["status"]?.stringValue == "unhealthy", "\(health)")
        #expect(health["reason"]?.stringValue?.contains(reason) == true, "\(health)")
        _ = await notify.collected(for: .milliseconds(100))  // what was sent before the stall limit
        let during = await notify.collected(for: .seconds(3))
        #expect(!during.contains { $0.contains("WATCHDOG=1") }, "pinged without progress: \(during)")
        return during
    }

    @Test func anOutsideLockHolderStopsThePingsAndHealthSaysWhy() async throws {
        let directory = try TemporaryDirectory("watchdog-lock")
        let notify = try NotifyListener(path: directory.path("notify.sock"))
        let daemon = try await DaemonProcess(arguments: ["--lock-wait-ms", "2000"], environment: [
            "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000",
        ], directory: directory)
        let (pinged, before) = await notify.waited(for: "WATCHDOG=1", timeout: .seconds(10))
        #expect(pinged, "no WATCHDOG=1 before the lock: \(before)")

        let holder = try BackgroundProcess.python(SharedDatabaseTests.pythonLockHolder, [daemon.databasePath, "9"],
                                                  directory: directory)
        #expect(await holder.waitForOutput("locked"))
        let writes = Self.keepWriting(daemon)
        defer { writes.cancel() }
        let during = try await Self.expectStalled(daemon, notify: notify, reason: "writer blocked")
        #expect(during.contains { $0.contains("STATUS=UNHEALTHY: writer blocked") }, "\(during)")
        // Requests taken into a batch still count as waiting (before: "(0 rows waiting)" with 40 queued).
        #expect(!during.contains { $0.contains("(0 rows waiting)") }, "\(during)")

        #expect(await holder.waitForOutput("released", timeout: .seconds(15)))
        writes.cancel()
        let (resumed, after) = await notify.waited(for: "WATCHDOG=1", timeout: .seconds(10))
        #expect(resumed, "no WATCHDOG=1 after the lock was released: \(after)")
        // Idle, with nothing to commit, ingest notices by itself that the lock is free again.
        try await Task.sleep(for: .milliseconds(2500))
        let idle = try await Self.health(daemon)
        #expect(idle["status"]?.stringValue == "healthy", "idle after the lock: \(idle)")
        let client = try await daemon.client()
        #expect(try await IngestTraffic.track(client, session: "after-lock") != nil)
        await client.close()
        #expect(try await Self.health(daemon)["status"]?.stringValue == "healthy")
        #expect(await daemon.stop() == 0)
    }

    @Test func aStoppedWriterThreadStopsThePingsAndRecovers() async throws {
        let directory = try TemporaryDirectory("watchdog-frozen")
        let notify = try NotifyListener(path: directory.path("notify.sock"))
        let daemon = try await DaemonProcess(arguments: ["--lock-wait-ms", "2000"], environment: [
            "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "1000000",
        ], directory: directory)
        #expect(await notify.waited(for: "WATCHDOG=1", timeout: .seconds(10)).0)

        let freezer = try ThreadFreezer.freeze(pid: daemon.pid, thread: "ingest-writer", seconds: 7,
                                              directory: directory)
        #expect(await freezer.waitForOutput("frozen"), "\(freezer.output) \(freezer.errors)")
        let client = try await daemon.client()
        let waiting = Task { try await IngestTraffic.track(client, session: "while-frozen") }
        _ = try await Self.expectStalled(daemon, notify: notify, reason: "writer has made no progress")

        #expect(await freezer.waitForOutput("thawed", timeout: .seconds(15)))
        // The request that waited is committed once the writer runs again, and the pings resume.
        #expect(try await waiting.value != nil)
        await client.close()
        #expect(await notify.waited(for: "WATCHDOG=1", timeout: .seconds(10)).0)
        #expect(try await Self.health(daemon)["status"]?.stringValue == "healthy")
        #expect(await daemon.stop() == 0)
    }
}
