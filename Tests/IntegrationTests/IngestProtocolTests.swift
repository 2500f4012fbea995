import Foundation
import SkillPulseWire
import Testing

/// `ingest` over its real socket: ordering, group commit, idempotency, sessions, events.
@Suite(.serialized)
struct IngestProtocolTests {
    @Test func pipelinedRequestsGetRepliesInOrderWithTheirIDs() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        // Fire 300 mixed requests without waiting; the client matches replies FIFO, so any reordering by
        // the server would surface as a mismatched id.
        let responses = try await withThrowingTaskGroup(of: (Int, WireResponse).self) { group in
            for index in 0..<300 {
                let object: [String: JSONValue]
                switch index % 3 {
                case 0: object = ["id": .integer(Int64(index)), "op": .string("track_invocation"),
                                  "params": IngestTraffic.invocation(session: "order")]
                case 1: object = ["id": .string("req-\(index)"), "op": .string("health")]
                default: object = ["id": .integer(Int64(index)), "op": .string("no_such_op")]
                }
                group.addTask { (index, try await client.send(object: object)) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        for (index, response) in responses {
            switch index % 3 {
            case 1: #expect(response.id == .string("req-\(index)"))
            default: #expect(response.id == .integer(Int64(index)))
            }
            if index % 3 == 2 { #expect((try? response.get()) == nil) }
        }
        await client.close()
    }

    @Test func pipelinedCommandsCommitInRequestOrder() async throws {
        let daemon = try await DaemonProcess()
        let peer = try RawSocket(path: daemon.socketPath)
        // create_session, then 50 invocations on it, all in one write: each must see what came before it.
        var frames: [UInt8] = []
        func frame(_ text: String) { frames += RawSocket.header(UInt32(text.utf8.count)) + Array(text.utf8) }
        frame(#"{"id":0,"op":"create_session","params":{"session_id":"ordered","project_path":"/p","user_id":"alice"}}"#)
        for index in 1...50 {
            frame(#"{"id":\#(index),"op":"track_invocation","params":{"session_id":"ordered","skill_name":"k","completed":true}}"#)
        }
        peer.send(frames)
        var ids: [Int] = []
        for index in 0...50 {
            let reply = try #require(peer.readFrame())
            #expect(reply["id"] as? Int == index)
            #expect(reply["ok"] as? Bool == true, "\(reply)")
            if index > 0, let id = (reply["result"] as? [String: Any])?["invocation_id"] as? Int { ids.append(id) }
        }
        #expect(ids == ids.sorted() && ids.count == 50, "commit order must be request order: \(ids)")
        let user = try await OutsideTools.read(daemon.databasePath, "SELECT DISTINCT user_id FROM skill_user_interactions")
            .first?[0].string
        #expect(user == "alice")
    }

    @Test func groupCommitSharesTransactionsAcrossRequests() async throws {
        let daemon = try await DaemonProcess(arguments: ["--batch-max-delay-ms", "5"])
        let clients = try await (0..<4).asyncMap { _ in try await daemon.client() }
        let before = try await clients[0].call("stats").get()["transactions_committed"]?.intValue ?? 0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, client) in clients.enumerated() {
                for _ in 0..<32 {
                    group.addTask {
                        for _ in 0..<25 {
                            let id = try await IngestTraffic.track(client, session: "s\(index)")
                            #expect(id != nil)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let after = try await clients[0].call("stats").get()["transactions_committed"]?.intValue ?? 0
        let requests = 4 * 32 * 25
        #expect(try IngestTraffic.count(daemon.databasePath) == requests)
        #expect(after - before < Int64(requests / 4), "expected batching; got \(after - before) commits for \(requests)")
        for client in clients { await client.close() }
    }

    @Test func retryWithTheSameIdempotencyKeyStoresOnce() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        let first = try await client.call("track_invocation",
                                          params: IngestTraffic.invocation(session: "s", key: "retry-1")).get()
        let second = try await client.call("track_invocation",
                                           params: IngestTraffic.invocation(session: "s", key: "retry-1")).get()
        #expect(first["invocation_id"] == second["invocation_id"])
        #expect(first["duplicate"]?.boolValue == false)
        #expect(second["duplicate"]?.boolValue == true)
        let batch = try await client.call("track_batch", params: .object(["invocations": .array([
            IngestTraffic.invocation(session: "s", key: "retry-1"),
            IngestTraffic.invocation(session: "s", key: "retry-2"),
        ])])).get()
        #expect(batch["invocation_ids"]?.arrayValue?.first == first["invocation_id"])
        #expect(batch["inserted"]?.intValue == 1)
        #expect(try IngestTraffic.count(daemon.databasePath) == 2)
        await client.close()
    }

    @Test func trackBatchIsAllOrNothing() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        let bad = try await client.call("track_batch", params: .object(["invocations": .array([
            IngestTraffic.invocation(session: "s"),
            IngestTraffic.invocation(session: "s", extra: ["duration_seconds": .number(-1)]),
        ])]))
        guard case .failure(let error) = bad.result else { Issue.record("expected an error"); return }
        #expect(error.code == .badRequest)
        #expect(error.message.contains("invocations[1].duration_seconds"))
        #expect(try IngestTraffic.count(daemon.databasePath) == 0)
        await client.close()
    }

    @Test func sessionsStartEndAndConflict() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        let created = try await client.call("create_session", params: .object([
            "project_path": .string("/srv/app"), "user_id": .string("bob"),
            "started_at": .string("2026-11-25T03:00:00.123+01:00"),
        ])).get()
        let id = try #require(created["session_id"]?.stringValue)
        #expect(created["started_at"]?.stringValue == "2026-11-25T02:00:00.123Z")
        let again = try await client.call("create_session", params: .object([
            "project_path": .string("/srv/app"), "session_id": .string(id),
        ]))
        #expect(again.result.failureCode == .conflict)
        let ended = try await client.call("end_session", params: .object(["session_id": .string(id)])).get()
        #expect(ended["already_ended"]?.boolValue == false)
        let endedAgain = try await client.call("end_session", params: .object(["session_id": .string(id)])).get()
        #expect(endedAgain["already_ended"]?.boolValue == true)
        let unknown = try await client.call("end_session", params: .object(["session_id": .string("nope")]))
        #expect(unknown.result.failureCode == .notFound)
        // An unknown session is created on the fly by its first invocation.
        _ = try await IngestTraffic.track(client, session: "implicit-1")
        #expect(try IngestTraffic.count(daemon.databasePath,
                                        "SELECT count(*) FROM sessions WHERE session_id = 'implicit-1'") == 1)
        await client.close()
    }

    @Test func subscriberSeesEveryCommittedInvocationOnceInCommitOrder() async throws {
        let daemon = try await DaemonProcess()
        let subscriber = try await daemon.client()
        _ = try await subscriber.call("subscribe", params: .object(["topics": .array([.string("invocation")])])).get()
        let total = 600
        let collector = Task {
            var ids: [Int64] = []
            for await event in subscriber.events where event.name == "invocation" {
                if let id = event.data["invocation_id"]?.intValue { ids.append(id) }
                if ids.count == total { break }
            }
            return ids
        }
        let writers = try await (0..<3).asyncMap { _ in try await daemon.client() }
        let acked = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for (index, client) in writers.enumerated() {
                group.addTask {
                    var ids: [Int64] = []
                    try await withThrowingTaskGroup(of: Int64?.self) { inner in
                        for _ in 0..<(total / 3) {
                            inner.addTask { try await IngestTraffic.track(client, session: "w\(index)") }
                        }
                        for try await id in inner { if let id { ids.append(id) } }
                    }
                    return ids
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let seen = await collector.value
        #expect(seen.count == total)
        #expect(Set(seen) == Set(acked))
        #expect(seen == seen.sorted(), "events must arrive in commit (id) order")
        for client in writers + [subscriber] { await client.close() }
    }

    @Test func slowSubscriberGetsLaggedInsteadOfSlowingIngest() async throws {
        let daemon = try await DaemonProcess(arguments: ["--subscriber-buffer", "5"])
        let subscriber = try RawSocket(path: daemon.socketPath)
        subscriber.sendJSON(#"{"id":1,"op":"subscribe","params":{"topics":["invocation"]}}"#)
        #expect(subscriber.readFrame()?["ok"] as? Bool == true)
        let writer = try await daemon.client()
        // The subscriber reads nothing while 5,000 events (far more than its socket buffers hold) commit.
        let start = ContinuousClock.now
        for chunk in 0..<50 {
            let items = (0..<100).map { _ in IngestTraffic.invocation(session: "lag-\(chunk % 5)") }
            _ = try await writer.call("track_batch", params: .object(["invocations": .array(items)])).get()
        }
        #expect(ContinuousClock.now - start < .seconds(60), "a stalled subscriber must not stall ingest")
        #expect(try IngestTraffic.count(daemon.databasePath) == 5000)
        // One more event after the stall, so the lag is reported behind the buffered ones.
        _ = try await IngestTraffic.track(writer, session: "after")
        var missed = 0
        var events = 0
        while let frame = subscriber.readFrame() {
            events += 1
            if frame["event"] as? String == "lagged" {
                missed = ((frame["data"] as? [String: Any])?["missed"] as? Int) ?? 0
                break
            }
        }
        #expect(missed > 0, "after \(events) events no lagged event arrived")
        await writer.close()
    }

    @Test func metricsCacheCountsTrueOneAndTwentyFourHourWindows() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        let now = Date()
        func stamp(_ secondsAgo: Double) -> JSONValue {
            .string(ISO8601DateFormatter().string(from: now.addingTimeInterval(-secondsAgo)))
        }
        let ages: [Double] = [30, 600, 7200, 20 * 3600, 30 * 3600]
        for secondsAgo in ages {
            _ = try await client.call("track_invocation", params: IngestTraffic.invocation(
                session: "w", skill: "windowed", extra: ["invoked_at": stamp(secondsAgo)])).get()
        }
        let row = try OutsideTools.query(daemon.databasePath, """
            SELECT invocation_count_1h, invocation_count_24h FROM skill_metrics_cache WHERE skill_name = 'windowed'
            """).first
        #expect(row?["invocation_count_1h"].int == 2)
        #expect(row?["invocation_count_24h"].int == 4)
        let total = try IngestTraffic.count(daemon.databasePath,
                                            "SELECT total_invocations FROM skill_metrics WHERE skill_name = 'windowed'")
        #expect(total == 5)
        await client.close()
    }

    @Test func fullQueueAnswersUnavailable() async throws {
        let daemon = try await DaemonProcess(arguments: [
            "--queue-capacity", "100", "--batch-max-rows", "100", "--batch-max-delay-ms", "800",
        ])
        let client = try await daemon.client()
        let batch = JSONValue.object(["invocations": .array((0..<60).map { _ in IngestTraffic.invocation(session: "q") })])
        async let first = client.call("track_batch", params: batch)
        try await Task.sleep(for: .milliseconds(100))
        let second = try await client.call("track_batch", params: batch)
        #expect(second.result.failureCode == .unavailable)
        let firstReply = try await first
        #expect(try firstReply.get()["inserted"]?.intValue == 60)
        let health = try await client.call("health").get()
        #expect(health["status"]?.stringValue == "healthy")
        await client.close()
    }
}

extension Result where Success == JSONValue, Failure == WireError {
    var failureCode: WireErrorCode? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
