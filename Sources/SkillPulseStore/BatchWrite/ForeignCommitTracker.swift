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
        let rows = try Row.fetchAll(db, sql: """
            SELECT skill_name, substr(invoked_at, 1, 16) AS minute, count(*) AS n, sum(completed) AS c,
                   max(invoked_at) AS last
            FROM skill_invocation WHERE id > ? GROUP BY skill_name, minute
            """, arguments: [highestInvocationID])
        for row in rows {
            let skill: String = row["skill_name"]
            let last: String? = row["last"]
            if let last, last > changes.lastInvokedAt[skill] ?? "" { changes.lastInvokedAt[skill] = last }
            guard let text: String = row["minute"], let instant = UTCTimestamp(iso8601: text + ":00Z") else { continue }
            changes.tallies.append(MinuteTally(skill: skill, minute: instant.millisecondsSinceEpoch / 60_000,
                                               count: row["n"], completed: row["c"] ?? 0))
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
