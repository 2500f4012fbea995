import Foundation
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
        let keys = try await OutsideTools.read(daemon.databasePath, "SELECT idempotency_key FROM skill_invocation ORDER BY id")
            .map { $0[0].string ?? "" }
        #expect(keys.map { Array($0.utf8) } == ["p-", "s-", "b-"].map { Array(($0 + Self.composed).utf8) })
    }

    /// Spellings Foundation's NFC on Linux got wrong (Hangul LV+T, a singleton decomposition, mark
    /// reordering), sent one at a time; and list items, which are normalised too. (Which spellings are one
    /// identity is the standard library's canonical equivalence, the same as its `==`: it keeps the
    /// discouraged Tibetan U+0F73/U+0F75/U+0F81 apart from their decompositions, and so does ingest.)
    @Test(arguments: [("\u{AC00}\u{11A8}", "\u{AC01}"), ("\u{344}x", "\u{308}\u{301}x"),
                      ("e\u{301}\u{323}", "\u{1EB9}\u{301}"), ("\u{1100}\u{1161}\u{11A8}", "\u{AC01}")])
    func harderEquivalentPairsAreOneKey(pair: (String, String)) async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        let first = try await client.call("track_invocation", params: Self.invocation(session: "a", key: "h-" + pair.0)).get()
        let second = try await client.call("track_invocation", params: Self.invocation(session: "a", key: "h-" + pair.1)).get()
        #expect(first["invocation_id"] == second["invocation_id"] && second["duplicate"]?.boolValue == true,
                "\(Array(pair.0.unicodeScalars)) vs \(Array(pair.1.unicodeScalars)): \(first) \(second)")
        let listed = try await client.call("track_invocation", params: Self.invocation(session: "a", skill: "lists")
            .merging(["alternatives_considered": [.string(Self.decomposed)], "follow_up_actions": [.string(Self.decomposed)]])).get()
        #expect(listed["invocation_id"] != nil)
        #expect(await daemon.stop() == 0)
        let stored = try OutsideTools.query(
            daemon.databasePath,
            "SELECT alternatives_considered, follow_up_actions FROM skill_invocation WHERE skill_name = 'lists'").first
        let expected = "[\"\(Self.composed)\"]"
        #expect(stored?["alternatives_considered"] == .text(expected) && stored?["follow_up_actions"] == .text(expected),
                "\(String(describing: stored))")
    }

    @Test func aNameOfFewCharactersButMegabytesIsRefused() async throws {
        let daemon = try await DaemonProcess()
        let heavy = "e" + String(repeating: "\u{301}", count: 100_000)
        let reply = try await daemon.client().call("track_invocation", params: Self.invocation(session: "a", skill: heavy))
        #expect(reply.failure?.code == .badRequest && reply.failure?.message.contains("bytes") == true, "\(String(describing: reply.failure))")
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
        let read = try OutsideTools.query(daemon.databasePath, [
            ("SELECT count(*) FROM sessions", []),
            ("SELECT DISTINCT user_id FROM skill_invocation", []),
            ("SELECT skill_name, total_invocations FROM skill_metrics", []),
            ("SELECT DISTINCT skill_name FROM skill_invocation", []),
        ])
        #expect(read[0].first?[0].int == 1)
        #expect(read[1].map { $0[0].string } == ["alice"])
        let metrics = read[2]
        #expect(metrics.count == 1 && metrics.first?["total_invocations"].int == 3, "\(metrics)")
        #expect(read[3].count == 1)
        let mismatches = try RollupRecount.mismatches(daemon.databasePath)
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}
