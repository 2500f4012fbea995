import NIOCore
import SkillPulseStore
import SkillPulseWire

/// The `data` of a `lagged` event: how many events the subscriber missed at this place in its stream, in
/// total and per topic it subscribed to.
struct LaggedEvent: Encodable {
    let missed: Int
    let topics: [String: Int]

    static func frame(_ missed: MissedEvents, topics: Set<EventTopic>) -> ByteBuffer? {
        let counts = Dictionary(uniqueKeysWithValues: topics.map { ($0.rawValue, missed[$0]) })
        return try? WireReply.event("lagged", data: LaggedEvent(missed: missed.total, topics: counts))
    }
}

/// The `data` of a `commit` event: one committed batch, after its `invocation` and `session` events.
struct CommitEvent: Encodable {
    let invocations: Int
    let sessions: Int
    let firstInvocationID: Int64?
    let lastInvocationID: Int64?

    enum CodingKeys: String, CodingKey {
        case invocations, sessions, firstInvocationID = "first_invocation_id", lastInvocationID = "last_invocation_id"
    }

    init(_ batch: BatchResult) {
        invocations = batch.invocations.count
        sessions = batch.sessions.count
        firstInvocationID = batch.invocations.first?.id
        lastInvocationID = batch.invocations.last?.id
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
