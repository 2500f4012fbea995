/// The `data` of ingest's `invocation` event: one committed invocation, as stored.
public struct InvocationEvent: Codable, Sendable, Equatable {
    public let invocationID: Int64
    public let sessionID: String
    public let skillName: String
    public let completed: Bool
    public let durationSeconds: Double?
    public let invokedAt: String
    public let workflowPath: String?
    public let workflowPhase: String?
    public let workflowStepID: String?
    public let errorType: String?
    public let selectionRank: Int?
    public let userID: String?
    public let createdAt: String

    public init(invocationID: Int64, sessionID: String, skillName: String, completed: Bool, durationSeconds: Double?,
                invokedAt: String, workflowPath: String?, workflowPhase: String?, workflowStepID: String?,
                errorType: String?, selectionRank: Int?, userID: String?, createdAt: String) {
        self.invocationID = invocationID
        self.sessionID = sessionID
        self.skillName = skillName
        self.completed = completed
        self.durationSeconds = durationSeconds
        self.invokedAt = invokedAt
        self.workflowPath = workflowPath
        self.workflowPhase = workflowPhase
        self.workflowStepID = workflowStepID
        self.errorType = errorType
        self.selectionRank = selectionRank
        self.userID = userID
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case invocationID = "invocation_id", sessionID = "session_id", skillName = "skill_name", completed
        case durationSeconds = "duration_seconds", invokedAt = "invoked_at", workflowPath = "workflow_path"
        case workflowPhase = "workflow_phase", workflowStepID = "workflow_step_id", errorType = "error_type"
        case selectionRank = "selection_rank", userID = "user_id", createdAt = "created_at"
    }
}
