import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// `verify`, `backup` and `restore` on the files an operator meets on a bad day.
@Suite(.serialized)
struct CLIDamagedFileTests {
    static func migratedWithRows(_ name: String) async throws -> (TemporaryDirectory, String) {
        let daemon = try await DaemonProcess(directory: try TemporaryDirectory(name))
        let client = try await daemon.client()
        for index in 0..<20 { _ = try await IngestTraffic.track(client, session: "s-\(index % 3)") }
        await client.close()
        #expect(await daemon.stop() == 0)
        return (daemon.directory, daemon.databasePath)
    }

    static func damage(_ path: String, how: String) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        switch how {
        case "truncated": data = data.prefix(data.count / 3)
        case "header": for index in 0..<16 { data[index] = 0x41 }
        default: for index in stride(from: 4096, to: data.count, by: 97) { data[index] = UInt8(truncatingIfNeeded: index) }
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    @Test(arguments: ["truncated", "header", "pages"])
    func restoreReplacesADamagedDatabaseAndKeepsItAside(how: String) async throws {
        let (directory, database) = try await Self.migratedWithRows("damaged-\(how)")
        let backup = directory.path("good.db")
        try #require(try Binaries.skillpulse(["backup", "--db", database, backup]).status == 0)
        try Self.damage(database, how: how)
        let status = try Binaries.skillpulse(["status", "--db", database])
        #expect(status.status == 1 && status.stderr.contains("skillpulse restore --db \(database) BACKUP"),
                "the advice names the restore command with the user's path: \(status.stderr)")
        let restored = try Binaries.skillpulse(["restore", "--db", database, "--yes", backup,
                                                "--runtime-dir", directory.path("run")])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("the damaged database was kept as \(database).damaged-"), "\(restored.stdout)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: directory.url.path)
            .filter { $0.hasPrefix("skillpulse.db.damaged-") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
        #expect(aside.count == 1, "\(aside)")
        let verified = try Binaries.skillpulse(["verify", "--db", database])
        #expect(verified.status == 0, "\(verified.stdout) \(verified.stderr)")
        #expect(try IngestTraffic.count(database) == 20)
    }

    @Test func verifyAndBackupRefuseAFileWithoutASkillPulseSchema() async throws {
        let directory = try TemporaryDirectory("no-schema")
        let empty = directory.path("empty.db")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        let foreign = directory.path("foreign.db")
        try #require(try await OutsideTools.sqlite3(foreign, "CREATE TABLE notes (x); INSERT INTO notes VALUES (1);").status == 0)
        for path in [empty, foreign] {
            let verify = try Binaries.skillpulse(["verify", "--db", path])
            #expect(verify.status == 1 && verify.stdout.contains("no applied SkillPulse migrations"),
                    "\(path): \(verify.stdout) \(verify.stderr)")
            let backup = try Binaries.skillpulse(["backup", "--db", path, directory.path("copy.db")])
            #expect(backup.status == 1 && backup.stderr.contains("has no SkillPulse schema"), "\(backup.stderr)")
            #expect(!FileManager.default.fileExists(atPath: directory.path("copy.db")))
        }
    }

    @Test func verifyTellsANewerSchemaFromATamperedChecksum() async throws {
        let directory = try TemporaryDirectory("newer")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        try #require(try await OutsideTools.sqlite3(database, """
            INSERT INTO skill_migrations (version, applied_at, applied_by) VALUES ('V99__future', '2030-01-01', 'x');
            """).status == 0)
        let verify = try Binaries.skillpulse(["verify", "--db", database])
        #expect(verify.status == 1 && verify.stdout.contains("newer than this binary")
                    && !verify.stdout.contains("checksums: FAILED"), "\(verify.stdout)")
    }

    /// A backup killed mid-copy leaves `.NAME.partial-PID`; the next backup to that name sweeps it.
    @Test func abandonedPartialCopiesAreSwept() async throws {
        let directory = try TemporaryDirectory("partials")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        let backups = directory.path("backups")
        try FileManager.default.createDirectory(atPath: backups, withIntermediateDirectories: true)
        let abandoned = backups + "/.nightly.db.partial-999999"
        _ = FileManager.default.createFile(atPath: abandoned, contents: Data(repeating: 7, count: 8192))
        let other = backups + "/.other.db.partial-999999"
        _ = FileManager.default.createFile(atPath: other, contents: Data(repeating: 7, count: 10))
        try #require(try Binaries.skillpulse(["backup", "--db", database, backups + "/nightly.db"]).status == 0)
        #expect(!FileManager.default.fileExists(atPath: abandoned), "the abandoned partial copy is still there")
        #expect(FileManager.default.fileExists(atPath: other), "another name's partial copy was touched")
    }
}

/// Messages that used to leak internals or name the wrong cause.
@Suite(.serialized)
struct CLIMessageTests {
    @Test func causesAreToldInWords() async throws {
        let directory = try TemporaryDirectory("messages")
        chmod(directory.url.path, 0o755)
        // A directory this user may not write.
        let newDatabase = directory.path("new.db")
        let executable = try Binaries.forOtherUsers("skillpulse", in: directory).path
        // The default runtime directory is relative to the working directory: start in one that user can reach.
        let workingDirectory = directory.url
        let denied = try await OutsideTools.detached {
            try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/setpriv"), [
                "--reuid=65534", "--regid=65534", "--clear-groups", executable,
                "migrate", "--db", newDatabase,
            ], currentDirectory: workingDirectory)
        }
        #expect(denied.status == 1 && denied.stderr.contains("permission denied (this user may not create files in it)"),
                "\(denied.stderr)")
        // A file name longer than the file system allows.
        let long = try Binaries.skillpulse(["migrate", "--db", directory.path(String(repeating: "n", count: 300) + ".db")])
        #expect(long.status == 1 && long.stderr.contains("the path is too long"), "\(long.stderr)")
        // No daemon at the socket: said plainly, without NIO's internals.
        let noDaemon = try Binaries.skillpulse(["track", "--session", "s", "--skill", "k", "--runtime-dir", directory.path("run")])
        #expect(noDaemon.status == 1 && noDaemon.stderr.contains("no socket there; is the daemon running?")
                    && !noDaemon.stderr.contains("descriptor"), "\(noDaemon.stderr)")
        // A restore source that is not a database is the backup's problem, not the database's.
        let notABackup = directory.path("notes.txt")
        _ = FileManager.default.createFile(atPath: notABackup, contents: Data(String(repeating: "notes ", count: 200).utf8))
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        let restore = try Binaries.skillpulse(["restore", "--db", database, "--yes", notABackup,
                                               "--runtime-dir", directory.path("run")])
        #expect(restore.status == 1 && restore.stderr.contains("is not a usable backup")
                    && !restore.stderr.contains("restore --db"), "\(restore.stderr)")
    }
}

extension CLIDamagedFileTests {
    /// A writer killed mid-transaction leaves a hot `-journal`: read-only commands say so (not "read-only"),
    /// and `migrate` rolls it back.
    @Test func aHotJournalIsNamedAndMigrateRollsItBack() async throws {
        let directory = try TemporaryDirectory("hot-journal")
        let database = directory.path("backup.db")
        let live = directory.path("live.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", live]).status == 0)
        try #require(try Binaries.skillpulse(["backup", "--db", live, database]).status == 0)
        let crashed = try await OutsideTools.python("""
            import sqlite3, os, signal, sys
            pid = os.fork()
            if pid == 0:
                c = sqlite3.connect(sys.argv[1], isolation_level=None)
                c.execute('PRAGMA cache_size=1')
                c.execute('BEGIN IMMEDIATE')
                for i in range(3000):
                    c.execute("INSERT INTO skill_categories(category_name, created_at) VALUES (?, 'x')", ('c%d' % i + 'x' * 200,))
                os.kill(os.getpid(), signal.SIGKILL)
            os.waitpid(pid, 0)
            """, [database])
        #expect(crashed.status == 0, "\(crashed.stderr)")
        try #require(FileManager.default.fileExists(atPath: database + "-journal"))
        let status = try await OutsideTools.skillpulse(["status", "--db", database])
        #expect(status.status == 1 && status.stderr.contains("unfinished transaction") && !status.stderr.contains("read-only;"),
                "\(status.stderr)")
        let migrate = try await OutsideTools.skillpulse(["migrate", "--db", database])
        #expect(migrate.status == 0 && migrate.stdout.contains("nothing to apply"), "\(migrate.stderr)")
        #expect(!FileManager.default.fileExists(atPath: database + "-journal"))
        #expect(try await OutsideTools.skillpulse(["verify", "--db", database]).status == 0)
    }

    /// A damaged page: verify lists the problems page by page; backup says it in one line.
    @Test func pageDamageIsListedByVerifyAndBackupSaysItInOneLine() async throws {
        let directory = try TemporaryDirectory("page-damage")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        let filled = try await OutsideTools.sqlite3(database, """
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000)
            INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, duration_seconds, user_id)
            SELECT 'skill-' || (x % 50), strftime('%Y-%m-%dT%H:%M:%fZ','now'), 'sess-' || (x % 100), 1, 1.0, 'u' FROM c;
            PRAGMA journal_mode = DELETE;
            SELECT pageno FROM dbstat WHERE name = 'skill_invocation' AND pagetype = 'leaf' LIMIT 1 OFFSET 3;
            """)
        let page = try #require(filled.stdout.split(separator: "\n").last.flatMap { Int($0) }, "\(filled)")
        // Damaging the file on purpose: no process has it open.
        let handle = try #require(FileHandle(forUpdatingAtPath: database))
        try handle.seek(toOffset: UInt64(4096 * (page - 1) + 8))
        handle.write(Data((0..<600).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }))
        try handle.close()
        let verify = try await OutsideTools.skillpulse(["verify", "--db", database])
        #expect(verify.status == 1 && verify.stdout.contains("problem: On tree page \(page)"), "\(verify.stdout) \(verify.stderr)")
        #expect(verify.stderr.contains("skillpulse restore --db"), "\(verify.stderr)")
        let backup = try await OutsideTools.skillpulse(["backup", "--db", database, directory.path("copy.db")])
        #expect(backup.status == 1 && backup.stderr.split(separator: "\n").count == 1, "\(backup.stderr)")
        #expect(!backup.stderr.contains("its copy failed integrity_check: its copy"), "\(backup.stderr)")
    }
}
