import SkillPulseCore
#if canImport(Glibc)
import Glibc
#endif

/// Why the database could not be opened, migrated or used; `description` is the message an operator sees.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case directoryMissing(path: String)
    case missing(path: String)
    case permissionDenied(path: String, detail: String)
    case wrongFile(path: String, detail: String)
    case notADatabase(path: String)
    case readOnly(path: String)
    case corrupt(path: String, detail: String)
    case cannotOpen(path: String, detail: String)
    /// A writer stopped mid-transaction and left a hot `-journal`, which a read-only connection cannot roll back.
    case hotJournal(path: String)
    case schemaBehind(path: String, current: Int, required: Int)
    case schemaAhead(path: String, current: Int, known: Int)
    case checksumMismatch(version: String, recorded: String, embedded: String)
    case unknownTarget(version: Int, known: Int)
    case migrationFailed(version: String, direction: String, detail: String)
    case databaseInUse(path: String, detail: String)
    case databaseBusy(path: String)

    public var description: String {
        switch self {
        case .directoryMissing(let path):
            return "the directory of \(path) does not exist: create it, or pass --db with another path"
        case .missing(let path):
            return "no database at \(path); create it with `skillpulse migrate --db \(ShellQuoting.quote(path))`"
        case .permissionDenied(let path, let detail):
            return "\(path): permission denied (\(detail))"
        case .wrongFile(let path, let detail):
            return "\(path): \(detail)"
        case .notADatabase(let path):
            return "\(path) is not a SQLite database (wrong file header); refusing to touch it. If it is your damaged "
                + "database, replace it from a backup: `skillpulse restore --db \(ShellQuoting.quote(path)) BACKUP`"
        case .readOnly(let path):
            return "\(path) is read-only; SkillPulse needs write access (check the file mode and owner)"
        case .corrupt(let path, let detail):
            return "\(path) is corrupt (\(detail)); replace it from a backup: "
                + "`skillpulse restore --db \(ShellQuoting.quote(path)) BACKUP` (the damaged file is kept aside)"
        case .cannotOpen(let path, let detail):
            return "cannot open \(path): \(detail)"
        case .hotJournal(let path):
            return "\(path) has an unfinished transaction in \(path)-journal (a writer stopped in the middle of it); "
                + "a read-only command cannot roll it back. Any read-write open does, e.g. "
                + "`skillpulse migrate --db \(ShellQuoting.quote(path))` (which then applies nothing if the schema is current)"
        case .schemaBehind(let path, let current, let required):
            return "\(path) has schema version \(current) but this binary needs \(required): "
                + "run `skillpulse migrate --db \(ShellQuoting.quote(path))`"
        case .schemaAhead(let path, let current, let known):
            return "\(path) has schema version \(current), newer than this binary knows (\(known)): "
                + "upgrade SkillPulse, or roll the database back with the newer binary"
        case .checksumMismatch(let version, let recorded, let embedded):
            return "applied migration \(version) has checksum \(recorded) but this binary's file has \(embedded): "
                + "the migration was edited after it was applied; refusing to continue"
        case .unknownTarget(let version, let known):
            return "there is no migration V\(version); this binary knows V1…V\(known)"
        case .migrationFailed(let version, let direction, let detail):
            return "migration \(version) (\(direction)) failed and was rolled back (the migrations before it stay "
                + "applied; `skillpulse status` shows where the schema stands): \(detail)"
        case .databaseInUse(let path, let detail):
            return "\(path) is in use (\(detail)); close what holds it (the SkillPulse daemons, a sqlite3 shell) and retry"
        case .databaseBusy(let path):
            return "another connection held the write lock on \(path) for longer than the busy timeout; retry, "
                + "or find what holds it (e.g. a `sqlite3` shell inside BEGIN … COMMIT)"
        }
    }

    /// The errno a daemon reports to systemd (`ERRNO=`) when this stops its start.
    public var errno: Int32 {
        switch self {
        case .directoryMissing, .missing: return ENOENT
        case .readOnly: return EROFS
        case .permissionDenied: return EACCES
        case .wrongFile: return EINVAL
        case .databaseInUse, .databaseBusy: return EBUSY
        case .notADatabase, .corrupt: return EILSEQ
        case .schemaBehind, .schemaAhead, .checksumMismatch, .unknownTarget: return EPROTO
        case .cannotOpen, .migrationFailed, .hotJournal: return EIO
        }
    }
}
