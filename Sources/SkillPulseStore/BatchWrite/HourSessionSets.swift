import GRDB

/// The sessions `skill_time_series_sessions` holds for each (skill, hour) the writer has touched.
///
/// Between two commits of other writers (see `ForeignCommitTracker`), once an hour's set is read ingest can tell
/// which sessions of a batch are new without asking SQLite: a batch inserts only new (skill, hour, session) rows instead of probing the
/// table once per pair, and `unique_sessions` is the set's size instead of a recount.
struct HourSessionSets {
    /// Sets kept before they are all dropped and re-read on demand (100 skills × 200 hours).
    static let maxKeys = 20_000

    private var known: [BatchAggregates.HourKey: Set<String>] = [:]

    /// The stored sessions of `key`, read from the table the first time. The read happens before the batch
    /// writes that hour's rows, so it holds committed rows only and stays true even if the batch rolls back.
    mutating func stored(_ key: BatchAggregates.HourKey, db: Database) throws -> Set<String> {
        if let sessions = known[key] { return sessions }
        if known.count >= Self.maxKeys { known.removeAll(keepingCapacity: true) }
        // As bytes: another writer's session ids may be BLOBs or not UTF-8; each still counts once.
        let sessions = Set(try DatabaseValue.fetchAll(
            db.cachedStatement(sql: """
                SELECT CAST(session_id AS BLOB) FROM skill_time_series_sessions WHERE skill_name = ? AND timestamp = ?
                """),
            arguments: [key.skill, key.hour]).compactMap(StoredText.lenient))
        known[key] = sessions
        return sessions
    }

    /// Drops every set: another writer may have added sessions to any hour.
    mutating func forget() {
        known.removeAll(keepingCapacity: true)
    }

    /// Records rows a batch inserted; call only once its transaction has committed.
    mutating func record(_ rows: [(key: BatchAggregates.HourKey, session: String)]) {
        for row in rows { known[row.key]?.insert(row.session) }
    }
}
