import GRDB
import SkillPulseCore

/// What `skillpulse taxonomy init` inserted (all 0 on a second run) and what is present afterwards.
public struct TaxonomySeedReport: Sendable, Equatable {
    public var categoriesInserted = 0
    public var modalitiesInserted = 0
    public var dependenciesInserted = 0
    public var mappingsInserted = 0
    /// Zero-count `skill_metrics` rows created so the V4 foreign keys have a parent.
    public var skillsInserted = 0
    public var categories = 0
    public var modalities = 0
    public var dependencies = 0
    public var mappings = 0

    public var inserted: Int {
        categoriesInserted + modalitiesInserted + dependenciesInserted + mappingsInserted + skillsInserted
    }
}

/// Seeds the taxonomy of session-buddy's `initialize_taxonomy.py`, plus the example skills' category
/// mappings that script listed but never wrote. Idempotent: rows already present are left as they are.
public enum TaxonomySeeder {
    struct Category {
        let name: String
        let domain: String
        let description: String
        let skills: [String]
    }

    struct Modality {
        let skill: String
        let type: String
        let input: String
        let output: String
        let needsReview: Bool
    }

    struct Dependency {
        let first: String
        let second: String
        let lift: Double
    }

    static let categories = [
        Category(name: "Code Quality", domain: "code", description: "Static analysis and type checking",
                 skills: ["ruff-check", "mypy", "pylint", "black-format", "isort"]),
        Category(name: "Testing", domain: "testing", description: "Running tests and measuring coverage",
                 skills: ["pytest-run", "coverage-report", "hypothesis-test", "pytest-watch"]),
        Category(name: "Documentation", domain: "documentation", description: "Building and checking documentation",
                 skills: ["sphinx-build", "docstring-check", "api-docs", "markdown-lint"]),
        Category(name: "Build & Deploy", domain: "deployment", description: "Packaging, releasing and deploying",
                 skills: ["docker-build", "k8s-deploy", "terraform-apply", "github-release"]),
        Category(name: "Git & Version Control", domain: "code", description: "Version control operations",
                 skills: ["git-commit", "git-push", "git-status", "git-diff"]),
        Category(name: "Linting & Formatting", domain: "code", description: "Style checks and automatic formatting",
                 skills: ["ruff-check", "black-format", "isort", "autopep8"]),
    ]

    static let modalities = [
        Modality(skill: "ruff-check", type: "code", input: "python_source", output: "diagnostics", needsReview: false),
        Modality(skill: "pytest-run", type: "testing", input: "python_tests", output: "test_results", needsReview: false),
        Modality(skill: "sphinx-build", type: "documentation", input: "rst_docs", output: "html_docs", needsReview: true),
        Modality(skill: "docker-build", type: "deployment", input: "dockerfile", output: "docker_image", needsReview: false),
    ]

    static let dependencies = [
        Dependency(first: "ruff-check", second: "black-format", lift: 3.5),
        Dependency(first: "pytest-run", second: "coverage-report", lift: 2.8),
        Dependency(first: "git-commit", second: "git-push", lift: 4.2),
        Dependency(first: "docker-build", second: "k8s-deploy", lift: 2.1),
    ]

    /// Every skill the seed refers to.
    static var skills: [String] {
        Set(categories.flatMap(\.skills) + modalities.map(\.skill) + dependencies.flatMap { [$0.first, $0.second] })
            .sorted()
    }

    /// Seeds the database at `path` (which must be at this binary's schema) through a writer connection.
    public static func seed(path: String) throws -> TaxonomySeedReport {
        let queue = try DatabaseOpener.openWriter(path: path)
        try SchemaGuard.requireCurrent(queue, path: path)
        return try seed(queue)
    }

    /// Inserts what is missing, in one transaction. Throws `schemaBehind` before V4 (no taxonomy tables).
    static func seed(_ writer: some DatabaseWriter) throws -> TaxonomySeedReport {
        let path = writer.path
        return try writer.write { db in
            guard try db.tableExists("skill_categories") else {
                throw StoreError.schemaBehind(path: path, current: try SchemaMigrator().status(db).current, required: 4)
            }
            let now = UTCTimestamp.now().normalized
            var report = TaxonomySeedReport()
            // Every V4 skill column references skill_metrics, and foreign keys are on: a skill nobody has
            // invoked yet needs an empty parent row, which ingest later counts up from zero.
            for skill in skills {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO skill_metrics (skill_name, total_invocations, completion_rate, updated_at)
                    VALUES (?, 0, 0.0, ?)
                    """, arguments: [skill, now])
                report.skillsInserted += db.changesCount
            }
            for category in categories {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO skill_categories (category_name, description, domain, created_at)
                    VALUES (?, ?, ?, ?)
                    """, arguments: [category.name, category.description, category.domain, now])
                report.categoriesInserted += db.changesCount
                for skill in category.skills {
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO skill_category_mapping (skill_name, category_id, confidence_score, assigned_at)
                        SELECT ?, category_id, 1.0, ? FROM skill_categories WHERE category_name = ?
                        """, arguments: [skill, now, category.name])
                    report.mappingsInserted += db.changesCount
                }
            }
            for modality in modalities {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO skill_modalities
                        (skill_name, modality_type, input_format, output_format, requires_human_review, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [modality.skill, modality.type, modality.input, modality.output,
                                     modality.needsReview, now])
                report.modalitiesInserted += db.changesCount
            }
            for dependency in dependencies {
                // The pair is undirected: a row stored the other way round (by a lift recomputation) counts.
                try db.execute(sql: """
                    INSERT INTO skill_dependencies (skill_a, skill_b, co_occurrence_count, lift_score, last_updated)
                    SELECT ?1, ?2, 1, ?3, ?4
                    WHERE NOT EXISTS (SELECT 1 FROM skill_dependencies
                                      WHERE (skill_a = ?1 AND skill_b = ?2) OR (skill_a = ?2 AND skill_b = ?1))
                    """, arguments: [dependency.first, dependency.second, dependency.lift, now])
                report.dependenciesInserted += db.changesCount
            }
            report.categories = try count(db, "skill_categories")
            report.modalities = try count(db, "skill_modalities")
            report.dependencies = try count(db, "skill_dependencies")
            report.mappings = try count(db, "skill_category_mapping")
            return report
        }
    }

    private static func count(_ db: Database, _ table: String) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
    }
}
