import GRDB

/// A row of `skill_anomalies` that has not been resolved.
public struct OpenAnomalyRow: Sendable, Equatable {
    public let id: Int64
    public let skillName: String
    public let anomalyType: String
    public let detectedAt: String

    public init(id: Int64, skillName: String, anomalyType: String, detectedAt: String) {
        self.id = id
        self.skillName = skillName
        self.anomalyType = anomalyType
        self.detectedAt = detectedAt
    }
}

/// Which rows of `skill_anomalies` a listing wants.
public enum AnomalyRowState: String, Sendable, CaseIterable {
    /// `resolved_at` is NULL.
    case open
    case resolved
    case all
}

/// A row of `skill_anomalies` as stored; values another writer left NULL or unreadable are nil.
public struct StoredAnomalyRow: Sendable, Equatable {
    public let id: Int64
    public let skillName: String
    public let anomalyType: String
    public let detectedAt: String
    public let baselineValue: Double?
    public let observedValue: Double?
    public let deviationScore: Double?
    public let resolvedAt: String?

    public init(id: Int64, skillName: String, anomalyType: String, detectedAt: String, baselineValue: Double?,
                observedValue: Double?, deviationScore: Double?, resolvedAt: String?) {
        self.id = id
        self.skillName = skillName
        self.anomalyType = anomalyType
        self.detectedAt = detectedAt
        self.baselineValue = baselineValue
        self.observedValue = observedValue
        self.deviationScore = deviationScore
        self.resolvedAt = resolvedAt
    }
}

/// What analytics writes into `skill_community_baselines`.
public struct BaselineRow: Sendable, Equatable {
    public let skillName: String
    public let totalUsers: Int
    public let totalInvocations: Int
    public let globalCompletionRate: Double
    public let globalAvgDurationSeconds: Double?
    public let mostCommonWorkflowPhase: String?
    public let effectivenessPercentile: Double

    public init(skillName: String, totalUsers: Int, totalInvocations: Int, globalCompletionRate: Double,
                globalAvgDurationSeconds: Double?, mostCommonWorkflowPhase: String?, effectivenessPercentile: Double) {
        self.skillName = skillName
        self.totalUsers = totalUsers
        self.totalInvocations = totalInvocations
        self.globalCompletionRate = globalCompletionRate
        self.globalAvgDurationSeconds = globalAvgDurationSeconds
        self.mostCommonWorkflowPhase = mostCommonWorkflowPhase
        self.effectivenessPercentile = effectivenessPercentile
    }
}

/// A `skill_dependencies` row.
public struct DependencyRow: Sendable, Equatable {
    public let skillA: String
    public let skillB: String
    public let coOccurrenceCount: Int
    public let liftScore: Double?

    public init(skillA: String, skillB: String, coOccurrenceCount: Int, liftScore: Double?) {
        self.skillA = skillA
        self.skillB = skillB
        self.coOccurrenceCount = coOccurrenceCount
        self.liftScore = liftScore
    }
}

/// A stored `skill_dependencies` pair and its rowid.
public struct StoredDependencyKey: Sendable, Equatable {
    public let rowID: Int64
    public let skillA: String
    public let skillB: String

    public init(rowID: Int64, skillA: String, skillB: String) {
        self.rowID = rowID
        self.skillA = skillA
        self.skillB = skillB
    }
}

/// The derived tables analytics owns: typed reads and writes, each meant for one short `BEGIN IMMEDIATE`
/// transaction of `DerivedTableWriter`.
enum AnalyticsTables {
    static func openAnomalies(in db: Database) throws -> [OpenAnomalyRow] {
        try Row.fetchAll(db, sql: """
            SELECT id, skill_name, anomaly_type, detected_at FROM skill_anomalies WHERE resolved_at IS NULL ORDER BY id
            """).map { OpenAnomalyRow(id: $0[0], skillName: $0[1] ?? "", anomalyType: $0[2] ?? "", detectedAt: $0[3] ?? "") }
    }

    /// Up to `limit` rows in `state` with ids above `id`, in id order: a range of the primary key.
    static func anomalies(_ state: AnomalyRowState, after id: Int64, limit: Int, in db: Database) throws
        -> [StoredAnomalyRow]
    {
        let filter = switch state {
        case .open: " AND resolved_at IS NULL"
        case .resolved: " AND resolved_at IS NOT NULL"
        case .all: ""
        }
        // Every column through `DatabaseValue`: session-buddy or an operator may have stored any type, and
        // GRDB's typed getters trap on a value they cannot convert.
        return try Row.fetchAll(db, sql: """
            SELECT id, skill_name, anomaly_type, detected_at, baseline_value, observed_value, deviation_score, resolved_at
            FROM skill_anomalies WHERE id > ?\(filter) ORDER BY id LIMIT ?
            """, arguments: [id, limit]).map { row in
            StoredAnomalyRow(id: row[0], skillName: StoredText.lenient(row[1]) ?? "",
                             anomalyType: StoredText.lenient(row[2]) ?? "", detectedAt: StoredText.lenient(row[3]) ?? "",
                             baselineValue: finite(row[4]), observedValue: finite(row[5]), deviationScore: finite(row[6]),
                             resolvedAt: StoredText.lenient(row[7]))
        }
    }

    /// A finite number, or nil (NULL, text that is no number, a blob).
    private static func finite(_ value: DatabaseValue) -> Double? {
        switch value.storage {
        case .int64(let number): return Double(number)
        case .double(let number): return number.isFinite ? number : nil
        case .string(let text): return Double(text).flatMap { $0.isFinite ? $0 : nil }
        case .blob, .null: return nil
        }
    }

    /// Inserts a newly detected anomaly and returns its id.
    static func insertAnomaly(skillName: String, anomalyType: String, detectedAt: String, baselineValue: Double,
                              observedValue: Double, deviationScore: Double, in db: Database) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO skill_anomalies (skill_name, detected_at, anomaly_type, baseline_value, observed_value,
                                         deviation_score)
            VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [skillName, detectedAt, anomalyType, baselineValue, observedValue, deviationScore])
        return db.lastInsertedRowID
    }

    static func resolveAnomaly(id: Int64, at resolvedAt: String, in db: Database) throws {
        try db.execute(sql: "UPDATE skill_anomalies SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL",
                       arguments: [resolvedAt, id])
    }

    /// A skill without its `skill_metrics` row (the foreign key's parent) is left out rather than failing the
    /// transaction: a name a foreign writer stored with an embedded NUL, as a BLOB or as invalid UTF-8 reads
    /// back as a different text, whose parent does not exist — one such row stopped every write before.
    static func upsertBaselines(_ rows: [BaselineRow], at updatedAt: String, in db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO skill_community_baselines (skill_name, total_users, total_invocations, global_completion_rate,
                global_avg_duration_seconds, most_common_workflow_phase, effectiveness_percentile, last_updated)
            SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE EXISTS (SELECT 1 FROM skill_metrics WHERE skill_name = ?1)
            ON CONFLICT(skill_name) DO UPDATE SET total_users = excluded.total_users,
                total_invocations = excluded.total_invocations, global_completion_rate = excluded.global_completion_rate,
                global_avg_duration_seconds = excluded.global_avg_duration_seconds,
                most_common_workflow_phase = excluded.most_common_workflow_phase,
                effectiveness_percentile = excluded.effectiveness_percentile, last_updated = excluded.last_updated
            """)
        for row in rows {
            try statement.execute(arguments: [row.skillName, row.totalUsers, row.totalInvocations, row.globalCompletionRate,
                                              row.globalAvgDurationSeconds, row.mostCommonWorkflowPhase,
                                              row.effectivenessPercentile, updatedAt])
        }
    }

    /// Stored dependency rows counted in fewer than `coOccurrenceBelow` sessions: the ones analytics did not
    /// write (it writes only pairs at or above its minimum), such as the taxonomy's seeds.
    static func dependencies(coOccurrenceBelow limit: Int, in db: Database) throws -> [DependencyRow] {
        try Row.fetchAll(db, sql: """
            SELECT skill_a, skill_b, co_occurrence_count, lift_score FROM skill_dependencies
            WHERE co_occurrence_count < ? OR co_occurrence_count IS NULL
            """, arguments: [limit]).map {
            DependencyRow(skillA: $0[0] ?? "", skillB: $0[1] ?? "", coOccurrenceCount: $0[2] ?? 0, liftScore: $0[3])
        }
    }

    /// Every stored pair with its rowid: analytics writes its rows back by rowid.
    static func dependencyRowIDs(in db: Database) throws -> [StoredDependencyKey] {
        var keys: [StoredDependencyKey] = []
        let cursor = try Row.fetchCursor(db, sql: "SELECT rowid, skill_a, skill_b FROM skill_dependencies")
        while let row = try cursor.next() {
            keys.append(StoredDependencyKey(rowID: row[0], skillA: row[1] ?? "", skillB: row[2] ?? ""))
        }
        return keys
    }

    /// Writes each row at the rowid `rowIDs` gives for it when that row still holds the pair (one step down
    /// the table's B-tree, no index lookup: callers sort by rowid, so a transaction touches few pages);
    /// otherwise updates the pair whichever way round it is stored (the taxonomy seeds one direction), or
    /// inserts it. Returns the rowid each row now has; nil for a new pair left out because a skill has no
    /// `skill_metrics` row (see `upsertBaselines`). Never deletes: rows analytics did not derive (seeds, an
    /// operator's) stay.
    static func writeDependencies(_ rows: [DependencyRow], rowIDs: [Int64?], at updatedAt: String,
                                  in db: Database) throws -> [Int64?] {
        precondition(rows.count == rowIDs.count)
        let byRowID = try db.cachedStatement(sql: """
            UPDATE skill_dependencies SET co_occurrence_count = ?, lift_score = ?, last_updated = ?
            WHERE rowid = ? AND ((skill_a = ? AND skill_b = ?) OR (skill_a = ? AND skill_b = ?))
            """)
        let byPair = try db.cachedStatement(sql: """
            UPDATE skill_dependencies SET co_occurrence_count = ?, lift_score = ?, last_updated = ?
            WHERE (skill_a = ? AND skill_b = ?) OR (skill_a = ? AND skill_b = ?)
            RETURNING rowid
            """)
        let insert = try db.cachedStatement(sql: """
            INSERT INTO skill_dependencies (skill_a, skill_b, co_occurrence_count, lift_score, last_updated)
            SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM skill_metrics WHERE skill_name = ?1)
                AND EXISTS (SELECT 1 FROM skill_metrics WHERE skill_name = ?2)
            """)
        var written: [Int64?] = []
        written.reserveCapacity(rows.count)
        for (row, rowID) in zip(rows, rowIDs) {
            if let rowID {
                try byRowID.execute(arguments: [row.coOccurrenceCount, row.liftScore, updatedAt, rowID,
                                                row.skillA, row.skillB, row.skillB, row.skillA])
                if db.changesCount > 0 {
                    written.append(rowID)
                    continue
                }
            }
            let updated = try Int64.fetchAll(byPair, arguments: [row.coOccurrenceCount, row.liftScore, updatedAt,
                                                                 row.skillA, row.skillB, row.skillB, row.skillA])
            if let first = updated.first {
                written.append(first)
            } else {
                try insert.execute(arguments: [row.skillA, row.skillB, row.coOccurrenceCount, row.liftScore, updatedAt])
                written.append(db.changesCount > 0 ? db.lastInsertedRowID : nil)
            }
        }
        return written
    }
}
