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

    struct Pending {
        let command: WriteCommand
        let ticket: Ticket
        /// When the command was queued: a batch closes `maxDelay` after its oldest command arrived.
        let arrival: ContinuousClock.Instant
    }

    struct QueueState {
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

    // Internal rather than private: the writer's concept files (+Figures, +WindowCache, +Liveness, +ThreadLoop,
    // +LockWaits) extend it.
    // Only the writer thread (and start-up seeding, before the thread exists) touches the store.
    let store: Mutex<InvocationBatchStore>
    let policy: GroupCommitPolicy
    let publisher: CommittedBatchPublisher
    let logger: Logger
    // NSCondition guards `queueBox`; it is the one lock both submitters and the writer thread take.
    let condition = NSCondition()
    let queueBox: QueueBox
    let windows = Mutex(StagedWindowCounts(windowMinutes: WindowEdgeCounts.windowMinutes))
    let figures = Mutex(Figures(committedInvocations: 0, committedBatches: 0, committedCommands: 0,
                                rejectedFull: 0, failedBatches: 0, queuedRows: 0, lastError: nil,
                                lastBatchFailed: false))
    let finished = OneShotSignal()
    let cacheRefreshInterval: Duration
    let walRestart: WALRestartRequest
    let walBudget: WALBudget

    /// Mutable queue state, touched only while holding `condition` (see `withQueue`).
    final class QueueBox: @unchecked Sendable {
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

    func withQueue<T>(_ body: (inout QueueState) -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body(&queueBox.state)
    }

    /// Why `enqueue` refused a command; `error` is what its requester is answered.
    enum Refusal {
        case draining
        /// Counted in `Figures.rejectedFull`.
        case queueFull(waitingRows: Int)

        var error: WireError {
            switch self {
            case .draining:
                WireError.unavailable("ingest is draining for shutdown; retry against the next instance")
            case .queueFull(let waitingRows):
                WireError.unavailable("write queue is full (\(waitingRows) rows waiting); retry after a short pause")
            }
        }
    }

    /// Queues `command` now (callers rely on queue order being request order) and returns the ticket that
    /// resolves once the batch holding it has committed, or at once if the queue refuses it.
    public func enqueue(_ command: WriteCommand) -> Ticket {
        let ticket = Ticket()
        let refusal: Refusal? = withQueue { state in
            guard state.accepting else { return .draining }
            guard state.queuedRows + command.weight <= policy.queueCapacity || state.queuedRows == 0 else {
                return .queueFull(waitingRows: state.queuedRows)
            }
            state.pending.append(Pending(command: command, ticket: ticket, arrival: .now))
            state.queuedRows += command.weight
            if state.pending.count == 1 || state.queuedRows >= policy.maxRows { condition.signal() }
            return nil
        }
        if let refusal {
            if case .queueFull = refusal {
                figures.withLock { $0.rejectedFull += 1 }
            }
            ticket.resolve(.failure(refusal.error))
        }
        return ticket
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
}
