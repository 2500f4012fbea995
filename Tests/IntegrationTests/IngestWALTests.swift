import Foundation
import Synchronization
import Testing
import SkillPulseCore
import SkillPulseWire
#if canImport(Glibc)
import Glibc
#endif

/// The WAL under sustained writes: it must start over well before the writer's safety valve, through the
/// checkpointer/writer hand-over, and never lose a row doing so. A 16 MiB budget (4,070 frames, safety valve
/// at 12,210) keeps the test short; the default budget behaves the same at 8× the size.
@Suite(.serialized) struct IngestWALTests {
    @Test func theWALStartsOverUnderSustainedWritesWithoutTheSafetyValve() async throws {
        let daemon = try await DaemonProcess(arguments: ["--wal-restart-mib", "16"])
        let observer = try await daemon.client()
        let control = LoadControl()
        // Eight writers keep the writer thread busy without a break, so a background checkpoint never catches
        // up by itself: only the hand-over can start the WAL over before the safety valve would.
        let load = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        let client = try await daemon.client()
                        var round = 0
                        while !control.stop.load(ordering: .relaxed) {
                            let items = (0..<50).map { offset in
                                IngestTraffic.invocation(session: "wal-\(worker)-\(offset % 5)",
                                                         skill: "skill-\((round * 13 + offset * 7) % 90)")
                            }
                            _ = try await client.call("track_batch", params: .object(["invocations": .array(items)])).get()
                            control.acknowledged.add(items.count, ordering: .relaxed)
                            round += 1
                        }
                        await client.close()
                    }
                }
                try await group.waitForAll()
            }
        }
        var restarts = 0
        var largest = 0
        let deadline = ContinuousClock.now + .seconds(120)
        while restarts < 3 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
            let stats = try await observer.call("stats").get()
            restarts = Int(stats["wal_restarts"]?.intValue ?? 0)
            largest = max(largest, Int(stats["wal_frames"]?.intValue ?? 0))
        }
        control.stop.store(true, ordering: .relaxed)
        try await load.value
        #expect(restarts >= 3, "the WAL did not start over 3 times in 2 minutes (largest: \(largest) frames)")
        // The hand-over restarts soon after 4,070 frames; the safety valve acts only past 12,210.
        #expect(largest < 10_000, "the WAL reached \(largest) frames before starting over")
        #expect(try IngestTraffic.count(daemon.databasePath) == control.acknowledged.load(ordering: .relaxed))
        await observer.close()
    }
}

extension IngestWALTests {
    /// Another writer alone: ingest idle, analytics recording 100,000 A/B outcomes as fast as four pipelining
    /// connections get them answered (each a short BEGIN IMMEDIATE of a few pages). Before, the WAL grew by
    /// ~12 KB per outcome without end — a passive checkpoint never caught up with a steady writer, and the
    /// restart waited for an ingest commit that never came — while `stats` said 20 frames and 0 restarts.
    /// Now the -wal file, by stat, stays under the 16 MiB budget at every sample, and `stats` says how large
    /// it is and how often the WAL started over.
    @Test func theWALStaysUnderTheBudgetWhileAnotherProcessWritesAndIngestIsIdle() async throws {
        let budgetMiB = 16
        let ingest = try await DaemonProcess(arguments: ["--wal-restart-mib", "\(budgetMiB)"])
        let writer = try await ingest.client()
        _ = try await writer.call("track_invocation", params: IngestTraffic.invocation(session: "ab", skill: "lint")).get()
        let analytics = try await DaemonProcess("analytics", directory: ingest.directory)
        let client = try await analytics.client()
        let created = try await client.call("create_ab_test", params: [
            "test_name": "wal-bound", "control_strategy": "old", "treatment_strategy": "new",
        ]).get()
        let testID = try #require(created["test_id"]?.intValue)
        let users = 64
        for user in 0..<users {
            _ = try await client.call("assign_ab_test", params: ["test_id": .integer(testID), "user_id": .string("u\(user)")]).get()
        }
        let committedBefore = try await writer.call("stats").get()["transactions_committed"]
        let walPath = ingest.databasePath + "-wal"
        let budget = budgetMiB << 20

        let outcomes = 100_000
        let connections = 4
        let inFlight = 16
        let control = LoadControl()
        let load = Task {
            defer { control.stop.store(true, ordering: .releasing) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for connection in 0..<connections {
                    let peer = try await analytics.client()
                    for lane in 0..<inFlight {
                        group.addTask {
                            let worker = connection * inFlight + lane
                            for index in stride(from: worker, to: outcomes, by: connections * inFlight) {
                                _ = try await peer.call("record_ab_outcome", params: [
                                    "test_id": .integer(testID), "user_id": .string("u\(index % users)"),
                                    "skill_name": "lint", "completed": .bool(index % 3 == 0),
                                ]).get()
                                control.acknowledged.add(1, ordering: .relaxed)
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        var samples = 0
        var largest = 0
        var overBudget: [String] = []
        var gaugeAhead: [String] = []
        while true {
            let finished = control.stop.load(ordering: .acquiring)
            try await Task.sleep(for: .milliseconds(25))
            let size = Self.fileSize(walPath)
            samples += 1
            largest = max(largest, size)
            if size >= budget { overBudget.append("\(size) bytes after \(control.acknowledged.load(ordering: .relaxed)) outcomes") }
            if samples % 8 == 0 {
                let gauge = Int(try await writer.call("stats").get()["wal_bytes"]?.intValue ?? -1)
                // The file only grows here (nothing truncates it), and the gauge is at most a pass old.
                let after = Self.fileSize(walPath)
                if gauge < 0 || gauge > after { gaugeAhead.append("gauge \(gauge), file \(after)") }
            }
            if finished { break }
        }
        try await load.value
        let stored = try IngestTraffic.count(ingest.databasePath, "SELECT count(*) FROM ab_test_outcomes")
        #expect(stored == outcomes)
        #expect(overBudget.isEmpty, "the -wal file reached the \(budgetMiB) MiB budget at \(overBudget.count) of \(samples) samples: \(overBudget.prefix(5))")
        #expect(gaugeAhead.isEmpty, "stats.wal_bytes did not follow the file: \(gaugeAhead.prefix(5))")
        // Settled: the gauge is the file's size, and it counted the restarts (each after ≥ 8 MiB of the ~1.2 GB
        // the outcomes wrote: well over 20).
        try await Task.sleep(for: .milliseconds(300))
        let stats = try await writer.call("stats").get()
        #expect(stats["wal_bytes"]?.intValue == Int64(Self.fileSize(walPath)), "\(stats)")
        let restarts = stats["wal_restarts"]?.intValue ?? 0
        #expect(restarts >= 20, "\(stats)")
        #expect(stats["transactions_committed"] == committedBefore, "ingest was not idle: \(stats)")
        print("WAL beside 100,000 A/B outcomes: largest -wal \(largest >> 10) KiB of \(budget >> 10) KiB, \(samples) samples, "
              + "\(restarts) restarts (\(stats["wal_checkpointer_restarts"]?.intValue ?? 0) by the checkpointer)")
        await client.close()
        await writer.close()
    }

    /// The size of a file by stat (0 when missing), without opening it.
    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}

/// Shared between the test and its load tasks (atomics need a stable address, hence a class).
private final class LoadControl: Sendable {
    let stop = Atomic<Bool>(false)
    let acknowledged = Atomic<Int>(0)
}
