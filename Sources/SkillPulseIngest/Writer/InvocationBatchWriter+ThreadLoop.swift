import CProcessSupport
import Foundation
import SkillPulseCore
import SkillPulseStore
import SkillPulseWire
import Synchronization

// The `ingest-writer` thread: it takes group-commit batches off the queue, commits them through the store,
// hands committed events to the publisher and answers each request.
extension InvocationBatchWriter {
    /// Starts the writer thread; `drain()` makes it commit what is queued and stop.
    public func start() {
        let thread = Thread { [self] in
            // The kernel thread's name (top -H, gdb, /proc) set directly: Foundation's setter did not always
            // reach it (a test that looks the thread up by name saw the default).
            Thread.current.name = "ingest-writer"
            _ = skillpulse_name_current_thread("ingest-writer")
            self.loop()
            self.finished.fire()
        }
        thread.name = "ingest-writer"
        thread.start()
    }

    func loop() {
        var nextRefresh = ContinuousClock.now + cacheRefreshInterval
        while true {
            guard let batch = nextBatch() else { break }
            if !batch.isEmpty {
                commit(batch)
                store.withLock { store in
                    // The hook's count after this commit: the WAL's length, whoever wrote the frames.
                    if walRestart.take() || store.walFrameCount > walBudget.safetyFrames { store.checkpointWAL() }
                }
            }
            if batch.isEmpty, figures.withLock({ $0.lockBlockedSince != nil }) {
                // Idle after being blocked: find out whether the other connection let go, so that `health`
                // recovers without waiting for the next request.
                if store.withLock({ $0.writeLockIsFree() }) {
                    figures.withLock { $0.lockBlockedSince = nil }
                    logger.notice("the database write lock is free again")
                }
            }
            if ContinuousClock.now >= nextRefresh {
                refreshCache()
                nextRefresh = ContinuousClock.now + cacheRefreshInterval
            }
        }
        withQueue { $0.stopped = true }
        logger.info("writer stopped; every queued command was committed or answered")
    }

    /// Waits for work and takes the next group-commit batch; nil once draining has emptied the queue.
    ///
    /// Every read of the queue goes through `queueBox` after each wait: waiting inside an `inout` access
    /// would let the optimiser keep a stale copy while other threads append.
    func nextBatch() -> [Pending]? {
        condition.lock()
        defer { condition.unlock() }
        // Idle, the writer wakes for the cache refresh — or every second while it last found the write lock
        // taken, to notice when it is free again.
        let blocked = figures.withLock { $0.lockBlockedSince != nil }
        let idleDeadline = Date(timeIntervalSinceNow: blocked ? 1 : cacheRefreshInterval.seconds)
        while queueBox.state.pending.isEmpty && queueBox.state.accepting {
            if !condition.wait(until: idleDeadline) { return [] }
        }
        guard let oldest = queueBox.state.pending.first?.arrival else { return nil }
        // Group commit: concurrent requests may join until the oldest has waited maxDelay. Time it spent queued
        // behind the previous commit counts, so a busy writer starts the next batch at once instead of adding
        // the delay on top of the queueing.
        let wait = oldest + policy.maxDelay - .now
        if wait > .zero {
            let deadline = Date(timeIntervalSinceNow: wait.seconds)
            while queueBox.state.queuedRows < policy.maxRows && queueBox.state.accepting {
                if !condition.wait(until: deadline) { break }
            }
        }
        var rows = 0
        var count = 0
        let pending = queueBox.state.pending
        while count < pending.count && (count == 0 || rows + pending[count].command.weight <= policy.maxRows) {
            rows += pending[count].command.weight
            count += 1
        }
        queueBox.state.pending.removeFirst(count)
        queueBox.state.queuedRows -= rows
        let batch = Array(pending.prefix(count))
        queueBox.state.inFlight = batch.map(\.ticket)
        queueBox.state.inFlightRows = rows
        queueBox.state.inFlightSince = .now
        return batch
    }

    func commit(_ batch: [Pending]) {
        defer {
            withQueue { state in
                state.inFlight = []
                state.inFlightRows = 0
                state.inFlightSince = nil
            }
        }
        let now = UTCTimestamp.now()
        let nowMinute = now.millisecondsSinceEpoch / 60_000
        let started = ContinuousClock.now
        defer {
            let busy = (ContinuousClock.now - started).seconds
            figures.withLock { $0.busySeconds += busy }
        }
        // The cache windows count a batch's rows only once its transaction committed (`StagedWindowCounts`):
        // a failed batch, and each command retried alone, leave them as they were.
        let result: BatchResult
        let foreignCommits: Int
        do {
            (result, foreignCommits) = try store.withLock { store in
                (try store.write(batch.map(\.command), now: now, windows: cacheWindows(nowMinute: nowMinute)),
                 store.foreignCommitsSeen)
            }
        } catch {
            waitedForLock(batch, attemptStarted: started)
            return
        }
        let committedCommands = result.outcomes.count { outcome in
            switch outcome {
            case .failed, .rejected: false
            default: true
            }
        }
        let wroteRows = !result.invocations.isEmpty || !result.sessions.isEmpty
        figures.withLock { figures in
            figures.lockBlockedSince = nil
            figures.foreignCommits = foreignCommits
            figures.committedInvocations += result.invocations.count
            figures.committedCommands += committedCommands
            if wroteRows { figures.committedBatches += 1 }
            if result.outcomes.contains(where: { if case .failed = $0 { false } else { true } }) {
                figures.lastBatchFailed = false
            }
        }
        // Only this thread hands batches over, so subscribers see events strictly in commit order.
        publisher.publish(result)
        var failures = 0
        for (pending, outcome) in zip(batch, result.outcomes) {
            if case .failed(let message, let retryable) = outcome {
                failures += 1
                let code: WireErrorCode = retryable ? .unavailable : .internal
                pending.ticket.resolve(.failure(WireError(code, "database write failed: \(message)")))
            } else {
                pending.ticket.resolve(.success(outcome))
            }
        }
        if failures > 0 {
            logger.error("commands failed even when run alone", metadata: ["count": "\(failures)"])
            figures.withLock {
                $0.failedBatches += 1
                $0.lastFailureAt = .now
                $0.lastBatchFailed = failures == batch.count
                $0.lastError = result.outcomes.lazy.compactMap { outcome -> String? in
                    if case .failed(let message, _) = outcome { return message }
                    return nil
                }.first
            }
        }
    }
}
