import Foundation
import SkillPulseCore
import Synchronization
import Testing

/// `ReadWriteLock` and `FairWorkerPool`, on real threads.
struct LockAndPoolTests {
    /// What the jobs of a test share.
    final class Shared: Sendable {
        let gate = Atomic<Bool>(false)
        let order = Mutex<[String]>([])
    }

    /// Polls `condition` every millisecond for up to `seconds`.
    static func eventually(_ seconds: Double = 5, _ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(1000)
        }
        return condition()
    }

    /// `eventually` for async tests: it sleeps instead of blocking a thread of the cooperative pool, which the
    /// tasks it waits for need.
    static func eventually(_ seconds: Double = 5, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return condition()
    }

    @Test func readersHoldTheLockTogether() {
        let lock = ReadWriteLock(0)
        let inside = Atomic<Int>(0)
        let bothInside = Atomic<Bool>(false)
        let done = DispatchGroup()
        for _ in 0..<2 {
            done.enter()
            Thread {
                lock.withReadLock { _ in
                    inside.add(1, ordering: .relaxed)
                    // Each reader waits inside until the other is inside too: only possible if they share it.
                    if Self.eventually(5, { inside.load(ordering: .relaxed) == 2 }) { bothInside.store(true, ordering: .relaxed) }
                }
                done.leave()
            }.start()
        }
        #expect(done.wait(timeout: .now() + 10) == .success)
        let shared = bothInside.load(ordering: .relaxed)
        #expect(shared, "two readers never held the lock at once")
    }

    @Test func aWriterIsAloneAndAWaitingWriterHoldsBackNewReaders() {
        let lock = ReadWriteLock([String]())
        let readerInside = Atomic<Bool>(false)
        let releaseReader = Atomic<Bool>(false)
        let events = Mutex<[String]>([])
        let done = DispatchGroup()
        done.enter()
        Thread {  // a long reader
            lock.withReadLock { _ in
                readerInside.store(true, ordering: .relaxed)
                _ = Self.eventually(5) { releaseReader.load(ordering: .relaxed) }
                events.withLock { $0.append("first reader leaves") }
            }
            done.leave()
        }.start()
        let readerIn = Self.eventually { readerInside.load(ordering: .relaxed) }
        #expect(readerIn)
        done.enter()
        Thread {  // a writer, which must wait for the reader
            lock.withWriteLock { value in
                events.withLock { $0.append("writer") }
                value.append("written")
            }
            done.leave()
        }.start()
        usleep(50_000)  // the writer is waiting now
        done.enter()
        Thread {  // a later reader, which must wait for the writer
            let seen = lock.withReadLock { $0 }
            events.withLock { $0.append("second reader sees \(seen)") }
            done.leave()
        }.start()
        usleep(50_000)
        #expect(events.withLock { $0 }.isEmpty, "someone got in beside a reader that holds the lock and a waiting writer")
        releaseReader.store(true, ordering: .relaxed)
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(events.withLock { $0 } == ["first reader leaves", "writer", #"second reader sees ["written"]"#])
    }

    @Test func aStreamOfOverlappingReadersDoesNotStarveAWriter() {
        let lock = ReadWriteLock(0)
        let stop = Atomic<Bool>(false)
        let readers = DispatchGroup()
        for _ in 0..<3 {
            readers.enter()
            Thread {
                while !stop.load(ordering: .relaxed) {
                    _ = lock.withReadLock { _ in usleep(2000) }
                }
                readers.leave()
            }.start()
        }
        usleep(20_000)
        let started = Date()
        for _ in 0..<20 { lock.withWriteLock { $0 += 1 } }
        let seconds = Date().timeIntervalSince(started)
        stop.store(true, ordering: .relaxed)
        #expect(readers.wait(timeout: .now() + 10) == .success)
        #expect(lock.withReadLock { $0 } == 20)
        // Each write waits for at most the read slices in progress (2 ms each), not for the readers to stop.
        #expect(seconds < 5, "20 writes took \(seconds) s beside three readers")
    }

    @Test func thePoolRunsJobsAndReturnsTheirResults() async {
        let pool = FairWorkerPool(threads: 2, label: "test-pool", niceness: 0)
        let client = NSObject()
        let key = ObjectIdentifier(client)
        let results = await withTaskGroup(of: Int.self) { group in
            for index in 0..<50 { group.addTask { await pool.run(for: key) { index * index } } }
            return await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.sorted() == (0..<50).map { $0 * $0 })
        withExtendedLifetime(client) {}
        pool.stop()
    }

    @Test func theNextJobComesFromTheNextClientInTurn() async {
        let pool = FairWorkerPool(threads: 1, label: "test-turns", niceness: 0)
        let (a, b) = (NSObject(), NSObject())
        let (keyA, keyB) = (ObjectIdentifier(a), ObjectIdentifier(b))
        let shared = Shared()
        // The only thread is busy until the gate opens; meanwhile A queues five jobs, then B one.
        let blocker = Task { await pool.run(for: keyA) { _ = Self.eventually(10) { shared.gate.load(ordering: .relaxed) } } }
        let idle = await Self.eventually { pool.waitingJobs == 0 }
        #expect(idle)
        var jobs: [Task<Void, Never>] = []
        for index in 1...5 {
            jobs.append(Task { await pool.run(for: keyA) { shared.order.withLock { $0.append("A\(index)") } } })
            let queued = await Self.eventually { pool.waitingJobs == index }
            #expect(queued)
        }
        jobs.append(Task { await pool.run(for: keyB) { shared.order.withLock { $0.append("B1") } } })
        let allQueued = await Self.eventually { pool.waitingJobs == 6 }
        #expect(allQueued)
        shared.gate.store(true, ordering: .relaxed)
        await blocker.value
        for job in jobs { await job.value }
        // A queued first, so A1 runs first; then B's one job, before A's second.
        let order = shared.order.withLock { $0 }
        #expect(order == ["A1", "B1", "A2", "A3", "A4", "A5"])
        withExtendedLifetime((a, b)) {}
        pool.stop()
    }

    @Test func aJobWhoseCallerWasCancelledBeforeItStartedNeverRuns() async {
        let pool = FairWorkerPool(threads: 1, label: "test-cancel", niceness: 0)
        let client = NSObject()
        let key = ObjectIdentifier(client)
        let shared = Shared()
        let blocker = Task { await pool.run(for: key) { _ = Self.eventually(10) { shared.gate.load(ordering: .relaxed) } } }
        let idle = await Self.eventually { pool.waitingJobs == 0 }
        #expect(idle)
        let abandoned = Task { await pool.runUnlessCancelled(for: key) { shared.order.withLock { $0.append("ran") } } }
        let queued = await Self.eventually { pool.waitingJobs == 1 }
        #expect(queued)
        abandoned.cancel()
        shared.gate.store(true, ordering: .relaxed)
        await blocker.value
        let result: Void? = await abandoned.value
        #expect(result == nil)
        let kept = await pool.runUnlessCancelled(for: key) { 7 }
        #expect(kept == 7)
        let ran = shared.order.withLock { $0 }
        #expect(ran.isEmpty, "the cancelled job ran")
        withExtendedLifetime(client) {}
        pool.stop()
    }

    @Test func anOvertakingReaderWaitsForAWritingWriterButNotForAWaitingOne() {
        let lock = ReadWriteLock(0)
        let shared = Shared()
        let readerInside = Atomic<Bool>(false)
        let done = DispatchGroup()
        done.enter()
        Thread {  // a long reader
            lock.withReadLock { _ in
                readerInside.store(true, ordering: .relaxed)
                _ = Self.eventually(5) { shared.gate.load(ordering: .relaxed) }
            }
            done.leave()
        }.start()
        let readerIn = Self.eventually { readerInside.load(ordering: .relaxed) }
        #expect(readerIn)
        done.enter()
        Thread {  // a writer, waiting for the long reader
            lock.withWriteLock { $0 += 1 }
            done.leave()
        }.start()
        usleep(50_000)
        // A plain reader would wait for the writer; an overtaking one reads now, before the write.
        let seen = lock.withReadLock(overtakingWaitingWriters: true) { $0 }
        #expect(seen == 0)
        shared.gate.store(true, ordering: .relaxed)
        #expect(done.wait(timeout: .now() + 10) == .success)
        #expect(lock.withReadLock(overtakingWaitingWriters: true) { $0 } == 1)
    }
}
