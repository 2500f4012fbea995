import GRDB

/// The V4 A/B tables (`ab_test_configs`, `ab_test_assignments`, `ab_test_outcomes`): typed reads for the
/// start-up load and the short writes of `DerivedTableWriter` transactions.
public enum ABTestTables {
    public static func configs(in db: Database) throws -> [ABTestConfigRow] {
        try Row.fetchAll(db, sql: """
            SELECT test_id, test_name, description, control_strategy, treatment_strategy, start_date, end_date,
                   min_sample_size, metrics, assignment_ratio, status
            FROM ab_test_configs ORDER BY test_id
            """).map {
            ABTestConfigRow(testID: $0[0], testName: $0[1] ?? "", description: $0[2], controlStrategy: $0[3] ?? "",
                            treatmentStrategy: $0[4] ?? "", startDate: $0[5] ?? "", endDate: $0[6],
                            minSampleSize: $0[7] ?? 100, metrics: $0[8], assignmentRatio: $0[9] ?? 0.5,
                            status: $0[10] ?? "running")
        }
    }

    public static func assignments(in db: Database) throws -> [ABTestAssignmentRow] {
        try Row.fetchAll(db, sql: "SELECT test_id, user_id, group_name FROM ab_test_assignments ORDER BY assignment_id")
            .map { ABTestAssignmentRow(testID: $0[0], userID: $0[1] ?? "", groupName: $0[2] ?? "") }
    }

    /// Every outcome in the order it was stored (the order the sequential test looked in).
    public static func outcomes(in db: Database) throws -> [ABTestOutcomeRow] {
        try Row.fetchAll(db, sql: """
            SELECT outcome_id, test_id, user_id, skill_name, completed, duration_seconds, user_rating
            FROM ab_test_outcomes ORDER BY outcome_id
            """).map {
            ABTestOutcomeRow(outcomeID: $0[0], testID: $0[1], userID: $0[2] ?? "", skillName: $0[3] ?? "",
                             completed: (($0[4] as Int64?) ?? 0) != 0, durationSeconds: $0[5], userRating: $0[6])
        }
    }

    /// Whether `test_name` is taken.
    public static func nameExists(_ name: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM ab_test_configs WHERE test_name = ?)", arguments: [name])
            ?? false
    }

    /// Inserts a new test and returns its id (the caller checks the name first, in the same transaction).
    public static func insert(_ config: ABTestConfigRow, createdAt: String, in db: Database) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO ab_test_configs (test_name, description, control_strategy, treatment_strategy, start_date,
                end_date, min_sample_size, metrics, assignment_ratio, status, created_at)
            VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, 'running', ?)
            """, arguments: [config.testName, config.description, config.controlStrategy, config.treatmentStrategy,
                             config.startDate, config.minSampleSize, config.metrics, config.assignmentRatio, createdAt])
        return db.lastInsertedRowID
    }

    /// Stores an assignment unless the user already has one, and returns the stored group (the first one
    /// written wins, so two processes assigning at once agree).
    public static func assign(testID: Int64, userID: String, group: String, at assignedAt: String,
                              in db: Database) throws -> String {
        try db.execute(sql: """
            INSERT INTO ab_test_assignments (test_id, user_id, group_name, assigned_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(test_id, user_id) DO NOTHING
            """, arguments: [testID, userID, group, assignedAt])
        return try String.fetchOne(db, sql: "SELECT group_name FROM ab_test_assignments WHERE test_id = ? AND user_id = ?",
                                   arguments: [testID, userID]) ?? group
    }

    /// Whether `skill_metrics` has the skill: `ab_test_outcomes.skill_name` references it.
    public static func skillExists(_ name: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM skill_metrics WHERE skill_name = ?)", arguments: [name])
            ?? false
    }

    public static func status(testID: Int64, in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT COALESCE(status, 'running') FROM ab_test_configs WHERE test_id = ?",
                            arguments: [testID])
    }

    public static func insertOutcome(testID: Int64, userID: String, skillName: String, completed: Bool,
                                     durationSeconds: Double?, userRating: Double?, at recordedAt: String,
                                     in db: Database) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO ab_test_outcomes (test_id, user_id, skill_name, completed, duration_seconds, user_rating,
                                          recorded_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [testID, userID, skillName, completed, durationSeconds, userRating, recordedAt])
        return db.lastInsertedRowID
    }

    /// Marks a running test stopped; returns its end date (the stored one if it was already stopped).
    public static func stop(testID: Int64, at endDate: String, in db: Database) throws -> String? {
        try db.execute(sql: """
            UPDATE ab_test_configs SET status = 'stopped', end_date = COALESCE(end_date, ?)
            WHERE test_id = ? AND COALESCE(status, 'running') != 'stopped'
            """, arguments: [endDate, testID])
        return try String.fetchOne(db, sql: "SELECT end_date FROM ab_test_configs WHERE test_id = ?", arguments: [testID])
    }
}
