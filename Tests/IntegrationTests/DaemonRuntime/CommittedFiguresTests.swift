import Foundation
import SkillPulseWire
import Testing

/// `stats` and STATUS= count only work that was committed; refused commands and duplicates are no
/// transactions.
struct CommittedFiguresTests {
    @Test func refusedCommandsAndDuplicatesAreNotCountedAsTransactions() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        #expect(try await IngestTraffic.track(client, session: "figures", key: "k-1") != nil)
        let before = try await client.call("stats").get()
        #expect(before["transactions_committed"]?.intValue == 2 || before["transactions_committed"]?.intValue == 1,
                "\(before)")
        for index in 0..<3 {
            let refused = try await client.call("end_session", params: [
                "session_id": .string("never-started-\(index)"), "ended_at": .string("2026-01-01T00:00:00Z"),
            ])
            #expect(refused.result.failureCode == .notFound)
            #expect(try await IngestTraffic.track(client, session: "figures", key: "k-1") != nil)  // a duplicate
        }
        let after = try await client.call("stats").get()
        #expect(after["transactions_committed"] == before["transactions_committed"], "\(before) → \(after)")
        #expect(after["commands_committed"]?.intValue == (before["commands_committed"]?.intValue ?? 0) + 3,
                "duplicates are answered, refusals are not committed: \(before) → \(after)")
        #expect(after["invocations_committed"] == before["invocations_committed"])
        #expect(after["batches_failed"]?.intValue == 0)
        await client.close()
        #expect(await daemon.stop() == 0)
    }
}
