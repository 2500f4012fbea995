import Foundation
import GRDB
import SkillPulseCore

/// A row of `skill_migrations`, whether SkillPulse or session-buddy wrote it.
public struct AppliedMigration: Sendable, Equatable {
    public let version: Int
    public let identifier: String
    public let appliedAt: String
    public let checksum: String?
    public let appliedBy: String?
}

/// Where the schema stands relative to the migrations this binary knows.
public struct MigrationStatus: Sendable {
    public let current: Int
    public let latestKnown: Int
    public let applied: [AppliedMigration]
    public let pending: [Migration]
}

/// Applies and rolls back versioned migrations, each in one transaction, ordered by version number.
///
/// Unlike session-buddy's manager, order never depends on `applied_at` (1-second ties made it roll back V1),
/// and a failing script leaves the file exactly as it was because nothing runs in autocommit mode.
public struct SchemaMigrator: Sendable {
    public let migrations: [Migration]

    public init(migrations: [Migration] = MigrationCatalog.embedded) {
        self.migrations = migrations
    }

    public var latestVersion: Int { migrations.last?.version ?? 0 }

    func status(_ db: Database) throws -> MigrationStatus {
        let applied = try appliedMigrations(db)
        let appliedVersions = Set(applied.map(\.version))
        return MigrationStatus(
            current: applied.last?.version ?? 0,
            latestKnown: latestVersion,
            applied: applied,
            pending: migrations.filter { !appliedVersions.contains($0.version) }
        )
    }

    /// Applied rows ordered by version number; rows that are not `V{n}__…` are not migrations of ours.
    func appliedMigrations(_ db: Database) throws -> [AppliedMigration] {
        guard try db.tableExists("skill_migrations") else { return [] }
        let columns = Set(try db.columns(in: "skill_migrations").map(\.name))
        let appliedBy = columns.contains("applied_by") ? "applied_by" : "NULL"
        let checksum = columns.contains("checksum") ? "checksum" : "NULL"
        let rows = try Row.fetchAll(
            db, sql: """
                SELECT \(columns.contains("version") ? "version" : "NULL") AS version,
                    \(columns.contains("applied_at") ? "applied_at" : "NULL") AS applied_at,
                    \(checksum) AS checksum, \(appliedBy) AS applied_by
                FROM skill_migrations
                """)
        // Other tools write this table too: any column may hold NULL or a value of another type, and a row
        // that is not one of our `V{n}__…` migrations is ignored rather than trusted (or crashed on).
        return rows.compactMap { row -> AppliedMigration? in
            guard let identifier = Self.text(row["version"]),
                  let version = Migration.version(ofIdentifier: identifier) else { return nil }
            let checksumValue: DatabaseValue = row["checksum"]
            // A checksum that is not text cannot match any file: it is kept visible so that validation refuses it.
            let checksum = checksumValue.isNull ? nil : (Self.text(checksumValue) ?? "<\(checksumValue.storage)>")
            return AppliedMigration(
                version: version, identifier: identifier, appliedAt: Self.text(row["applied_at"]) ?? "",
                checksum: checksum, appliedBy: Self.text(row["applied_by"]))
        }
        .sorted { $0.version < $1.version }
    }

    /// A stored value as text, or nil when it is NULL or not text (never a decoding trap).
    static func text(_ value: DatabaseValue) -> String? {
        if case .string(let text) = value.storage { return text }
        return nil
    }

    /// Refuses a database this binary must not touch: newer than it knows, or with an edited migration.
    func validate(_ db: Database, path: String) throws {
        let applied = try appliedMigrations(db)
        if let newest = applied.last, newest.version > latestVersion {
            throw StoreError.schemaAhead(path: path, current: newest.version, known: latestVersion)
        }
        // A hole below the newest applied version means a bookkeeping row was deleted by hand: migrate would
        // re-run that migration onto objects that exist.
        let versions = Set(applied.map(\.version))
        if let newest = versions.max(), let hole = (1..<newest).first(where: { !versions.contains($0) }) {
            throw StoreError.wrongFile(path: path, detail: "skill_migrations records V\(newest) but not V\(hole): its "
                + "row was deleted by hand, and migrating would run V\(hole) again onto tables it already made; restore "
                + "the database from a backup (`skillpulse restore --db \(ShellQuoting.quote(path)) BACKUP`)")
        }
        for row in applied {
            // session-buddy never wrote checksums: its rows (V1–V4) are adopted as applied without one. SkillPulse's
            // own migrations always record one, so a missing one there is an edit.
            guard let migration = migrations.first(where: { $0.version == row.version }) else { continue }
            guard let recorded = row.checksum else {
                if row.version > 4 {
                    throw StoreError.checksumMismatch(version: row.identifier, recorded: "(none)", embedded: migration.checksum)
                }
                continue
            }
            if recorded != migration.checksum {
                throw StoreError.checksumMismatch(version: row.identifier, recorded: recorded, embedded: migration.checksum)
            }
        }
    }

    /// The migrations `migrate(to:)` would apply, in order.
    func plan(_ db: Database, path: String, to target: Int? = nil) throws -> [Migration] {
        try validate(db, path: path)
        let target = target ?? latestVersion
        guard target >= 0, target <= latestVersion else {
            throw StoreError.unknownTarget(version: target, known: latestVersion)
        }
        let applied = Set(try appliedMigrations(db).map(\.version))
        return migrations.filter { $0.version <= target && !applied.contains($0.version) }
    }

    /// Applies pending migrations up to `target` (default: all), each in its own IMMEDIATE transaction.
    @discardableResult
    func migrate(_ writer: some DatabaseWriter, path: String, to target: Int? = nil, dryRun: Bool = false)
        throws -> [Migration]
    {
        let pending = try writer.read { db in try plan(db, path: path, to: target) }
        if dryRun { return pending }
        var appliedNow: [Migration] = []
        for migration in pending {
            try run(writer, migration: migration, direction: "up") { db in
                // Decided again inside the write transaction: another `migrate` (the unit and a hand-run one)
                // may have applied it since the plan was made; then this run has nothing to do for it. GRDB's
                // schema cache does not know what another process created.
                db.clearSchemaCache()
                try validate(db, path: path)
                guard try !appliedMigrations(db).contains(where: { $0.version == migration.version }) else { return }
                appliedNow.append(migration)
                try Self.ensureBookkeeping(db)
                try db.execute(sql: migration.up)
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO skill_migrations
                            (version, applied_at, description, checksum, applied_by, success)
                        VALUES (?, ?, ?, ?, 'skillpulse', 1)
                        """,
                    arguments: [migration.identifier, UTCTimestamp.now().normalized, migration.summary,
                                migration.checksum])
            }
        }
        return appliedNow
    }

    /// The applied migrations a rollback would undo, newest first.
    func rollbackPlan(_ db: Database, path: String, to target: Int? = nil, steps: Int? = nil) throws
        -> [AppliedMigration]
    {
        try validate(db, path: path)
        let applied = try appliedMigrations(db).reversed()
        if let target {
            guard target >= 0, target <= latestVersion else {
                throw StoreError.unknownTarget(version: target, known: latestVersion)
            }
            return applied.filter { $0.version > target }
        }
        return Array(applied.prefix(max(steps ?? 1, 0)))
    }

    /// Rolls back newest-first, down to `target` or by `steps` (default one step), each in one transaction.
    @discardableResult
    func rollback(
        _ writer: some DatabaseWriter, path: String, to target: Int? = nil, steps: Int? = nil, dryRun: Bool = false
    ) throws -> [AppliedMigration] {
        let plan = try writer.read { db in try rollbackPlan(db, path: path, to: target, steps: steps) }
        if dryRun { return plan }
        var rolledBack: [AppliedMigration] = []
        for applied in plan {
            guard let migration = migrations.first(where: { $0.version == applied.version }) else {
                throw StoreError.unknownTarget(version: applied.version, known: latestVersion)
            }
            try run(writer, migration: migration, direction: "down") { db in
                // Another rollback may have undone it since the plan was made.
                db.clearSchemaCache()
                guard try appliedMigrations(db).contains(where: { $0.version == applied.version }) else { return }
                rolledBack.append(applied)
                try db.execute(sql: migration.down)
                try db.execute(sql: "DELETE FROM skill_migrations WHERE version = ?", arguments: [applied.identifier])
            }
        }
        return rolledBack
    }

    private func run(
        _ writer: some DatabaseWriter, migration: Migration, direction: String, body: (Database) throws -> Void
    ) throws {
        do {
            try writer.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    try body(db)
                    return .commit
                }
            }
        } catch let error as DatabaseError {
            throw StoreError.migrationFailed(
                version: migration.identifier, direction: direction, detail: SQLiteFailure.describe(error))
        }
    }

    /// The bookkeeping table as session-buddy defined it, so either tool can read the other's rows.
    static func ensureBookkeeping(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS skill_migrations (
                version TEXT PRIMARY KEY,
                applied_at TEXT NOT NULL,
                description TEXT,
                rollback_sql TEXT,
                checksum TEXT,
                applied_by TEXT DEFAULT 'session-buddy',
                success BOOLEAN NOT NULL DEFAULT 1
            );
            CREATE INDEX IF NOT EXISTS idx_migrations_applied_at ON skill_migrations(applied_at DESC);
            """)
    }
}
