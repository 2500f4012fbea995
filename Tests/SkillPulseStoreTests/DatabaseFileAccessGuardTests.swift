import Foundation
import Testing

/// Guards the rule every SkillPulse process lives by: only SQLite opens, reads, syncs or closes the database,
/// `-wal` and `-shm` files. Closing *any* descriptor of a file drops all of the process's POSIX locks on it,
/// SQLite's included; another process's connection then believes it is the last one and deletes the live WAL
/// (split brain, then corruption). This test fails when a source file gains a call that touches files
/// directly, unless the allow-list below says why that use can never name a database file.
struct DatabaseFileAccessGuardTests {
    /// A call that opens, reads, syncs, replaces or removes a file behind SQLite's back.
    static let forbidden: [(name: String, pattern: String)] = [
        ("open(", #"(?<![\w.])open\("#),
        ("fopen(", #"\bfopen\("#),
        ("creat(", #"\bcreat\("#),
        ("FileHandle(…)", #"FileHandle\((forReading|forWriting|forUpdating|fileDescriptor)"#),
        ("Data(contentsOf:)", #"Data\(contentsOf"#),
        ("String(contentsOf…)", #"String\(contentsOf"#),
        ("FileManager.contents(atPath:)", #"\.contents\(atPath"#),
        ("fsync/fdatasync", #"\b(fsync|fdatasync)\("#),
        ("truncate", #"\b(f?truncate)\("#),
        ("mmap", #"\bmmap\("#),
        ("copyItem/moveItem/replaceItem", #"\.(copyItem|moveItem|replaceItem)\("#),
        ("removeItem", #"\.removeItem\("#),
        ("unlink/rename", #"(?<![\w.])(unlink|rename)\("#),
    ]

    /// Each remaining use and why it cannot touch a live database file.
    static let allowed: [(file: String, name: String, why: String)] = [
        ("SkillPulseStore/Backup/DatabaseBackup.swift", "open(",
         "opens the backup's directory (never a file) to fsync the rename"),
        ("SkillPulseStore/Backup/DatabaseBackup.swift", "fsync/fdatasync", "the directory descriptor above"),
        ("SkillPulseStore/Backup/DatabaseBackup.swift", "removeItem",
         "removes this process's own .partial copy, which SQLite has closed, and partial copies of backups whose "
            + "process is gone (kill(pid, 0) = ESRCH); never the source"),
        ("SkillPulseStore/Backup/DatabaseRestorer.swift", "unlink/rename",
         "sets a damaged target aside (restore): the daemons' sockets were checked and SQLite cannot open the file, "
            + "so no connection of ours holds it; nothing is opened or closed through a descriptor"),
        ("SkillPulseStore/Backup/DatabaseBackup.swift", "unlink/rename",
         "moves the closed, verified partial copy onto the destination; checkDestination refuses the source "
            + "database and its sidecars"),
        ("SkillPulseStore/Backup/DatabaseInspection.swift", "removeItem",
         "removeSidecars: only for a backup's partial copy or the backup file it replaces, never the source"),
        ("SkillPulseWire/Server/WireListener.swift", "unlink/rename", "removes a stale Unix socket file"),
        ("skillpulse/Bench/ProcessCPU.swift", "String(contentsOf…)",
         "reads /proc/<pid>/stat (a daemon's CPU time for bench analytics); the path is built from a pid"),
    ]

    static var sourcesDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
    }

    /// `relative path → code lines` of every Swift and C source, comments left out. The build-time migration
    /// embedder is skipped: it reads `Migrations/*.sql` inside the compiler's sandbox, never a database.
    static func sources() throws -> [(path: String, lines: [String])] {
        let root = sourcesDirectory
        let enumerator = try #require(FileManager.default.enumerator(atPath: root.path))
        var result: [(String, [String])] = []
        for case let relative as String in enumerator
        where (relative.hasSuffix(".swift") || relative.hasSuffix(".c") || relative.hasSuffix(".h"))
            && !relative.hasPrefix("MigrationEmbedder/")
        {
            let text = try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
            let code = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                return trimmed.hasPrefix("//") || trimmed.hasPrefix("*") || trimmed.hasPrefix("/*") ? "" : String(line)
            }
            result.append((relative, code))
        }
        return result
    }

    @Test func noSourceTouchesFilesBehindSQLiteOutsideTheAllowList() throws {
        let sources = try Self.sources()
        #expect(sources.count > 50, "found only \(sources.count) source files under \(Self.sourcesDirectory.path)")
        var violations: [String] = []
        var used: Set<String> = []
        for (path, lines) in sources {
            for (number, line) in lines.enumerated() {
                for rule in Self.forbidden where line.range(of: rule.pattern, options: .regularExpression) != nil {
                    if Self.allowed.contains(where: { $0.file == path && $0.name == rule.name }) {
                        used.insert("\(path) \(rule.name)")
                    } else {
                        violations.append("\(path):\(number + 1): \(rule.name): \(line.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        #expect(violations.isEmpty, """
            These lines touch files behind SQLite's back. If one can ever name the database, -wal or -shm, it \
            drops SQLite's locks (see docs/operations.md, "Sharing the database"); otherwise add it to the \
            allow-list with the reason:
            \(violations.joined(separator: "\n"))
            """)
        let stale = Self.allowed.filter { !used.contains("\($0.file) \($0.name)") }
        #expect(stale.isEmpty, "allow-list entries that no longer match anything: \(stale.map { "\($0.file) \($0.name)" })")
    }

    @Test func theGuardCatchesTheCallsThatOnceDroppedIngestsLocks() {
        let offenders = [
            #"let descriptor = open(path, O_RDONLY | O_CLOEXEC)"#,
            #"if let handle = FileHandle(forReadingAtPath: path) {"#,
            #"_ = fdatasync(descriptor)"#,
            #"let header = try Data(contentsOf: URL(fileURLWithPath: path))"#,
        ]
        for line in offenders {
            #expect(Self.forbidden.contains { line.range(of: $0.pattern, options: .regularExpression) != nil }, "\(line)")
        }
        #expect(!Self.forbidden.contains { "connection.reopen()".range(of: $0.pattern, options: .regularExpression) != nil })
    }
}
