import GRDB
import SkillPulseCore

// The session rules each command is checked against inside the batch's transaction: a session exists once,
// ends once and not before it started, and takes no invocation timed after its end.
extension InvocationBatchStore {
    func execute(
        _ command: WriteCommand, db: Database, into result: inout BatchResult, staging: inout InvocationStaging
    ) throws -> StagedOutcome {
        switch command {
        case .createSession(let input):
            if try sessions.lookup(input.sessionID, db: db) != nil {
                return .done(.rejected(WriteRejection(kind: .conflict, message: "session \(input.sessionID) already exists")))
            }
            let record = SessionRecord(sessionID: input.sessionID, userID: input.userID,
                                       projectPath: input.projectPath, startedAt: input.startedAt.normalized)
            try sessions.insert(record, db: db)
            result.sessions.append(SessionChange(kind: .started, session: record, implicit: false,
                                                 position: staging.rows.count))
            return .done(.sessionCreated(record))

        case .endSession(let sessionID, let endedAt):
            guard let record = try sessions.lookup(sessionID, db: db)?.record else {
                return .done(.rejected(WriteRejection(kind: .notFound, message: "no session \(sessionID)")))
            }
            // A retry after a lost reply is answered with the first end, whatever time it carries.
            if record.endedAt != nil { return .done(.sessionEnded(record, alreadyEnded: true)) }
            let end = endedAt.normalized
            guard end >= record.startedAt else {
                return .done(.rejected(WriteRejection(kind: .invalid, message: """
                    params.ended_at: \(end) is before the session's started_at \(record.startedAt)
                    """)))
            }
            let ended = try sessions.end(record, at: end, db: db)
            result.sessions.append(SessionChange(kind: .ended, session: ended, implicit: ended.isImplicit,
                                                 position: staging.rows.count))
            return .done(.sessionEnded(ended, alreadyEnded: false))

        case .invocations(let list):
            if let rejection = try lateForEndedSession(list, db: db, staging: staging) { return .done(.rejected(rejection)) }
            var references: [StagedOutcome.Reference] = []
            references.reserveCapacity(list.count)
            for invocation in list {
                if let key = invocation.idempotencyKey {
                    if let slot = staging.slotsByKey[key] {
                        references.append(.sameAs(slot))
                        continue
                    }
                    if let existing = try Int64.fetchOne(
                        db.cachedStatement(sql: "SELECT id FROM skill_invocation WHERE idempotency_key = ?"),
                        arguments: [key])
                    {
                        references.append(.existing(existing))
                        continue
                    }
                }
                let sessionUser = try ensureSession(for: invocation, db: db, into: &result,
                                                    position: staging.rows.count)
                let slot = staging.stage(invocation, userID: invocation.userID ?? sessionUser)
                references.append(.staged(slot))
            }
            return .invocations(references)
        }
    }

    /// The rejection of a command holding an invocation timed after its session ended, or nil. Checked
    /// before anything is staged, so the command stays all or nothing; late delivery of invocations from
    /// before the end, and retries of stored ones, stay accepted.
    func lateForEndedSession(_ list: [InvocationInput], db: Database, staging: InvocationStaging) throws
        -> WriteRejection?
    {
        for (index, invocation) in list.enumerated() {
            guard let entry = try sessions.lookup(invocation.sessionID, db: db), entry.endsBefore(invocation.invokedAt),
                  let ended = entry.record.endedAt
            else { continue }
            if let key = invocation.idempotencyKey {
                if staging.slotsByKey[key] != nil { continue }
                let stored = try Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM skill_invocation WHERE idempotency_key = ?)"),
                    arguments: [key]) ?? false
                if stored { continue }
            }
            let item = list.count > 1 ? "params.invocations[\(index)]" : "params"
            return WriteRejection(kind: .conflict, message: """
                \(item).invoked_at \(invocation.invokedAt.normalized) is after session \(invocation.sessionID) \
                ended (ended_at \(ended))
                """)
        }
        return nil
    }

    /// Returns the session's user, creating the session on the fly when this is its first invocation.
    func ensureSession(for invocation: InvocationInput, db: Database, into result: inout BatchResult,
                               position: Int) throws -> String?
    {
        if let entry = try sessions.lookup(invocation.sessionID, db: db) {
            // A session this batch started announces the start it commits with, not its first item's time.
            if let moved = try sessions.noteInvocation(at: invocation.invokedAt, in: entry, db: db),
               let index = result.sessions.lastIndex(where: { $0.kind == .started && $0.session.sessionID == moved.sessionID })
            {
                let started = result.sessions[index]
                result.sessions[index] = SessionChange(kind: .started, session: moved, implicit: started.implicit,
                                                       position: started.position)
            }
            return entry.record.userID
        }
        let record = SessionRecord(sessionID: invocation.sessionID, userID: invocation.userID, projectPath: nil,
                                   startedAt: invocation.invokedAt.normalized)
        try sessions.insert(record, db: db)
        result.sessions.append(SessionChange(kind: .started, session: record, implicit: true, position: position))
        return invocation.userID
    }
}
