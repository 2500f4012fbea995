import GRDB

/// Every stored A/B test, assignment and outcome, as `ABTestStore.load` reads them.
public struct ABTestTablesContents: Sendable {
    public let configs: [ABTestConfigRow]
    public let assignments: [ABTestAssignmentRow]
    /// In `outcome_id` order: the order the sequential test looked in.
    public let outcomes: [ABTestOutcomeRow]
}

/// The analytics daemon's A/B tables (V4): one read of everything at start-up, and ordered transactions for
/// each change. The transactions run one at a time on the `DerivedTableWriter`'s connection, in the order they
/// were submitted, so a caller that updates its own memory inside `transaction`'s body sees commits in order.
public final class ABTestStore: Sendable {
    let reader: StoreReader
    let writer: DerivedTableWriter

    public init(reader: StoreReader, writer: DerivedTableWriter) {
        self.reader = reader
        self.writer = writer
    }

    /// Reads every test, assignment and outcome in one read transaction.
    public func load() async throws -> ABTestTablesContents {
        try await reader.pool.read { db in
            ABTestTablesContents(configs: try ABTestTables.configs(in: db),
                                 assignments: try ABTestTables.assignments(in: db),
                                 outcomes: try ABTestTables.outcomes(in: db))
        }
    }

    /// Runs `body` in one IMMEDIATE transaction and commits it; an error thrown by `body` rolls it back and is
    /// passed on as it is. A database that stays locked throws `StoreError.databaseBusy`.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (ABTestTransaction) throws -> T) async throws -> T {
        try await writer.write { db in try body(ABTestTransaction(db: db)) }
    }
}

/// The A/B table operations of one `ABTestStore.transaction`. It lives only as long as the transaction's body
/// (it is not `Sendable`, so it cannot leave it).
public struct ABTestTransaction {
    let db: Database

    /// Whether `test_name` is taken.
    public func nameExists(_ name: String) throws -> Bool {
        try ABTestTables.nameExists(name, in: db)
    }

    /// Inserts a new test and returns its id (check the name first, in the same transaction).
    public func insert(_ config: ABTestConfigRow, createdAt: String) throws -> Int64 {
        try ABTestTables.insert(config, createdAt: createdAt, in: db)
    }

    /// Stores an assignment unless the user already has one, and returns the stored group.
    public func assign(testID: Int64, userID: String, group: String, at assignedAt: String) throws -> String {
        try ABTestTables.assign(testID: testID, userID: userID, group: group, at: assignedAt, in: db)
    }

    /// Whether `skill_metrics` has the skill: `ab_test_outcomes.skill_name` references it.
    public func skillExists(_ name: String) throws -> Bool {
        try ABTestTables.skillExists(name, in: db)
    }

    /// The stored status (`running` when NULL); nil when the test's row is gone (deleted by hand).
    public func status(testID: Int64) throws -> String? {
        try ABTestTables.status(testID: testID, in: db)
    }

    /// Inserts an outcome and returns its `outcome_id` (`userID` is the randomization unit's id: the user, or the
    /// session of a session-randomized test).
    public func insertOutcome(testID: Int64, userID: String, skillName: String, completed: Bool,
                              durationSeconds: Double?, userRating: Double?, idempotencyKey: String?,
                              at recordedAt: String) throws -> Int64 {
        try ABTestTables.insertOutcome(testID: testID, userID: userID, skillName: skillName, completed: completed,
                                       durationSeconds: durationSeconds, userRating: userRating,
                                       idempotencyKey: idempotencyKey, at: recordedAt, in: db)
    }

    /// The outcome already stored under `idempotencyKey` for the test (its id and unit), if any.
    public func outcome(testID: Int64, idempotencyKey: String) throws -> (id: Int64, unitID: String)? {
        try ABTestTables.outcome(testID: testID, idempotencyKey: idempotencyKey, in: db)
    }

    /// Marks a test stopped; returns the stored end date, nil when the test's row is gone.
    public func stop(testID: Int64, at endDate: String) throws -> String? {
        try ABTestTables.stop(testID: testID, at: endDate, in: db)
    }
}
