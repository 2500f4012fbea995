import NIOCore
import SkillPulseCore
import SkillPulseStore
import SkillPulseWire
import Synchronization

/// Fans committed changes out to subscribers. Each subscriber has a bounded buffer: one that cannot keep up
/// loses events (never slowing ingest) and is told so with a `lagged {missed}` event, after which it must resync.
public final class EventBroadcaster: Sendable {
    private struct Subscriber {
        let topics: Set<String>
        let sink: AsyncStream<ByteBuffer>.Continuation
        var missed = 0
    }

    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        var nextID = 0
        var closed = false
    }

    private let state = Mutex(State())
    public let bufferCapacity: Int

    public init(bufferCapacity: Int = 10_000) {
        self.bufferCapacity = bufferCapacity
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// A stream of ready-to-send event frames for `topics`; it ends when the broadcaster closes.
    public func subscribe(topics: Set<String>) -> AsyncStream<ByteBuffer> {
        let (stream, sink) = AsyncStream.makeStream(of: ByteBuffer.self, bufferingPolicy: .bufferingOldest(bufferCapacity))
        let id = state.withLock { state -> Int? in
            guard !state.closed else { return nil }
            state.nextID += 1
            state.subscribers[state.nextID] = Subscriber(topics: topics, sink: sink)
            return state.nextID
        }
        guard let id else {
            sink.finish()
            return stream
        }
        sink.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Counts `missed` events against every subscriber: each is told with a `lagged` event before its next one.
    public func markMissed(_ missed: Int) {
        state.withLock { state in
            for id in Array(state.subscribers.keys) { state.subscribers[id]?.missed += missed }
        }
    }

    /// Publishes one committed batch; called by `CommittedBatchPublisher`'s thread only, so events keep commit order.
    public func publish(_ batch: BatchResult) {
        let (wantsInvocations, wantsSessions) = state.withLock { state in
            (state.subscribers.values.contains { $0.topics.contains("invocation") },
             state.subscribers.values.contains { $0.topics.contains("session") })
        }
        if wantsSessions {
            for change in batch.sessions {
                if let frame = try? WireReply.event("session", data: SessionEvent(change)) {
                    deliver(frame, topic: "session")
                }
            }
        }
        if wantsInvocations {
            for invocation in batch.invocations {
                if let frame = try? WireReply.event("invocation", data: InvocationEvent(invocation)) {
                    deliver(frame, topic: "invocation")
                }
            }
        }
    }

    private func deliver(_ frame: ByteBuffer, topic: String) {
        state.withLock { state in
            for (id, var subscriber) in state.subscribers where subscriber.topics.contains(topic) {
                if subscriber.missed > 0 {
                    guard let lagged = try? WireReply.event("lagged", data: ["missed": subscriber.missed]),
                          case .enqueued = subscriber.sink.yield(lagged)
                    else {
                        subscriber.missed += 1
                        state.subscribers[id] = subscriber
                        continue
                    }
                    subscriber.missed = 0
                }
                if case .dropped = subscriber.sink.yield(frame) { subscriber.missed += 1 }
                state.subscribers[id] = subscriber
            }
        }
    }

    /// Ends every stream (at shutdown), so connections can finish.
    public func close() {
        let sinks = state.withLock { state -> [AsyncStream<ByteBuffer>.Continuation] in
            state.closed = true
            defer { state.subscribers.removeAll() }
            return state.subscribers.values.map(\.sink)
        }
        sinks.forEach { $0.finish() }
    }
}

/// The `data` of an `invocation` event.
struct InvocationEvent: Encodable {
    let invocationID: Int64
    let sessionID: String
    let skillName: String
    let completed: Bool
    let durationSeconds: Double?
    let invokedAt: String
    let workflowPath: String?
    let workflowPhase: String?
    let workflowStepID: String?
    let errorType: String?
    let selectionRank: Int?
    let userID: String?
    let createdAt: String

    init(_ committed: CommittedInvocation) {
        invocationID = committed.id
        sessionID = committed.input.sessionID
        skillName = committed.input.skillName
        completed = committed.input.completed
        durationSeconds = committed.input.durationSeconds
        invokedAt = committed.invokedAt
        workflowPath = committed.input.workflowPath
        workflowPhase = committed.input.workflowPhase?.rawValue
        workflowStepID = committed.input.workflowStepID
        errorType = committed.input.errorType
        selectionRank = committed.input.selectionRank
        userID = committed.userID
        createdAt = committed.createdAt
    }

    enum CodingKeys: String, CodingKey {
        case invocationID = "invocation_id", sessionID = "session_id", skillName = "skill_name", completed
        case durationSeconds = "duration_seconds", invokedAt = "invoked_at", workflowPath = "workflow_path"
        case workflowPhase = "workflow_phase", workflowStepID = "workflow_step_id", errorType = "error_type"
        case selectionRank = "selection_rank", userID = "user_id", createdAt = "created_at"
    }
}

/// The `data` of a `session` event.
struct SessionEvent: Encodable {
    let type: String
    let sessionID: String
    let userID: String?
    let projectPath: String?
    let startedAt: String
    let endedAt: String?
    let implicit: Bool

    init(_ change: SessionChange) {
        type = change.kind.rawValue
        sessionID = change.session.sessionID
        userID = change.session.userID
        projectPath = change.session.projectPath
        startedAt = change.session.startedAt
        endedAt = change.session.endedAt
        implicit = change.implicit
    }

    enum CodingKeys: String, CodingKey {
        case type, sessionID = "session_id", userID = "user_id", projectPath = "project_path"
        case startedAt = "started_at", endedAt = "ended_at", implicit
    }
}
