import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Acknowledged means committed: crashes and shutdowns under load never lose an acknowledged invocation.
@Suite(.serialized)
struct IngestDurabilityTests {
    /// Clients sending keyed invocations as fast as they can; records every acknowledgement it receives.
    final class KeyedLoad: @unchecked Sendable {
        // @unchecked: `acked` is only touched under `lock`.
        private let lock = NSLock()
        private var acked: [String: Int64] = [:]

        var acknowledged: [String: Int64] {
            lock.lock(); defer { lock.unlock() }
            return acked
        }

        func record(_ key: String, _ id: Int64) {
            lock.lock(); defer { lock.unlock() }
            acked[key] = id
        }

        /// Runs until the connection fails (the daemon died or drained); returns the keys it sent.
        func run(clients: [WireClient], perClient: Int) async -> [String] {
            await withTaskGroup(of: [String].self) { group in
                for (index, client) in clients.enumerated() {
                    for lane in 0..<8 {
                        group.addTask {
                            var sent: [String] = []
                            for sequence in 0..<perClient {
                                let key = "c\(index)-l\(lane)-\(sequence)"
                                sent.append(key)
                                guard let response = try? await client.call(
                                    "track_invocation",
                                    params: IngestTraffic.invocation(session: "load-\(index)", key: key))
                                else { return sent }
                                if let id = (try? response.get())?["invocation_id"]?.intValue {
                                    self.record(key, id)
                                }
                            }
                            return sent
                        }
                    }
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
        }
    }

    @Test func killNineKeepsEveryAcknowledgedInvocationAndRetriesStoreOnce() async throws {
        let daemon = try await DaemonProcess()
        let clients = try await (0..<4).asyncMap { _ in try await daemon.client() }
        let load = KeyedLoad()
        let sending = Task { await load.run(clients: clients, perClient: 100_000) }
        while load.acknowledged.count < 2_000 { try await Task.sleep(for: .milliseconds(10)) }
        kill(daemon.pid, SIGKILL)
        let sent = await sending.value
        let acknowledged = load.acknowledged
        #expect(acknowledged.count >= 2_000)

        let stored = try IngestTraffic.invocationIDs(daemon.databasePath)
        for (key, id) in acknowledged {
            #expect(stored[key] == id, "acknowledged \(key) → \(id) is missing after kill -9")
        }

        // The clients retry everything they sent, with the same keys, against a restarted daemon.
        try await daemon.restart()
        let retryClient = try await daemon.client()
        for chunk in stride(from: 0, to: sent.count, by: 500) {
            let items = sent[chunk..<min(chunk + 500, sent.count)].map { key in
                IngestTraffic.invocation(session: "retry", key: key)
            }
            _ = try await retryClient.call("track_batch", params: .object(["invocations": .array(items)])).get()
        }
        let after = try IngestTraffic.invocationIDs(daemon.databasePath)
        #expect(after.count == Set(sent).count)
        #expect(try IngestTraffic.count(daemon.databasePath) == Set(sent).count, "a retried key was stored twice")
        for (key, id) in acknowledged { #expect(after[key] == id) }
        await retryClient.close()
        #expect(await daemon.stop() == 0)
    }

    @Test func sigtermUnderLoadCommitsEverythingAcknowledgedAndExitsZero() async throws {
        let daemon = try await DaemonProcess()
        let clients = try await (0..<4).asyncMap { _ in try await daemon.client() }
        let load = KeyedLoad()
        let sending = Task { await load.run(clients: clients, perClient: 100_000) }
        while load.acknowledged.count < 1_000 { try await Task.sleep(for: .milliseconds(10)) }
        let status = await daemon.stop(signal: SIGTERM)
        _ = await sending.value
        #expect(status == 0, "ingest should exit 0 after draining:\n\(daemon.log)")
        let stored = try IngestTraffic.invocationIDs(daemon.databasePath)
        let acknowledged = load.acknowledged
        for (key, id) in acknowledged {
            #expect(stored[key] == id, "acknowledged \(key) is missing after SIGTERM")
        }
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath), "the socket file is removed on exit")
    }

    /// Clients that connect while ingest drains (the accept queue still holding them) must get a clean close
    /// or an answer, never a crashed daemon: several rounds, each with a connect storm across the SIGTERM.
    @Test func connectionsArrivingDuringDrainNeverCrashTheDaemon() async throws {
        for round in 0..<4 {
            let daemon = try await DaemonProcess()
            let socketPath = daemon.socketPath
            let storm = ConnectStorm()
            // A plain thread: blocking connect(2) calls must not occupy the test's cooperative pool.
            let thread = Thread {
                var held: [RawSocket] = []
                while !storm.stopped {
                    guard let socket = try? RawSocket(path: socketPath, receiveTimeout: 1) else { continue }
                    socket.sendJSON(#"{"id":1,"op":"health"}"#)
                    held.append(socket)
                    if held.count > 64 { held.removeFirst(32) }
                }
            }
            thread.start()
            try await Task.sleep(for: .milliseconds(50 + 40 * round))
            let status = await daemon.stop(signal: SIGTERM)
            storm.stop()
            #expect(status == 0, "round \(round): ingest must drain and exit 0:\n\(daemon.log)")
            #expect(!daemon.log.contains("Fatal error"), "round \(round):\n\(daemon.log)")
        }
    }

    /// The stop flag of a connect storm running on its own thread.
    final class ConnectStorm: @unchecked Sendable {
        // @unchecked: `flag` is only touched under `lock`.
        private let lock = NSLock()
        private var flag = false
        var stopped: Bool {
            lock.lock(); defer { lock.unlock() }
            return flag
        }
        func stop() {
            lock.lock(); defer { lock.unlock() }
            flag = true
        }
    }

    @Test func refusesUnmigratedAndNewerDatabases() async throws {
        let directory = try TemporaryDirectory("ingest-schema")
        let path = directory.path("fresh.db")
        let fresh = try Binaries.runProcess(Binaries.url("ingest"), ["--db", path, "--runtime-dir", directory.path("run")])
        #expect(fresh.status != 0)
        #expect(fresh.stderr.contains("skillpulse migrate"), "stderr: \(fresh.stderr)")

        try #require(try Binaries.skillpulse(["migrate", "--db", path]).status == 0)
        let raw = try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), [
            path, "INSERT INTO skill_migrations(version, applied_at, applied_by) VALUES ('V99__future', '2030-01-01', 'x')",
        ])
        try #require(raw.status == 0, "\(raw.stderr)")
        let newer = try Binaries.runProcess(Binaries.url("ingest"), ["--db", path, "--runtime-dir", directory.path("run")])
        #expect(newer.status != 0)
        #expect(newer.stderr.contains("newer"), "stderr: \(newer.stderr)")
    }
}
