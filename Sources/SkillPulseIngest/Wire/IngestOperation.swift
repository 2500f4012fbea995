import SkillPulseCore
import SkillPulseWire

/// Every op `ingest` answers, decoded with its params.
public enum IngestOperation: WireOperation {
    case createSession(CreateSessionParams)
    case endSession(EndSessionParams)
    case trackInvocation(TrackInvocationParams)
    case trackBatch(TrackBatchParams)
    case subscribe(SubscribeParams)
    case stats
    case health

    /// The op's name on the wire.
    public var name: IngestOp {
        switch self {
        case .createSession: .createSession
        case .endSession: .endSession
        case .trackInvocation: .trackInvocation
        case .trackBatch: .trackBatch
        case .subscribe: .subscribe
        case .stats: .stats
        case .health: .health
        }
    }

    public init(op: String, params: WireParams) throws {
        switch try IngestOp.named(op) {
        case .createSession: self = .createSession(try params.decode())
        case .endSession: self = .endSession(try params.decode())
        case .trackInvocation: self = .trackInvocation(try params.decode())
        case .trackBatch: self = .trackBatch(try params.decode())
        case .subscribe: self = .subscribe(try params.decode())
        case .stats: _ = try params.decode(NoParams.self); self = .stats
        case .health: _ = try params.decode(NoParams.self); self = .health
        }
    }

    /// The two ops that carry ingest's traffic skip JSONDecoder when their params are plain.
    public init?(op: String, parsedParams: ParsedParams?) throws(ParsedParams.Mismatch) {
        guard let parsedParams, let name = IngestOp(rawValue: op) else { return nil }
        switch name {
        case .trackInvocation:
            self = .trackInvocation(try TrackInvocationParams(parsed: parsedParams))
        case .trackBatch:
            let items = try parsedParams.objects("invocations")
            var invocations: [TrackInvocationParams] = []
            invocations.reserveCapacity(items.count)
            for item in items { invocations.append(try TrackInvocationParams(parsed: item)) }
            self = .trackBatch(TrackBatchParams(invocations: invocations))
        case .createSession, .endSession, .subscribe, .stats, .health:
            return nil
        }
    }
}

/// `create_session` params.
public struct CreateSessionParams: Decodable, Sendable {
    public var projectPath: String
    public var userID: String?
    public var sessionID: String?
    public var startedAt: String?

    enum CodingKeys: String, CodingKey {
        case projectPath = "project_path", userID = "user_id", sessionID = "session_id", startedAt = "started_at"
    }

    func validated(now: UTCTimestamp, newID: () -> String) throws(FieldError) -> SessionInput {
        SessionInput(
            sessionID: try FieldRules.optionalName(sessionID, field: "session_id", limit: FieldRules.maxIdentifierLength)
                ?? newID(),
            projectPath: try FieldRules.path(projectPath, field: "project_path"),
            userID: try FieldRules.optionalName(userID, field: "user_id", limit: FieldRules.maxIdentifierLength),
            startedAt: try FieldRules.timestamp(startedAt, field: "started_at", now: now))
    }
}

/// `end_session` params.
public struct EndSessionParams: Decodable, Sendable {
    public var sessionID: String
    public var endedAt: String?

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", endedAt = "ended_at"
    }
}

/// `track_invocation` params; also one element of `track_batch`.
public struct TrackInvocationParams: Decodable, Sendable {
    public var sessionID: String
    public var skillName: String
    public var completed: Bool
    public var durationSeconds: Double?
    public var invokedAt: String?
    public var userQuery: String?
    public var workflowPath: String?
    public var workflowPhase: String?
    public var workflowStepID: String?
    public var errorType: String?
    public var alternativesConsidered: [String]?
    public var selectionRank: Int?
    public var followUpActions: [String]?
    public var userID: String?
    public var idempotencyKey: String?

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", skillName = "skill_name", completed
        case durationSeconds = "duration_seconds", invokedAt = "invoked_at", userQuery = "user_query"
        case workflowPath = "workflow_path", workflowPhase = "workflow_phase", workflowStepID = "workflow_step_id"
        case errorType = "error_type", alternativesConsidered = "alternatives_considered"
        case selectionRank = "selection_rank", followUpActions = "follow_up_actions", userID = "user_id"
        case idempotencyKey = "idempotency_key"
    }

    /// The same params from the fast parser (see `WireOperation.init(op:parsedParams:)`).
    init(parsed: ParsedParams) throws(ParsedParams.Mismatch) {
        sessionID = try parsed.string(CodingKeys.sessionID.rawValue)
        skillName = try parsed.string(CodingKeys.skillName.rawValue)
        completed = try parsed.bool(CodingKeys.completed.rawValue)
        durationSeconds = try parsed.optionalDouble(CodingKeys.durationSeconds.rawValue)
        invokedAt = try parsed.optionalString(CodingKeys.invokedAt.rawValue)
        userQuery = try parsed.optionalString(CodingKeys.userQuery.rawValue)
        workflowPath = try parsed.optionalString(CodingKeys.workflowPath.rawValue)
        workflowPhase = try parsed.optionalString(CodingKeys.workflowPhase.rawValue)
        workflowStepID = try parsed.optionalString(CodingKeys.workflowStepID.rawValue)
        errorType = try parsed.optionalString(CodingKeys.errorType.rawValue)
        alternativesConsidered = try parsed.optionalStrings(CodingKeys.alternativesConsidered.rawValue)
        selectionRank = try parsed.optionalInt(CodingKeys.selectionRank.rawValue)
        followUpActions = try parsed.optionalStrings(CodingKeys.followUpActions.rawValue)
        userID = try parsed.optionalString(CodingKeys.userID.rawValue)
        idempotencyKey = try parsed.optionalString(CodingKeys.idempotencyKey.rawValue)
    }

    func validated(now: UTCTimestamp, fieldPrefix: String = "") throws(FieldError) -> InvocationInput {
        do {
            return InvocationInput(
                sessionID: try FieldRules.name(sessionID, field: "session_id", limit: FieldRules.maxIdentifierLength),
                skillName: try FieldRules.name(skillName, field: "skill_name"),
                completed: completed,
                durationSeconds: try FieldRules.duration(durationSeconds),
                invokedAt: try FieldRules.timestamp(invokedAt, field: "invoked_at", now: now),
                userQuery: try FieldRules.text(userQuery, field: "user_query", limit: FieldRules.maxQueryLength),
                workflowPath: try FieldRules.optionalName(workflowPath, field: "workflow_path"),
                workflowPhase: try FieldRules.phase(workflowPhase),
                workflowStepID: try FieldRules.optionalName(workflowStepID, field: "workflow_step_id"),
                errorType: try FieldRules.optionalName(errorType, field: "error_type"),
                alternativesConsidered: try FieldRules.list(alternativesConsidered, field: "alternatives_considered"),
                selectionRank: try FieldRules.rank(selectionRank),
                followUpActions: try FieldRules.list(followUpActions, field: "follow_up_actions"),
                userID: try FieldRules.optionalName(userID, field: "user_id", limit: FieldRules.maxIdentifierLength),
                idempotencyKey: try FieldRules.optionalName(
                    idempotencyKey, field: "idempotency_key", limit: FieldRules.maxIdentifierLength))
        } catch {
            throw FieldError(fieldPrefix + error.field, error.message)
        }
    }
}

/// `track_batch` params: stored all or nothing.
public struct TrackBatchParams: Decodable, Sendable {
    public var invocations: [TrackInvocationParams]

    public static let maxInvocations = 10_000
}

/// `subscribe` params.
public struct SubscribeParams: Decodable, Sendable {
    public var topics: [String]
}
