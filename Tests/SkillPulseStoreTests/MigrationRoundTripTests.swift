import Foundation
import GRDB
@testable import SkillPulseStore
import Testing

/// Migrate, roll back and re-apply on real files; adopt a session-buddy database in place.
struct MigrationRoundTripTests {
    /// A database path in a fresh directory of its own; the caller removes it with `removeTemporary`.
    static func temporaryPath() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sp-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory.appendingPathComponent("skillpulse.db").path
    }

    /// Removes the directory `temporaryPath()` made (tests leave nothing behind in /tmp).
    static func removeTemporary(_ path: String) {
        try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent)
    }

    static func names(_ db: Database, _ type: String) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = ?", arguments: [type]))
    }

    static let v4Tables: Set<String> = [
        "skill_metrics_cache", "skill_time_series", "skill_anomalies", "skill_community_baselines",
        "skill_user_interactions", "skill_clusters", "skill_cluster_membership", "ab_test_configs",
        "ab_test_assignments", "ab_test_outcomes", "skill_categories", "skill_category_mapping",
        "skill_dependencies", "skill_modalities",
    ]
    static let v4Views: Set<String> = [
        "v_realtime_skill_dashboard", "v_skill_effectiveness_trend", "v_community_baseline_comparison",
        "v_skill_dependency_network", "v_ab_test_summary", "v_multimodal_skill_catalog",
    ]

    /// skill_user_interactions indexes V6 drops (ingest cost, no reader) and its down script restores.
    static let v6DroppedIndexes: Set<String> = ["idx_user_interactions_skill", "idx_user_interactions_session"]

    @Test func migrateRollbackAndReapplyKeepInvocations() throws {
        let path = try Self.temporaryPath()
        defer { MigrationRoundTripTests.removeTemporary(path) }
        let queue = try DatabaseOpener.openWriter(path: path)
        let migrator = SchemaMigrator()
        #expect(try migrator.migrate(queue, path: path).map(\.version) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        try queue.read { (db: Database) throws -> Void in
            // From V7 on skill_user_interactions is a view over skill_invocation, under the same name.
            #expect(Self.v4Tables.subtracting(["skill_user_interactions"]).isSubset(of: try Self.names(db, "table")))
            #expect(Self.v4Views.union(["skill_user_interactions"]).isSubset(of: try Self.names(db, "view")))
            #expect(try Self.names(db, "trigger").contains("trg_metrics_cache_after_insert"))
            #expect(try migrator.status(db).current == 10)
            #expect(try Self.names(db, "index").isDisjoint(with: Self.v6DroppedIndexes))
            #expect(try Self.names(db, "index").contains("idx_dependencies_strong_lift")
                    && !Self.names(db, "index").contains("idx_dependencies_lift"))
        }
        try queue.write { db in
            for index in 0..<50 {
                try db.execute(sql: """
                    INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, created_at)
                    VALUES (?, '2026-11-25T03:00:00.000Z', 's', ?, '2026-11-25T03:00:00.000Z')
                    """, arguments: ["skill-\(index % 5)", index % 2])
            }
        }
        let before = try queue.read { db in try Row.fetchOne(db, sql: "SELECT count(*), sum(id) FROM skill_invocation") }
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO ab_test_configs (test_name, control_strategy, treatment_strategy, start_date)
                VALUES ('t', 'a', 'b', '2026-11-25T03:00:00.000Z');
                INSERT INTO ab_test_outcomes (test_id, user_id, skill_name, completed, idempotency_key)
                VALUES (1, 'u', 'skill-0', 1, 'k1');
                """)
            // V10: a key is unique per test.
            #expect(throws: DatabaseError.self) {
                try db.execute(sql: "INSERT INTO ab_test_outcomes (test_id, user_id, skill_name, completed, idempotency_key) VALUES (1, 'u', 'skill-0', 1, 'k1')")
            }
        }
        #expect(try migrator.rollback(queue, path: path, steps: 1).map(\.version) == [10])
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM ab_test_outcomes") } == 1)
        #expect(try queue.read { db in try !Self.names(db, "index").contains("idx_ab_outcomes_idempotency") })
        #expect(try migrator.rollback(queue, path: path, steps: 1).map(\.version) == [9])
        #expect(try queue.read { db in try Self.names(db, "index").contains("idx_dependencies_lift") })
        #expect(try migrator.rollback(queue, path: path, steps: 2).map(\.version) == [8, 7])
        #expect(try queue.read { db in try Self.names(db, "table").contains("skill_user_interactions") })
        #expect(try migrator.rollback(queue, path: path, steps: 1).map(\.version) == [6])
        #expect(try queue.read { db in try Self.v6DroppedIndexes.isSubset(of: Self.names(db, "index")) })
        #expect(try migrator.rollback(queue, path: path, steps: 2).map(\.version) == [5, 4])
        try queue.read { (db: Database) throws -> Void in
            #expect(Self.v4Tables.isDisjoint(with: try Self.names(db, "table")))
            #expect(try Self.names(db, "trigger").contains("trg_skill_metrics_after_insert"))
            #expect(try Row.fetchOne(db, sql: "SELECT count(*), sum(id) FROM skill_invocation") == before)
            #expect(try migrator.status(db).current == 3)
        }
        #expect(try migrator.migrate(queue, path: path).map(\.version) == [4, 5, 6, 7, 8, 9, 10])
        #expect(try queue.read { db in try Row.fetchOne(db, sql: "SELECT count(*), sum(id) FROM skill_invocation") } == before)
    }

    @Test func aFailingMigrationLeavesTheFileAsItWas() throws {
        let path = try Self.temporaryPath()
        defer { MigrationRoundTripTests.removeTemporary(path) }
        let queue = try DatabaseOpener.openWriter(path: path)
        try SchemaMigrator().migrate(queue, path: path)
        let schema = { try queue.read { db in try Row.fetchAll(db, sql: "SELECT type, name, sql FROM sqlite_master ORDER BY name") } }
        let before = try schema()
        let broken = SchemaMigrator(migrations: MigrationCatalog.embedded + [
            Migration(version: 11, name: "broken", up: "CREATE TABLE t11(x); INSERT INTO nope VALUES (1);", down: "DROP TABLE t11;"),
        ])
        #expect(throws: StoreError.self) { try broken.migrate(queue, path: path) }
        #expect(try schema() == before)
        #expect(try queue.read { db in try broken.status(db).current } == 10)
    }

    @Test func anEditedMigrationIsRefused() throws {
        let path = try Self.temporaryPath()
        defer { MigrationRoundTripTests.removeTemporary(path) }
        let queue = try DatabaseOpener.openWriter(path: path)
        try SchemaMigrator().migrate(queue, path: path)
        try queue.write { db in
            try db.execute(sql: "UPDATE skill_migrations SET checksum = 'sha256:00' WHERE version LIKE 'V3%'")
        }
        #expect { try SchemaGuard.requireCurrent(queue, path: path) } throws: { error in
            if case StoreError.checksumMismatch = error { return true }
            return false
        }
    }

    @Test func aSessionBuddyDatabaseMigratesInPlaceKeepingEveryInvocation() throws {
        let fixture = try #require(Bundle.module.url(forResource: "session-buddy-v4", withExtension: "sql",
                                                     subdirectory: "Fixtures"))
        let path = try Self.temporaryPath()
        defer { MigrationRoundTripTests.removeTemporary(path) }
        let raw = try DatabaseQueue(path: path)
        try raw.writeWithoutTransaction { db in try db.execute(sql: try String(contentsOf: fixture, encoding: .utf8)) }
        let before = try raw.read { db in try Row.fetchAll(db, sql: "SELECT id, skill_name, session_id, completed FROM skill_invocation ORDER BY id") }
        try raw.close()
        #expect(before.count > 1000)

        let queue = try DatabaseOpener.openWriter(path: path)
        let migrator = SchemaMigrator()
        #expect(try migrator.migrate(queue, path: path).map(\.version) == [5, 6, 7, 8, 9, 10])
        try queue.read { (db: Database) throws -> Void in
            let after = try Row.fetchAll(db, sql: "SELECT id, skill_name, session_id, completed FROM skill_invocation ORDER BY id")
            #expect(after == before)
            let malformed = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM skill_invocation
                WHERE length(invoked_at) != 24 OR invoked_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
                """)
            #expect(malformed == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM sessions")
                    == Int.fetchOne(db, sql: "SELECT count(DISTINCT session_id) FROM skill_invocation"))
            #expect(try Int.fetchOne(db, sql: "SELECT sum(invocation_count) FROM skill_time_series") == before.count)
            // Every legacy invocation is attributed to `local`, so each is one interaction of the V7 view.
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_user_interactions WHERE user_id = 'local'") == before.count)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_user_interactions_unlinked") == 0)
            let adopted = try migrator.status(db).applied.filter { $0.version <= 4 }
            #expect(adopted.count == 4 && adopted.allSatisfy { $0.checksum == nil })
        }
    }
}
