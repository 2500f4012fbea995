import GRDB
import SkillPulseCore

/// ingest's view of the `sessions` table: each row it has read or written, kept so that a batch of
/// invocations into known sessions costs no lookups. A cache of committed rows only: whoever changes the
/// table behind it (a failed batch, another writer) calls `forget()`.
///
/// A session without a `project_path` is implicit: `create_session` requires one, so only a first
/// invocation (or session-buddy's back-fill) makes such a row, and its start follows its earliest invocation.
struct SessionDirectory {
    private var known: [String: SessionRecord] = [:]
    /// Bounds memory under a stream of one-off session ids; a cleared cache only costs lookups.
    private let capacity = 200_000

    /// The stored row of `sessionID`, or nil when there is none.
    mutating func lookup(_ sessionID: String, db: Database) throws -> SessionRecord? {
        if let record = known[sessionID] { return record }
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT CAST(user_id AS BLOB) AS user_id, CAST(project_path AS BLOB) AS project_path,
                       CAST(started_at AS BLOB) AS started_at, CAST(ended_at AS BLOB) AS ended_at
                FROM sessions WHERE session_id = ?
                """),
            arguments: [sessionID])
        else { return nil }
        // Another writer's row may hold anything; an unreadable start counts as "long ago".
        let record = SessionRecord(sessionID: sessionID, userID: StoredText.lenient(row["user_id"]),
                                   projectPath: StoredText.lenient(row["project_path"]),
                                   startedAt: StoredText.lenient(row["started_at"]) ?? "",
                                   endedAt: StoredText.lenient(row["ended_at"]))
        remember(record)
        return record
    }

    mutating func insert(_ record: SessionRecord, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO sessions (session_id, user_id, project_path, started_at, ended_at) VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [record.sessionID, record.userID, record.projectPath, record.startedAt,
                                     record.endedAt])
        remember(record)
    }

    /// Stores `endedAt` on the row (the caller checked that it is open and that the end follows its start).
    mutating func end(_ record: SessionRecord, at endedAt: String, db: Database) throws -> SessionRecord {
        var ended = record
        ended.endedAt = endedAt
        try db.cachedStatement(sql: "UPDATE sessions SET ended_at = ? WHERE session_id = ?")
            .execute(arguments: [endedAt, record.sessionID])
        remember(ended)
        return ended
    }

    /// An implicit session starts at its earliest invocation, including one delivered late.
    mutating func noteInvocation(at invokedAt: String, in record: SessionRecord, db: Database) throws {
        guard record.projectPath == nil, invokedAt < record.startedAt else { return }
        var moved = record
        moved.startedAt = invokedAt
        try db.cachedStatement(sql: "UPDATE sessions SET started_at = ? WHERE session_id = ?")
            .execute(arguments: [invokedAt, record.sessionID])
        remember(moved)
    }

    mutating func forget() {
        known.removeAll(keepingCapacity: true)
    }

    private mutating func remember(_ record: SessionRecord) {
        if known.count >= capacity { known.removeAll(keepingCapacity: true) }
        known[record.sessionID] = record
    }
}

extension SessionRecord {
    /// True for a session made by its first invocation rather than by `create_session`.
    public var isImplicit: Bool { projectPath == nil }
}
