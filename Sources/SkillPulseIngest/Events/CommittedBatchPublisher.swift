import Foundation
import SkillPulseStore
import SkillPulseWire

/// Carries committed batches from the writer thread to a publishing thread of its own, which encodes the
/// events and fans them out, so subscribers never cost the writer time (one `tail` used to halve ingest's
/// throughput: encoding an event takes longer than storing it).
///
/// One thread publishes, so events keep commit order. The hand-over queue is bounded in events: when a
/// publisher falls that far behind, batches are dropped and every subscriber is told at the right place in its
/// stream — at once, not when a later commit comes — with a `lagged` event counting only its own topics, as
/// for a subscriber that reads too slowly.
public final class CommittedBatchPublisher: Sendable {
    private struct Item {
        let batch: BatchResult
        /// Events dropped just before this batch because the queue was full.
        let missedBefore: MissedEvents<IngestTopic>
    }

    private struct QueueState {
        var items: [Item] = []
        var queuedEvents = 0
        /// Dropped since the last queued batch; they belong after every batch queued so far.
        var dropped = MissedEvents<IngestTopic>()
        var closing = false
    }

    /// Queue state, touched only while holding `condition`.
    private final class QueueBox: @unchecked Sendable {
        // @unchecked: every access is inside `withQueue` or between `condition.lock()` and `unlock()`.
        var state = QueueState()
    }

    private let broadcaster: EventHub<IngestTopic>
    private let capacity: Int
    private let condition = NSCondition()
    private let queueBox = QueueBox()
    private let finished = OneShotSignal()

    public init(broadcaster: EventHub<IngestTopic>, capacity: Int = 50_000) {
        self.broadcaster = broadcaster
        self.capacity = capacity
    }

    private func withQueue<T>(_ body: (inout QueueState) -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body(&queueBox.state)
    }

    /// Queues a committed batch; returns at once. Called by the writer thread only.
    public func publish(_ batch: BatchResult) {
        // Nobody listens: nothing to encode. A subscriber that joins later starts with later batches.
        guard broadcaster.subscriberCount > 0 else { return }
        let events = Self.eventCount(batch)
        guard events > 0 else { return }
        withQueue { state in
            guard !state.closing else { return }
            if state.queuedEvents + events > capacity && !state.items.isEmpty {
                state.dropped[.invocation] += batch.invocations.count
                state.dropped[.session] += batch.sessions.count
                state.dropped[.commit] += 1
                return
            }
            state.items.append(Item(batch: batch, missedBefore: state.dropped))
            state.dropped = MissedEvents<IngestTopic>()
            state.queuedEvents += events
            condition.signal()
        }
    }

    /// A batch's events: one per invocation and session change, and its `commit` event.
    static func eventCount(_ batch: BatchResult) -> Int {
        let changes = batch.invocations.count + batch.sessions.count
        return changes > 0 ? changes + 1 : 0
    }

    /// Starts the publishing thread.
    public func start() {
        let thread = Thread { [self] in
            self.loop()
            self.finished.fire()
        }
        thread.name = "ingest-publisher"
        thread.start()
    }

    /// Publishes what is queued, then stops the thread; call after the writer has stopped.
    public func finish() async {
        withQueue { state in
            state.closing = true
            condition.signal()
        }
        await finished.wait()
    }

    private func loop() {
        while let (items, droppedAfter) = nextItems() {
            for item in items {
                if item.missedBefore.total > 0 { broadcaster.markMissed(item.missedBefore) }
                broadcaster.publish(item.batch)
            }
            if droppedAfter.total > 0 { broadcaster.markMissed(droppedAfter) }
            let events = items.reduce(0) { $0 + Self.eventCount($1.batch) }
            withQueue { $0.queuedEvents -= events }
        }
    }

    /// Waits for queued batches (or drops) and takes them all, with the events dropped after the last of
    /// them; nil once closing has emptied the queue.
    private func nextItems() -> (items: [Item], droppedAfter: MissedEvents<IngestTopic>)? {
        condition.lock()
        defer { condition.unlock() }
        while queueBox.state.items.isEmpty && queueBox.state.dropped.total == 0 && !queueBox.state.closing {
            condition.wait()
        }
        if queueBox.state.items.isEmpty && queueBox.state.dropped.total == 0 { return nil }
        defer {
            queueBox.state.items.removeAll(keepingCapacity: true)
            queueBox.state.dropped = MissedEvents<IngestTopic>()
        }
        return (queueBox.state.items, queueBox.state.dropped)
    }
}
