/// One committed invocation as analytics sees it (from ingest's event stream or a database read).
public struct InvocationRecord: Sendable, Equatable {
    public let id: Int64
    public let skillName: String
    public let sessionID: String
    public let userID: String?
    /// invoked_at, milliseconds since the Unix epoch (UTC).
    public let invokedAt: Int64
    public let completed: Bool
    public let durationSeconds: Double?
    public let workflowPhase: String?

    public init(id: Int64, skillName: String, sessionID: String, userID: String?, invokedAt: Int64, completed: Bool,
                durationSeconds: Double?, workflowPhase: String?) {
        self.id = id
        self.skillName = skillName
        self.sessionID = sessionID
        self.userID = userID
        self.invokedAt = invokedAt
        self.completed = completed
        self.durationSeconds = durationSeconds
        self.workflowPhase = workflowPhase
    }
}
