import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of dedicated threads for CPU-heavy requests, served round-robin across clients at a lowered
/// scheduling priority.
///
/// Heavy queries must not run on the cooperative pool: it has one thread per core (two here), and two
/// 100 ms scans there hold up every `health` and cheap query of the process. On these threads they queue
/// per client (`key`, e.g. a connection), and the next job is taken from the next client in turn, so a client
/// that pipelines many heavy requests delays another client's one by at most one job per client. At `niceness`
/// (Linux: per thread) the kernel runs the daemon's other threads — the follower, the event loops and the
/// cooperative pool answering `health` — first whenever they are runnable.
public final class FairWorkerPool: Sendable {
    private struct Queues {
        var byKey: [ObjectIdentifier: [@Sendable () -> Void]] = [:]
        /// Keys with waiting jobs, in turn order.
        var turn: [ObjectIdentifier] = []
        var stopped = false
        var waiting: Int { byKey.values.reduce(0) { $0 + $1.count } }
    }

    private let queues = Mutex(Queues())
    /// Signalled when a job is queued or the pool stops; guards nothing else (`queues` has its own lock).
    private let wakeUp = NSCondition()
    private let label: String
    private let niceness: Int32

    /// Starts `threads` threads named after `label`, each at `niceness` (0 keeps the process's).
    public init(threads: Int, label: String, niceness: Int32 = 10) {
        self.label = label
        self.niceness = niceness
        for index in 0..<max(1, threads) {
            let thread = Thread { [self] in work() }
            thread.name = String("\(label)-\(index)".prefix(15))
            thread.start()
        }
    }

    /// Jobs queued and not yet started.
    public var waitingJobs: Int { queues.withLock { $0.waiting } }

    /// Runs `body` on one of the pool's threads in `key`'s turn and returns its result.
    public func run<T: Sendable>(for key: ObjectIdentifier, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let job: @Sendable () -> Void = { continuation.resume(returning: body()) }
            let accepted = queues.withLock { queues -> Bool in
                guard !queues.stopped else { return false }
                if queues.byKey[key, default: []].isEmpty { queues.turn.append(key) }
                queues.byKey[key, default: []].append(job)
                return true
            }
            if accepted {
                wakeUp.lock()
                wakeUp.signal()
                wakeUp.unlock()
            } else {
                job()  // after `stop()`: the caller's thread does it rather than waiting forever
            }
        }
    }

    /// `run`, unless the calling task is cancelled before a thread takes the job: then nil, and `body` never
    /// runs (a request whose connection closed while it waited is not computed for nobody).
    public func runUnlessCancelled<T: Sendable>(for key: ObjectIdentifier, _ body: @escaping @Sendable () -> T) async -> T? {
        let cancelled = CancellationFlag()
        return await withTaskCancellationHandler {
            await run(for: key) { cancelled.isSet ? nil : body() }
        } onCancel: {
            cancelled.set()
        }
    }

    /// Set once, from any thread.
    private final class CancellationFlag: Sendable {
        private let flag = Atomic<Bool>(false)
        var isSet: Bool { flag.load(ordering: .acquiring) }
        func set() { flag.store(true, ordering: .releasing) }
    }

    /// Lets the threads finish the jobs already queued, then end.
    public func stop() {
        queues.withLock { $0.stopped = true }
        wakeUp.lock()
        wakeUp.broadcast()
        wakeUp.unlock()
    }

    private func work() {
        // Set here: a new thread otherwise keeps its creator's name (a cooperative thread's, in profiles).
        Thread.current.name = String(label.prefix(15))
        if niceness != 0 {
            // Linux keeps the nice value per thread: `who` 0 is the calling thread alone (setpriority(2), BUGS).
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        }
        while true {
            wakeUp.lock()
            var job = next()
            while job == nil {
                if queues.withLock({ $0.stopped }) {
                    wakeUp.unlock()
                    return
                }
                wakeUp.wait()
                job = next()
            }
            wakeUp.unlock()
            job?()
        }
    }

    /// The next client's oldest job; that client goes to the back of the turn if it has more.
    private func next() -> (@Sendable () -> Void)? {
        queues.withLock { queues in
            guard !queues.turn.isEmpty else { return nil }
            let key = queues.turn.removeFirst()
            var jobs = queues.byKey[key] ?? []
            let job = jobs.removeFirst()
            if jobs.isEmpty {
                queues.byKey[key] = nil
            } else {
                queues.byKey[key] = jobs
                queues.turn.append(key)
            }
            return job
        }
    }
}
