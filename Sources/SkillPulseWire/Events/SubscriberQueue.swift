import NIOCore
import Synchronization

/// One subscriber's bounded queue of event frames, with the gaps where events did not fit.
///
/// The publisher appends; the subscriber's connection takes frames with `next()`. When the queue is full an
/// event becomes part of a gap at the queue's tail instead, counted per topic; the connection turns the gap
/// into one `lagged {missed, topics}` frame as soon as it has sent what came before it — so a gap is announced
/// where it is, even when no later event ever comes.
public final class SubscriberQueue<Topic: EventTopic>: WireEventSource {
    enum Item {
        case frame(ByteBuffer, Topic)
        case gap(MissedEvents<Topic>)
    }

    /// Frames handed to the connection per `next()`: enough to fill a socket write, few enough to keep memory flat.
    public static var framesPerWrite: Int { 512 }

    private struct State {
        var items = CircularBuffer<Item>()
        /// Frames queued (gaps take no room: consecutive misses merge into the tail gap).
        var frames = 0
        var topics: Set<Topic>
        var waiter: CheckedContinuation<[ByteBuffer], Never>?
        /// No more events will come: `next()` returns what is queued, then nil.
        var finished = false
        /// The connection is done with the stream: `next()` returns nil at once.
        var cancelled = false
    }

    let id: Int
    public let capacity: Int
    private let state: Mutex<State>
    private let onCancel: @Sendable (Int) -> Void

    init(id: Int, topics: Set<Topic>, capacity: Int, onCancel: @escaping @Sendable (Int) -> Void) {
        self.id = id
        self.capacity = capacity
        self.onCancel = onCancel
        state = Mutex(State(topics: topics))
    }

    public var topics: Set<Topic> { state.withLock { $0.topics } }

    /// Adds `topics` (a second `subscribe` on the same connection) and returns them all.
    public func subscribe(to topics: Set<Topic>) -> Set<Topic> {
        state.withLock { state in
            state.topics.formUnion(topics)
            return state.topics
        }
    }

    /// Frames that fit now; the publisher encodes no more than this for the subscriber.
    var room: Int { state.withLock { $0.cancelled || $0.finished ? 0 : capacity - $0.frames } }

    /// Appends frames and gaps in order (one publisher at a time, so events keep their order). Frames beyond
    /// the room become part of a gap; events of topics the subscriber does not follow are left out.
    func append(_ items: some Sequence<Item>) {
        let handOff = state.withLock { state -> (CheckedContinuation<[ByteBuffer], Never>, [ByteBuffer])? in
            guard !state.cancelled, !state.finished else { return nil }
            for item in items {
                switch item {
                case .frame(_, let topic) where !state.topics.contains(topic):
                    continue
                case .frame(let frame, let topic) where state.frames < capacity:
                    state.items.append(.frame(frame, topic))
                    state.frames += 1
                case .frame(_, let topic):
                    Self.addGap(MissedEvents(), plusOneOf: topic, to: &state)
                case .gap(let missed):
                    Self.addGap(missed.restricted(to: state.topics), plusOneOf: nil, to: &state)
                }
            }
            return Self.handOff(&state)
        }
        if let (waiter, frames) = handOff { waiter.resume(returning: frames) }
    }

    /// Records events that never reached this queue (dropped before it), as a gap at its tail.
    func markMissed(_ missed: MissedEvents<Topic>) {
        append(CollectionOfOne(.gap(missed)))
    }

    /// Ends the stream after what is queued: the connection sends it all, then finishes (flush before close).
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<[ByteBuffer], Never>? in
            state.finished = true
            guard state.items.isEmpty else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: [])
    }

    public func next() async -> [ByteBuffer] {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<[ByteBuffer], Never>) in
                let ready = state.withLock { state -> [ByteBuffer]? in
                    if state.cancelled { return [] }
                    let frames = Self.take(&state)
                    if !frames.isEmpty || state.finished { return frames }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            cancel()
        }
    }

    /// Drops what is queued and leaves the hub; idempotent (the server and a task's cancellation may both call it).
    public func cancel() {
        let (waiter, first) = state.withLock { state -> (CheckedContinuation<[ByteBuffer], Never>?, Bool) in
            let first = !state.cancelled
            state.cancelled = true
            state.items.removeAll()
            state.frames = 0
            defer { state.waiter = nil }
            return (state.waiter, first)
        }
        waiter?.resume(returning: [])
        if first { onCancel(id) }
    }

    private static func addGap(_ missed: MissedEvents<Topic>, plusOneOf topic: Topic?, to state: inout State) {
        var missed = missed
        if let topic { missed[topic] += 1 }
        guard missed.total > 0 else { return }
        if case .gap(var tail)? = state.items.last {
            tail += missed
            state.items[state.items.index(before: state.items.endIndex)] = .gap(tail)
        } else {
            state.items.append(.gap(missed))
        }
    }

    /// The next frames to send, in order: queued events, and for a gap its `lagged` frame.
    private static func take(_ state: inout State) -> [ByteBuffer] {
        var frames: [ByteBuffer] = []
        while frames.count < framesPerWrite, let item = state.items.popFirst() {
            switch item {
            case .frame(let frame, _):
                state.frames -= 1
                frames.append(frame)
            case .gap(let missed):
                if let lagged = LaggedEvent.frame(missed, topics: state.topics) { frames.append(lagged) }
            }
        }
        return frames
    }

    private static func handOff(_ state: inout State) -> (CheckedContinuation<[ByteBuffer], Never>, [ByteBuffer])? {
        guard let waiter = state.waiter else { return nil }
        let frames = take(&state)
        guard !frames.isEmpty else { return nil }
        state.waiter = nil
        return (waiter, frames)
    }
}
