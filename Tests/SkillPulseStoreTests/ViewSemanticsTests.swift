import Foundation
import GRDB
import SkillPulseCore
@testable import SkillPulseStore
import Testing

/// The fixed views compute what their names say, and every down script works down to an empty schema.
struct ViewSemanticsTests {
    static func migrated() throws -> (DatabaseQueue, String) {
        let path = try MigrationRoundTripTests.temporaryPath()
        let queue = try DatabaseOpener.openWriter(path: path)
        try SchemaMigrator().migrate(queue, path: path)
        return (queue, path)
    }

    @Test func trendSlopeIsALeastSquaresSlopeAndCanBeNegative() throws {
        let (queue, scratchPath) = try Self.migrated()
        defer { try? queue.close(); MigrationRoundTripTests.removeTemporary(scratchPath) }
        let now = UTCTimestamp.now()
        // Completion falls from 100 % to 20 % over five days: the slope must be negative.
        try queue.write { db in
            for day in 0..<5 {
                let at = now.adding(milliseconds: -Int64(4 - day) * 86_400_000 - 60_000).normalized
                for index in 0..<5 {
                    try db.execute(sql: """
                        INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, created_at)
                        VALUES ('falling', ?, 's', ?, ?)
                        """, arguments: [at, index < 5 - day, at])
                }
            }
        }
        let slope = try queue.read { db in
            try Double.fetchOne(db, sql: "SELECT trend_slope FROM v_skill_effectiveness_trend WHERE skill_name = 'falling'")
        }
        let value = try #require(slope)
        #expect(abs(value - -0.2) < 0.02, "slope \(value)")
    }

    @Test func abSummaryRatesAreRealRatesAndUsersAreDistinct() throws {
        let (queue, scratchPath) = try Self.migrated()
        defer { try? queue.close(); MigrationRoundTripTests.removeTemporary(scratchPath) }
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO skill_metrics (skill_name, completion_rate, updated_at) VALUES ('k', 0, '2026-01-01T00:00:00.000Z');
                INSERT INTO ab_test_configs (test_name, control_strategy, treatment_strategy, start_date)
                    VALUES ('t', 'a', 'b', '2026-01-01T00:00:00.000Z');
                """)
            for user in 0..<10 {
                let group = user < 5 ? "control" : "treatment"
                try db.execute(sql: "INSERT INTO ab_test_assignments (test_id, user_id, group_name) VALUES (1, ?, ?)",
                               arguments: ["u\(user)", group])
                // Two outcomes per user: control completes 3 of 5 users' first tries, treatment 4 of 5.
                for attempt in 0..<2 {
                    let completed = attempt == 1 || (user < 5 ? user < 3 : user < 9)
                    try db.execute(sql: """
                        INSERT INTO ab_test_outcomes (test_id, user_id, skill_name, completed) VALUES (1, ?, 'k', ?)
                        """, arguments: ["u\(user)", completed])
                }
            }
        }
        let row = try #require(try queue.read { db in try Row.fetchOne(db, sql: "SELECT * FROM v_ab_test_summary") })
        #expect(row["total_users"] as Int? == 10)
        #expect(row["control_users"] as Int? == 5)
        #expect(row["treatment_users"] as Int? == 5)
        #expect(abs((row["control_completion_rate"] as Double? ?? 0) - 0.8) < 1e-9)
        #expect(abs((row["treatment_completion_rate"] as Double? ?? 0) - 0.9) < 1e-9)
    }

    @Test func everyDownScriptRunsToAnEmptySchemaAndBackUp() throws {
        let (queue, path) = try Self.migrated()
        defer { try? queue.close(); MigrationRoundTripTests.removeTemporary(path) }
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, created_at, embedding,
                    workflow_phase) VALUES ('k', '2026-11-25T03:00:00.000Z', 's', 1, '2026-11-25T03:00:00.000Z', x'00', 'setup')
                """)
        }
        let migrator = SchemaMigrator()
        for target in [4, 3, 2, 1] {
            try migrator.rollback(queue, path: path, to: target)
            try queue.read { (db: Database) throws -> Void in
                #expect(try migrator.status(db).current == target)
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") == 1, "V\(target)")
                // The V1 triggers survive every table rebuild.
                #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name = 'trg_skill_metrics_after_insert'") == 1)
            }
        }
        try migrator.rollback(queue, path: path, to: 0)
        let leftovers = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name NOT LIKE '%migrations%'")
        }
        #expect(leftovers.isEmpty, "\(leftovers)")
        #expect(try migrator.migrate(queue, path: path).count == 10)
    }
}
