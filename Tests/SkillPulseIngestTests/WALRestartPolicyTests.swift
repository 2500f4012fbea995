@testable import SkillPulseIngest
import SkillPulseStore
import Testing

/// The checkpointer's decisions (`WALRestartPolicy`) and its restart count (`WALGauge`), pass by pass.
struct WALRestartPolicyTests {
    /// 16 MiB: 4,072 frames; an idle writer's checkpointer restarts from 2,036.
    static let budget = WALBudget(restartMiB: 16)

    static func pass(frames: Int, copied: Int? = nil, bytes: Int = 8 << 20, sequence: UInt32? = 7)
        -> WALCheckpointResult
    {
        WALCheckpointResult(walFrameCount: frames, checkpointedFrameCount: copied ?? frames, walFileBytes: bytes,
                            restartSequence: sequence)
    }

    @Test func anIdleWriterLeavesTheRestartToTheCheckpointerFromHalfTheBudget() {
        var policy = WALRestartPolicy(budget: Self.budget)
        let now = ContinuousClock.now
        #expect(policy.idleRestartFrames == Self.budget.restartFrames / 2)
        #expect(policy.next(after: Self.pass(frames: policy.idleRestartFrames - 1), writerIdle: true, now: now) == .nothing)
        // Another writer keeps committing, so the passive pass is always a little behind: restart anyway.
        #expect(policy.next(after: Self.pass(frames: policy.idleRestartFrames + 300, copied: policy.idleRestartFrames),
                            writerIdle: true, now: now) == .restartHere(truncate: false))
        // Nobody wrote since: the next write transaction restarts the WAL; another checkpoint would only lock.
        #expect(policy.next(after: Self.pass(frames: policy.idleRestartFrames + 300), writerIdle: true, now: now) == .nothing)
        // Someone wrote without restarting it (a reader held the WAL): again.
        #expect(policy.next(after: Self.pass(frames: policy.idleRestartFrames + 400), writerIdle: true, now: now)
                == .restartHere(truncate: false))
        // It failed (lock or readers past the wait): tried again a second later, even though nothing changed —
        // not at every pass, since each try holds the write lock while it waits for the reader.
        policy.restartHereFailed(now: now)
        #expect(policy.next(after: Self.pass(frames: policy.idleRestartFrames + 400), writerIdle: true,
                            now: now + .milliseconds(500)) == .nothing)
        #expect(policy.next(after: Self.pass(frames: policy.idleRestartFrames + 400), writerIdle: true,
                            now: now + .milliseconds(1_001)) == .restartHere(truncate: false))
    }

    @Test func aBusyWriterGetsTheHandOverAtTheBudgetAndTheCheckpointerStepsInWhenItDoesNotComplete() {
        var policy = WALRestartPolicy(budget: Self.budget, handOverGrace: .milliseconds(250))
        let start = ContinuousClock.now
        let frames = Self.budget.restartFrames
        // Busy and under the budget: the writer's own restarts (or the next pass) take care of it.
        #expect(policy.next(after: Self.pass(frames: frames - 1), writerIdle: false, now: start) == .nothing)
        // Past the budget but not caught up: the hand-over would copy too much on the writer's thread.
        #expect(policy.next(after: Self.pass(frames: frames + 10, copied: frames), writerIdle: false, now: start) == .nothing)
        #expect(policy.next(after: Self.pass(frames: frames + 20), writerIdle: false, now: start) == .handOver)
        // Not completed yet (another writer committed between the writer's copy and its next transaction).
        #expect(policy.next(after: Self.pass(frames: frames + 90), writerIdle: false, now: start + .milliseconds(100))
                == .nothing)
        #expect(policy.next(after: Self.pass(frames: frames + 150, copied: frames + 100), writerIdle: false,
                            now: start + .milliseconds(260)) == .restartHere(truncate: false))
        // A completed hand-over (the WAL is short again) clears the request.
        #expect(policy.next(after: Self.pass(frames: frames + 200), writerIdle: false, now: start + .seconds(1)) == .handOver)
        #expect(policy.next(after: Self.pass(frames: 40, sequence: 8), writerIdle: false, now: start + .milliseconds(1_050))
                == .nothing)
        #expect(policy.handOverSince == nil)
    }

    @Test func aFileLargerThanTheJournalSizeLimitIsTruncatedOnceTheWriterIsIdle() {
        var policy = WALRestartPolicy(budget: Self.budget)
        let huge = Self.budget.journalSizeLimitBytes + 1
        #expect(policy.next(after: Self.pass(frames: 10, bytes: huge), writerIdle: false, now: .now) == .nothing)
        #expect(policy.next(after: Self.pass(frames: 10, bytes: huge), writerIdle: true, now: .now) == .restartHere(truncate: true))
    }

    @Test(arguments: [
        // (frames before, sequence before, frames after, sequence after, restarts)
        (100, UInt32(5), 300, UInt32(5), 0),         // grew: no restart
        (3_000, 5, 200, 6, 1),                       // one restart
        (3_000, 5, 2_900, 8, 3),                     // three between two looks; grew back past the first look
        (3_000, UInt32.max, 10, 1, 2),               // the salt wraps
        (3_000, 5, 40, 0x9E37_79B9, 1),              // truncated, then a fresh random salt at the first frame
        (0, 6, 40, 0x9E37_79B9, 0),                  // the fresh salt after a truncation already counted
        (3_000, 5, 40, 5, 0),                        // impossible without a restart; the salt is the truth
    ] as [(Int, UInt32, Int, UInt32, Int)])
    func restartsAreCountedFromSQLitesSalt(before: Int, earlier: UInt32, after: Int, later: UInt32, expected: Int) {
        #expect(WALGauge.restarts(fromFrames: before, sequence: earlier, toFrames: after, sequence: later) == expected)
    }

    @Test func withoutTheSharedHeaderAShorterWALCountsOnce() {
        #expect(WALGauge.restarts(fromFrames: 3_000, sequence: nil, toFrames: 20, sequence: 4) == 1)
        #expect(WALGauge.restarts(fromFrames: 20, sequence: 3, toFrames: 3_000, sequence: nil) == 0)
    }

    @Test func theGaugeCountsEveryRestartItSeesAndReportsTheLastPass() {
        let gauge = WALGauge()
        gauge.record(Self.pass(frames: 1_000, bytes: 4 << 20, sequence: 10))
        gauge.record(Self.pass(frames: 3_000, bytes: 12 << 20, sequence: 10))
        gauge.record(Self.pass(frames: 50, bytes: 12 << 20, sequence: 11))
        gauge.recordCheckpointerRestart()
        gauge.record(Self.pass(frames: 0, bytes: 0, sequence: 12))
        #expect(gauge.current == WALGauge.Figures(frames: 0, fileBytes: 0, restarts: 2, checkpointerRestarts: 1))
    }
}
