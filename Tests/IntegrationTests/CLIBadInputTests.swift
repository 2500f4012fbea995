import Foundation
import Testing

/// The CLI on wrong database paths: one clear line, a non-zero exit, and the file untouched.
@Suite(.serialized)
struct CLIBadInputTests {
    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test func notADatabaseIsRefusedAndLeftAlone() throws {
        let directory = try TemporaryDirectory("cli-bad")
        let path = directory.path("notes.db")
        try Data(String(repeating: "not sqlite\n", count: 400).utf8).write(to: URL(fileURLWithPath: path))
        let before = Self.bytes(path)
        let result = try Binaries.skillpulse(["migrate", "--db", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("not a SQLite database"), "\(result.stderr)")
        #expect(Self.bytes(path) == before)
    }

    @Test func readOnlyFileIsRefusedAndLeftAlone() throws {
        let directory = try TemporaryDirectory("cli-ro")
        let path = directory.path("ro.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", path, "--to", "3"]).status == 0)
        chmod(path, 0o444)
        let before = Self.bytes(path)
        let result = try Binaries.skillpulse(["migrate", "--db", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("read-only"), "\(result.stderr)")
        #expect(Self.bytes(path) == before)
    }

    @Test func missingDirectoryIsNamedAndNothingIsCreated() throws {
        let directory = try TemporaryDirectory("cli-missing")
        let path = directory.path("nope/deeper/skillpulse.db")
        let result = try Binaries.skillpulse(["migrate", "--db", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("directory"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory.path("nope")))
    }

    @Test func newerSchemaIsRefused() throws {
        let directory = try TemporaryDirectory("cli-newer")
        let path = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", path]).status == 0)
        try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), [
            path, "INSERT INTO skill_migrations(version, applied_at, applied_by) VALUES ('V99__future', '2030-01-01', 'x');"
                + "PRAGMA wal_checkpoint(TRUNCATE);",
        ])
        let before = Self.bytes(path)
        for command in [["migrate"], ["rollback"], ["status"]] {
            let result = try Binaries.skillpulse(command + ["--db", path])
            #expect(result.status != 0, "\(command)")
            #expect(result.stderr.contains("newer than this binary"), "\(command): \(result.stderr)")
        }
        #expect(Self.bytes(path) == before)
    }

    @Test func corruptFileIsReported() throws {
        let directory = try TemporaryDirectory("cli-corrupt")
        let path = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", path]).status == 0)
        // Keep the header, destroy the pages behind it.
        var data = try #require(Self.bytes(path))
        for index in 100..<data.count { data[index] = UInt8(truncatingIfNeeded: index &* 31) }
        try data.write(to: URL(fileURLWithPath: path))
        let result = try Binaries.skillpulse(["status", "--db", path])
        #expect(result.status != 0)
        #expect(result.stderr.contains("corrupt") || result.stderr.contains("not a SQLite database"), "\(result.stderr)")
    }

    @Test func dryRunChangesNothingAndRollbackFlagsAreExclusive() throws {
        let directory = try TemporaryDirectory("cli-dry")
        let path = directory.path("skillpulse.db")
        let dry = try Binaries.skillpulse(["migrate", "--db", path, "--dry-run"])
        #expect(dry.status == 0)
        #expect(dry.stdout.contains("would apply V1__initial_schema") && dry.stdout.contains("would apply V10__ab_outcome_idempotency"))
        // A dry run creates nothing, so there is still nothing to look at.
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try Binaries.skillpulse(["status", "--db", path]).stderr.contains("no database at"))
        try #require(try Binaries.skillpulse(["migrate", "--db", path]).status == 0)
        let rolled = try Binaries.skillpulse(["rollback", "--db", path, "--steps", "7"])
        #expect(rolled.stdout.contains("rolled back V10__ab_outcome_idempotency")
                && rolled.stdout.contains("rolled back V9__lean_dependency_index")
                && rolled.stdout.contains("rolled back V8__one_timestamp_rule")
                && rolled.stdout.contains("rolled back V7__derived_user_interactions")
                && rolled.stdout.contains("rolled back V6__lean_ingest_indexes")
                && rolled.stdout.contains("rolled back V5__skillpulse_core") && rolled.stdout.contains("schema is at V3"))
        let again = try Binaries.skillpulse(["migrate", "--db", path])
        #expect(again.stdout.contains("applied V4__phase4_extensions") && again.stdout.contains("applied V10__ab_outcome_idempotency"))
        let both = try Binaries.skillpulse(["rollback", "--db", path, "--to", "3", "--steps", "1"])
        #expect(both.status != 0 && both.stderr.contains("not both"))
    }

    @Test func aPathToALiveDatabasesWALOrSHMIsRefused() async throws {
        let daemon = try await DaemonProcess()
        for suffix in ["-wal", "-shm", "-journal"] {
            let path = daemon.databasePath + suffix
            let before = Self.bytes(path)
            for command in [["migrate"], ["status"], ["verify"], ["migrate", "--dry-run"]] {
                let result = try Binaries.skillpulse(command + ["--db", path])
                #expect(result.status != 0, "\(command) on \(suffix)")
                // A WAL database has no -journal file; "no database there" is refusal enough.
                #expect(result.stderr.contains("SQLite's \(suffix) file") || (suffix == "-journal" && result.stderr.contains("no database")),
                        "\(command): \(result.stderr)")
            }
            #expect(Self.bytes(path) == before, "\(suffix) untouched")
        }
        #expect(try await IngestTraffic.track(daemon.client(), session: "s") != nil)
        #expect(await daemon.stop() == 0)
    }

    @Test func benchReportsAKilledIngestInsteadOfCrashing() async throws {
        let daemon = try await DaemonProcess()
        let bench = try BackgroundProcess(Binaries.url("skillpulse"), [
            "bench", "ingest", "--db", daemon.databasePath, "--runtime-dir", daemon.runtimeDirectory,
            "--clients", "4", "--events", "2000000", "--batch", "10",
        ], directory: daemon.directory)
        try await Task.sleep(for: .seconds(1.5))
        kill(daemon.pid, SIGKILL)
        let status = await bench.waitForExit(timeout: .seconds(30))
        #expect(status == 1, "a clean failure, not a signal: \(String(describing: status)) \(bench.errors)")
    }
}

extension CLIBadInputTests {
    @Test func numbersThatCannotBeDurationsAreUsageErrors() async throws {
        for arguments in [["demo", "--duration", "nan"], ["demo", "--duration", "inf"], ["demo", "--rate", "1e-300"],
                          ["track", "--session", "s", "--skill", "k", "--duration", "inf"], ["tail", "--count", "0"],
                          ["rollback", "--to", "11"]] {
            let result = try await OutsideTools.skillpulse(arguments + ["--runtime-dir", "/nonexistent"])
            #expect(result.status == 64 && !result.stderr.contains("Backtracing") && !result.stderr.contains("Fatal"),
                    "\(arguments): \(result.status) \(result.stderr)")
        }
    }
}
