import NIOCore
import Synchronization

/// Fans a daemon's events out to its subscribers — one implementation for every daemon that streams events.
///
/// Each subscriber has a bounded `SubscriberQueue`: one that cannot keep up loses events (never slowing the
/// publisher) and is told exactly how many, per topic, with a `lagged` event at the place of the gap. Encoding
/// an event costs more than queueing it, so an event is encoded only when some subscriber of its topic has
/// room: a subscriber that stopped reading costs a count per event, not an encoding. Publish from one task or
/// thread at a time, so every subscriber sees events in publishing order.
public final class EventHub<Topic: EventTopic>: Sendable {
    private struct State {
        var subscribers: [Int: SubscriberQueue<Topic>] = [:]
        var nextID = 0
        var closed = false
    }

    private let state = Mutex(State())
    /// Frames one subscriber may have queued before further events become a gap.
    public let bufferCapacity: Int

    public init(bufferCapacity: Int) {
        self.bufferCapacity = bufferCapacity
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Whether anyone follows `topic` (so a publisher can skip computing an event nobody reads).
    public func hasSubscribers(for topic: Topic) -> Bool {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        return subscribers.contains { $0.topics.contains(topic) }
    }

    /// A new subscriber's event source for `topics`; it ends (after what is queued) when the hub closes.
    public func subscribe(topics: Set<Topic>) -> SubscriberQueue<Topic> {
        let (queue, closed) = state.withLock { state -> (SubscriberQueue<Topic>, Bool) in
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

    /// Publishes one event, encoded once (and only if a subscriber of its topic has room).
    public func publish(_ topic: Topic, data: some Encodable) {
        publish { emit in emit(topic) { try? WireReply.event(topic.rawValue, data: data) } }
    }

    /// Publishes a run of events in order: `events` calls `emit(topic, encode)` once per event, and `encode` is
    /// called at most once, only when some subscriber of that topic has room.
    public func publish(_ events: (_ emit: (Topic, () -> ByteBuffer?) -> Void) -> Void) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        guard !subscribers.isEmpty else { return }
        let topics = subscribers.map(\.topics)
        var room = subscribers.map(\.room)
        var items = Array(repeating: [SubscriberQueue<Topic>.Item](), count: subscribers.count)
        events { topic, encode in
            let takers = subscribers.indices.filter { topics[$0].contains(topic) }
            guard !takers.isEmpty else { return }
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

    /// Counts events dropped before they reached the hub against every subscriber, for the topics it follows.
    public func markMissed(_ missed: MissedEvents<Topic>) {
        for subscriber in state.withLock({ Array($0.subscribers.values) }) { subscriber.markMissed(missed) }
    }

    /// Ends every stream after what is queued (at shutdown), so connections flush and finish.
    public func close() {
        let subscribers = state.withLock { state -> [SubscriberQueue<Topic>] in
            state.closed = true
            return Array(state.subscribers.values)
        }
        subscribers.forEach { $0.finish() }
    }

    private static func addMissed(_ topic: Topic, to items: inout [SubscriberQueue<Topic>.Item]) {
        if case .gap(var missed)? = items.last {
            missed[topic] += 1
            items[items.count - 1] = .gap(missed)
        } else {
            var missed = MissedEvents<Topic>()
            missed[topic] = 1
            items.append(.gap(missed))
        }
    }
}
