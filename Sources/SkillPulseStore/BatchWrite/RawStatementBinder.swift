import GRDB
import GRDBSQLite

/// Binds and steps one of GRDB's cached statements through SQLite's C API, for the writer's multi-row INSERTs.
///
/// GRDB's `StatementArguments` boxes every value in an existential and casts it back when binding; at tens of
/// thousands of rows a second that cost more than SQLite's own work. Values are bound in placeholder order.
/// Texts are copied into the binder's `BoundTextArena` and bound SQLITE_STATIC: with SQLITE_TRANSIENT SQLite
/// would allocate and free one copy per text, a dozen per invocation. The arena lives as long as the binder,
/// and `run` clears the bindings before it returns, so the statement never keeps a pointer into it.
struct RawStatementBinder {
    private let statement: Statement
    private let handle: OpaquePointer
    private var index: Int32 = 0
    private let texts = BoundTextArena()

    init(_ statement: Statement) {
        self.statement = statement
        handle = statement.sqliteStatement
        sqlite3_reset(handle)
    }

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
            guard !bytes.isEmpty else {
                sqlite3_bind_text(handle, position, "", 0, nil)
                return
            }
            _ = sqlite3_bind_text(handle, position, texts.copy(bytes), Int32(bytes.count), nil)
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
            // The texts were bound in place: no binding may outlive this binder's arena.
            sqlite3_clear_bindings(handle)
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
