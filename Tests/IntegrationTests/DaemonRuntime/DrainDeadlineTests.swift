import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM never outlasts `--drain-timeout-ms` (+3 s): requests still waiting get `unavailable`, not a
/// closed connection, and the process exits.
@Suite(.serialized)
struct DrainDeadlineTests {
    /// Sends one track request per client and returns each one's outcome: the error code, "ok", or "closed".
    static func inFlightTracks(_ clients: [WireClient]) -> Task<[String], Never> {
        Task {
            await withTaskGroup(of: String.self) { group in
                for (index, client) in clients.enumerated() {
                    group.addTask {
                        do {
                            let reply = try await client.call("track_invocation",
                                                              params: IngestTraffic.invocation(session: "drain-\(index)"))
                            switch reply.result {
                            case .success: return "ok"
                            case .failure(let error): return error.code.rawValue
                            }
                        } catch {
                            return "closed"
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
    }

    /// Eight clients each send a track request that cannot be committed, then the daemon gets SIGTERM.
    static func queueTracksThenTerminate(_ daemon: DaemonProcess) async throws
        -> ([WireClient], Task<[String], Never>)
    {
        var clients: [WireClient] = []
        for _ in 0..<8 { clients.append(try await daemon.client()) }
        let outcomes = inFlightTracks(clients)
        try await Task.sleep(for: .milliseconds(500))
        kill(daemon.pid, SIGTERM)
        return (clients, outcomes)
    }

    @Test func anOutsideLockHolderCannotStretchTheDrain() async throws {
        let directory = try TemporaryDirectory("drain-lock")
        let daemon = try await DaemonProcess(arguments: ["--lock-wait-ms", "60000", "--drain-timeout-ms", "3000"],
                                             directory: directory)
        let holder = try BackgroundProcess.python(SharedDatabaseTests.pythonLockHolder, [daemon.databasePath, "40"],
                                                  directory: directory)
        defer { holder.kill9() }
        #expect(await holder.waitForOutput("locked"))
        let (clients, outcomes) = try await Self.queueTracksThenTerminate(daemon)
        let started = ContinuousClock.now
        let status = await daemon.stop(timeout: .seconds(10))
        let took = ContinuousClock.now - started
        #expect(status == 0, "\(daemon.log)")
        #expect(took < .seconds(6), "stop took \(took)")
        let results = await outcomes.value
        #expect(results.count == 8 && results.allSatisfy { $0 == "unavailable" }, "\(results)")
        for client in clients { await client.close() }
    }

    @Test func aStoppedWriterThreadIsCutOffAtTheDeadline() async throws {
        let directory = try TemporaryDirectory("drain-frozen")
        let daemon = try await DaemonProcess(arguments: ["--drain-timeout-ms", "3000"], directory: directory)
        // One acknowledged write first: then the writer thread certainly runs (and has named itself).
        let warmUp = try await daemon.client()
        #expect(try await IngestTraffic.track(warmUp, session: "warm-up") != nil)
        await warmUp.close()
        let freezer = try ThreadFreezer.freeze(pid: daemon.pid, thread: "ingest-writer", seconds: 60,
                                              directory: directory)
        defer { freezer.kill9() }
        #expect(await freezer.waitForOutput("frozen"), "\(freezer.output) \(freezer.errors)")
        let (clients, outcomes) = try await Self.queueTracksThenTerminate(daemon)
        let started = ContinuousClock.now
        let results = await outcomes.value
        let answeredAfter = ContinuousClock.now - started
        #expect(results.count == 8 && results.allSatisfy { $0 == "unavailable" }, "\(results)")
        #expect(answeredAfter < .seconds(4), "answered after \(answeredAfter)")
        #expect(daemon.log.contains("drain deadline passed"), "\(daemon.log)")
        // A ptrace-stopped thread keeps even an exited process from being reaped until its tracer lets go.
        freezer.kill9()
        #expect(await daemon.stop(timeout: .seconds(10)) != nil, "still running after the drain deadline")
        for client in clients { await client.close() }
    }
}
