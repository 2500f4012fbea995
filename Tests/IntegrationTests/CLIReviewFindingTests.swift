import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What a docs-only review of the operator CLI found, each as the command an operator ran.
@Suite(.serialized)
struct CLIReviewFindingTests {
    @Test func numbersThatCannotBeDurationsAreUsageErrors() async throws {
        for arguments in [["demo", "--duration", "nan"], ["demo", "--duration", "inf"], ["demo", "--rate", "1e-300"],
                          ["track", "--session", "s", "--skill", "k", "--duration", "inf"], ["tail", "--count", "0"],
                          ["rollback", "--to", "10"]] {
            let result = try await OutsideTools.skillpulse(arguments + ["--runtime-dir", "/nonexistent"])
            #expect(result.status == 64 && !result.stderr.contains("Backtracing") && !result.stderr.contains("Fatal"),
                    "\(arguments): \(result.status) \(result.stderr)")
        }
    }

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

    /// Bookkeeping edits that would make migrate fail later are refused now, with the reason.
    @Test func aMissingChecksumOrADeletedRowIsRefused() async throws {
        let directory = try TemporaryDirectory("bookkeeping")
        for (name, edit, mention) in [
            ("null-checksum", "UPDATE skill_migrations SET checksum = NULL WHERE version LIKE 'V6%'", "V6"),
            ("deleted-row", "DELETE FROM skill_migrations WHERE version LIKE 'V5%'", "not V5"),
        ] {
            let database = directory.path("\(name).db")
            try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
            #expect(try await OutsideTools.sqlite3(database, edit).status == 0)
            for command in [["verify"], ["migrate"]] {
                let result = try await OutsideTools.skillpulse(command + ["--db", database])
                #expect(result.status == 1 && (result.stderr + result.stdout).contains(mention),
                        "\(name) \(command): \(result.stdout) \(result.stderr)")
            }
        }
    }

    @Test func aBackupIntoADirectoryThisUserMayNotWriteSaysSo() async throws {
        let directory = try TemporaryDirectory("backup-perm")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        chmod(directory.url.path, 0o755)
        chmod(database, 0o644)
        let locked = directory.path("locked")
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
        chmod(locked, 0o555)
        let result = try await OutsideTools.detached {
            try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/setpriv"), [
                "--reuid=65534", "--regid=65534", "--clear-groups", Binaries.url("skillpulse").path,
                "backup", "--db", database, locked + "/copy.db",
            ])
        }
        #expect(result.status == 1 && result.stderr.contains("may not create files in it")
                    && result.stderr.contains(locked), "\(result.stderr)")
    }
}
