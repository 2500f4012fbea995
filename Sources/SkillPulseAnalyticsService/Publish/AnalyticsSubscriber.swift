import NIOCore
import SkillPulseWire
import Synchronization

/// One `analytics.sock` subscriber's bounded queue of event frames. Anomaly and metrics events are few
/// (at most a metrics frame a second, anomalies a minute), so a full queue means a peer that stopped
/// reading: further frames are dropped and counted, and it gets one `lagged {missed}` frame when it reads again.
final class AnalyticsSubscriber: WireEventSource {
    private struct State {
        var frames: [ByteBuffer] = []
        var missed = 0
        var topics: Set<AnalyticsTopic>
        var waiter: CheckedContinuation<[ByteBuffer], Never>?
        var finished = false
        var cancelled = false
    }

    static let capacity = 1024

    let id: Int
    private let state: Mutex<State>
    private let onCancel: @Sendable (Int) -> Void

    init(id: Int, topics: Set<AnalyticsTopic>, onCancel: @escaping @Sendable (Int) -> Void) {
        self.id = id
        self.onCancel = onCancel
        state = Mutex(State(topics: topics))
    }

    var topics: Set<AnalyticsTopic> { state.withLock { $0.topics } }

    /// Adds topics (a second `subscribe` on the same connection); returns them all.
    func subscribe(to topics: Set<AnalyticsTopic>) -> Set<AnalyticsTopic> {
        state.withLock { state in
            state.topics.formUnion(topics)
            return state.topics
        }
    }

    func offer(_ frame: ByteBuffer, topic: AnalyticsTopic) {
        let handOff = state.withLock { state -> (CheckedContinuation<[ByteBuffer], Never>, [ByteBuffer])? in
            guard !state.cancelled, !state.finished, state.topics.contains(topic) else { return nil }
            if state.frames.count >= Self.capacity {
                state.missed += 1
                return nil
            }
            state.frames.append(frame)
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, Self.drain(&state))
        }
        if let (waiter, frames) = handOff { waiter.resume(returning: frames) }
    }

    /// No more events: `next()` returns what is queued, then nothing.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<[ByteBuffer], Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: [])
    }

    func next() async -> [ByteBuffer] {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> [ByteBuffer]? in
                    if state.cancelled || Task.isCancelled { return [] }
                    if !state.frames.isEmpty || state.missed > 0 { return Self.drain(&state) }
                    if state.finished { return [] }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<[ByteBuffer], Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: [])
        }
    }

    func cancel() {
        let waiter = state.withLock { state -> CheckedContinuation<[ByteBuffer], Never>? in
            state.cancelled = true
            state.frames = []
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: [])
        onCancel(id)
    }

    /// Everything queued, then the `lagged` frame for what did not fit (the gap is at the queue's tail).
    private static func drain(_ state: inout State) -> [ByteBuffer] {
        var frames = state.frames
        state.frames = []
        if state.missed > 0 {
            if let lagged = try? WireReply.event("lagged", data: ["missed": state.missed]) { frames.append(lagged) }
            state.missed = 0
        }
        return frames
    }
}
