import GRDB
import SkillPulseCore

/// Notices what other connections committed between two of ingest's write transactions: another process, a
/// `sqlite3` shell, session-buddy's own code on an adopted file, an import script.
///
/// ingest keeps `skill_metrics` rows, each hour's session set, known sessions and the 1 h / 24 h window counts
/// in memory and writes absolute values from them. Those are caches of committed data, so they are only true
/// while ingest is the only writer. `PRAGMA data_version` changes exactly when another connection committed;
/// invocations it appended have ids above the highest this writer has seen, and their triggers already added
/// them to the stored rollups. Checked right after `BEGIN IMMEDIATE`: while ingest holds the write lock nobody
/// else can commit, so what the check sees stays true until ingest's own commit.
struct ForeignCommitTracker {
    private var dataVersion: Int64?
    /// The highest `skill_invocation.id` this writer has accounted for (its own rows or absorbed ones).
    private(set) var highestInvocationID: Int64 = 0
    /// Write transactions that found another connection's commits before them.
    private(set) var foreignCommits = 0

    /// Another writer's invocations since the last check, as window tallies, and each touched skill's latest
    /// `invoked_at`.
    struct Changes {
        var tallies: [MinuteTally] = []
        var lastInvokedAt: [String: String] = [:]
    }

    /// Records the state the caches were loaded from; call in the same read transaction that loads them.
    mutating func start(_ db: Database) throws {
        dataVersion = try Self.dataVersion(db)
        highestInvocationID = try Int64.fetchOne(db, sql: "SELECT max(id) FROM skill_invocation") ?? 0
    }

    /// Nil when no other connection committed since this connection's previous transaction; otherwise what
    /// they appended to `skill_invocation`. Call inside a write transaction.
    mutating func check(_ db: Database) throws -> Changes? {
        let version = try Self.dataVersion(db)
        defer { dataVersion = version }
        guard let previous = dataVersion, previous != version else {
            if dataVersion == nil { highestInvocationID = try Self.highestID(db) }
            return nil
        }
        foreignCommits += 1
        var changes = Changes()
        // NOT INDEXED: only the rowid range may drive this; with the (skill_name, invoked_at) index SQLite
        // walked the whole table in group order, so every foreign commit cost ingest's next batch ~135 ms at
        // 600,000 rows.
        for row in try MinuteTally.fetchAll(db, filter: "id > ?", arguments: [highestInvocationID], notIndexed: true) {
            guard let skill = StoredText.exact(row["skill_name"]) else { continue }
            // Only stored-form timestamps may become last_invocation_at (a BLOB sorts after every text).
            if let last = StoredText.exact(row["last"]), UTCTimestamp(iso8601: last) != nil,
               last > changes.lastInvokedAt[skill] ?? "" {
                changes.lastInvokedAt[skill] = last
            }
            if let tally = MinuteTally(row: row) { changes.tallies.append(tally) }
        }
        highestInvocationID = max(highestInvocationID, try Self.highestID(db))
        return changes
    }

    /// Call once this writer's own transaction committed rows up to `id`.
    mutating func committed(upTo id: Int64) {
        highestInvocationID = max(highestInvocationID, id)
    }

    private static func dataVersion(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
    }

    private static func highestID(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(id) FROM skill_invocation")) ?? 0
    }
}
