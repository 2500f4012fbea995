/// What a caller knows about an invocation it is about to make: the inputs of a success prediction.
public struct PredictionQuery: Sendable, Equatable {
    public var skillName: String
    public var userID: String?
    public var workflowPhase: String?
    public var sessionID: String?
    /// Invocations already made in the session, when the caller says so and the session is not known here.
    public var sessionInvocations: Int?
    /// Milliseconds since the epoch: the instant the features describe.
    public var time: Int64

    public init(skillName: String, userID: String? = nil, workflowPhase: String? = nil, sessionID: String? = nil,
                sessionInvocations: Int? = nil, time: Int64) {
        self.skillName = skillName
        self.userID = userID
        self.workflowPhase = workflowPhase
        self.sessionID = sessionID
        self.sessionInvocations = sessionInvocations
        self.time = time
    }
}
