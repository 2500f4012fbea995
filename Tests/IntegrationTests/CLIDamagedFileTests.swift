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
        let denied = try await OutsideTools.detached {
            try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/setpriv"), [
                "--reuid=65534", "--regid=65534", "--clear-groups", Binaries.url("skillpulse").path,
                "migrate", "--db", newDatabase,
            ])
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
