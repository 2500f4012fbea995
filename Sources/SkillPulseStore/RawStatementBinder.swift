import GRDB
import GRDBSQLite

/// Binds and steps one of GRDB's cached statements through SQLite's C API, for the writer's multi-row INSERTs.
///
/// GRDB's `StatementArguments` boxes every value in an existential and casts it back when binding; at tens of
/// thousands of rows a second that cost more than SQLite's own work. Values are bound in placeholder order.
/// Texts are bound with SQLITE_TRANSIENT (SQLite copies them), so no Swift buffer has to outlive a call.
struct RawStatementBinder {
    private let statement: Statement
    private let handle: OpaquePointer
    private var index: Int32 = 0

    init(_ statement: Statement) {
        self.statement = statement
        handle = statement.sqliteStatement
        sqlite3_reset(handle)
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private mutating func next() -> Int32 {
        index += 1
        return index
    }

    mutating func bind(_ text: String?) {
        let position = next()
        guard var text else {
            sqlite3_bind_null(handle, position)
            return
        }
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                sqlite3_bind_text(handle, position, "", 0, nil)
                return
            }
            base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { chars in
                _ = sqlite3_bind_text(handle, position, chars, Int32(bytes.count), Self.transient)
            }
        }
    }

    mutating func bind(_ value: Int?) {
        let position = next()
        if let value { sqlite3_bind_int64(handle, position, Int64(value)) } else { sqlite3_bind_null(handle, position) }
    }

    mutating func bind(_ value: Int64) {
        sqlite3_bind_int64(handle, next(), value)
    }

    mutating func bind(_ value: Double?) {
        let position = next()
        if let value { sqlite3_bind_double(handle, position, value) } else { sqlite3_bind_null(handle, position) }
    }

    mutating func bind(_ value: Bool) {
        sqlite3_bind_int64(handle, next(), value ? 1 : 0)
    }

    /// Runs the statement to completion and resets it for the next use.
    mutating func run(_ db: Database) throws {
        defer {
            sqlite3_reset(handle)
            index = 0
        }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            if code != SQLITE_ROW {
                throw DatabaseError(resultCode: ResultCode(rawValue: code),
                                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                                    sql: statement.sql)  // `sql` trims on every call: read it only here
            }
        }
    }
}
