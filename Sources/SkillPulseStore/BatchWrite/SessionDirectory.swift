import GRDB
import SkillPulseCore

/// ingest's view of the `sessions` table: each row it has read or written, kept so that a batch of
/// invocations into known sessions costs no lookups. A cache of committed rows only: whoever changes the
/// table behind it (a failed batch, another writer) calls `forget()`.
///
/// A session without a `project_path` is implicit: `create_session` requires one, so only a first
/// invocation (or session-buddy's back-fill) makes such a row, and its start follows its earliest invocation.
struct SessionDirectory {
    /// A stored session with its start and end as instants, so that checking an invocation against them
    /// costs an integer comparison rather than formatting its time (this runs once per invocation).
    struct Entry {
        var record: SessionRecord
        var start: Int64?
        var end: Int64?

        init(_ record: SessionRecord) {
            self.record = record
            start = UTCTimestamp(iso8601: record.startedAt)?.millisecondsSinceEpoch
            end = record.endedAt.flatMap { UTCTimestamp(iso8601: $0)?.millisecondsSinceEpoch }
        }

        /// True when `instant` lies after the session's end (an unreadable stored end counts as none).
        func endsBefore(_ instant: UTCTimestamp) -> Bool {
            guard let end else { return false }
            return instant.millisecondsSinceEpoch > end
        }
    }

    private var known: [String: Entry] = [:]
    /// Bounds memory under a stream of one-off session ids; a cleared cache only costs lookups.
    private let capacity = 200_000

    /// The stored row of `sessionID`, or nil when there is none.
    mutating func lookup(_ sessionID: String, db: Database) throws -> Entry? {
        if let entry = known[sessionID] { return entry }
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: """
                SELECT CAST(user_id AS BLOB) AS user_id, CAST(project_path AS BLOB) AS project_path,
                       CAST(started_at AS BLOB) AS started_at, CAST(ended_at AS BLOB) AS ended_at
                FROM sessions WHERE session_id = ?
                """),
            arguments: [sessionID])
        else { return nil }
        // Another writer's row may hold anything; an unreadable start counts as "long ago".
        let entry = Entry(SessionRecord(sessionID: sessionID, userID: StoredText.lenient(row["user_id"]),
                                        projectPath: StoredText.lenient(row["project_path"]),
                                        startedAt: StoredText.lenient(row["started_at"]) ?? "",
                                        endedAt: StoredText.lenient(row["ended_at"])))
        remember(entry)
        return entry
    }

    mutating func insert(_ record: SessionRecord, db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO sessions (session_id, user_id, project_path, started_at, ended_at) VALUES (?, ?, ?, ?, ?)
            """).execute(arguments: [record.sessionID, record.userID, record.projectPath, record.startedAt,
                                     record.endedAt])
        remember(Entry(record))
    }

    /// Stores `endedAt` on the row (the caller checked that it is open and that the end follows its start).
    mutating func end(_ record: SessionRecord, at endedAt: String, db: Database) throws -> SessionRecord {
        var ended = record
        ended.endedAt = endedAt
        try db.cachedStatement(sql: "UPDATE sessions SET ended_at = ? WHERE session_id = ?")
            .execute(arguments: [endedAt, record.sessionID])
        remember(Entry(ended))
        return ended
    }

    /// An implicit session starts at its earliest invocation, including one delivered late; returns the
    /// moved row, or nil when the start stays.
    mutating func noteInvocation(at invokedAt: UTCTimestamp, in entry: Entry, db: Database) throws -> SessionRecord? {
        guard entry.record.isImplicit, let start = entry.start, invokedAt.millisecondsSinceEpoch < start else { return nil }
        var moved = entry.record
        moved.startedAt = invokedAt.normalized
        try db.cachedStatement(sql: "UPDATE sessions SET started_at = ? WHERE session_id = ?")
            .execute(arguments: [moved.startedAt, moved.sessionID])
        remember(Entry(moved))
        return moved
    }

    mutating func forget() {
        known.removeAll(keepingCapacity: true)
    }

    private mutating func remember(_ entry: Entry) {
        if known.count >= capacity { known.removeAll(keepingCapacity: true) }
        known[entry.record.sessionID] = entry
    }
}

extension SessionRecord {
    /// True for a session made by its first invocation rather than by `create_session`.
    public var isImplicit: Bool { projectPath == nil }
}
