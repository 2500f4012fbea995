import Foundation
import GRDB
import SkillPulseCore

/// A backup that passed the checks `restore` makes before touching anything.
public struct RestoreSource: Sendable {
    public let path: String
    public let schemaVersion: Int
    public let rowCounts: [TableCount]
}

/// What `restore` left at the target.
public struct RestoreReport: Sendable {
    public let source: RestoreSource
    public let target: String
    public let rowCounts: [TableCount]
    /// Where the damaged database that was replaced now lies, kept for forensics (nil when it was sound).
    public let damagedCopy: String?
}

/// Replaces a database with a backup, but only while nothing holds the database.
public enum DatabaseRestorer {
    /// The sockets whose daemons keep the database open.
    public static let daemonNames = ["ingest", "analytics", "realtime-gateway", "metrics-exporter"]

    /// Checks `source`: a SQLite file, intact, with a SkillPulse schema this binary knows and unedited migrations.
    public static func checkSource(_ source: String, migrator: SchemaMigrator = SchemaMigrator()) throws
        -> RestoreSource
    {
        guard FileManager.default.fileExists(atPath: source) else {
            throw StoreError.cannotOpen(path: source, detail: "no such file (the backup to restore from)")
        }
        try DatabaseOpener.preflight(path: source, needsWrite: false, create: false)
        do {
            return try checkSourceContents(source, migrator: migrator)
        } catch StoreError.notADatabase, StoreError.corrupt {
            // The advice for a damaged *database* (restore it) would loop here: this is the backup.
            throw StoreError.wrongFile(path: source, detail: "is not a usable backup (not a SQLite database, or "
                                       + "damaged); choose another backup file (`skillpulse verify --db BACKUP` checks one)")
        }
    }

    private static func checkSourceContents(_ source: String, migrator: SchemaMigrator) throws -> RestoreSource {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseOpener.mapOpenErrors(path: source) {
            let queue = try DatabaseQueue(path: DatabaseOpener.readOnlyLocation(of: source), configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                let problems = try DatabaseInspection.integrity(db)
                guard problems == ["ok"] else {
                    throw StoreError.corrupt(path: source, detail: problems.prefix(3).joined(separator: "; "))
                }
                try migrator.validate(db, path: source)
                let version = try migrator.status(db).current
                guard version > 0 else {
                    throw StoreError.cannotOpen(
                        path: source, detail: "it holds no SkillPulse schema (no applied migrations); not a backup")
                }
                return RestoreSource(path: source, schemaVersion: version, rowCounts: try DatabaseInspection.rowCounts(db))
            }
        }
    }

    /// Throws `databaseInUse` naming the first socket in `sockets` that accepts a connection.
    public static func refuseIfDaemonListens(_ sockets: [String], target: String) throws {
        let listening = sockets.filter(acceptsConnections).map { socket in
            "\(((socket as NSString).lastPathComponent as NSString).deletingPathExtension) on \(socket)"
        }
        guard listening.isEmpty else {
            throw StoreError.databaseInUse(path: target, detail: "daemons are serving it: "
                + listening.joined(separator: ", ") + "; stop them with `systemctl stop skillpulse.target` or SIGTERM")
        }
    }

    /// Copies `source` over `target` after checking the source, the daemons' `sockets` and file-level access.
    ///
    /// Exclusive access is proven by leaving WAL mode: SQLite refuses that (SQLITE_BUSY) while any other
    /// connection, in any process, has the WAL database open. The copy then goes through the backup API into
    /// that connection, so SQLite's own locking and journal keep the target consistent; WAL is restored last.
    public static func restore(source: String, target: String, daemonSockets sockets: [String],
                               migrator: SchemaMigrator = SchemaMigrator()) throws -> RestoreReport {
        if DatabaseInspection.sameFile(source, target) || DatabaseInspection.samePath(source, target) {
            throw StoreError.cannotOpen(path: source, detail: "it is the database being restored")
        }
        let checked = try checkSource(source, migrator: migrator)
        try refuseIfDaemonListens(sockets, target: target)
        // Restore exists for exactly this file: a damaged database (truncated, bad header, corrupt pages) is set
        // aside under a new name, not refused, and the backup goes into a fresh file.
        let damagedCopy = try setAsideIfDamaged(target)
        try DatabaseOpener.preflight(path: target, needsWrite: true, create: true)

        var configuration = Configuration()
        configuration.readonly = true
        let backup = try DatabaseOpener.mapOpenErrors(path: source) {
            try DatabaseQueue(path: DatabaseOpener.readOnlyLocation(of: source), configuration: configuration)
        }
        defer { try? backup.close() }
        let counts = try DatabaseOpener.mapOpenErrors(path: target) { () throws -> [TableCount] in
            var exclusive = Configuration()
            exclusive.busyMode = .immediateError
            let destination = try DatabaseQueue(path: target, configuration: exclusive)
            defer { try? destination.close() }
            return try destination.writeWithoutTransaction { db in
                try takeExclusiveAccess(db, target: target)
                do {
                    try backup.read { source in try source.backup(to: db) }
                } catch let error as DatabaseError where isBusy(error) {
                    throw StoreError.databaseInUse(path: target, detail: "another process opened it during the restore")
                }
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                guard mode?.lowercased() == "wal" else {
                    throw StoreError.cannotOpen(path: target, detail: "restored, but could not switch back to WAL")
                }
                let problems = try DatabaseInspection.integrity(db)
                guard problems == ["ok"] else {
                    throw StoreError.corrupt(path: target, detail: problems.prefix(3).joined(separator: "; "))
                }
                return try DatabaseInspection.rowCounts(db)
            }
        }
        return RestoreReport(source: checked, target: target, rowCounts: counts, damagedCopy: damagedCopy)
    }

    /// Whether `target` is a database SQLite cannot use: not a database, or failing its quick_check.
    public static func isDamaged(_ target: String) -> Bool {
        guard FileManager.default.fileExists(atPath: target) else { return false }
        var configuration = Configuration()
        configuration.readonly = true
        do {
            let queue = try DatabaseQueue(path: target, configuration: configuration)
            defer { try? queue.close() }
            let result = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
            return result != ["ok"]
        } catch let error as DatabaseError {
            return [.SQLITE_NOTADB, .SQLITE_CORRUPT].contains(error.resultCode)
        } catch {
            return false
        }
    }

    /// Renames a damaged `target` (and its `-wal`/`-shm`/`-journal`) to `NAME.damaged-TIMESTAMP…`; returns the
    /// new name, or nil when the file is sound or missing. The daemons' sockets were checked first, and SQLite
    /// cannot open the file, so no connection of ours holds it.
    static func setAsideIfDamaged(_ target: String) throws -> String? {
        guard isDamaged(target) else { return nil }
        let stamp = UTCTimestamp.now().normalized.replacingOccurrences(of: ":", with: "")
        let aside = "\(target).damaged-\(stamp)"
        guard rename(target, aside) == 0 else {
            throw StoreError.cannotOpen(path: target, detail: "it is damaged and could not be set aside as \(aside): "
                                        + String(cString: strerror(errno)))
        }
        for suffix in ["-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: target + suffix) {
            _ = rename(target + suffix, aside + suffix)
        }
        return aside
    }

    /// Leaves WAL mode, which needs every other connection gone; a rollback-journal file (no persistent
    /// locks to test) must at least have no transaction open.
    static func takeExclusiveAccess(_ db: Database, target: String) throws {
        do {
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
            guard mode?.lowercased() == "delete" else {
                throw StoreError.databaseInUse(path: target, detail: "it stayed in \(mode ?? "?") mode")
            }
            try db.execute(sql: "BEGIN EXCLUSIVE; COMMIT")
        } catch let error as DatabaseError where isBusy(error) {
            throw StoreError.databaseInUse(path: target, detail: "another process has it open")
        }
    }

    static func isBusy(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED
    }

    /// True when a daemon may be serving the Unix socket at `path`: it accepts connections, or the probe
    /// cannot tell (another user's socket, a full backlog). Only a refused or missing socket proves it is not.
    static func acceptsConnections(_ path: String) -> Bool {
        switch UnixSocketAddress.probe(path) {
        case .listening, .unreachable: return true
        case .stale, .absent: return false
        }
    }
}
