import Foundation
import GRDB
@testable import SkillPulseStore
import Testing

/// `TaxonomySeeder` on migrated files: exact seed, idempotence, foreign keys satisfied, old schemas refused.
struct TaxonomySeederTests {
    static func migratedDatabase(to version: Int? = nil) throws -> (String, DatabaseQueue) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sp-taxonomy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("skillpulse.db").path
        let queue = try DatabaseOpener.openWriter(path: path)
        try SchemaMigrator().migrate(queue, path: path, to: version)
        return (path, queue)
    }

    static func counts(_ queue: DatabaseQueue) throws -> [Int] {
        try queue.read { db in
            try ["skill_categories", "skill_modalities", "skill_dependencies", "skill_category_mapping", "skill_metrics"]
                .map { try Int.fetchOne(db, sql: "SELECT count(*) FROM \($0)") ?? 0 }
        }
    }

    @Test func seedsTheTaxonomyOnceAndASecondRunInsertsNothing() throws {
        let (scratchPath, queue) = try Self.migratedDatabase()
        defer { try? queue.close(); MigrationRoundTripTests.removeTemporary(scratchPath) }
        let first = try TaxonomySeeder.seed(queue)
        #expect(first.categoriesInserted == 6)
        #expect(first.modalitiesInserted == 4)
        #expect(first.dependenciesInserted == 4)
        #expect(first.mappingsInserted == 25)
        #expect([first.categories, first.modalities, first.dependencies, first.mappings] == [6, 4, 4, 25] as [Int])
        let afterFirst = try Self.counts(queue)

        let second = try TaxonomySeeder.seed(queue)
        #expect(second.inserted == 0)
        #expect([second.categories, second.modalities, second.dependencies, second.mappings] == [6, 4, 4, 25] as [Int])
        #expect(try Self.counts(queue) == afterFirst)
    }

    @Test func seededRowsMatchTheReferenceTaxonomy() throws {
        let (scratchPath, queue) = try Self.migratedDatabase()
        defer { try? queue.close(); MigrationRoundTripTests.removeTemporary(scratchPath) }
        _ = try TaxonomySeeder.seed(queue)
        try queue.read { (db: Database) throws -> Void in
            let domains = try Row.fetchAll(db, sql: "SELECT category_name, domain FROM skill_categories ORDER BY category_id")
                .map { "\($0[0] as String)/\($0[1] as String)" }
            #expect(domains == ["Code Quality/code", "Testing/testing", "Documentation/documentation",
                                "Build & Deploy/deployment", "Git & Version Control/code", "Linting & Formatting/code"])
            let review = try String.fetchAll(db, sql: """
                SELECT skill_name FROM skill_modalities WHERE requires_human_review ORDER BY skill_name
                """)
            #expect(review == ["sphinx-build"])
            let ruff = try Row.fetchOne(db, sql: "SELECT modality_type, input_format, output_format FROM skill_modalities WHERE skill_name = 'ruff-check'")
            #expect(ruff == ["modality_type": "code", "input_format": "python_source", "output_format": "diagnostics"])
            let lifts = try Row.fetchAll(db, sql: """
                SELECT skill_a, skill_b, lift_score, co_occurrence_count FROM skill_dependencies ORDER BY lift_score DESC
                """).map { "\($0[0] as String)>\($0[1] as String) \($0[2] as Double) \($0[3] as Int)" }
            #expect(lifts == ["git-commit>git-push 4.2 1", "ruff-check>black-format 3.5 1",
                              "pytest-run>coverage-report 2.8 1", "docker-build>k8s-deploy 2.1 1"])
            let quality = try String.fetchAll(db, sql: """
                SELECT m.skill_name FROM skill_category_mapping m JOIN skill_categories c USING (category_id)
                WHERE c.category_name = 'Linting & Formatting' AND m.confidence_score = 1.0 ORDER BY m.skill_name
                """)
            #expect(quality == ["autopep8", "black-format", "isort", "ruff-check"])
            // One timestamp form everywhere (V5): 24 characters, UTC.
            let stamps = try String.fetchAll(db, sql: """
                SELECT created_at FROM skill_categories UNION ALL SELECT assigned_at FROM skill_category_mapping
                UNION ALL SELECT last_updated FROM skill_dependencies UNION ALL SELECT created_at FROM skill_modalities
                """)
            #expect(stamps.allSatisfy { $0.count == 24 && $0.hasSuffix("Z") && $0.contains("T") })
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
        }
    }

    @Test func existingSkillMetricsAndReversedDependenciesAreKept() throws {
        let (scratchPath, queue) = try Self.migratedDatabase()
        defer { try? queue.close(); MigrationRoundTripTests.removeTemporary(scratchPath) }
        try queue.write { db in
            for index in 0..<3 {
                try db.execute(sql: """
                    INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, created_at)
                    VALUES ('ruff-check', '2026-11-25T03:00:00.000Z', 's', ?, '2026-11-25T03:00:00.000Z')
                    """, arguments: [index % 2])
            }
            try db.execute(sql: """
                INSERT INTO skill_metrics (skill_name, updated_at) VALUES ('black-format', '2026-11-25T03:00:00.000Z');
                INSERT INTO skill_dependencies (skill_a, skill_b, co_occurrence_count, lift_score, last_updated)
                VALUES ('black-format', 'ruff-check', 7, 1.9, '2026-11-25T03:00:00.000Z');
                """)
        }
        let report = try TaxonomySeeder.seed(queue)
        #expect(report.dependenciesInserted == 3)
        #expect(report.dependencies == 4)
        try queue.read { (db: Database) throws -> Void in
            let ruff = try Row.fetchOne(db, sql: "SELECT total_invocations, completed_invocations FROM skill_metrics WHERE skill_name = 'ruff-check'")
            #expect(ruff == ["total_invocations": 3, "completed_invocations": 1])
            let kept = try Double.fetchOne(db, sql: "SELECT lift_score FROM skill_dependencies WHERE skill_a = 'black-format'")
            #expect(kept == 1.9)
        }
    }

    @Test func aSchemaWithoutTaxonomyTablesIsRefusedWithTheFix() throws {
        let (path, queue) = try Self.migratedDatabase(to: 3)
        defer { try? queue.close(); MigrationRoundTripTests.removeTemporary(path) }
        #expect(throws: StoreError.schemaBehind(path: path, current: 3, required: 4)) {
            try TaxonomySeeder.seed(queue)
        }
        #expect(StoreError.schemaBehind(path: path, current: 3, required: 4).description.contains("skillpulse migrate"))
    }
}
