import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The programs operators point at a live database — the `sqlite3` shell, Python's `sqlite3` module, the CLI —
/// run as separate processes, off the cooperative pool (waiting for a child blocks its thread).
enum OutsideTools {
    static func detached(_ body: @escaping @Sendable () throws -> Binaries.Output) async throws -> Binaries.Output {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }

    /// `sqlite3 -cmd '.timeout 5000' DATABASE SQL`, as an operator types it.
    static func sqlite3(_ database: String, _ sql: String) async throws -> Binaries.Output {
        try await detached {
            try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                    ["sqlite3", "-cmd", ".timeout 5000", database, sql])
        }
    }

    /// `python3 -c SCRIPT ARGUMENTS…`.
    static func python(_ script: String, _ arguments: [String]) async throws -> Binaries.Output {
        try await detached {
            try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script] + arguments)
        }
    }

    /// The `skillpulse` CLI.
    static func skillpulse(_ arguments: [String]) async throws -> Binaries.Output {
        try await detached { try Binaries.skillpulse(arguments) }
    }

    /// `PRAGMA integrity_check` through the sqlite3 shell: "ok" for a sound file.
    static func integrityCheck(_ database: String) async throws -> String {
        try await sqlite3(database, "PRAGMA integrity_check").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A child process left running while the test goes on (a lock holder, a second writer); its stdout goes to a
/// file the test polls.
final class BackgroundProcess: @unchecked Sendable {
    // @unchecked: `process` is set in init and only read after; Process's own methods are thread-safe.
    let process = Process()
    let outputPath: String
    let errorPath: String

    init(_ executable: URL, _ arguments: [String], directory: TemporaryDirectory) throws {
        let tag = UUID().uuidString.prefix(6)
        outputPath = directory.path("bg-\(tag).out")
        errorPath = directory.path("bg-\(tag).err")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errorPath, contents: nil)
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "NOTIFY_SOCKET")
        environment.removeValue(forKey: "LISTEN_FDS")
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errorPath))
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    static func python(_ script: String, _ arguments: [String], directory: TemporaryDirectory) throws
        -> BackgroundProcess
    {
        try BackgroundProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", script] + arguments,
                              directory: directory)
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? "" }

    /// Waits until stdout contains `text`; false on timeout or if the process exited first.
    func waitForOutput(_ text: String, timeout: Duration = .seconds(20)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if output.contains(text) { return true }
            if !process.isRunning { return output.contains(text) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Waits for the exit and returns its status (nil on timeout, after which the process is killed).
    func waitForExit(timeout: Duration = .seconds(60)) async -> Int32? {
        await process.exitStatus(within: timeout)
    }

    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { kill9() }
}

/// What `/proc/PID/fd` says about the database files a process holds open.
struct OpenDatabaseFile: Equatable, CustomStringConvertible {
    let target: String
    let inode: UInt64

    var unlinked: Bool { target.hasSuffix(" (deleted)") }
    var description: String { "\(target) (inode \(inode))" }

    /// Every descriptor of `pid` open on `path` (deleted or not).
    static func held(by pid: Int32, path: String) -> [OpenDatabaseFile] {
        let directory = "/proc/\(pid)/fd"
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return descriptors.compactMap { descriptor in
            let link = directory + "/" + descriptor
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link),
                  target == resolved || target == resolved + " (deleted)"
            else { return nil }
            var info = stat()
            guard stat(link, &info) == 0 else { return nil }
            return OpenDatabaseFile(target: target, inode: UInt64(info.st_ino))
        }
    }

    /// The inode now at `path`, or nil when no file is there.
    static func inode(at path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }
}

extension Process {
    /// Polls for the exit (a blocking wait would hold a cooperative thread) and returns the status, or kills
    /// the process and returns nil when it outlives `timeout`.
    func exitStatus(within timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if isRunning {
            kill(processIdentifier, SIGKILL)
            waitUntilExit()
            return nil
        }
        return terminationStatus
    }
}

/// A value as SQLite returned it to Python's `sqlite3` module.
enum StoredValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    var isNull: Bool { self == .null }

    /// An integer, or a real with an integral value; nil otherwise.
    var int64: Int64? {
        switch self {
        case .integer(let value): value
        case .real(let value): Int64(exactly: value)
        default: nil
        }
    }

    var int: Int? { int64.map { Int($0) } }

    /// A number (an integer widened), nil otherwise.
    var double: Double? {
        switch self {
        case .integer(let value): Double(value)
        case .real(let value): value
        default: nil
        }
    }

    /// Text (a blob read as UTF-8), nil otherwise.
    var string: String? {
        switch self {
        case .text(let value): value
        case .blob(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let value): "\(value)"
        case .real(let value): "\(value)"
        case .text(let value): value
        case .blob(let bytes): "x'" + bytes.map { String(format: "%02x", $0) }.joined() + "'"
        }
    }

    /// The `[kind, text]` pair the query script exchanges (nil for NULL).
    fileprivate var wire: [String]? {
        switch self {
        case .null: nil
        case .integer(let value): ["integer", "\(value)"]
        case .real(let value): ["real", "\(value)"]
        case .text(let value): ["text", value]
        case .blob(let bytes): ["blob", bytes.map { String(format: "%02x", $0) }.joined()]
        }
    }

    fileprivate init(wire: Any) throws {
        guard let pair = wire as? [String], pair.count == 2 else {
            guard wire is NSNull else { throw OutsideTools.QueryFailure("unreadable value \(wire)") }
            self = .null
            return
        }
        switch pair[0] {
        case "integer": self = .integer(Int64(pair[1]) ?? 0)
        case "real": self = .real(Double(pair[1]) ?? .nan)
        case "text": self = .text(pair[1])
        default:
            var bytes: [UInt8] = []
            var digits = pair[1].makeIterator()
            while let high = digits.next(), let low = digits.next() { bytes.append(UInt8(String([high, low]), radix: 16) ?? 0) }
            self = .blob(bytes)
        }
    }
}

/// One result row of `OutsideTools.query`, by column name or position.
struct StoredRow: Sendable, CustomStringConvertible {
    let columns: [String]
    let values: [StoredValue]

    subscript(_ index: Int) -> StoredValue { values[index] }
    subscript(_ column: String) -> StoredValue { columns.firstIndex(of: column).map { values[$0] } ?? .null }

    var description: String { zip(columns, values).map { "\($0): \($1)" }.joined(separator: ", ") }
}

extension OutsideTools {
    /// A query that Python's sqlite3 module could not run.
    struct QueryFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Reads the database the way a second reader does: Python's `sqlite3` module on a read-only connection
    /// (`mode=ro`, a 5 s busy timeout), every statement in one read transaction, so they see one snapshot.
    /// Returns each statement's rows. Blocking (it waits for the child process).
    static func query(_ database: String, _ statements: [(sql: String, arguments: [StoredValue])]) throws
        -> [[StoredRow]]
    {
        let request = try JSONSerialization.data(withJSONObject: statements.map { statement -> [String: Any] in
            ["sql": statement.sql, "arguments": statement.arguments.map { $0.wire ?? NSNull() as Any }]
        })
        let output = try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                                             ["python3", "-c", queryScript, database, String(decoding: request, as: UTF8.self)])
        guard output.status == 0 else { throw QueryFailure("python3 sqlite3 on \(database): \(output.stderr)") }
        guard let results = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]] else {
            throw QueryFailure("unreadable answer from python3: \(output.stdout)")
        }
        return try results.map { result in
            let columns = result["columns"] as? [String] ?? []
            return try (result["rows"] as? [[Any]] ?? []).map { row in
                StoredRow(columns: columns, values: try row.map(StoredValue.init(wire:)))
            }
        }
    }

    /// One statement's rows (see `query(_:_:)` above).
    static func query(_ database: String, _ sql: String, _ arguments: [StoredValue] = []) throws -> [StoredRow] {
        try query(database, [(sql, arguments)])[0]
    }

    /// `query`, waited for on a thread of its own instead of a cooperative one.
    static func read(_ database: String, _ sql: String, _ arguments: [StoredValue] = []) async throws -> [StoredRow] {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try query(database, sql, arguments) }) }.start()
        }
    }

    /// Values travel as `[kind, text]` pairs: JSON numbers would blur integers and reals, and text that is not
    /// UTF-8 would not survive at all (it is read with replacement characters, as a blob is kept as hex).
    static let queryScript = """
        import json, sqlite3, sys, urllib.parse
        class Text(bytes): pass
        path, statements = sys.argv[1], json.loads(sys.argv[2])
        con = sqlite3.connect('file:' + urllib.parse.quote(path) + '?mode=ro', uri=True, timeout=5,
                              isolation_level=None)
        con.text_factory = Text
        def argument(pair):
            if pair is None: return None
            kind, text = pair
            return {'integer': int, 'real': float, 'text': str, 'blob': bytes.fromhex}[kind](text)
        def value(v):
            if v is None: return None
            if isinstance(v, Text): return ['text', v.decode('utf-8', 'replace')]
            if isinstance(v, bytes): return ['blob', v.hex()]
            if isinstance(v, int): return ['integer', str(v)]
            return ['real', repr(v)]
        con.execute('BEGIN')
        results = []
        for statement in statements:
            cursor = con.execute(statement['sql'], [argument(a) for a in statement['arguments']])
            columns = [d[0] for d in cursor.description or []]
            results.append({'columns': columns, 'rows': [[value(v) for v in row] for row in cursor.fetchall()]})
        con.execute('COMMIT')
        print(json.dumps(results))
        """
}
