import NIOCore
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

extension InvocationRecord {
    /// An `invocation` event frame read field by field (no dictionaries): the follower's hot path. Nil if the
    /// frame lacks a field analytics needs or holds something the compact parser leaves to the full one.
    init?(eventPayload payload: ByteBuffer) {
        var id: Int64?
        var skill: String?
        var session: String?
        var user: String?
        var invokedAt: String?
        var completed = false
        var duration: Double?
        var phase: String?
        let parsed = payload.withUnsafeReadableBytes { bytes in
            CompactJSONParser.forEachMember(of: bytes, under: "data") { key, value in
                switch (key, value) {
                case ("invocation_id", .integer(let value)): id = value
                case ("skill_name", .string(let value)): skill = value
                case ("session_id", .string(let value)): session = value
                case ("user_id", .string(let value)): user = value
                case ("invoked_at", .string(let value)): invokedAt = value
                case ("completed", .bool(let value)): completed = value
                case ("duration_seconds", .number(let value)): duration = value
                case ("duration_seconds", .integer(let value)): duration = Double(value)
                case ("workflow_phase", .string(let value)): phase = value
                default: break
                }
            }
        }
        guard parsed, let id, let skill, let session, let invokedAt, let time = UTCTimestamp(iso8601: invokedAt) else {
            return nil
        }
        self.init(id: id, skillName: skill, sessionID: session, userID: user, invokedAt: time.millisecondsSinceEpoch,
                  completed: completed, durationSeconds: duration, workflowPhase: phase)
    }
}
