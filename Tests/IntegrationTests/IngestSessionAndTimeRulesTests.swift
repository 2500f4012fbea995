import Foundation
import SkillPulseCore
import SkillPulseWire
import Testing

/// Session rules, one timestamp rule for ingest and SQL writers, exact cache windows, and the documented
/// message and frame limits — against the real binary.
@Suite(.serialized)
struct IngestSessionAndTimeRulesTests {
    static func call(_ client: WireClient, _ op: String, _ params: [String: JSONValue]) async throws -> WireResponse {
        try await client.call(op, params: .object(params))
    }

    @Test func sessionEndsBeforeTheirStartAndInvocationsAfterTheirEndAreRefused() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        _ = try await Self.call(client, "create_session", ["session_id": "s", "project_path": "/p",
                                                           "started_at": "2026-01-01T10:00:00Z"]).get()
        let early = try await Self.call(client, "end_session", ["session_id": "s", "ended_at": "2026-01-01T09:00:00Z"])
        #expect(early.failure?.code == .badRequest, "\(early)")
        #expect(early.failure?.message.contains("params.ended_at") == true
                && early.failure?.message.contains("2026-01-01T10:00:00.000Z") == true, "\(early)")
        // Nothing was stored, so the retry with the right time ends it.
        let ended = try await Self.call(client, "end_session", ["session_id": "s", "ended_at": "2026-01-01T11:00:00Z"]).get()
        #expect(ended["already_ended"]?.boolValue == false && ended["ended_at"]?.stringValue == "2026-01-01T11:00:00.000Z")

        var late = IngestTraffic.invocation(session: "s")
        late = late.merging(["invoked_at": "2026-01-01T11:30:00Z"])
        let refused = try await client.call("track_invocation", params: late)
        #expect(refused.failure?.code == .conflict, "\(refused)")
        #expect(refused.failure?.message.contains("2026-01-01T11:00:00.000Z") == true, "names the end: \(refused)")
        let batch = try await client.call("track_batch", params: .object(["invocations": .array([
            IngestTraffic.invocation(session: "s").merging(["invoked_at": "2026-01-01T10:30:00Z"]), late,
        ])]))
        #expect(batch.failure?.code == .conflict && batch.failure?.message.contains("params.invocations[1]") == true,
                "\(batch)")
        // Late delivery of an earlier invocation is welcome.
        let earlier = try await client.call("track_invocation",
                                            params: IngestTraffic.invocation(session: "s").merging(["invoked_at": "2026-01-01T10:59:00Z"]))
        #expect(earlier.failure == nil, "\(earlier)")
        #expect(await daemon.stop() == 0)
        #expect(try IngestTraffic.count(daemon.databasePath) == 1, "only the invocation from before the end")
    }

    @Test func anImplicitSessionStartsAtItsEarliestInvocationAndItsEventsSayImplicit() async throws {
        let daemon = try await DaemonProcess()
        let listener = try await daemon.client()
        _ = try await listener.call("subscribe", params: .object(["topics": .array(["session"])])).get()
        let client = try await daemon.client()
        _ = try await client.call("track_invocation", params: IngestTraffic.invocation(session: "imp").merging(["invoked_at": "2026-01-01T10:00:00Z"])).get()
        _ = try await client.call("track_invocation", params: IngestTraffic.invocation(session: "imp").merging(["invoked_at": "2026-01-01T09:00:00Z"])).get()
        _ = try await Self.call(client, "end_session", ["session_id": "imp", "ended_at": "2026-01-01T12:00:00Z"]).get()
        var events: [WireEvent] = []
        for await event in listener.events {
            events.append(event)
            if events.count == 2 { break }
        }
        #expect(events.map { $0.data["type"]?.stringValue } == ["started", "ended"])
        #expect(events.allSatisfy { $0.data["implicit"]?.boolValue == true }, "\(events.map(\.data))")
        #expect(events.last?.data["started_at"]?.stringValue == "2026-01-01T09:00:00.000Z")
        #expect(await daemon.stop() == 0)
        let started = try await OutsideTools.read(daemon.databasePath,
                                                  "SELECT started_at FROM sessions WHERE session_id = 'imp'").first?[0].string
        #expect(started == "2026-01-01T09:00:00.000Z")
    }

    /// Random instants in every accepted form, stored once through ingest and once by a plain INSERT through
    /// SQLite (the triggers' path): the stored texts are the same, and refused forms are refused.
    @Test func ingestAndSQLWritersStoreTheSameTextForEveryAcceptedForm() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        var generator = SystemRandomNumberGenerator()
        let now = UTCTimestamp.now().millisecondsSinceEpoch
        var inputs: [String] = []
        for index in 0..<300 {
            let instant = Int64.random(in: 86_400_000...now, using: &generator)
            let offsetMinutes = [0, 60, -330, 345, -720, 840][index % 6]
            let local = UTCTimestamp(millisecondsSinceEpoch: instant + Int64(offsetMinutes) * 60_000).normalized
            var text = String(local.prefix(19))  // YYYY-MM-DDTHH:MM:SS
            if index % 3 == 1 { text = text.replacingOccurrences(of: "T", with: " ") }
            let digits = Int.random(in: 0...9, using: &generator)
            if digits > 0 { text += "." + (0..<digits).map { _ in String(Int.random(in: 0...9, using: &generator)) }.joined() }
            if offsetMinutes == 0 {
                text += index % 2 == 0 ? "Z" : (index % 4 == 1 ? "z" : "+00:00")
            } else {
                let magnitude = abs(offsetMinutes)
                text += (offsetMinutes > 0 ? "+" : "-") + String(format: "%02d:%02d", magnitude / 60, magnitude % 60)
            }
            inputs.append(text)
        }
        var fromIngest: [String: String] = [:]
        for (index, text) in inputs.enumerated() {
            let reply = try await client.call("track_invocation", params: IngestTraffic.invocation(
                session: "ts-\(index)", skill: "via-ingest", key: "k-\(index)").merging(["invoked_at": .string(text)]))
            #expect(reply.failure == nil, "\(text): \(reply)")
        }
        #expect(await daemon.stop() == 0)
        let values = inputs.enumerated().map { "('via-sql', '\($0.element)', 'sql-\($0.offset)', 1, 'sql-\($0.offset)')" }
        let insert = try await OutsideTools.sqlite3(daemon.databasePath, """
            INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, idempotency_key)
            VALUES \(values.joined(separator: ","));
            """)
        #expect(insert.status == 0, "\(insert.stderr)")
        let rows = try OutsideTools.query(daemon.databasePath, "SELECT idempotency_key, invoked_at FROM skill_invocation")
        for row in rows { fromIngest[row["idempotency_key"].string ?? ""] = row["invoked_at"].string }
        var differing: [String] = []
        for (index, text) in inputs.enumerated() where fromIngest["k-\(index)"] != fromIngest["sql-\(index)"] {
            differing.append("\(text): ingest \(fromIngest["k-\(index)"] ?? "-"), SQL \(fromIngest["sql-\(index)"] ?? "-")")
        }
        #expect(differing.isEmpty, "\(differing.count) differ:\n\(differing.prefix(10).joined(separator: "\n"))")
        #expect(try RollupRecount.mismatches(daemon.databasePath).isEmpty)
    }

    @Test(arguments: ["2026-11-30t09:56:00Z", "2026-11-30T09:56:00-0530", "2026-11-30T09:56:00,5Z",
                      "2026-11-30T23:59:60Z", "2026-11-30T10:15:60.200Z", "0001-01-01T00:00:00+01:00",
                      "1969-12-31T23:59:59.999Z", "2026-11-30T09:56:00+15:00", "2026-11-30T09:56:00-23:59"])
    func formsSQLiteReadsDifferentlyAndInstantsBeforeTheEpochAreRefused(form: String) async throws {
        let daemon = try await DaemonProcess()
        let reply = try await daemon.client().call("track_invocation", params: IngestTraffic.invocation(session: "s")
            .merging(["invoked_at": .string(form)]))
        #expect(reply.failure?.code == .badRequest, "\(form): \(reply)")
        #expect(reply.failure?.message.hasPrefix("params.invoked_at") == true, "\(String(describing: reply.failure))")
    }

    @Test func cacheWindowsCountTheEdgeMinuteExactly() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        let now = UTCTimestamp.now()
        func at(_ secondsAgo: Int64) -> JSONValue { .string(now.adding(milliseconds: -secondsAgo * 1000).normalized) }
        // Inside 1 h by 30 s, outside by 30 s; inside 24 h by 30 s, outside by 30 s; all in minutes the
        // minute buckets leave out or cut.
        let offsets: [Int64] = [3_570, 3_630, 86_370, 86_430, 10]
        let batch = try await client.call("track_batch", params: .object(["invocations": .array(offsets.map {
            IngestTraffic.invocation(session: "w", skill: "edge").merging(["invoked_at": at($0)])
        })])).get()
        #expect(batch["inserted"]?.intValue == Int64(offsets.count))
        #expect(await daemon.stop() == 0)
        let row = try OutsideTools.query(daemon.databasePath, """
            SELECT invocation_count_1h, invocation_count_24h FROM skill_metrics_cache WHERE skill_name = 'edge'
            """).first
        #expect(row?["invocation_count_1h"].int == 2, "now and 59 m 30 s ago: \(String(describing: row))")
        #expect(row?["invocation_count_24h"].int == 4, "all but the one 24 h 0 m 30 s ago: \(String(describing: row))")

        // After a restart the windows are seeded from the table, edge minutes included.
        try await daemon.restart()
        let again = try await daemon.client()
        _ = try await again.call("track_invocation", params: IngestTraffic.invocation(session: "w", skill: "edge")).get()
        await again.close()
        #expect(await daemon.stop() == 0)
        let seeded = try OutsideTools.query(daemon.databasePath, """
            SELECT invocation_count_1h, invocation_count_24h FROM skill_metrics_cache WHERE skill_name = 'edge'
            """).first
        #expect(seeded?["invocation_count_1h"].int == 3 && seeded?["invocation_count_24h"].int == 5,
                "\(String(describing: seeded))")
    }

    @Test func fieldErrorsUseTheParamsPathAndTenThousandTypicalItemsFitOneFrame() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        let bad = try await client.call("track_batch", params: .object(["invocations": .array([
            IngestTraffic.invocation(session: "s"),
            IngestTraffic.invocation(session: "s").merging(["duration_seconds": -1]),
        ])]))
        #expect(bad.failure?.message.hasPrefix("params.invocations[1].duration_seconds") == true, "\(bad)")
        let items: [JSONValue] = (0..<10_000).map { index in
            IngestTraffic.invocation(session: "bulk-session-\(index % 50)", skill: "bulk-skill-\(index % 100)",
                                     key: "bulk-key-\(UUID().uuidString)").merging([
                "workflow_phase": "execution", "user_id": "user-\(index % 7)", "workflow_path": "quick",
                "invoked_at": .string(UTCTimestamp.now().normalized),
            ])
        }
        let stored = try await client.call("track_batch", params: .object(["invocations": .array(items)]))
        #expect(stored.failure == nil, "a 10,000-item batch of 10 fields each: \(String(describing: stored.failure))")
        #expect((try? stored.get())?["inserted"]?.intValue == 10_000)
    }
}

extension JSONValue {
    /// The object with `fields` set (for building request variants).
    func merging(_ fields: [String: JSONValue]) -> JSONValue {
        guard case .object(var object) = self else { return self }
        for (key, value) in fields { object[key] = value }
        return .object(object)
    }
}
