import Foundation
import GRDB

/// Reads columns that other writers may have filled with anything SQLite takes: a BLOB skill name, bytes
/// that are not UTF-8, an embedded NUL, `'many'` in an INTEGER column. GRDB's typed getters trap on such
/// values, and its text getter cuts at a NUL or replaces bad bytes — either would crash ingest or make it
/// write rollups under a name no row has. So identity columns are selected as `CAST(… AS BLOB)` and decoded
/// here exactly, and numbers are coerced the way SQLite's own arithmetic would.
enum StoredText {
    /// The exact text of a value selected as `CAST(column AS BLOB)`; nil for NULL and for bytes that are not
    /// UTF-8 (such a name cannot be a Swift string, so ingest leaves its rows to the triggers).
    static func exact(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .blob(let data): return String(validating: data, as: UTF8.self)
        case .string(let text): return text
        case .int64(let number): return String(number)
        case .double(let number): return String(number)
        case .null: return nil
        }
    }

    /// Text whose exact bytes do not matter (JSON counters, timestamps to compare): bad bytes are replaced.
    static func lenient(_ value: DatabaseValue) -> String? {
        if case .blob(let data) = value.storage { return String(decoding: data, as: UTF8.self) }
        return exact(value)
    }

    /// An INTEGER column as SQLite's arithmetic reads it: text that is not a number counts as 0.
    static func integer(_ value: DatabaseValue) -> Int {
        switch value.storage {
        case .int64(let number): return Int(number)
        case .double(let number): return number.isFinite ? Int(number.rounded(.towardZero)) : 0
        case .string(let text): return Int(text) ?? Double(text).map { $0.isFinite ? Int($0) : 0 } ?? 0
        case .blob, .null: return 0
        }
    }

    /// A REAL column as SQLite's arithmetic reads it.
    static func real(_ value: DatabaseValue) -> Double {
        switch value.storage {
        case .int64(let number): return Double(number)
        case .double(let number): return number.isFinite ? number : 0
        case .string(let text): return Double(text).flatMap { $0.isFinite ? $0 : nil } ?? 0
        case .blob, .null: return 0
        }
    }
}
