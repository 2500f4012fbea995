import Foundation
import GRDB
@testable import SkillPulseStore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Backup, verify and restore on real files, with a second connection standing in for a running daemon.
struct BackupVerifyRestoreTests {
    /// A fresh directory holding a migrated `skillpulse.db` with `rows` invocations.
    final class Fixture {
        let directory: URL
        let path: String
        private(set) var queue: DatabaseQueue?

        init(rows: Int = 40) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("sp-bvr-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            path = directory.appendingPathComponent("skillpulse.db").path
            let queue = try DatabaseOpener.openWriter(path: path)
            try SchemaMigrator().migrate(queue, path: path)
            try Self.insert(queue, rows: rows, from: 0)
            self.queue = queue
        }

        func file(_ name: String) -> String { directory.appendingPathComponent(name).path }

        var writer: DatabaseQueue {
            get throws { try #require(queue) }
        }

        func close() throws {
            try queue?.close()
            queue = nil
        }

        static func insert(_ writer: some DatabaseWriter, rows: Int, from start: Int) throws {
            try writer.write { db in
                for index in start..<(start + rows) {
                    try db.execute(sql: """
                        INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, created_at)
                        VALUES (?, '2026-11-25T03:00:00.000Z', ?, ?, '2026-11-25T03:00:00.000Z')
                        """, arguments: ["skill-\(index % 4)", "s-\(index % 3)", index % 2])
                }
            }
        }

        deinit {
            try? queue?.close()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    static func counts(_ path: String) throws -> [TableCount] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in try DatabaseInspection.rowCounts(db) }
    }

    static func ids(_ path: String) throws -> Set<Int64> {
        let queue = try DatabaseOpener.openReader(path: path)
        defer { try? queue.close() }
        return Set(try queue.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM skill_invocation") })
    }

    static func journalMode(_ path: String) throws -> String? {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
    }

    // MARK: Backup

    @Test func backupIsAStandaloneVerifiedCopyWithTheSameCounts() throws {
        let fixture = try Fixture()
        let copy = fixture.file("copy.db")
        let report = try DatabaseBackup.backup(from: try fixture.writer, to: copy, overwrite: false)
        let expected = try fixture.writer.read { db in try DatabaseInspection.rowCounts(db) }
        #expect(report.rowCounts == expected)
        #expect(report.rowCounts.first == TableCount(table: "skill_invocation", rows: 40))
        #expect(report.bytes > 0)
        #expect(!FileManager.default.fileExists(atPath: copy + "-wal"))
        #expect(try Self.journalMode(copy) == "delete")
        #expect(try Self.counts(copy) == expected)
        let verified = try DatabaseVerifier.verify(try DatabaseOpener.openReader(path: copy), path: copy)
        #expect(verified.isHealthy, "\(verified.problems)")
        // No leftovers from the write-then-rename.
        let names = try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path)
        #expect(!names.contains { $0.contains("partial") }, "\(names)")
    }

    @Test func backupRefusesToOverwriteUnlessForcedAndNeverCopiesOntoItself() throws {
        let fixture = try Fixture()
        let copy = fixture.file("copy.db")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: copy))
        #expect(throws: StoreError.self) {
            try DatabaseBackup.backup(from: try fixture.writer, to: copy, overwrite: false)
        }
        #expect(FileManager.default.contents(atPath: copy) == Data("keep me".utf8))
        #expect(try DatabaseBackup.backup(from: try fixture.writer, to: copy, overwrite: true).rowCounts.first?.rows == 40)

        let before = FileManager.default.contents(atPath: fixture.path)
        #expect(throws: StoreError.self) {
            try DatabaseBackup.backup(from: try fixture.writer, to: fixture.path, overwrite: true)
        }
        #expect(FileManager.default.contents(atPath: fixture.path) == before)
        do {
            _ = try DatabaseBackup.backup(from: try fixture.writer, to: fixture.file("missing/copy.db"), overwrite: false)
            Issue.record("a missing directory was accepted")
        } catch let error as StoreError {
            #expect(error.description.contains("does not exist"), "\(error)")
        }
    }

    @Test func backupTakenWhileAnotherConnectionCommitsHoldsEveryEarlierRow() async throws {
        let fixture = try Fixture(rows: 10)
        let writer = try DatabaseOpener.openWriter(path: fixture.path, label: "concurrent-writer")
        let stop = StopFlag()
        let writing = Task.detached {
            var next = 1_000
            while !stop.isSet {
                try Fixture.insert(writer, rows: 5, from: next)
                next += 5
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        let committed = try Self.ids(fixture.path)
        let copy = fixture.file("copy.db")
        _ = try DatabaseBackup.backup(from: try DatabaseOpener.openReader(path: fixture.path), to: copy, overwrite: false)
        stop.set()
        try await writing.value
        try writer.close()
        #expect(committed.count >= 10)
        #expect(committed.isSubset(of: try Self.ids(copy)))
        #expect(try DatabaseVerifier.verify(try DatabaseOpener.openReader(path: copy), path: copy).integrityOK)
    }

    // MARK: Verify

    @Test func verifyPassesAHealthyDatabaseAndFlagsATamperedChecksum() throws {
        let fixture = try Fixture()
        let healthy = try DatabaseVerifier.verify(try fixture.writer, path: fixture.path)
        #expect(healthy.isHealthy)
        #expect(healthy.schemaVersion == 10)
        try fixture.writer.write { db in
            try db.execute(sql: "UPDATE skill_migrations SET checksum = 'sha256:00' WHERE version LIKE 'V2%'")
        }
        let report = try DatabaseVerifier.verify(try fixture.writer, path: fixture.path)
        #expect(!report.isHealthy)
        #expect(report.integrityOK)
        #expect(report.migrationProblem?.contains("edited after it was applied") == true, "\(report.problems)")
        #expect(report.problems.count == 1)
    }

    @Test func verifyListsForeignKeyViolations() throws {
        let fixture = try Fixture()
        // Another writer with foreign keys off, as session-buddy's scripts connected.
        var unchecked = Configuration()
        unchecked.foreignKeysEnabled = false
        let raw = try DatabaseQueue(path: fixture.path, configuration: unchecked)
        try raw.write { db in
            try db.execute(sql: """
                INSERT INTO skill_modalities (skill_name, modality_type, created_at)
                VALUES ('ghost-skill', 'code', '2026-11-25T03:00:00.000Z')
                """)
        }
        try raw.close()
        let report = try DatabaseVerifier.verify(try fixture.writer, path: fixture.path)
        #expect(!report.isHealthy)
        #expect(report.migrationProblem == nil)
        #expect(report.foreignKeyViolations.count == 1)
        let violation = try #require(report.foreignKeyViolations.first)
        #expect(violation.table == "skill_modalities" && violation.parent == "skill_metrics" && violation.rowid != nil)
        #expect(report.problems.first?.contains("skill_modalities") == true)
    }

    // MARK: Restore

    @Test func restoreIsRefusedWhileAnotherConnectionHoldsTheDatabaseAndWorksAfter() throws {
        let fixture = try Fixture(rows: 40)
        let backup = fixture.file("backup.db")
        _ = try DatabaseBackup.backup(from: try fixture.writer, to: backup, overwrite: false)
        try Fixture.insert(try fixture.writer, rows: 15, from: 100)

        // The fixture's connection has read the file: in WAL mode it now holds it until closed.
        do {
            _ = try DatabaseRestorer.restore(source: backup, target: fixture.path, daemonSockets: [])
            Issue.record("restore went ahead while another connection held the database")
        } catch let error as StoreError {
            guard case .databaseInUse = error else { throw error }
            #expect(error.description.contains("in use"))
        }
        #expect(try fixture.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") } == 55)

        try fixture.close()
        let report = try DatabaseRestorer.restore(source: backup, target: fixture.path, daemonSockets: [])
        #expect(report.rowCounts.first == TableCount(table: "skill_invocation", rows: 40))
        #expect(report.source.schemaVersion == 10)
        #expect(try Self.journalMode(fixture.path) == "wal")
        #expect(try Self.counts(fixture.path) == (try Self.counts(backup)))
        let verified = try DatabaseVerifier.verify(try DatabaseOpener.openReader(path: fixture.path), path: fixture.path)
        #expect(verified.isHealthy, "\(verified.problems)")
    }

    @Test func restoreIsRefusedWhileADaemonSocketAcceptsConnections() throws {
        let fixture = try Fixture()
        let backup = fixture.file("backup.db")
        _ = try DatabaseBackup.backup(from: try fixture.writer, to: backup, overwrite: false)
        try fixture.close()
        let socketPath = fixture.file("ingest.sock")
        let listener = try ListeningSocket(path: socketPath)
        defer { listener.close() }
        #expect(throws: StoreError.databaseInUse(path: fixture.path, detail: "daemons are serving it: ingest on \(socketPath); "
                                                 + "stop them with `systemctl stop skillpulse.target` or SIGTERM")) {
            try DatabaseRestorer.restore(source: backup, target: fixture.path,
                                         daemonSockets: [fixture.file("analytics.sock"), socketPath])
        }
    }

    @Test func restoreChecksTheSourceBeforeTouchingTheTarget() throws {
        let fixture = try Fixture()
        let newer = fixture.file("newer.db")
        _ = try DatabaseBackup.backup(from: try fixture.writer, to: newer, overwrite: false)
        try fixture.close()
        let before = FileManager.default.contents(atPath: fixture.path)

        let garbage = fixture.file("garbage.db")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: garbage))
        // The backup is the problem, so the advice is to pick another backup (not "restore it", which would loop).
        #expect(throws: StoreError.wrongFile(path: garbage, detail: "is not a usable backup (not a SQLite database, "
                                             + "or damaged); choose another backup file (`skillpulse verify --db BACKUP` checks one)")) {
            try DatabaseRestorer.restore(source: garbage, target: fixture.path, daemonSockets: [])
        }

        let empty = fixture.file("empty.db")
        _ = FileManager.default.createFile(atPath: empty, contents: nil)
        #expect(throws: StoreError.self) {
            try DatabaseRestorer.restore(source: empty, target: fixture.path, daemonSockets: [])
        }

        let edited = try DatabaseQueue(path: newer)
        try edited.write { db in
            try db.execute(sql: """
                INSERT INTO skill_migrations (version, applied_at, applied_by) VALUES ('V99__future', '2030-01-01', 'x')
                """)
        }
        try edited.close()
        #expect(throws: StoreError.schemaAhead(path: newer, current: 99, known: MigrationCatalog.latestVersion)) {
            try DatabaseRestorer.restore(source: newer, target: fixture.path, daemonSockets: [])
        }
        #expect(throws: StoreError.self) {
            try DatabaseRestorer.restore(source: fixture.path, target: fixture.path, daemonSockets: [])
        }
        #expect(FileManager.default.contents(atPath: fixture.path) == before)
    }
}

/// Set once by the test, read by a background writer.
final class StopFlag: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = false

    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

/// A Unix socket that accepts connections, standing in for a running daemon.
struct ListeningSocket {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        try #require(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        try #require(bound == 0 && listen(fd, 8) == 0)
    }

    func close() { _ = Glibc.close(fd) }
}
