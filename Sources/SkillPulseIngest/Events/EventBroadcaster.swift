import NIOCore
import SkillPulseCore
import SkillPulseStore
import SkillPulseWire
import Synchronization

/// Fans committed changes out to subscribers. Each subscriber has a bounded queue: one that cannot keep up
/// loses events (never slowing ingest) and is told exactly how many, per topic, with a `lagged` event at the
/// place of the gap, after which it must resync.
///
/// Encoding an event costs more than storing it, so events are encoded only when some subscriber of their
/// topic has room: a subscriber that stopped reading costs a count per event, not an encoding.
public final class EventBroadcaster: Sendable {
    private struct State {
        var subscribers: [Int: SubscriberQueue] = [:]
        var nextID = 0
        var closed = false
    }

    private let state = Mutex(State())
    public let bufferCapacity: Int

    public init(bufferCapacity: Int = 10_000) {
        self.bufferCapacity = bufferCapacity
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// A new subscriber's event source for `topics`; it ends when the broadcaster closes.
    func subscribe(topics: Set<EventTopic>) -> SubscriberQueue {
        let (queue, closed) = state.withLock { state -> (SubscriberQueue, Bool) in
            state.nextID += 1
            let queue = SubscriberQueue(id: state.nextID, topics: topics, capacity: bufferCapacity) { [weak self] id in
                _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
            }
            if !state.closed { state.subscribers[queue.id] = queue }
            return (queue, state.closed)
        }
        if closed { queue.finish() }
        return queue
    }

    /// Counts events dropped before they reached any subscriber against each one, for the topics it follows.
    func markMissed(_ missed: MissedEvents) {
        for subscriber in state.withLock({ Array($0.subscribers.values) }) { subscriber.markMissed(missed) }
    }

    /// Publishes one committed batch, its events in request order (a session's start before the invocation
    /// that created it, an `end_session` after the invocations sent before it). Called by
    /// `CommittedBatchPublisher`'s thread only, so events keep commit order.
    public func publish(_ batch: BatchResult) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        guard !subscribers.isEmpty else { return }
        let topics = subscribers.map(\.topics)
        var room = subscribers.map(\.room)
        var items = Array(repeating: [SubscriberQueue.Item](), count: subscribers.count)
        Self.forEachEvent(of: batch) { topic, encode in
            let takers = subscribers.indices.filter { topics[$0].contains(topic) }
            let frame = takers.contains { room[$0] > 0 } ? encode() : nil
            for index in takers {
                if let frame, room[index] > 0 {
                    room[index] -= 1
                    items[index].append(.frame(frame, topic))
                } else {
                    Self.addMissed(topic, to: &items[index])
                }
            }
        }
        for (subscriber, items) in zip(subscribers, items) where !items.isEmpty { subscriber.append(items) }
    }

    /// Ends every stream after what is queued (at shutdown), so connections can finish.
    public func close() {
        let subscribers = state.withLock { state -> [SubscriberQueue] in
            state.closed = true
            return Array(state.subscribers.values)
        }
        subscribers.forEach { $0.finish() }
    }

    /// Calls `body` for each event of `batch` in request order with a closure that encodes it, then for the
    /// batch's `commit` event.
    private static func forEachEvent(of batch: BatchResult, _ body: (EventTopic, () -> ByteBuffer?) -> Void) {
        var sessions = batch.sessions[...]
        func sessionsUpTo(_ position: Int) {
            while let change = sessions.first, change.position <= position {
                sessions = sessions.dropFirst()
                body(.session) { try? WireReply.event("session", data: SessionEvent(change)) }
            }
        }
        for (position, invocation) in batch.invocations.enumerated() {
            sessionsUpTo(position)
            body(.invocation) { try? WireReply.event("invocation", data: InvocationEvent(invocation)) }
        }
        sessionsUpTo(Int.max)
        guard !batch.invocations.isEmpty || !batch.sessions.isEmpty else { return }
        body(.commit) { try? WireReply.event("commit", data: CommitEvent(batch)) }
    }

    private static func addMissed(_ topic: EventTopic, to items: inout [SubscriberQueue.Item]) {
        if case .gap(var missed)? = items.last {
            missed[topic] += 1
            items[items.count - 1] = .gap(missed)
        } else {
            var missed = MissedEvents()
            missed[topic] = 1
            items.append(.gap(missed))
        }
    }
}
