import SkillPulseWire
import Synchronization
import Testing

/// `AsyncPromise`, `AsyncSemaphore` and `OneShotSignal`.
///
/// Sleeps in these tests only ever make a check weaker ("has not finished yet"), except where a task must
/// reach its suspension point before the next one starts (FIFO order); there a start signal plus a margin is used.
@Suite(.timeLimit(.minutes(1)))
struct AsyncPrimitivesTests {
    /// Records what finished, in order; lets a test wait for a count without a fixed sleep.
    final class Log<Value: Sendable>: Sendable {
        private let entries = Mutex<[Value]>([])

        func append(_ value: Value) { entries.withLock { $0.append(value) } }
        var values: [Value] { entries.withLock { $0 } }

        func waitForCount(_ count: Int, timeout: Duration = .seconds(10)) async throws {
            let deadline = ContinuousClock.now + timeout
            while values.count < count {
                guard ContinuousClock.now < deadline else {
                    Issue.record("timed out waiting for \(count) entries (have \(values.count))")
                    return
                }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
    }

    // MARK: - AsyncPromise

    @Test func promiseResolvedAtInitIsReadyAtOnce() async {
        let promise = AsyncPromise(resolved: 42)
        #expect(await promise.value == 42)
        #expect(await promise.value == 42)
        promise.resolve(7)  // ignored: already resolved
        #expect(await promise.value == 42)
    }

    @Test func promiseWakesEveryWaiterWithTheFirstValue() async throws {
        let promise = AsyncPromise<String>()
        let log = Log<String>()
        let waiters = (0..<5).map { _ in
            Task {
                let value = await promise.value
                log.append(value)
                return value
            }
        }
        try await Task.sleep(for: .milliseconds(30))
        #expect(log.values.isEmpty)
        promise.resolve("first")
        promise.resolve("second")
        for waiter in waiters {
            #expect(await waiter.value == "first")
        }
        #expect(await promise.value == "first")
        #expect(log.values == Array(repeating: "first", count: 5))
    }

    @Test func promiseResolvedBeforeAnyoneWaits() async {
        let promise = AsyncPromise<[Int]>()
        promise.resolve([1, 2])
        #expect(await promise.value == [1, 2])
    }

    @Test func promiseResolvedFromManyThreadsAtOnceKeepsOneValue() async {
        let promise = AsyncPromise<Int>()
        await withTaskGroup(of: Void.self) { group in
            for value in 0..<50 {
                group.addTask { promise.resolve(value) }
            }
        }
        let first = await promise.value
        #expect((0..<50).contains(first))
        #expect(await promise.value == first)
    }

    // MARK: - AsyncSemaphore

    @Test func semaphoreHandsOutItsPermitsAtOnce() async throws {
        let semaphore = AsyncSemaphore(permits: 3)
        for _ in 0..<3 {
            #expect(await semaphore.acquire())
        }
        let log = Log<Bool>()
        let fourth = Task {
            let acquired = await semaphore.acquire()
            log.append(acquired)
            return acquired
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(log.values.isEmpty, "a fourth acquire must wait")
        semaphore.release()
        #expect(await fourth.value)
        // A release with nobody waiting stores a permit.
        semaphore.release()
        #expect(await semaphore.acquire())
    }

    @Test func semaphoreReleasesWaitersInFIFOOrder() async throws {
        let semaphore = AsyncSemaphore(permits: 0)
        let started = Log<Int>()
        let acquired = Log<Int>()
        var tasks: [Task<Bool, Never>] = []
        for index in 1...5 {
            tasks.append(Task {
                started.append(index)
                let ok = await semaphore.acquire()
                acquired.append(index)
                return ok
            })
            // Let this waiter reach its queue position before the next one starts.
            try await started.waitForCount(index)
            try await Task.sleep(for: .milliseconds(30))
        }
        #expect(acquired.values.isEmpty)
        for released in 1...5 {
            semaphore.release()
            try await acquired.waitForCount(released)
            #expect(acquired.values == Array(1...released))
        }
        for task in tasks {
            #expect(await task.value)
        }
    }

    @Test func cancellingAWaiterReturnsFalseAndKeepsThePermitForOthers() async throws {
        let semaphore = AsyncSemaphore(permits: 0)
        let started = Log<String>()
        let cancelled = Task {
            started.append("a")
            return await semaphore.acquire()
        }
        try await started.waitForCount(1)
        try await Task.sleep(for: .milliseconds(30))
        let other = Task {
            started.append("b")
            return await semaphore.acquire()
        }
        try await started.waitForCount(2)
        try await Task.sleep(for: .milliseconds(30))

        cancelled.cancel()
        #expect(await cancelled.value == false)
        // The one release goes to the remaining waiter, not to the cancelled one.
        semaphore.release()
        #expect(await other.value == true)
        // And a release with the queue empty is kept for the next acquire.
        semaphore.release()
        #expect(await semaphore.acquire())
    }

    @Test func anAlreadyCancelledTaskGetsFalseWhenItWouldHaveToWait() async {
        let semaphore = AsyncSemaphore(permits: 0)
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await semaphore.acquire()
        }
        #expect(await task.value == false)
        // The cancelled acquire left nothing behind: a release becomes a stored permit.
        semaphore.release()
        #expect(await semaphore.acquire())
    }

    @Test func semaphoreBoundsConcurrency() async {
        final class Occupancy: Sendable {
            let state = Mutex((inside: 0, peak: 0))
        }
        let semaphore = AsyncSemaphore(permits: 4)
        let occupancy = Occupancy()
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 {
                group.addTask {
                    guard await semaphore.acquire() else { return false }
                    occupancy.state.withLock { state in
                        state.inside += 1
                        state.peak = max(state.peak, state.inside)
                    }
                    await Task.yield()
                    occupancy.state.withLock { $0.inside -= 1 }
                    semaphore.release()
                    return true
                }
            }
            for await ok in group {
                #expect(ok)
            }
        }
        let final = occupancy.state.withLock { $0 }
        #expect(final.peak <= 4)
        #expect(final.peak >= 1)
        #expect(final.inside == 0)
    }

    // MARK: - OneShotSignal

    @Test func signalFiredBeforeWaitReturnsAtOnce() async {
        let signal = OneShotSignal()
        #expect(!signal.hasFired)
        signal.fire()
        #expect(signal.hasFired)
        await signal.wait()
        await signal.wait()
        signal.fire()  // a second fire is harmless
        #expect(signal.hasFired)
    }

    @Test func signalFiredAfterWaitWakesEveryWaiter() async throws {
        let signal = OneShotSignal()
        let log = Log<Int>()
        let waiters = (0..<4).map { index in
            Task {
                await signal.wait()
                log.append(index)
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(log.values.isEmpty)
        signal.fire()
        for waiter in waiters {
            await waiter.value
        }
        #expect(Set(log.values) == [0, 1, 2, 3])
    }

    @Test func cancellingAWaiterResumesOnlyThatWaiter() async throws {
        let signal = OneShotSignal()
        let log = Log<String>()
        let cancelled = Task {
            await signal.wait()
            log.append("cancelled")
        }
        let patient = Task {
            await signal.wait()
            log.append("patient")
        }
        try await Task.sleep(for: .milliseconds(30))
        cancelled.cancel()
        await cancelled.value
        #expect(log.values == ["cancelled"])
        #expect(!signal.hasFired)
        try await Task.sleep(for: .milliseconds(30))
        #expect(log.values == ["cancelled"], "the other waiter keeps waiting")
        signal.fire()
        await patient.value
        #expect(log.values == ["cancelled", "patient"])
    }

    @Test func anAlreadyCancelledTaskDoesNotWait() async {
        let signal = OneShotSignal()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            await signal.wait()
            return true
        }
        #expect(await task.value)
        #expect(!signal.hasFired)
    }
}
