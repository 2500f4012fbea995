import GRDB

/// One skill cluster as analytics writes it into `skill_clusters` / `skill_cluster_membership`.
public struct SkillClusterRow: Sendable, Equatable {
    public let name: String
    public let description: String
    /// (skill, membership score in [0, 1]).
    public let members: [(skill: String, score: Double)]

    public init(name: String, description: String, members: [(skill: String, score: Double)]) {
        self.name = name
        self.description = description
        self.members = members
    }

    public static func == (lhs: SkillClusterRow, rhs: SkillClusterRow) -> Bool {
        lhs.name == rhs.name && lhs.description == rhs.description
            && lhs.members.map(\.skill) == rhs.members.map(\.skill) && lhs.members.map(\.score) == rhs.members.map(\.score)
    }
}

/// The cluster tables session-buddy defined and never filled.
enum SkillClusterTables {
    /// Replaces every cluster with `clusters` (one transaction: readers see the old set or the new one). Members
    /// missing from `skill_metrics` (the foreign key) are left out.
    static func replace(with clusters: [SkillClusterRow], at createdAt: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM skill_cluster_membership")
        try db.execute(sql: "DELETE FROM skill_clusters")
        let cluster = try db.cachedStatement(sql: """
            INSERT INTO skill_clusters (cluster_name, description, centroid_embedding, created_at) VALUES (?, ?, NULL, ?)
            """)
        let member = try db.cachedStatement(sql: """
            INSERT INTO skill_cluster_membership (skill_name, cluster_id, membership_score)
            SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM skill_metrics WHERE skill_name = ?)
            """)
        for row in clusters {
            try cluster.execute(arguments: [row.name, row.description, createdAt])
            let id = db.lastInsertedRowID
            for (skill, score) in row.members {
                try member.execute(arguments: [skill, id, score, skill])
            }
        }
    }

    /// The stored clusters with their members (for tests and the CLI): name → [(skill, score)].
    static func all(in db: Database) throws -> [String: [String: Double]] {
        var result: [String: [String: Double]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT c.cluster_name, m.skill_name, m.membership_score FROM skill_clusters c
            JOIN skill_cluster_membership m ON m.cluster_id = c.cluster_id
            """) {
            result[row[0] ?? "", default: [:]][row[1] ?? ""] = row[2] ?? 0
        }
        return result
    }
}
