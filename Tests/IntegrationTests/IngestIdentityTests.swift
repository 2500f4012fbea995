import Foundation
import GRDB
import SkillPulseWire
import Testing

/// Identities are byte-exact in ingest's memory exactly as in SQL: canonically equivalent spellings are one
/// identity (both are normalised to NFC before anything is looked up or stored), whether they arrive
/// pipelined, one at a time, in one batch or across a restart.
@Suite(.serialized)
struct IngestIdentityTests {
    static let composed = "caf\u{E9}"  // é as one scalar
    static let decomposed = "cafe\u{301}"  // e + combining acute

    static func invocation(session: String, skill: String = "sk", key: String? = nil) -> JSONValue {
        IngestTraffic.invocation(session: session, skill: skill, key: key)
    }

    @Test func equivalentIdempotencyKeysAreOneKeyPipelinedOneAtATimeInABatchAndAcrossARestart() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        // Pipelined: both in flight at once, so they share a batch.
        async let first = client.call("track_invocation", params: Self.invocation(session: "a", key: "p-" + Self.composed))
        async let second = client.call("track_invocation", params: Self.invocation(session: "b", key: "p-" + Self.decomposed))
        let (one, two) = try await (first.get(), second.get())
        // `async let` may send either first: one is stored, the other is its duplicate.
        #expect(one["invocation_id"] == two["invocation_id"], "\(one) \(two)")
        #expect(Set([one["duplicate"]?.boolValue, two["duplicate"]?.boolValue]) == [true, false], "\(one) \(two)")
        // One at a time.
        let three = try await client.call("track_invocation", params: Self.invocation(session: "a", key: "s-" + Self.decomposed)).get()
        let four = try await client.call("track_invocation", params: Self.invocation(session: "b", key: "s-" + Self.composed)).get()
        #expect(three["invocation_id"] == four["invocation_id"] && four["duplicate"]?.boolValue == true, "\(three) \(four)")
        // In one batch.
        let batch = try await client.call("track_batch", params: .object(["invocations": .array([
            Self.invocation(session: "a", key: "b-" + Self.composed), Self.invocation(session: "a", key: "b-" + Self.decomposed),
        ])])).get()
        let ids = batch["invocation_ids"]?.arrayValue ?? []
        #expect(ids.count == 2 && ids[0] == ids[1] && batch["inserted"]?.intValue == 1, "\(batch)")
        // Across a restart.
        await client.close()
        #expect(await daemon.stop() == 0)
        try await daemon.restart()
        let again = try await daemon.client().call("track_invocation", params: Self.invocation(session: "c", key: "p-" + Self.decomposed)).get()
        #expect(again["invocation_id"] == one["invocation_id"] && again["duplicate"]?.boolValue == true)
        #expect(try IngestTraffic.count(daemon.databasePath) == 3)
        // What is stored is the NFC spelling, byte for byte.
        let keys = try await IngestTraffic.database(daemon.databasePath).read { db in
            try String.fetchAll(db, sql: "SELECT idempotency_key FROM skill_invocation ORDER BY id")
        }
        #expect(keys.map { Array($0.utf8) } == ["p-", "s-", "b-"].map { Array(($0 + Self.composed).utf8) })
    }

    @Test func equivalentSessionIdsAndSkillNamesAreOneIdentity() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        _ = try await client.call("create_session", params: .object([
            "session_id": .string("S-" + Self.composed), "project_path": .string("/p"), "user_id": .string("alice"),
        ])).get()
        let again = try await client.call("create_session", params: .object([
            "session_id": .string("S-" + Self.decomposed), "project_path": .string("/p"), "user_id": .string("bob"),
        ]))
        #expect(again.failure?.code == .conflict, "the same session: \(again)")
        // A track on the other spelling is the same session and inherits its user.
        _ = try await client.call("track_invocation", params: Self.invocation(session: "S-" + Self.decomposed,
                                                                             skill: "sk-" + Self.composed)).get()
        _ = try await client.call("track_invocation", params: Self.invocation(session: "S-" + Self.composed,
                                                                             skill: "sk-" + Self.decomposed)).get()
        _ = try await client.call("track_invocation", params: Self.invocation(session: "S-" + Self.composed,
                                                                             skill: "sk-" + Self.decomposed)).get()
        let ended = try await client.call("end_session", params: .object(["session_id": .string("S-" + Self.decomposed)])).get()
        #expect(ended["already_ended"]?.boolValue == false)
        #expect(await daemon.stop() == 0)
        let database = try IngestTraffic.database(daemon.databasePath)
        try await database.read { db in
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM sessions") == 1)
            #expect(try String.fetchAll(db, sql: "SELECT DISTINCT user_id FROM skill_invocation") == ["alice"])
            let metrics = try Row.fetchAll(db, sql: "SELECT skill_name, total_invocations FROM skill_metrics")
            #expect(metrics.count == 1 && metrics.first?["total_invocations"] == 3, "\(metrics)")
            #expect(try String.fetchAll(db, sql: "SELECT DISTINCT skill_name FROM skill_invocation").count == 1)
        }
        let mismatches = try RollupRecount.mismatches(daemon.databasePath)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}
