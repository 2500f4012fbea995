import Foundation
import SkillPulseCore
import SkillPulseWire
import Testing

/// analytics' own writes failing (a full disk under its derived tables) show in its `health` as `degraded` with
/// the reason, and the refused request says why in the store's words — never SQLite's raw text; once the disk
/// has room again the next write succeeds and `health` is healthy.
@Suite(.serialized)
struct AnalyticsStorageHealthTests {
    @Test func aFullDiskDegradesAnalyticsAndItRecovers() async throws {
        let disk = try SizeLimitedFileSystem(megabytes: 24)
        let database = disk.path("skillpulse.db")
        let ingest = try await DaemonProcess(arguments: ["--wal-restart-mib", "256"], database: database)
        let writer = try await ingest.client()
        let now = UTCTimestamp.now().millisecondsSinceEpoch
        try await AnalyticsPlantedData.send([AnalyticsPlantedData.invocation("lint", session: "disk", at: now - 1_000,
                                                                             completed: true)], through: writer)
        let analytics = try await DaemonProcess("analytics", directory: ingest.directory, database: database)
        let client = try await analytics.client()
        let created = try await client.call("create_ab_test", params: ["test_name": "disk", "control_strategy": "a",
                                                                       "treatment_strategy": "b"]).get()
        let testID = try #require(created["test_id"]?.intValue)
        _ = try await client.call("assign_ab_test", params: ["test_id": .integer(testID), "user_id": "u1"]).get()
        let outcome: JSONValue = ["test_id": .integer(testID), "user_id": "u1", "skill_name": "lint", "completed": true]
        #expect(try await client.call("health").get()["status"] == "healthy")

        try disk.fill()
        var refusal: WireError?
        for _ in 0..<500 {
            if case .failure(let error) = try await client.call("record_ab_outcome", params: outcome).result {
                refusal = error
                break
            }
        }
        let refused = try #require(refusal, "no A/B write failed on a full disk")
        #expect(refused.code == .unavailable && refused.message.contains("the disk is full")
                && !refused.message.contains("SQLite"), "\(refused)")
        let degraded = try await client.call("health").get()
        #expect(degraded["status"] == "degraded"
                && degraded["reason"]?.stringValue?.contains("cannot write the A/B tables: the disk is full") == true,
                "\(degraded)")

        try disk.free()
        _ = try await client.call("record_ab_outcome", params: outcome).get()
        let recovered = try await client.call("health").get()
        #expect(recovered["status"] == "healthy", "\(recovered)")
        await client.close()
        #expect(await analytics.stop() == 0)
        await writer.close()
        #expect(await ingest.stop() == 0)
        withExtendedLifetime(disk) {}
    }
}
