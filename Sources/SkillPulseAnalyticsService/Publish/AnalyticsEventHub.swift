import NIOCore
import SkillPulseWire
import Synchronization

/// Fans `anomaly` and `metrics` events out to the subscribers of `analytics.sock`.
public final class AnalyticsEventHub: Sendable {
    private struct State {
        var subscribers: [Int: AnalyticsSubscriber] = [:]
        var nextID = 0
        var closed = false
    }

    private let state = Mutex(State())

    public init() {}

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// Whether anyone follows `topic` (so the publisher can skip building an event nobody reads).
    func hasSubscribers(for topic: AnalyticsTopic) -> Bool {
        state.withLock { $0.subscribers.values.contains { $0.topics.contains(topic) } }
    }

    func subscribe(topics: Set<AnalyticsTopic>) -> AnalyticsSubscriber {
        let (subscriber, closed) = state.withLock { state -> (AnalyticsSubscriber, Bool) in
            state.nextID += 1
            let subscriber = AnalyticsSubscriber(id: state.nextID, topics: topics) { [weak self] id in
                _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
            }
            if !state.closed { state.subscribers[subscriber.id] = subscriber }
            return (subscriber, state.closed)
        }
        if closed { subscriber.finish() }
        return subscriber
    }

    /// Encodes the event once and offers it to every subscriber of its topic.
    func publish(_ topic: AnalyticsTopic, data: some Encodable) {
        let subscribers = state.withLock { Array($0.subscribers.values) }.filter { $0.topics.contains(topic) }
        guard !subscribers.isEmpty, let frame = try? WireReply.event(topic.rawValue, data: data) else { return }
        for subscriber in subscribers { subscriber.offer(frame, topic: topic) }
    }

    /// Ends every stream after what is queued (at shutdown).
    public func close() {
        let subscribers = state.withLock { state -> [AnalyticsSubscriber] in
            state.closed = true
            return Array(state.subscribers.values)
        }
        subscribers.forEach { $0.finish() }
    }
}
