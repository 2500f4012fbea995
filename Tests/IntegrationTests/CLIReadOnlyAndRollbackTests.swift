import Crypto
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Commands that only look never change a byte; a rollback that drops rows says how many and asks first.
@Suite(.serialized)
struct CLIReadOnlyAndRollbackTests {
    /// sha256 of every file in `directory`, by name.
    static func fingerprint(_ directory: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
            result[name] = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        }
        return result
    }

    /// A backup (rollback-journal mode, no sidecars): `status`, `migrate --dry-run` and `rollback --dry-run`
    /// leave every file byte-identical and create none (before: they switched it to WAL, header bytes 18–19).
    @Test func lookingAtABackupChangesNoByte() async throws {
        let directory = try TemporaryDirectory("readonly")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        let backupDirectory = directory.path("backups")
        try FileManager.default.createDirectory(atPath: backupDirectory, withIntermediateDirectories: true)
        let backup = backupDirectory + "/nightly.db"
        try #require(try Binaries.skillpulse(["backup", "--db", database, backup]).status == 0)
        let before = try Self.fingerprint(backupDirectory)
        for command in [["status"], ["status", "--json"], ["migrate", "--dry-run"], ["migrate", "--dry-run", "--to", "3"],
                        ["rollback", "--dry-run"], ["rollback", "--dry-run", "--to", "0"]] {
            let result = try await OutsideTools.skillpulse(command + ["--db", backup])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(try Self.fingerprint(backupDirectory) == before, "\(command) changed \(backupDirectory)")
        }
        // The same on a file the operator may only read.
        chmod(backup, 0o444)
        let readOnly = try await OutsideTools.skillpulse(["status", "--db", backup])
        #expect(readOnly.status == 0 && readOnly.stdout.contains("current:  V10"), "\(readOnly.stderr)")
    }

    /// The live database in WAL mode, no daemon running (so no `-wal`/`-shm`): every command that only reads
    /// — the source side of `backup` too — leaves the directory exactly as it was (before: SQLite created
    /// `-wal` and `-shm` to read it, and an operator who may not write the directory could not read it at all).
    @Test func readingAWALDatabaseAtRestCreatesNoSidecars() async throws {
        let directory = try TemporaryDirectory("wal-at-rest")
        let database = directory.path("db/skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--create-dir", "--db", database]).status == 0)
        let databaseDirectory = directory.path("db")
        let before = try Self.fingerprint(databaseDirectory)
        #expect(before.keys.sorted() == ["skillpulse.db"], "\(before.keys)")
        for command in [["status"], ["status", "--json"], ["verify"], ["migrate", "--dry-run"], ["rollback", "--dry-run"],
                        ["backup", directory.path("copy.db")]] {
            let result = try await OutsideTools.skillpulse(command + ["--db", database])
            #expect(result.status == 0, "\(command): \(result.stderr)")
            #expect(try Self.fingerprint(databaseDirectory) == before, "\(command) changed \(databaseDirectory)")
        }
        // A daemon then opens it normally and sees every row the reads saw.
        let restored = try await OutsideTools.skillpulse(["verify", "--db", directory.path("copy.db")])
        #expect(restored.status == 0, "\(restored.stderr)")
    }

    @Test func aDryRunOnAMissingFileCreatesNothing() async throws {
        let directory = try TemporaryDirectory("dry-missing")
        let database = directory.path("new/skillpulse.db")
        let result = try await OutsideTools.skillpulse(["migrate", "--dry-run", "--db", database])
        #expect(result.status == 0 && result.stdout.contains("would apply V10__"), "\(result.stdout) \(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: database))
        #expect(!FileManager.default.fileExists(atPath: directory.path("new")))
        let outOfRange = try await OutsideTools.skillpulse(["migrate", "--to", "99", "--db", directory.path("x.db")])
        #expect(outOfRange.status != 0 && outOfRange.stderr.contains("--to must be between 0 and 10"), "\(outOfRange.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("x.db")), "a refused migrate left a file")
    }

    /// `rollback --to 0` on a database with rows: the dry run counts them, a script without `--yes` is refused
    /// with nothing changed, `--yes` drops them.
    @Test func aRollbackThatDropsRowsCountsThemAndNeedsAYes() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        for index in 0..<5 { #expect(try await IngestTraffic.track(client, session: "s-\(index % 2)") != nil) }
        await client.close()
        #expect(await daemon.stop() == 0)
        let database = daemon.databasePath

        let dry = try await OutsideTools.skillpulse(["rollback", "--to", "0", "--dry-run", "--db", database])
        #expect(dry.status == 0 && dry.stdout.contains("rows it would drop:") && dry.stdout.contains("skill_invocation 5"),
                "\(dry.stdout)")
        // One step (V10) drops a column only: no rows at stake, so no question.
        let oneStepDry = try await OutsideTools.skillpulse(["rollback", "--dry-run", "--db", database])
        #expect(oneStepDry.stdout.contains("rows it would drop: no rows"), "\(oneStepDry.stdout)")

        let refused = try await OutsideTools.skillpulse(["rollback", "--to", "0", "--db", database])
        #expect(refused.status == 1 && refused.stderr.contains("drops") && refused.stderr.contains("--yes"),
                "\(refused.stderr)")
        #expect(try IngestTraffic.count(database) == 5, "a refused rollback changed the file")

        let confirmed = try await OutsideTools.skillpulse(["rollback", "--to", "0", "--yes", "--db", database])
        #expect(confirmed.status == 0 && confirmed.stdout.contains("dropped rows:") && confirmed.stdout.contains("schema is at V0"),
                "\(confirmed.stdout) \(confirmed.stderr)")
        let again = try await OutsideTools.skillpulse(["migrate", "--db", database])
        #expect(again.status == 0 && again.stdout.contains("schema is at V10"), "\(again.stderr)")
    }

    @Test func statusJSONCarriesNumbersAndReportsErrorsAsJSON() async throws {
        let directory = try TemporaryDirectory("status-json")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        let status = try Binaries.skillpulse(["status", "--json", "--db", database])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(object["version_number"] as? Int == 10 && object["checksums_ok"] as? Bool == true
                    && object["database"] as? String == database && object["version"] as? String == "V10__ab_outcome_idempotency",
                "\(object)")
        let missing = try Binaries.skillpulse(["status", "--json", "--db", directory.path("absent.db")])
        let error = try #require(try JSONSerialization.jsonObject(with: Data(missing.stdout.utf8)) as? [String: Any])
        #expect(missing.status == 1 && (error["error"] as? [String: Any])?["message"] as? String != nil, "\(missing.stdout)")
        #expect(missing.stderr.hasPrefix("skillpulse: no database at"), "\(missing.stderr)")
    }

    /// Commands that write through ingest refuse an explicit --db naming another file (before: ignored).
    @Test func daemonCommandsRefuseAnotherDatabase() async throws {
        let daemon = try await DaemonProcess()
        let other = daemon.directory.path("other.db")
        let refused = try await OutsideTools.skillpulse(["track", "--session", "s", "--skill", "k", "--db", other,
                                                         "--runtime-dir", daemon.runtimeDirectory])
        #expect(refused.status == 1 && refused.stderr.contains("serves \(daemon.databasePath), not --db \(other)"),
                "\(refused.stderr)")
        let same = try await OutsideTools.skillpulse(["track", "--session", "s", "--skill", "k", "--db", daemon.databasePath,
                                                      "--runtime-dir", daemon.runtimeDirectory])
        #expect(same.status == 0, "\(same.stderr)")
        #expect(try IngestTraffic.count(daemon.databasePath) == 1)
        #expect(await daemon.stop() == 0)
    }
}
