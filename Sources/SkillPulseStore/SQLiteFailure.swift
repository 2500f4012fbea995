import GRDB

/// Words for a SQLite failure: the cause an operator can act on, never "not an error" (what SQLite's message
/// says once a backup step or a rolled-back statement has reset it) or a bare result code.
public enum SQLiteFailure {
    /// `describe` of a database failure that got past the store's own mapping; nil for any other error.
    public static func describe(_ error: any Error) -> String? {
        (error as? DatabaseError).map { describe($0) }
    }

    static func describe(_ error: DatabaseError) -> String {
        let message = error.message.flatMap { $0 == "not an error" || $0.isEmpty ? nil : $0 }
        switch error.resultCode {
        case .SQLITE_FULL: return "the disk is full"
        case .SQLITE_IOERR: return "an I/O error" + (message.map { " (\($0))" } ?? "")
        case .SQLITE_READONLY: return "the file is read-only for this user"
        case .SQLITE_PERM: return "permission denied"
        case .SQLITE_CANTOPEN: return "the file cannot be opened" + (message.map { " (\($0))" } ?? "")
        case .SQLITE_CORRUPT: return "the file is corrupt" + (message.map { " (\($0))" } ?? "")
        case .SQLITE_NOTADB: return "the file is not a SQLite database"
        case .SQLITE_BUSY, .SQLITE_LOCKED: return "another connection holds the database's lock"
        default: return message ?? "SQLite result code \(error.extendedResultCode.rawValue)"
        }
    }
}
