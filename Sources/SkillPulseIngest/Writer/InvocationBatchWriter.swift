import CProcessSupport
import Foundation
import Logging
import SkillPulseCore
import SkillPulseDaemon
import SkillPulseStore
import SkillPulseWire
import Synchronization

/// The only writer of invocation data: queues commands from every connection and commits them in groups on
/// one dedicated thread, answering each request only after its batch committed.
///
/// SQLite calls block, so they run on a thread of their own rather than on the cooperative pool.
public final class InvocationBatchWriter: Sendable {
    /// What a queued command's requester awaits.
    public typealias Ticket = AsyncPromise<Result<WriteOutcome, WireError>>

    private struct Pending {
        let command: WriteCommand
        let ticket: Ticket
        /// When the command was queued: a batch closes `maxDelay` after its oldest command arrived.
        let arrival: ContinuousClock.Instant
    }

    private struct QueueState {
        var pending: [Pending] = []
        var queuedRows = 0
        var accepting = true
        var stopped = false
        /// The batch the writer thread took and has not finished, and since when: a stuck commit shows here.
        var inFlight: [Ticket] = []
        var inFlightRows = 0
        var inFlightSince: ContinuousClock.Instant?
        /// Set when the drain deadline passed: every request still waiting has been answered `unavailable`.
        var abandoned = false
    }

    /// Figures for `stats`, `health` and the systemd STATUS line.
    public struct Figures: Sendable {
        public var committedInvocations: Int
        /// Transactions that wrote rows; a batch that failed, or whose commands were all refused or duplicates,
        /// is not one.
        public var committedBatches: Int
        public var committedCommands: Int
        public var rejectedFull: Int
        public var failedBatches: Int
        public var queuedRows: Int
        public var lastError: String?
        /// True from a failed batch until the next one commits.
        public var lastBatchFailed: Bool
        /// Time the writer thread spent inside batch transactions: near wall-clock time means it is saturated.
        public var busySeconds: Double = 0
        /// WAL frames after the last commit, and how often the WAL started over from its beginning.
        public var walFrames = 0
        public var walRestarts = 0
        /// Requests answered `unavailable` because another connection held the write lock past `lockWait`.
        public var lockTimeouts = 0
        /// Since when the writer has been waiting for another connection's write lock; nil while it is not.
        public var lockBlockedSince: ContinuousClock.Instant?
        /// When a command last failed in the database.
        public var lastFailureAt: ContinuousClock.Instant?
        /// Batches that found another connection's commits first (and reloaded what the writer keeps in memory).
        public var foreignCommits = 0
    }

    // Only the writer thread (and start-up seeding, before the thread exists) touches the store.
    private let store: Mutex<InvocationBatchStore>
    private let policy: GroupCommitPolicy
    private let publisher: CommittedBatchPublisher
    private let logger: Logger
    // NSCondition guards `queueBox`; it is the one lock both submitters and the writer thread take.
    private let condition = NSCondition()
    private let queueBox: QueueBox
    private let windows = Mutex(SlidingWindowCounts<String>(windowMinutes: WindowEdgeCounts.windowMinutes))
    private let figures = Mutex(Figures(committedInvocations: 0, committedBatches: 0, committedCommands: 0,
                                        rejectedFull: 0, failedBatches: 0, queuedRows: 0, lastError: nil,
                                        lastBatchFailed: false))
    private let finished = OneShotSignal()
    private let cacheRefreshInterval: Duration
    private let walRestart: WALRestartRequest
    private let walBudget: WALBudget

    /// Mutable queue state, touched only while holding `condition` (see `withQueue`).
    private final class QueueBox: @unchecked Sendable {
        var state = QueueState()
    }

    public init(store: sending InvocationBatchStore, walRestart: WALRestartRequest, walBudget: WALBudget = WALBudget(),
                policy: GroupCommitPolicy,
                publisher: CommittedBatchPublisher, logger: Logger, cacheRefreshInterval: Duration = .seconds(30)) {
        self.walRestart = walRestart
        self.walBudget = walBudget
        self.store = Mutex(store)
        self.policy = policy
        self.publisher = publisher
        self.logger = logger
        self.queueBox = QueueBox()
        self.cacheRefreshInterval = cacheRefreshInterval
    }

    private func withQueue<T>(_ body: (inout QueueState) -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body(&queueBox.state)
    }

    public var currentFigures: Figures {
        var snapshot = figures.withLock { $0 }
        snapshot.queuedRows = withQueue { $0.queuedRows }
        return snapshot
    }

    /// Loads the last 24 h of per-minute counts so the cache's windows are exact from the first batch.
    public func seedWindows(now: UTCTimestamp) throws {
        let since = now.adding(milliseconds: -86_400_000)
        let nowMinute = now.millisecondsSinceEpoch / 60_000
        let tallies = try store.withLock { try $0.recentMinuteCounts(since: since) }
        cacheWindows(nowMinute: nowMinute).record(tallies)
    }

    /// The sliding windows as the store feeds and reads them, as of `nowMinute`.
    private func cacheWindows(nowMinute: Int64) -> CacheWindows {
        CacheWindows(
            record: { tallies in
                self.windows.withLock { windows in
                    for tally in tallies {
                        windows.record(tally.skill, minute: tally.minute, count: tally.count,
                                       completed: tally.completed, now: nowMinute)
                    }
                }
            },
            figures: { skills in
                self.windows.withLock { windows in
                    var figures: [String: CacheWindowFigures] = [:]
                    for skill in skills { figures[skill] = Self.cacheFigures(windows.totals(skill, now: nowMinute)) }
                    return figures
                }
            },
            holds: { skill, minute in self.windows.withLock { $0.holds(skill, minute: minute) } })
    }

    /// Queues `command` now (callers rely on queue order being request order) and returns the ticket that
    /// resolves once the batch holding it has committed, or at once if the queue refuses it.
    public func enqueue(_ command: WriteCommand) -> Ticket {
        let ticket = Ticket()
        let refusal: WireError? = withQueue { state in
            guard state.accepting else {
                return WireError.unavailable("ingest is draining for shutdown; retry against the next instance")
            }
            guard state.queuedRows + command.weight <= policy.queueCapacity || state.queuedRows == 0 else {
                return WireError.unavailable(
                    "write queue is full (\(state.queuedRows) rows waiting); retry after a short pause")
            }
            state.pending.append(Pending(command: command, ticket: ticket, arrival: .now))
            state.queuedRows += command.weight
            if state.pending.count == 1 || state.queuedRows >= policy.maxRows { condition.signal() }
            return nil
        }
        if let refusal {
            if refusal.message.hasPrefix("write queue") {
                figures.withLock { $0.rejectedFull += 1 }
            }
            ticket.resolve(.failure(refusal))
        }
        return ticket
    }

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

    /// Refuses new commands, commits everything queued, then returns once the thread has stopped — or, once
    /// `timeout` has passed, answers every request still waiting `unavailable` and returns without it (the
    /// process is about to exit; SQLite rolls back a transaction it leaves unfinished). Returns false then.
    @discardableResult
    public func drain(within timeout: Duration) async -> Bool {
        withQueue { state in
            state.accepting = false
            condition.signal()
        }
        let finishedInTime = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.finished.wait()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || finished.hasFired
        }
        if !finishedInTime { abandonWaitingRequests(after: timeout) }
        return finishedInTime
    }

    /// The drain deadline passed with the writer still blocked (another process's lock, a stuck disk).
    private func abandonWaitingRequests(after timeout: Duration) {
        let (queued, inFlight) = withQueue { state -> ([Pending], [Ticket]) in
            state.abandoned = true
            defer {
                state.pending = []
                state.queuedRows = 0
                state.inFlight = []
                state.inFlightRows = 0
            }
            return (state.pending, state.inFlight)
        }
        logger.error("drain deadline passed; answering the requests still waiting unavailable", metadata: [
            "queued": "\(queued.count)", "committing": "\(inFlight.count)", "timeout": "\(timeout)",
        ])
        let notWritten = WireError.unavailable(
            "ingest is shutting down and its drain deadline (\(timeout)) passed before this request could be "
                + "committed; nothing was written; retry against the next instance")
        for pending in queued { pending.ticket.resolve(.failure(notWritten)) }
        let unknown = WireError.unavailable(
            "ingest is shutting down and its drain deadline (\(timeout)) passed while this request's batch was "
                + "still committing; it may or may not have been written; a retry with the same idempotency key is safe")
        for ticket in inFlight { ticket.resolve(.failure(unknown)) }
    }

    /// The writer's verdict for `health`, STATUS= and the watchdog: it makes progress while it commits, or is
    /// idle with nothing waiting. Work that has waited `stallLimit` (blocked on another process's write lock,
    /// or a writer thread that stopped) makes it `unhealthy` and stops the watchdog pings.
    public func liveness(stallLimit: Duration, queueCapacity: Int) -> Liveness {
        let now = ContinuousClock.now
        let figures = currentFigures
        let (waitingSince, waitingRows) = withQueue { state -> (ContinuousClock.Instant?, Int) in
            let since = [state.inFlightSince, state.pending.first?.arrival].compactMap { $0 }.min()
            return (since, state.queuedRows + state.inFlightRows)
        }
        if let since = figures.lockBlockedSince {
            let blocked = now - since
            guard waitingSince != nil else {
                return Liveness(status: .degraded, reason: String(
                    format: "another connection held the database write lock for %.1f s; no request waits now",
                    blocked.seconds), progressing: true)
            }
            return Liveness(status: blocked >= stallLimit ? .unhealthy : .degraded, reason: String(
                format: "writer blocked %.1f s on the database write lock held by another connection (%d rows waiting)",
                blocked.seconds, waitingRows), progressing: blocked < stallLimit)
        }
        if let waitingSince, now - waitingSince >= stallLimit {
            return Liveness(status: .unhealthy, reason: String(
                format: "writer has made no progress for %.1f s (%d rows waiting)", (now - waitingSince).seconds,
                waitingRows), progressing: false)
        }
        if figures.lastBatchFailed {
            return Liveness(status: .unhealthy, reason: "the last batch failed: \(figures.lastError ?? "unknown error")",
                            progressing: true)
        }
        if waitingRows * 5 >= queueCapacity * 4 {
            return Liveness(status: .degraded, reason: "write queue \(waitingRows) of \(queueCapacity) rows",
                            progressing: true)
        }
        if let failedAt = figures.lastFailureAt, now - failedAt < Self.failureMemory {
            return Liveness(status: .degraded, reason: String(
                format: "a command failed %.0f s ago: %@", (now - failedAt).seconds, figures.lastError ?? "unknown error"),
                progressing: true)
        }
        return .healthy
    }

    /// How long a failed command keeps `health` at `degraded` after the writer recovered.
    static let failureMemory: Duration = .seconds(60)

    private func loop() {
        var nextRefresh = ContinuousClock.now + cacheRefreshInterval
        while true {
            guard let batch = nextBatch() else { break }
            if !batch.isEmpty {
                commit(batch)
                let frames = store.withLock { store in
                    let frames = store.walFrameCount
                    if walRestart.take() || frames > walBudget.safetyFrames { store.checkpointWAL() }
                    return frames
                }
                figures.withLock { figures in
                    // The WAL hook reports fewer frames than before only when this commit started it over.
                    if frames < figures.walFrames { figures.walRestarts += 1 }
                    figures.walFrames = frames
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
    private func nextBatch() -> [Pending]? {
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

    private func commit(_ batch: [Pending]) {
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
        // Windows count rows before the commit; if a command later fails alone they over-count until the
        // next start re-seeds them from the table.
        let result: BatchResult
        let foreignCommits: Int
        do {
            (result, foreignCommits) = try store.withLock { store in
                (try store.write(batch.map(\.command), now: now, windows: cacheWindows(nowMinute: nowMinute)),
                 store.foreignCommitsSeen)
            }
        } catch {
            waitedForLock(batch)
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

    /// Another connection held the write lock for a whole lock-wait slice, so `batch` was not executed. Its
    /// requests go back to the head of the queue, in order, unless they have waited `lockWait` (or ingest is
    /// draining): those, and queued requests as old, are answered `unavailable` with nothing written.
    private func waitedForLock(_ batch: [Pending]) {
        let now = ContinuousClock.now
        let since = figures.withLock { figures in
            let since = figures.lockBlockedSince ?? now
            figures.lockBlockedSince = since
            return since
        }
        var expired: [Pending] = []
        withQueue { state in
            let draining = !state.accepting
            var keep: [Pending] = []
            for pending in batch + state.pending {
                if draining || now - pending.arrival >= policy.lockWait {
                    expired.append(pending)
                } else {
                    keep.append(pending)
                }
            }
            state.pending = keep
            state.queuedRows = keep.reduce(0) { $0 + $1.command.weight }
        }
        guard !expired.isEmpty else { return }
        let waited = (now - since).seconds
        let draining = withQueue { !$0.accepting }
        figures.withLock { $0.lockTimeouts += expired.count }
        logger.warning("another connection holds the database's write lock; answering requests unavailable", metadata: [
            "requests": "\(expired.count)", "blocked_seconds": "\(String(format: "%.1f", waited))",
        ])
        let error = WireError.unavailable(draining
            ? String(format: "ingest is shutting down while another connection holds the database's write lock "
                         + "(waited %.1f s); nothing was written; retry later", waited)
            : String(format: "the database is locked by another writer (ingest has waited %.1f s for its write "
                         + "lock); nothing was written; retry later", max(waited, policy.lockWait.seconds)))
        for pending in expired { pending.ticket.resolve(.failure(error)) }
    }

    private func refreshCache() {
        // One instant for the minute buckets and the exact edges, so neither counts a row twice or never.
        let now = UTCTimestamp.now()
        let nowMinute = now.millisecondsSinceEpoch / 60_000
        do {
            let changed = try store.withLock { store in
                try store.refreshCache(windows: cacheWindows(nowMinute: nowMinute), now: now)
            }
            if changed > 0 { logger.debug("cache windows refreshed", metadata: ["rows": "\(changed)"]) }
        } catch {
            logger.warning("cache refresh failed", metadata: ["error": "\(error)"])
        }
    }

    static func cacheFigures(_ totals: SlidingWindowCounts<String>.Totals) -> CacheWindowFigures {
        CacheWindowFigures(count1h: totals.count[0], count24h: totals.count[1], completed24h: totals.completed[1])
    }
}
