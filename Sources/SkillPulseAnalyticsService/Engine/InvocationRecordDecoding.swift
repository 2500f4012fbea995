import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseStore
import SkillPulseWire

extension InvocationRecord {
    /// A row read from the database; nil if its `invoked_at` is not a timestamp SkillPulse can place in time
    /// (a foreign writer's verbatim text), which analytics then leaves out of every window.
    init?(_ row: StoredInvocation) {
        guard let time = UTCTimestamp(iso8601: row.invokedAt) else { return nil }
        self.init(id: row.id, skillName: row.skillName, sessionID: row.sessionID, userID: row.userID,
                  invokedAt: time.millisecondsSinceEpoch, completed: row.completed,
                  durationSeconds: row.durationSeconds, workflowPhase: row.workflowPhase)
    }

    /// The `data` of an `invocation` event from ingest; nil if it lacks what analytics needs.
    init?(event data: JSONValue) {
        guard case .object(let fields) = data, case .integer(let id)? = fields["invocation_id"],
              let skill = fields["skill_name"]?.stringValue, let session = fields["session_id"]?.stringValue,
              let invokedAt = fields["invoked_at"]?.stringValue, let time = UTCTimestamp(iso8601: invokedAt)
        else { return nil }
        var duration: Double?
        switch fields["duration_seconds"] {
        case .number(let value)?: duration = value
        case .integer(let value)?: duration = Double(value)
        default: duration = nil
        }
        self.init(id: id, skillName: skill, sessionID: session, userID: fields["user_id"]?.stringValue,
                  invokedAt: time.millisecondsSinceEpoch, completed: fields["completed"]?.boolValue ?? false,
                  durationSeconds: duration, workflowPhase: fields["workflow_phase"]?.stringValue)
    }
}
