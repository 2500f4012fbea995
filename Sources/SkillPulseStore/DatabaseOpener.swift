import Foundation
import SkillPulseCore
import GRDB
import GRDBSQLite

/// The one way every SkillPulse binary opens the database: WAL, synchronous=NORMAL, foreign keys, busy timeout.
public enum DatabaseOpener {
    /// How long a connection waits on another process's lock before failing with SQLITE_BUSY.
    public static let busyTimeout: TimeInterval = 5

    /// A single serialized read-write connection: the CLI and ingest's writer use this. Only `create` (the
    /// commands that make a database, like `migrate`) may bring a new file into being: a daemon that created
    /// one would then refuse it as schema version 0.
    static func openWriter(path: String, label: String = "skillpulse", busyTimeout: TimeInterval = busyTimeout,
                           create: Bool = true) throws -> DatabaseQueue
    {
        try preflight(path: path, needsWrite: true, create: create)
        return try mapOpenErrors(path: path) {
            let queue = try DatabaseQueue(path: path, configuration: configuration(label: label, readonly: false,
                                                                                   busyTimeout: busyTimeout))
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            try probe(queue, path: path)
            // A write lock proves the -wal and -shm files are writable too: a reader run as another user may
            // have created them read-only for us, and a writer that only finds out at its first batch would
            // already have told systemd it is ready.
            try queue.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE; ROLLBACK") }
            return queue
        }
    }

    /// A pool of read connections for daemons that only read (WAL lets them run beside the writer).
    static func openReader(path: String, label: String = "skillpulse-reader") throws -> DatabasePool {
        try preflight(path: path, needsWrite: false, create: false)
        return try mapOpenErrors(path: path) {
            let pool = try DatabasePool(path: path, configuration: configuration(label: label, readonly: true))
            try pool.read { db in _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
            return pool
        }
    }

    /// One read-only connection (SQLITE_OPEN_READONLY): it can never write, checkpoint or delete the WAL.
    static func openReadOnlyQueue(path: String, label: String = "skillpulse-reader") throws -> DatabaseQueue {
        try preflight(path: path, needsWrite: false, create: false)
        return try mapOpenErrors(path: path) {
            let queue = try DatabaseQueue(path: readOnlyLocation(of: path),
                                          configuration: configuration(label: label, readonly: true))
            try probe(queue, path: path)
            return queue
        }
    }

    /// What a one-shot read-only open hands SQLite. With no `-wal`, `-shm` or `-journal` beside the file, no
    /// connection has it open for writing (a WAL connection keeps its `-shm` for as long as it lives; a
    /// rollback writer its `-journal` for as long as it writes), so `immutable=1` is safe — and needed: in WAL
    /// mode SQLite would otherwise create `-wal`/`-shm` to read, which changes the directory and fails outright
    /// for an operator who may read the file but not write the directory. Everything else opens normally
    /// (`mode=ro`: SQLITE_OPEN_READONLY). A writer that starts during the read is the window left open; the
    /// commands that use this are short.
    static func readOnlyLocation(of path: String) -> String {
        let busy = ["-wal", "-shm", "-journal"].contains { FileManager.default.fileExists(atPath: path + $0) }
        // GRDB opens without SQLITE_OPEN_URI: URIs work only where SQLite was built with SQLITE_USE_URI
        // (Debian's is); elsewhere `file:` would be taken as a file name.
        guard !busy, sqlite3_compileoption_used("USE_URI") == 1 else { return path }
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        guard let encoded = path.addingPercentEncoding(withAllowedCharacters: allowed) else { return path }
        return "file:" + encoded + "?mode=ro&immutable=1"
    }

    /// The file behind a location from `readOnlyLocation`, for messages and same-file checks.
    public static func filePath(of location: String) -> String {
        guard location.hasPrefix("file:"), let query = location.firstIndex(of: "?") else { return location }
        let encoded = location[location.index(location.startIndex, offsetBy: 5)..<query]
        return String(encoded).removingPercentEncoding ?? location
    }

    static func configuration(label: String, readonly: Bool, busyTimeout: TimeInterval = busyTimeout)
        -> Configuration
    {
        var config = Configuration()
        config.label = label
        config.readonly = readonly
        config.foreignKeysEnabled = true
        // BusyPolling replaces GRDB's handler in prepareDatabase; GRDB must not install SQLite's back-off one.
        config.busyMode = .immediateError
        // WAL is set by `openWriter` with a plain PRAGMA: GRDB's own WAL set-up writes a dummy transaction
        // whenever the -wal file is empty, which would touch files we are about to refuse.
        config.journalMode = .default
        config.prepareDatabase { db in
            BusyPolling.install(db, timeout: .milliseconds(Int64(busyTimeout * 1000)))
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        return config
    }

    /// Checks that need no SQLite and open no file (stat and access only): a missing directory or a read-only
    /// file must not turn into a new empty file or a confusing SQLITE_READONLY later.
    /// A typo away from the live database: opening its WAL as a database would write a whole file into it.
    public static func refuseSidecarPath(_ path: String) throws {
        if let suffix = ["-wal", "-shm", "-journal"].first(where: { path.hasSuffix($0) }) {
            throw StoreError.wrongFile(path: path, detail: "this is SQLite's \(suffix) file of a database, not a "
                                       + "database; pass the database itself (\(path.dropLast(suffix.count)))")
        }
    }

    static func preflight(path: String, needsWrite: Bool, create: Bool) throws {
        try refuseSidecarPath(path)
        let directory = PathInput.directory(of: path)
        var isDirectory: ObjCBool = false
        if !directory.isEmpty,
           !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            throw StoreError.directoryMissing(path: path)
        }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        if name.utf8.count > 255 || path.utf8.count >= 4096 {
            throw StoreError.wrongFile(path: String(path.prefix(80)) + "…", detail: "the path is too long (file names "
                                       + "take at most 255 bytes, paths 4095)")
        }
        guard FileManager.default.fileExists(atPath: path) else {
            if needsWrite && create {
                if access(directory.isEmpty ? "." : directory, W_OK) != 0 {
                    throw StoreError.permissionDenied(path: directory, detail: "this user may not create files in it")
                }
                return
            }
            throw StoreError.missing(path: path)
        }
        var pathIsDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &pathIsDirectory), pathIsDirectory.boolValue {
            throw StoreError.wrongFile(path: path, detail: "is a directory; pass the database file")
        }
        if access(path, R_OK) != 0 {
            throw StoreError.permissionDenied(path: path, detail: "this user may not read it; check its owner and mode")
        }
        if needsWrite {
            // Mode bits, not access(2): root passes access() even for a 0444 file, yet a 0444 database
            // is an operator's statement that it must not change.
            let attributes = try? FileManager.default.attributesOfItem(atPath: path)
            if let mode = attributes?[.posixPermissions] as? Int, mode & 0o200 == 0 {
                throw StoreError.readOnly(path: path)
            }
            if access(path, W_OK) != 0 { throw StoreError.readOnly(path: path) }
        }
        // No header check here: reading the file through a descriptor of our own would drop every POSIX lock
        // this process holds on it (SQLite's included) the moment that descriptor closes, and another
        // process would then delete the live WAL. SQLite itself reports a foreign file as SQLITE_NOTADB on
        // the first statement, which `mapOpenErrors` turns into `notADatabase`.
    }

    /// Touches the schema so that a damaged file fails here, with a clear message, and not mid-request.
    static func probe(_ writer: some DatabaseWriter, path: String) throws {
        try writer.read { db in
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")
        }
    }

    /// The `-wal` or `-shm` file beside `path` that exists and that this user may not write, if any (stat and
    /// access only: no descriptor is opened).
    static func unwritableSidecar(of path: String) -> String? {
        ["-wal", "-shm"].map { path + $0 }.first { FileManager.default.fileExists(atPath: $0) && access($0, W_OK) != 0 }
    }

    public static func mapOpenErrors<T>(path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            switch error.resultCode {
            case .SQLITE_NOTADB: throw StoreError.notADatabase(path: path)
            case .SQLITE_CORRUPT: throw StoreError.corrupt(path: path, detail: error.message ?? "database disk image is malformed")
            case .SQLITE_READONLY where error.extendedResultCode.rawValue == 776:  // SQLITE_READONLY_ROLLBACK
                throw StoreError.hotJournal(path: path)
            case .SQLITE_READONLY, .SQLITE_PERM:
                if let sidecar = unwritableSidecar(of: path) {
                    throw StoreError.permissionDenied(path: sidecar, detail: "this user may not write it, so SQLite "
                        + "cannot use \(path); a process run as another user created it — give it the database's owner "
                        + "and mode, or remove it while no process has the database open")
                }
                throw StoreError.readOnly(path: path)
            case .SQLITE_BUSY: throw StoreError.databaseBusy(path: path)
            case .SQLITE_CANTOPEN: throw StoreError.cannotOpen(path: path, detail: error.message ?? "unable to open")
            default: throw StoreError.cannotOpen(path: path, detail: SQLiteFailure.describe(error))
            }
        }
    }
}
