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

    /// An `invocation` event from ingest (the follower's fallback for an ingest without the `commit` topic);
    /// nil if its `invoked_at` is not a timestamp SkillPulse can place in time.
    init?(event: InvocationEvent) {
        guard let time = UTCTimestamp(iso8601: event.invokedAt) else { return nil }
        self.init(id: event.invocationID, skillName: event.skillName, sessionID: event.sessionID, userID: event.userID,
                  invokedAt: time.millisecondsSinceEpoch, completed: event.completed,
                  durationSeconds: event.durationSeconds, workflowPhase: event.workflowPhase)
    }
}
