import Foundation
import Synchronization
import Testing
import SkillPulseWire

/// A full disk under pipelined load, through the real ingest on a small tmpfs: batches fail (SQLITE_FULL),
/// the space comes back, and every figure ingest keeps in memory must still match what was stored.
@Suite(.serialized) struct IngestDiskFullTests {
    static let skills = (0..<8).map { "disk-skill-\($0)" }

    /// `count` invocations spread over the skills, each with a long query so that a batch needs new WAL pages.
    static func batch(_ count: Int, session: String, offset: Int) -> JSONValue {
        .object(["invocations": .array((0..<count).map { index in
            IngestTraffic.invocation(session: session, skill: skills[(offset + index) % skills.count],
                                     completed: (offset + index) % 3 != 0,
                                     extra: ["user_query": .string(String(repeating: "q", count: 1_000) + "\(index)")])
        })])
    }

    /// Before, the rows of every failed batch entered ingest's 1 h / 24 h windows before COMMIT — once for the
    /// shared attempt and again for each command retried alone — and every cache row written after the disk
    /// recovered carried them (19,510 counted, 9,510 stored) until a restart. Now `skill_metrics_cache` equals a
    /// recount from `skill_invocation`, as does every other rollup.
    @Test func cacheFiguresAfterAFullDiskMatchARecountOfTheStoredRows() async throws {
        let disk = try SizeLimitedFileSystem(megabytes: 24)
        // A budget far above the file system: the WAL only grows here, so every batch after the fill needs new
        // pages (a WAL that starts over would be rewritten in place, where the disk still has room).
        let ingest = try await DaemonProcess(arguments: ["--wal-restart-mib", "256"],
                                             database: disk.path("skillpulse.db"))
        let observer = try await ingest.client()
        // Some rows in every skill first, in one small batch: the WAL stays a few pages long.
        _ = try await observer.call("track_batch", params: Self.batch(40, session: "before", offset: 0)).get()

        try disk.fill()
        #expect(disk.freeBytes == 0)

        // Pipelined: 4 connections with 6 requests in flight each, so that batches hold several commands and a
        // failed one is retried command by command.
        let replies = ReplyTally()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for connection in 0..<4 {
                let client = try await ingest.client()
                for lane in 0..<6 {
                    group.addTask {
                        for round in 0..<5 {
                            let rows = lane % 2 == 0 ? 150 : 3
                            let reply = try await client.call("track_batch", params: Self.batch(
                                rows, session: "full-\(connection)-\(lane)", offset: round * 7 + lane))
                            if (try? reply.get()) == nil {
                                replies.failed.add(1, ordering: .relaxed)
                            } else {
                                replies.stored.add(1, ordering: .relaxed)
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let failures = replies.failed.load(ordering: .relaxed)
        #expect(failures > 20, "only \(failures) of 120 requests failed on the full disk")

        try disk.free()
        // Every skill gets a batch after the disk recovered: each cache row is written again from the windows.
        _ = try await observer.call("track_batch", params: Self.batch(Self.skills.count * 2, session: "after", offset: 0)).get()

        let stats = try await observer.call("stats").get()
        #expect((stats["batches_failed"]?.intValue ?? 0) > 0, "\(stats)")
        #expect(try IngestTraffic.count(ingest.databasePath) == Int(stats["invocations_committed"]?.intValue ?? -1))
        let cached = try OutsideTools.query(ingest.databasePath, "SELECT skill_name FROM skill_metrics_cache")
        #expect(Set(cached.compactMap { $0[0].string }) == Set(Self.skills))
        let mismatches = try RollupRecount.mismatches(ingest.databasePath)
        #expect(mismatches.isEmpty, "\(mismatches.count) figures differ from a recount: \(mismatches.prefix(8))")
        print("full disk: \(failures) of 120 requests failed, \(replies.stored.load(ordering: .relaxed)) stored; "
              + "batches_failed \(stats["batches_failed"]?.intValue ?? 0)")
        await observer.close()
        await ingest.stop()
    }
}

/// Replies counted by the load's tasks (atomics need a stable address, hence a class).
private final class ReplyTally: Sendable {
    let failed = Atomic<Int>(0)
    let stored = Atomic<Int>(0)
}
