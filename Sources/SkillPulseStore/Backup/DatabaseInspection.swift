import Foundation
import GRDB

/// The number of rows in one table.
public struct TableCount: Sendable, Equatable, CustomStringConvertible {
    public let table: String
    public let rows: Int

    public init(table: String, rows: Int) {
        self.table = table
        self.rows = rows
    }

    public var description: String { "\(table) \(rows)" }
}

/// Read-only checks shared by backup, verify and restore.
public enum DatabaseInspection {
    /// The tables an operator compares between a database and its copy (skill_user_interactions is a view
    /// from V7 on, counted all the same).
    public static let countedTables = [
        "skill_invocation", "sessions", "skill_metrics", "session_skills", "skill_time_series",
        "skill_user_interactions", "skill_migrations",
    ]

    /// Row counts of the `countedTables` that exist (an old schema lacks some), in that order.
    static func rowCounts(_ db: Database) throws -> [TableCount] {
        try countedTables.compactMap { table in
            guard try db.tableExists(table) || db.viewExists(table) else { return nil }
            return TableCount(table: table, rows: try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0)
        }
    }

    /// One line for humans: `skill_invocation 120, sessions 4, …`.
    public static func summary(_ counts: [TableCount]) -> String {
        counts.isEmpty ? "no SkillPulse tables" : counts.map(\.description).joined(separator: ", ")
    }

    /// `PRAGMA integrity_check` lines; exactly `["ok"]` when the file is sound.
    /// integrity_check's problems, one per line (["ok"] for a sound file). SQLite may put several problems in
    /// one row, under a "*** in database main ***" heading, and may stop with SQLITE_CORRUPT after listing
    /// some: the lines read before that are kept, and the error becomes the last line.
    static func integrity(_ db: Database) throws -> [String] {
        var lines: [String] = []
        do {
            let cursor = try String.fetchCursor(db, sql: "PRAGMA integrity_check")
            while let row = try cursor.next() {
                lines += row.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("*** in database") }
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB {
            lines.append(error.message ?? "database disk image is malformed")
        }
        return lines.isEmpty ? ["ok"] : lines
    }

    /// The device and inode of `path`, to recognise one file under two names.
    static func fileIdentity(_ path: String) -> (UInt64, UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }

    /// True when both paths name the same existing file.
    static func sameFile(_ first: String, _ second: String) -> Bool {
        guard let one = fileIdentity(first), let other = fileIdentity(second) else { return false }
        return one == other
    }

    /// True when both paths spell the same location once made absolute (whether or not it exists).
    static func samePath(_ first: String, _ second: String) -> Bool {
        URL(fileURLWithPath: first).standardizedFileURL.path == URL(fileURLWithPath: second).standardizedFileURL.path
    }

    /// Removes a database's sidecars; a stale -wal next to a replaced file would be replayed onto it.
    static func removeSidecars(of path: String) {
        for suffix in ["-wal", "-shm", "-journal"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }
}
