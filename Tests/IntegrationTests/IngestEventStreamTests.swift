import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The event stream analytics and the gateway build on: every committed event is delivered or announced
/// exactly, in request order, through shutdown, half-close and repeated subscribes.
@Suite(.serialized)
struct IngestEventStreamTests {
    /// What a raw subscriber read until EOF or a quiet `timeout`: invocation ids, session event types and
    /// lagged events' per-topic counts.
    struct Received: Sendable {
        var invocations: [Int] = []
        var sessions: [String] = []
        var lagged: [[String: Int]] = []
        /// Every event in arrival order: `invocation`, `session:<type>` or `lagged`.
        var order: [String] = []
        var sawEOF = false
        var missed: Int { lagged.reduce(0) { $0 + $1.values.reduce(0, +) } }
    }

    /// Subscribes on a raw socket and returns it with the subscribe reply read.
    static func subscriber(_ daemon: DaemonProcess, topics: [String], timeout: TimeInterval = 10) throws -> RawSocket {
        let socket = try RawSocket(path: daemon.socketPath, receiveTimeout: timeout)
        let list = topics.map { "\"\($0)\"" }.joined(separator: ",")
        socket.sendJSON(#"{"id":1,"op":"subscribe","params":{"topics":[\#(list)]}}"#)
        let reply = socket.readFrame()
        try #require(reply?["ok"] as? Bool == true, "subscribe: \(String(describing: reply))")
        return socket
    }

    /// Reads frames off the cooperative pool until EOF, `limit` events, or a read timeout.
    static func read(_ socket: RawSocket, limit: Int = .max, delay: TimeInterval = 0) async -> Received {
        await withCheckedContinuation { continuation in
            Thread {
                var received = Received()
                var count = 0
                while count < limit {
                    guard let frame = socket.readFrame() else {
                        received.sawEOF = socket.isClosedByPeer()
                        break
                    }
                    count += 1
                    if delay > 0 { Thread.sleep(forTimeInterval: delay) }
                    let data = frame["data"] as? [String: Any] ?? [:]
                    let name = frame["event"] as? String ?? "?"
                    received.order.append(name == "session" ? "session:\(data["type"] as? String ?? "?")" : name)
                    switch name {
                    case "invocation": received.invocations.append(data["invocation_id"] as? Int ?? -1)
                    case "session": received.sessions.append(data["type"] as? String ?? "?")
                    case "lagged": received.lagged.append(data["topics"] as? [String: Int] ?? [:])
                    default: break
                    }
                }
                continuation.resume(returning: received)
            }.start()
        }
    }

    static func trackBatches(_ client: WireClient, batches: Int, size: Int, session: (Int) -> String) async throws -> [Int64] {
        var ids: [Int64] = []
        for batch in 0..<batches {
            let items: [JSONValue] = (0..<size).map { IngestTraffic.invocation(session: session(batch * size + $0)) }
            let reply = try await client.call("track_batch", params: ["invocations": .array(items)]).get()
            ids += (reply["invocation_ids"]?.arrayValue ?? []).compactMap(\.intValue)
        }
        return ids
    }

    @Test func sigtermDeliversEveryCommittedEventToASubscriberThatIsBehind() async throws {
        let daemon = try await DaemonProcess()
        let behind = try Self.subscriber(daemon, topics: ["invocation"])
        let client = try await daemon.client()
        let ids = try await Self.trackBatches(client, batches: 30, size: 100) { "sig-\($0 % 20)" }
        #expect(ids.count == 3_000)
        // The subscriber has read nothing yet; its events wait in ingest's queue and the socket's buffer.
        kill(daemon.pid, SIGTERM)
        // A reader slower than ingest (1 ms per event, 3 s in all) still gets every event, then EOF.
        let received = await Self.read(behind, delay: 0.001)
        #expect(received.lagged.isEmpty, "nothing was dropped, so nothing is announced: \(received.lagged)")
        #expect(received.invocations == ids.map(Int.init), "got \(received.invocations.count) of \(ids.count)")
        #expect(received.sawEOF, "the stream ends once everything was sent")
        #expect(await daemon.stop() == 0)
    }

    @Test func eventsOfOneCommitFollowRequestOrder() async throws {
        let daemon = try await DaemonProcess()
        let listener = try Self.subscriber(daemon, topics: ["invocation", "session"], timeout: 5)
        let client = try await daemon.client()
        _ = try await client.call("create_session", params: ["session_id": "EO", "project_path": "/p"]).get()
        // Pipelined in one write, in this order, so both share one commit.
        let pipelined = try RawSocket(path: daemon.socketPath)
        let track = Array(#"{"id":1,"op":"track_invocation","params":{"session_id":"EO","skill_name":"k","completed":true}}"#.utf8)
        let end = Array(#"{"id":2,"op":"end_session","params":{"session_id":"EO"}}"#.utf8)
        pipelined.send(RawSocket.header(UInt32(track.count)) + track + RawSocket.header(UInt32(end.count)) + end)
        let replies = try await OutsideTools.detached {
            let ok = [pipelined.readFrame(), pipelined.readFrame()].map { $0?["ok"] as? Bool == true }
            return Binaries.Output(status: ok == [true, true] ? 0 : 1, stdout: "\(ok)", stderr: "")
        }
        #expect(replies.status == 0, "both pipelined requests succeed: \(replies.stdout)")
        let received = await Self.read(listener, limit: 3)
        #expect(received.order == ["session:started", "invocation", "session:ended"])
        #expect(await daemon.stop() == 0)
    }

    @Test func aSecondSubscribeAddsTopicsAndEveryEventComesOnce() async throws {
        let daemon = try await DaemonProcess()
        let listener = try await daemon.client()
        let first = try await listener.call("subscribe", params: ["topics": ["session"]]).get()
        let second = try await listener.call("subscribe", params: ["topics": ["invocation", "session"]]).get()
        #expect(first["topics"] == ["session"] && second["topics"] == ["invocation", "session"])
        let client = try await daemon.client()
        _ = try await client.call("track_invocation", params: IngestTraffic.invocation(session: "twice")).get()
        _ = try await client.call("end_session", params: ["session_id": "twice"]).get()
        var names: [String] = []
        for await event in listener.events {
            names.append(event.name + ":" + (event.data["type"]?.stringValue ?? ""))
            if names.count == 3 { break }
        }
        #expect(names == ["session:started", "invocation:", "session:ended"])
        let stats = try await client.call("stats").get()
        #expect(stats["subscribers"]?.intValue == 1)
        // Nothing more is pending for this connection: a health call on it answers next.
        #expect(try await listener.call("health").get()["status"] != nil)
        #expect(await daemon.stop() == 0)
    }

    /// `commit`: one event per committed batch, after its invocation and session events, with the batch's ids.
    @Test func commitEventsCloseEachBatch() async throws {
        let daemon = try await DaemonProcess()
        let listener = try await daemon.client()
        let topics = try await listener.call("subscribe", params: ["topics": ["commit", "invocation"]]).get()
        #expect(topics["topics"] == ["commit", "invocation"])
        let client = try await daemon.client()
        let rows: [JSONValue] = (0..<3).map { IngestTraffic.invocation(session: "batch-\($0 % 2)") }
        let stored = try await client.call("track_batch", params: ["invocations": .array(rows)]).get()
        _ = try await client.call("create_session", params: ["session_id": "alone", "project_path": "/srv/app"]).get()
        var events: [WireEvent] = []
        for await event in listener.events {
            events.append(event)
            if events.filter({ $0.name == "commit" }).count == 2 { break }
        }
        let ids = events.filter { $0.name == "invocation" }.compactMap { $0.data["invocation_id"]?.intValue }
        #expect(events.map(\.name) == ["invocation", "invocation", "invocation", "commit", "commit"], "\(events.map(\.name))")
        let commit = events[3].data
        #expect(commit["invocations"] == 3 && commit["sessions"]?.intValue == 2, "\(commit) \(stored)")
        #expect(commit["first_invocation_id"]?.intValue == ids.first && commit["last_invocation_id"]?.intValue == ids.last)
        // A batch of session changes only: counts, no ids.
        #expect(events[4].data["sessions"] == 1 && events[4].data["invocations"] == 0
                && events[4].data["last_invocation_id"] == nil, "\(events[4].data)")
        let unknown = try await client.call("subscribe", params: ["topics": ["weather"]])
        if case .failure(let error) = unknown.result {
            #expect(error.code == .badRequest && error.message.contains("invocation, session, commit"))
        } else {
            Issue.record("an unknown topic was accepted")
        }
        #expect(await daemon.stop() == 0)
    }

    @Test func subscribersThatLeaveBeforeTheirReplyAreReleased() async throws {
        let daemon = try await DaemonProcess()
        for _ in 0..<50 {
            let quitter = try RawSocket(path: daemon.socketPath)
            quitter.sendJSON(#"{"id":1,"op":"subscribe","params":{"topics":["invocation"]}}"#)
        }
        let client = try await daemon.client()
        _ = try await Self.trackBatches(client, batches: 1, size: 10) { _ in "leave" }
        var subscribers: Int64 = -1
        for _ in 0..<100 {
            subscribers = try await client.call("stats").get()["subscribers"]?.intValue ?? -1
            if subscribers == 0 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(subscribers == 0, "subscribers left behind by closed connections: \(subscribers)")
        #expect(await daemon.stop() == 0)
    }

    @Test func anImplicitSessionsStartedEventCarriesTheStartItCommitted() async throws {
        let daemon = try await DaemonProcess()
        let listener = try Self.subscriber(daemon, topics: ["session"], timeout: 5)
        let client = try await daemon.client()
        _ = try await client.call("track_batch", params: ["invocations": [
            IngestTraffic.invocation(session: "late-first").merging(["invoked_at": "2026-01-01T00:00:10Z"]),
            IngestTraffic.invocation(session: "late-first").merging(["invoked_at": "2026-01-01T00:00:05Z"]),
        ]]).get()
        let started = try await OutsideTools.detached {
            let frame = listener.readFrame()
            let data = frame?["data"] as? [String: Any]
            return Binaries.Output(status: 0, stdout: data?["started_at"] as? String ?? "-", stderr: "")
        }
        #expect(started.stdout == "2026-01-01T00:00:05.000Z")
        #expect(await daemon.stop() == 0)
    }

    @Test func aSubscriberThatHalfClosesKeepsItsStream() async throws {
        let daemon = try await DaemonProcess()
        let listener = try Self.subscriber(daemon, topics: ["invocation"], timeout: 5)
        shutdown(listener.fd, Int32(SHUT_WR))
        let client = try await daemon.client()
        let ids = try await Self.trackBatches(client, batches: 1, size: 5) { _ in "half" }
        let received = await Self.read(listener, limit: 5)
        #expect(received.invocations == ids.map(Int.init))
        #expect(await daemon.stop() == 0)
    }

    /// A session-only subscriber that does not read while 5,000 sessions start: it receives some, and one
    /// `lagged` counts exactly the rest — sessions only, however many invocations were dropped beside them.
    @Test func laggedCountsExactlyTheSubscribersOwnTopicsAndComesWithoutALaterCommit() async throws {
        let daemon = try await DaemonProcess(arguments: ["--subscriber-buffer", "50"])
        let stuck = try Self.subscriber(daemon, topics: ["session"], timeout: 3)
        let everything = try Self.subscriber(daemon, topics: ["invocation", "session"], timeout: 3)
        let client = try await daemon.client()
        let ids = try await Self.trackBatches(client, batches: 50, size: 100) { "lag-\($0)" }
        #expect(ids.count == 5_000)
        async let sessionsOnly = Self.read(stuck)
        async let both = Self.read(everything)
        let (stuckReceived, bothReceived) = await (sessionsOnly, both)
        #expect(stuckReceived.invocations.isEmpty)
        #expect(stuckReceived.lagged.allSatisfy { Set($0.keys) == ["session"] }, "\(stuckReceived.lagged)")
        #expect(!stuckReceived.lagged.isEmpty, "the buffer of 50 overflowed")
        #expect(stuckReceived.sessions.count + stuckReceived.missed == 5_000,
                "\(stuckReceived.sessions.count) delivered + \(stuckReceived.missed) announced")
        #expect(bothReceived.invocations.count + (bothReceived.lagged.map { $0["invocation"] ?? 0 }.reduce(0, +)) == 5_000)
        #expect(bothReceived.sessions.count + (bothReceived.lagged.map { $0["session"] ?? 0 }.reduce(0, +)) == 5_000)
        #expect(await daemon.stop() == 0)
    }

    @Test func aFullSpeedSubscriberUnderTheBulkLoadGetsEveryEventOrItsAnnouncement() async throws {
        let daemon = try await DaemonProcess()
        let bench = try await OutsideTools.skillpulse([
            "bench", "ingest", "--db", daemon.databasePath, "--runtime-dir", daemon.runtimeDirectory,
            "--clients", "4", "--events", "100000", "--batch", "100", "--subscribers", "1", "--idle-subscribers", "1",
        ])
        #expect(bench.status == 0, "the bench exits 1 when events are unaccounted for:\n\(bench.stdout)\n\(bench.stderr)")
        #expect(bench.stdout.contains("subscriber 1: delivered"), "\(bench.stdout)")
        #expect(bench.stdout.contains(", 0 unaccounted"), "\(bench.stdout)")
        #expect(await daemon.stop() == 0)
    }
}
