import Foundation
import Synchronization
import Testing
import SkillPulseWire

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

/// Shared between the test and its load tasks (atomics need a stable address, hence a class).
private final class LoadControl: Sendable {
    let stop = Atomic<Bool>(false)
    let acknowledged = Atomic<Int>(0)
}
