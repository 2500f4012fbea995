import Foundation
import Testing

/// ingest decodes plain ASCII requests with its own parser and everything else with JSONDecoder: both paths
/// must store the same rows and refuse the same requests with the same messages.
@Suite(.serialized)
struct IngestFastPathTests {
    /// Params bodies (without the closing brace) covering every field, nulls, escapes and number forms.
    static let storedBodies = [
        #"{"session_id":"fp-1","skill_name":"pytest-run","completed":true,"invoked_at":"2026-11-25T03:00:00.123Z""#,
        #"{"session_id":"fp-1","skill_name":"lint \"strict\"","completed":false,"duration_seconds":3,"invoked_at":"2026-11-25T04:00:00+01:00","user_query":"why\nnot \u00e9?","workflow_path":"a\/b","workflow_phase":"execution","workflow_step_id":"s-1","error_type":"Timeout","alternatives_considered":["x","y"],"selection_rank":2,"follow_up_actions":["retry"],"user_id":"alice""#,
        #"{"session_id":"fp-2","skill_name":"k","completed":true,"duration_seconds":1.5e-1,"invoked_at":"2026-11-25T03:00:01Z","user_query":null,"workflow_phase":null,"selection_rank":null,"ignored":{"deep":[1,2]}"#,
        #"{"session_id":"fp-2","skill_name":"k","completed":false,"duration_seconds":0,"invoked_at":"2026-11-25T03:00:02Z","alternatives_considered":[],"user_id":"\ud83d\ude00""#,
    ]

    /// Params a client gets wrong; each must be refused identically by both paths.
    static let refusedBodies = [
        #"{"session_id":"fp-3","skill_name":"k","completed":"yes""#,
        #"{"session_id":"fp-3","skill_name":"k","completed":true,"selection_rank":1.5"#,
        #"{"session_id":"fp-3","skill_name":"","completed":true"#,
        #"{"session_id":"fp-3","skill_name":" k","completed":true"#,
        #"{"session_id":"fp-3","skill_name":"k","completed":true,"duration_seconds":-1"#,
        #"{"session_id":"fp-3","skill_name":"k","completed":true,"workflow_phase":"deploy""#,
        #"{"session_id":"fp-3","skill_name":"k","completed":true,"alternatives_considered":"x""#,
        #"{"session_id":"fp-3","completed":true"#,
        #"{"session_id":"fp-3","skill_name":"\#(String(repeating: "n", count: 201))","completed":true"#,
        #"{"session_id":"fp-3","skill_name":"k","completed":true,"invoked_at":"yesterday""#,
    ]

    /// The same request twice: plain ASCII (fast path), and with a non-ASCII field the op ignores, which
    /// sends it through JSONDecoder.
    static func pair(op: String, params: String, id: Int) -> (fast: String, full: String) {
        (#"{"id":\#(id),"op":"\#(op)","params":\#(params)}"#,
         #"{"id":\#(id + 1),"op":"\#(op)","note":"d\#u{E9}j\#u{E0} vu","params":\#(params)}"#)
    }

    static func columns(_ database: String, id: Int) throws -> [String: String] {
        let row = try #require(try OutsideTools.query(database, "SELECT * FROM skill_invocation WHERE id = ?",
                                                      [.integer(Int64(id))]).first)
        var values: [String: String] = [:]
        for (column, value) in zip(row.columns, row.values) where !["id", "idempotency_key", "created_at"].contains(column) {
            values[column] = value.isNull ? "NULL" : "\(value)"
        }
        return values
    }

    @Test func bothDecodingPathsStoreTheSameRows() async throws {
        let daemon = try await DaemonProcess()
        let peer = try RawSocket(path: daemon.socketPath)
        var invocationIDs: [(fast: Int, full: Int)] = []
        for (index, body) in Self.storedBodies.enumerated() {
            let pair = Self.pair(op: "track_invocation", params: body + "}", id: index * 10)
            peer.sendJSON(pair.fast)
            peer.sendJSON(pair.full)
            let fast = try #require(peer.readFrame())
            let full = try #require(peer.readFrame())
            let fastID = try #require((fast["result"] as? [String: Any])?["invocation_id"] as? Int, "\(fast)")
            let fullID = try #require((full["result"] as? [String: Any])?["invocation_id"] as? Int, "\(full)")
            invocationIDs.append((fastID, fullID))
        }
        // track_batch takes the same paths for each element.
        let batch = Self.pair(op: "track_batch",
                              params: #"{"invocations":["# + Self.storedBodies.map { $0 + "}" }.joined(separator: ",") + "]}",
                              id: 100)
        peer.sendJSON(batch.fast)
        peer.sendJSON(batch.full)
        let fastBatch = try #require((peer.readFrame()?["result"] as? [String: Any])?["invocation_ids"] as? [Int])
        let fullBatch = try #require((peer.readFrame()?["result"] as? [String: Any])?["invocation_ids"] as? [Int])
        #expect(fastBatch.count == Self.storedBodies.count && fullBatch.count == Self.storedBodies.count)
        invocationIDs += zip(fastBatch, fullBatch).map { ($0, $1) }

        let db = daemon.databasePath
        for (fast, full) in invocationIDs {
            let fastRow = try Self.columns(db, id: fast)
            #expect(fastRow == (try Self.columns(db, id: full)), "rows \(fast) and \(full) differ")
            #expect(fastRow["skill_name"] != "NULL")
        }
        let emojiRow = invocationIDs[3].fast
        let emoji = try await OutsideTools.read(db, "SELECT user_id FROM skill_invocation WHERE id = ?",
                                                [.integer(Int64(emojiRow))]).first?[0].string
        #expect(emoji == "\u{1F600}", "a surrogate-pair escape decodes to its character")
    }

    @Test func bothDecodingPathsRefuseTheSameRequestsWithTheSameMessages() async throws {
        let daemon = try await DaemonProcess()
        let peer = try RawSocket(path: daemon.socketPath)
        for (index, body) in Self.refusedBodies.enumerated() {
            for (op, params) in [("track_invocation", body + "}"), ("track_batch", #"{"invocations":["# + body + "}]}")] {
                let pair = Self.pair(op: op, params: params, id: index * 10)
                peer.sendJSON(pair.fast)
                peer.sendJSON(pair.full)
                let fast = try #require(peer.readFrame()?["error"] as? [String: String], "\(op) \(body) must be refused")
                let full = try #require(peer.readFrame()?["error"] as? [String: String])
                #expect(fast == full, "\(op) \(body)")
                #expect(fast["code"] == "bad_request")
            }
        }
        #expect(try IngestTraffic.count(daemon.databasePath) == 0)
        #expect(await daemon.stop() == 0)
    }

    /// `skillpulse bench ingest` drives a real daemon and every event it reports is in the database.
    @Test(arguments: [
        ["--clients", "3", "--events", "900", "--batch", "1"],
        ["--clients", "2", "--events", "1000", "--batch", "40", "--pipeline", "4"],
        ["--clients", "2", "--events", "600", "--batch", "1", "--rate", "3000"],
    ])
    func benchIngestReportsWhatTheDaemonStored(arguments: [String]) async throws {
        let daemon = try await DaemonProcess()
        let events = Int(arguments[arguments.firstIndex(of: "--events")! + 1])!
        let result = try Binaries.skillpulse(
            ["bench", "ingest", "--db", daemon.databasePath, "--runtime-dir", daemon.runtimeDirectory, "--json"] + arguments)
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("acknowledged: \(events) events"), "\(result.stdout)")
        #expect(result.stdout.contains("ack latency ms: p50"))
        if arguments.contains("--rate") { #expect(result.stdout.contains("client send lag ms")) }
        // --json prints one JSON object on a line of its own.
        let summary = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("{") }.map { Data($0.utf8) })
        let figures = try #require(try JSONSerialization.jsonObject(with: summary) as? [String: Any])
        #expect(figures["events"] as? Int == events)
        #expect(figures["errors"] as? Int == 0)
        #expect(try IngestTraffic.count(daemon.databasePath) == events)
    }

    @Test func benchIngestReportsRefusedRequestsAndFails() async throws {
        // A queue too small for the offered batches: the daemon refuses with `unavailable`, the bench says so.
        let daemon = try await DaemonProcess(arguments: ["--batch-max-rows", "10", "--queue-capacity", "10"])
        let result = try Binaries.skillpulse(
            ["bench", "ingest", "--runtime-dir", daemon.runtimeDirectory, "--db", daemon.databasePath,
             "--clients", "2", "--events", "2000", "--batch", "50", "--pipeline", "16"])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains("errors:") && result.stdout.contains("unavailable"), "\(result.stdout)")
    }
}
