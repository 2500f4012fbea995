import GRDB

/// The V4 A/B tables (`ab_test_configs`, `ab_test_assignments`, `ab_test_outcomes`): typed reads for the
/// start-up load and the short writes of `DerivedTableWriter` transactions.
enum ABTestTables {
    /// Every test. The tables are shared with session-buddy and with operators' `sqlite3`, so any column may
    /// hold any type: values are read leniently (a number where text is expected, text where a number is, a
    /// blob that is not UTF-8), and a row whose key cannot be read is skipped rather than trusted.
    static func configs(in db: Database) throws -> [ABTestConfigRow] {
        try Row.fetchAll(db, sql: """
            SELECT test_id, test_name, description, control_strategy, treatment_strategy, start_date, end_date,
                   min_sample_size, metrics, assignment_ratio, status
            FROM ab_test_configs ORDER BY test_id
            """).compactMap { row in
            guard let id = integer(row, 0), let name = text(row, 1) else { return nil }
            return ABTestConfigRow(testID: id, testName: name, description: text(row, 2), controlStrategy: text(row, 3) ?? "",
                                   treatmentStrategy: text(row, 4) ?? "", startDate: text(row, 5) ?? "",
                                   endDate: text(row, 6), minSampleSize: Int(clamping: integer(row, 7) ?? 100),
                                   metrics: text(row, 8), assignmentRatio: real(row, 9) ?? 0.5,
                                   status: text(row, 10) ?? "running")
        }
    }

    static func assignments(in db: Database) throws -> [ABTestAssignmentRow] {
        try Row.fetchAll(db, sql: "SELECT test_id, user_id, group_name FROM ab_test_assignments ORDER BY assignment_id")
            .compactMap { row in
                guard let test = integer(row, 0), let user = text(row, 1) else { return nil }
                return ABTestAssignmentRow(testID: test, userID: user, groupName: text(row, 2) ?? "")
            }
    }

    /// Every outcome in the order it was stored (the order the sequential test looked in). `completed` is read
    /// with SQLite's own truth (as `v_ab_test_summary` reads it); a duration or rating that is not a number is
    /// left out.
    static func outcomes(in db: Database) throws -> [ABTestOutcomeRow] {
        try Row.fetchAll(db, sql: """
            SELECT outcome_id, test_id, user_id, skill_name, CASE WHEN completed THEN 1 ELSE 0 END,
                   duration_seconds, user_rating
            FROM ab_test_outcomes ORDER BY outcome_id
            """).compactMap { row in
            guard let id = integer(row, 0), let test = integer(row, 1), let user = text(row, 2) else { return nil }
            return ABTestOutcomeRow(outcomeID: id, testID: test, userID: user, skillName: text(row, 3) ?? "",
                                    completed: integer(row, 4) == 1, durationSeconds: real(row, 5),
                                    userRating: real(row, 6))
        }
    }

    /// Text, or nil for NULL, a number or a blob that is not UTF-8.
    static func text(_ row: Row, _ index: Int) -> String? {
        let value: DatabaseValue = row[index]
        switch value.storage {
        case .string(let string): return string
        case .blob(let data): return String(data: data, encoding: .utf8)
        case .int64(let number): return String(number)
        case .double(let number): return String(number)
        case .null: return nil
        }
    }

    /// An integer, or nil for anything that is not one (a whole-valued real counts).
    static func integer(_ row: Row, _ index: Int) -> Int64? {
        let value: DatabaseValue = row[index]
        switch value.storage {
        case .int64(let number): return number
        case .double(let number) where number.rounded() == number && abs(number) < 9e18: return Int64(number)
        case .string(let string): return Int64(string)
        default: return nil
        }
    }

    /// A finite number, or nil.
    static func real(_ row: Row, _ index: Int) -> Double? {
        let value: DatabaseValue = row[index]
        switch value.storage {
        case .int64(let number): return Double(number)
        case .double(let number) where number.isFinite: return number
        case .string(let string): return Double(string).flatMap { $0.isFinite ? $0 : nil }
        default: return nil
        }
    }

    /// Whether `test_name` is taken.
    static func nameExists(_ name: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM ab_test_configs WHERE test_name = ?)", arguments: [name])
            ?? false
    }

    /// Inserts a new test and returns its id (the caller checks the name first, in the same transaction).
    static func insert(_ config: ABTestConfigRow, createdAt: String, in db: Database) throws -> Int64 {
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
    static func assign(testID: Int64, userID: String, group: String, at assignedAt: String,
                       in db: Database) throws -> String {
        try db.execute(sql: """
            INSERT INTO ab_test_assignments (test_id, user_id, group_name, assigned_at) VALUES (?, ?, ?, ?)
            ON CONFLICT(test_id, user_id) DO NOTHING
            """, arguments: [testID, userID, group, assignedAt])
        return try String.fetchOne(db, sql: "SELECT group_name FROM ab_test_assignments WHERE test_id = ? AND user_id = ?",
                                   arguments: [testID, userID]) ?? group
    }

    /// Whether `skill_metrics` has the skill: `ab_test_outcomes.skill_name` references it.
    static func skillExists(_ name: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM skill_metrics WHERE skill_name = ?)"),
                          arguments: [name]) ?? false
    }

    /// The stored status (`running` when NULL); nil when the test's row is gone (deleted by hand).
    static func status(testID: Int64, in db: Database) throws -> String? {
        guard let row = try Row.fetchOne(db, sql: "SELECT status FROM ab_test_configs WHERE test_id = ?",
                                         arguments: [testID]) else { return nil }
        return text(row, 0) ?? "running"
    }

    static func insertOutcome(testID: Int64, userID: String, skillName: String, completed: Bool,
                              durationSeconds: Double?, userRating: Double?, idempotencyKey: String?,
                              at recordedAt: String, in db: Database) throws -> Int64 {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO ab_test_outcomes (test_id, user_id, skill_name, completed, duration_seconds, user_rating,
                                          recorded_at, idempotency_key)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try statement.execute(arguments: [testID, userID, skillName, completed, durationSeconds, userRating, recordedAt,
                                          idempotencyKey])
        return db.lastInsertedRowID
    }

    /// The outcome stored under `key` for the test, with its unit and completion (a retry answers as the first).
    static func outcome(testID: Int64, idempotencyKey key: String, in db: Database) throws -> (id: Int64, unitID: String)? {
        let statement = try db.cachedStatement(sql: """
            SELECT outcome_id, user_id FROM ab_test_outcomes WHERE test_id = ? AND idempotency_key = ?
            """)
        guard let row = try Row.fetchOne(statement, arguments: [testID, key]), let id = integer(row, 0) else { return nil }
        return (id, text(row, 1) ?? "")
    }

    /// Marks a test stopped and gives it an end date unless it has one; returns the stored end date, nil when
    /// the test's row is gone.
    static func stop(testID: Int64, at endDate: String, in db: Database) throws -> String? {
        try db.execute(sql: """
            UPDATE ab_test_configs SET status = 'stopped', end_date = COALESCE(end_date, ?) WHERE test_id = ?
            """, arguments: [endDate, testID])
        guard db.changesCount > 0,
              let row = try Row.fetchOne(db, sql: "SELECT end_date FROM ab_test_configs WHERE test_id = ?",
                                         arguments: [testID]) else { return nil }
        return text(row, 0) ?? endDate
    }
}
