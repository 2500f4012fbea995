import GRDB
import SkillPulseCore

/// Reading per-(skill, minute) tallies of stored invocations: at start (the last 24 hours) and after another
/// writer's commit (the rows it appended).
extension MinuteTally {
    /// The tally query for rows matching `filter`; identity and time columns come back as bytes (`StoredText`).
    static func sql(filter: String, notIndexed: Bool = false) -> String {
        """
        SELECT CAST(skill_name AS BLOB) AS skill_name, CAST(substr(invoked_at, 1, 16) AS BLOB) AS minute,
               count(*) AS n, total(completed) AS c, CAST(max(invoked_at) AS BLOB) AS last
        FROM skill_invocation\(notIndexed ? " NOT INDEXED" : "") WHERE \(filter) GROUP BY skill_name, minute
        """
    }

    static func fetchAll(_ db: Database, filter: String, arguments: StatementArguments, notIndexed: Bool = false)
        throws -> [Row]
    {
        try Row.fetchAll(db.cachedStatement(sql: sql(filter: filter, notIndexed: notIndexed)), arguments: arguments)
    }

    /// nil for rows another writer left unusable: a name that is not UTF-8, a time not in the stored form.
    init?(row: Row) {
        guard let skill = StoredText.exact(row["skill_name"]), let text = StoredText.exact(row["minute"]),
              let instant = UTCTimestamp(iso8601: text + ":00Z")
        else { return nil }
        self.init(skill: skill, minute: instant.millisecondsSinceEpoch / 60_000, count: StoredText.integer(row["n"]),
                  completed: Int(StoredText.real(row["c"])))
    }
}
