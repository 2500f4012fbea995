import GRDB

/// An invocation row as analytics reads it (the columns its state needs, nothing else).
public struct StoredInvocation: Sendable, Equatable {
    public let id: Int64
    public let skillName: String
    public let sessionID: String
    public let userID: String?
    /// As stored: UTC `YYYY-MM-DDTHH:MM:SS.SSSZ` for every row SkillPulse wrote or normalised.
    public let invokedAt: String
    public let completed: Bool
    public let durationSeconds: Double?
    public let workflowPhase: String?
}

/// Reads the invocation log by id, in pages: how analytics starts and resyncs (by primary key, so each
/// page is an index range and no read transaction stays open across pages to hold the WAL back).
enum InvocationFeed {
    static func page(after id: Int64, limit: Int, in db: Database) throws -> [StoredInvocation] {
        var rows: [StoredInvocation] = []
        rows.reserveCapacity(limit)
        let cursor = try Row.fetchCursor(db, sql: """
            SELECT id, skill_name, session_id, user_id, invoked_at, completed,
                   CASE WHEN typeof(duration_seconds) IN ('integer', 'real') THEN duration_seconds END, workflow_phase
            FROM skill_invocation WHERE id > ? ORDER BY id LIMIT ?
            """, arguments: [id, limit])
        // A duration a foreign writer stored as text is no duration (SQLite would read 'abc' as 0 s).
        while let row = try cursor.next() {
            rows.append(StoredInvocation(
                id: row[0], skillName: row[1] ?? "", sessionID: row[2] ?? "", userID: row[3], invokedAt: row[4] ?? "",
                completed: (row[5] as Int64?).map { $0 != 0 } ?? false, durationSeconds: row[6], workflowPhase: row[7]))
        }
        return rows
    }

    /// The newest invocation id, 0 for an empty log.
    static func lastID(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM skill_invocation") ?? 0
    }
}
