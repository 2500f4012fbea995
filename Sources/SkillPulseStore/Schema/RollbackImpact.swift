import GRDB

/// The rows a rollback would lose, measured exactly: the rollback runs on an in-memory copy of the database
/// and every table's row count is compared before and after. (Reading the down scripts would misjudge the
/// table rebuilds of V2 and V3, which drop `skill_invocation` only after copying it.) The source is only read.
public struct RollbackImpact: Sendable {
    /// A table that would hold fewer rows (or be gone) after the rollback.
    public struct Loss: Sendable, Equatable, CustomStringConvertible {
        public let table: String
        public let rows: Int
        public var description: String { "\(table) \(rows)" }
    }

    public let losses: [Loss]

    public var totalRows: Int { losses.reduce(0) { $0 + $1.rows } }

    /// One line for humans: `skill_invocation 200000, sessions 31` or `no rows`.
    public var summary: String {
        losses.isEmpty ? "no rows" : losses.map(\.description).joined(separator: ", ")
    }

    static func measure(_ source: some DatabaseReader, path: String, to target: Int?, steps: Int?,
                        migrator: SchemaMigrator = SchemaMigrator()) throws -> RollbackImpact {
        let copy = try DatabaseQueue()
        try source.backup(to: copy)
        let before = try copy.read(rowCounts)
        try migrator.rollback(copy, path: path, to: target, steps: steps)
        let after = try copy.read(rowCounts)
        let losses = before.compactMap { table, rows -> Loss? in
            let lost = rows - (after[table] ?? 0)
            return lost > 0 ? Loss(table: table, rows: lost) : nil
        }
        return RollbackImpact(losses: losses.sorted { $0.rows > $1.rows || ($0.rows == $1.rows && $0.table < $1.table) })
    }

    /// Rows per table (views and SQLite's own tables aside; the bookkeeping table is no user data).
    static func rowCounts(_ db: Database) throws -> [String: Int] {
        let tables = try String.fetchAll(db, sql: """
            SELECT name FROM sqlite_master
            WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'skill_migrations'
                AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'
            """)
        var counts: [String: Int] = [:]
        for table in tables {
            counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \"\(table.replacingOccurrences(of: "\"", with: "\"\""))\"") ?? 0
        }
        return counts
    }
}
