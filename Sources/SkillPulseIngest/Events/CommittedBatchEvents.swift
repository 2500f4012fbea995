import NIOCore
import SkillPulseStore
import SkillPulseWire

extension EventHub where Topic == IngestTopic {
    /// Publishes one committed batch, its events in request order (a session's start before the invocation that
    /// created it, an `end_session` after the invocations sent before it), then the batch's `commit` event.
    /// Called by `CommittedBatchPublisher`'s thread only, so events keep commit order.
    public func publish(_ batch: BatchResult) {
        guard !batch.invocations.isEmpty || !batch.sessions.isEmpty else { return }
        publish { emit in
            var sessions = batch.sessions[...]
            func sessionsUpTo(_ position: Int) {
                while let change = sessions.first, change.position <= position {
                    sessions = sessions.dropFirst()
                    emit(.session) { try? WireReply.event(IngestTopic.session.rawValue, data: SessionEvent(change)) }
                }
            }
            for (position, invocation) in batch.invocations.enumerated() {
                sessionsUpTo(position)
                emit(.invocation) {
                    try? WireReply.event(IngestTopic.invocation.rawValue, data: InvocationEvent(invocation))
                }
            }
            sessionsUpTo(Int.max)
            emit(.commit) { try? WireReply.event(IngestTopic.commit.rawValue, data: CommitEvent(batch)) }
        }
    }
}

extension InvocationEvent {
    init(_ committed: CommittedInvocation) {
        self.init(invocationID: committed.id, sessionID: committed.input.sessionID,
                  skillName: committed.input.skillName, completed: committed.input.completed,
                  durationSeconds: committed.input.durationSeconds, invokedAt: committed.invokedAt,
                  workflowPath: committed.input.workflowPath, workflowPhase: committed.input.workflowPhase?.rawValue,
                  workflowStepID: committed.input.workflowStepID, errorType: committed.input.errorType,
                  selectionRank: committed.input.selectionRank, userID: committed.userID,
                  createdAt: committed.createdAt)
    }
}

extension SessionEvent {
    init(_ change: SessionChange) {
        self.init(type: change.kind == .started ? .started : .ended, sessionID: change.session.sessionID,
                  userID: change.session.userID, projectPath: change.session.projectPath,
                  startedAt: change.session.startedAt, endedAt: change.session.endedAt, implicit: change.implicit)
    }
}

extension CommitEvent {
    init(_ batch: BatchResult) {
        self.init(invocations: batch.invocations.count, sessions: batch.sessions.count,
                  firstInvocationID: batch.invocations.first?.id, lastInvocationID: batch.invocations.last?.id)
    }
}
