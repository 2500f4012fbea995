import Foundation
import SkillPulseCore
import GRDB

/// A backup that was written and then checked: integrity_check passed and these are its row counts.
public struct BackupReport: Sendable {
    public let destination: String
    public let bytes: Int
    public let rowCounts: [TableCount]
}

/// Online backup through SQLite's backup API.
///
/// The copy is one consistent snapshot even while another process commits: GRDB runs the whole backup in one
/// `sqlite3_backup_step(-1)` inside one read transaction on the source, and WAL lets writers continue meanwhile.
public enum DatabaseBackup {
    /// Backs up the database at `path` through a read-only connection: `backup(from:to:overwrite:)`.
    public static func backup(path: String, to destination: String, overwrite: Bool) throws -> BackupReport {
        try backup(from: try DatabaseOpener.openReadOnlyQueue(path: path), to: destination, overwrite: overwrite)
    }

    /// Copies `source` to `destination` (a standalone rollback-journal file), verifies the copy, and only then
    /// moves it into place, so a failed backup never replaces an older one.
    static func backup(from source: some DatabaseReader, to destination: String, overwrite: Bool) throws
        -> BackupReport
    {
        let sourcePath = DatabaseOpener.filePath(of: source.path)
        try checkDestination(destination, source: sourcePath, overwrite: overwrite)
        // A wrong SKILLPULSE_DB must not make a nightly backup of an empty or foreign file look fine.
        let schema = try DatabaseOpener.mapOpenErrors(path: sourcePath) {
            try source.read { db in try SchemaMigrator().status(db).current }
        }
        guard schema > 0 else {
            throw StoreError.wrongFile(path: sourcePath, detail: "has no SkillPulse schema (no applied migrations); "
                                       + "refusing to back it up — is --db right? (`skillpulse status --db \(ShellQuoting.quote(sourcePath))`)")
        }
        let directory = PathInput.directory(of: destination)
        let name = (destination as NSString).lastPathComponent
        let partial = (directory.isEmpty ? "" : directory + "/") + ".\(name).partial-\(getpid())"
        let discardPartial = {
            try? FileManager.default.removeItem(atPath: partial)
            DatabaseInspection.removeSidecars(of: partial)
        }
        discardPartial()
        sweepAbandonedPartials(of: name, in: directory)
        defer { discardPartial() }
        let copy = try DatabaseOpener.mapOpenErrors(path: destination) { try DatabaseQueue(path: partial) }
        do {
            try source.backup(to: copy)
            try copy.close()
        } catch let error as DatabaseError {
            try? copy.close()
            throw StoreError.cannotOpen(path: destination, detail: "the backup failed: \(SQLiteFailure.describe(error))")
        }
        let counts: [TableCount]
        do {
            counts = try DatabaseOpener.mapOpenErrors(path: destination) {
                try standalone(partial, destination: destination, source: sourcePath)
            }
        } catch StoreError.corrupt(_, let detail) {
            // A consistent copy of a sound database is sound: the damage is in the source.
            throw StoreError.corrupt(path: sourcePath, detail: "its backup copy failed integrity_check: \(detail)")
        }
        if overwrite { DatabaseInspection.removeSidecars(of: destination) }
        guard rename(partial, destination) == 0 else {
            throw StoreError.cannotOpen(path: destination, detail: String(cString: strerror(errno)))
        }
        syncDirectory(of: destination)
        let size = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
        return BackupReport(destination: destination, bytes: size, rowCounts: counts)
    }

    /// Removes the `.NAME.partial-PID` copies of backups whose process is gone (killed mid-copy): only this
    /// name's partials, only when `kill(pid, 0)` says no such process.
    static func sweepAbandonedPartials(of name: String, in directory: String) {
        let prefix = ".\(name).partial-"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for entry in entries where entry.hasPrefix(prefix) {
            let suffix = entry.dropFirst(prefix.count)
            guard let pid = Int32(suffix.prefix { $0.isNumber }), pid != getpid(),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            let path = directory + "/" + entry
            try? FileManager.default.removeItem(atPath: path)
            DatabaseInspection.removeSidecars(of: path)
        }
    }

    /// The copy's pages are synced by SQLite; the rename is durable only once its directory is.
    static func syncDirectory(of path: String) {
        let directory = PathInput.directory(of: path)
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = close(fd)
    }

    static func checkDestination(_ destination: String, source: String, overwrite: Bool) throws {
        // Also the source's sidecars: replacing its -wal with a copy would lose committed rows.
        let sourceFiles = ["", "-wal", "-shm", "-journal"].map { source + $0 }
        if sourceFiles.contains(where: { DatabaseInspection.sameFile(destination, $0)
                                         || DatabaseInspection.samePath(destination, $0) }) {
            throw StoreError.cannotOpen(path: destination, detail: "it is the database being backed up")
        }
        let directory = PathInput.directory(of: destination)
        var isDirectory: ObjCBool = false
        if !directory.isEmpty,
           !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw StoreError.cannotOpen(path: destination, detail: "its directory \(directory) does not exist")
        }
        // The copy is written beside DEST first: the directory must take new files.
        if access(directory.isEmpty ? "." : directory, W_OK) != 0 {
            throw StoreError.permissionDenied(path: directory.isEmpty ? "." : directory,
                                              detail: "this user may not create files in it")
        }
        guard FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory) else {
            if FileManager.default.fileExists(atPath: destination + "-wal") {
                throw StoreError.cannotOpen(
                    path: destination, detail: "a stray \(destination)-wal exists; remove it or choose another name")
            }
            return
        }
        if isDirectory.boolValue {
            throw StoreError.cannotOpen(path: destination, detail: "it is a directory; give a file name")
        }
        guard overwrite else {
            throw StoreError.cannotOpen(path: destination, detail: "it already exists; pass --force to replace it")
        }
    }

    /// Leaves WAL mode (the backup copied the source's WAL header flag) so the copy is one self-contained
    /// file, then verifies it. Returns its row counts.
    static func standalone(_ path: String, destination: String, source: String) throws -> [TableCount] {
        let copy = try DatabaseQueue(path: path)
        defer { try? copy.close() }
        let mode = try copy.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE") }
        guard mode?.lowercased() == "delete" else {
            throw StoreError.cannotOpen(path: destination, detail: "could not switch the copy to journal_mode=DELETE")
        }
        return try copy.read { db in
            let problems = try DatabaseInspection.integrity(db)
            guard problems == ["ok"] else {
                let more = problems.count > 3 ? "; … \(problems.count - 3) more (`skillpulse verify` lists them)" : ""
                throw StoreError.corrupt(path: source, detail: problems.prefix(3).joined(separator: "; ") + more)
            }
            return try DatabaseInspection.rowCounts(db)
        }
    }
}
