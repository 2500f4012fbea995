/// The `data` of ingest's `session` event: a session started (explicitly, or implicitly by its first
/// invocation) or ended.
public struct SessionEvent: Codable, Sendable, Equatable {
    /// What happened to the session: the event's `type`.
    public enum Change: String, Codable, Sendable { case started, ended }

    public let type: Change
    public let sessionID: String
    public let userID: String?
    public let projectPath: String?
    public let startedAt: String
    public let endedAt: String?
    public let implicit: Bool

    public init(type: Change, sessionID: String, userID: String?, projectPath: String?, startedAt: String,
                endedAt: String?, implicit: Bool) {
        self.type = type
        self.sessionID = sessionID
        self.userID = userID
        self.projectPath = projectPath
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.implicit = implicit
    }

    enum CodingKeys: String, CodingKey {
        case type, sessionID = "session_id", userID = "user_id", projectPath = "project_path"
        case startedAt = "started_at", endedAt = "ended_at", implicit
    }
}
