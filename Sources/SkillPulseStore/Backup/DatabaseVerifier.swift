import GRDB

/// One row of `PRAGMA foreign_key_check`: a child row whose parent row is missing.
public struct ForeignKeyViolation: Sendable, Equatable, CustomStringConvertible {
    public let table: String
    public let rowid: Int64?
    public let parent: String

    public var description: String {
        "\(table) row \(rowid.map(String.init) ?? "(without rowid)") references a missing \(parent) row"
    }
}

/// What `skillpulse verify` found; `problems` lists every finding an operator has to act on.
public struct VerificationReport: Sendable {
    public let path: String
    public let integrity: [String]
    public let foreignKeyViolations: [ForeignKeyViolation]
    /// Why `SchemaMigrator.validate` refused the file (edited migration, newer schema), if it did.
    public let migrationProblem: String?
    public let schemaVersion: Int
    public let latestKnownVersion: Int
    public let rowCounts: [TableCount]
    /// False when the damage integrity_check found also stopped the foreign-key, schema and row checks.
    public var otherChecksRan = true

    public var integrityOK: Bool { integrity == ["ok"] }
    public var isHealthy: Bool { integrityOK && foreignKeyViolations.isEmpty && migrationProblem == nil }

    public var problems: [String] {
        (integrityOK ? [] : integrity.map { "integrity_check: \($0)" })
            + foreignKeyViolations.map { "foreign_key_check: \($0)" }
            + (migrationProblem.map { ["migrations: \($0)"] } ?? [])
    }
}

/// integrity_check, foreign_key_check and the migration checksum check, all in one read transaction.
///
/// integrity_check runs first and every later check is on its own: a damaged file gets its page-by-page list
/// instead of one "malformed" line from whichever query tripped over the damage first.
public enum DatabaseVerifier {
    /// Verifies the file at `path` through a read-only connection (it never changes the file).
    public static func verify(path: String) throws -> VerificationReport {
        try verify(try DatabaseOpener.openReadOnlyQueue(path: path), path: path)
    }

    static func verify(_ reader: some DatabaseReader, path: String, migrator: SchemaMigrator = SchemaMigrator())
        throws -> VerificationReport
    {
        // integrity_check in a read of its own: after SQLITE_CORRUPT the connection may refuse to go on in the
        // same transaction, and the page list is what a damaged file's operator needs most.
        let integrity = try DatabaseOpener.mapOpenErrors(path: path) {
            try reader.read { db in try DatabaseInspection.integrity(db) }
        }
        let rest: (String?, [ForeignKeyViolation], Int, [TableCount])
        var otherChecksRan = true
        do {
            rest = try reader.read { db in
                var migrationProblem: String?
                do {
                    try migrator.validate(db, path: path)
                    if try migrator.status(db).current == 0 {
                        migrationProblem = "\(path) has no SkillPulse schema (no applied migrations): is this the "
                            + "right file? A new one needs `skillpulse migrate --db \(path)`"
                    }
                } catch let error as StoreError {
                    migrationProblem = error.description
                } catch let error as DatabaseError {
                    migrationProblem = "cannot read skill_migrations: \(error.message ?? "\(error)")"
                }
                let violations = (try? Row.fetchAll(db, sql: "PRAGMA foreign_key_check").map { row in
                    ForeignKeyViolation(table: row[0], rowid: row[1], parent: row[2])
                }) ?? []
                return (migrationProblem, violations, (try? migrator.status(db).current) ?? 0,
                        (try? DatabaseInspection.rowCounts(db)) ?? [])
            }
        } catch is DatabaseError where integrity != ["ok"] {
            // The damage integrity_check listed also stops the other checks: report the list, not this.
            rest = (nil, [], 0, [])
            otherChecksRan = false
        }
        var report = VerificationReport(
            path: path,
            integrity: integrity,
            foreignKeyViolations: rest.1,
            migrationProblem: rest.0,
            schemaVersion: rest.2,
            latestKnownVersion: migrator.latestVersion,
            rowCounts: rest.3)
        report.otherChecksRan = otherChecksRan
        return report
    }
}
