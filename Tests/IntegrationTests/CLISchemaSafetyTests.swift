import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Schema commands beside running daemons, concurrent migrates, and bookkeeping rows other tools wrote.
@Suite(.serialized)
struct CLISchemaSafetyTests {
    @Test func migrateAndRollbackRefuseWhileIngestServesTheDatabase() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        #expect(try await IngestTraffic.track(client, session: "before") != nil)
        // Nothing to apply is answered without taking anything over, daemons or not.
        let current = try await OutsideTools.skillpulse(["migrate", "--db", daemon.databasePath,
                                                         "--runtime-dir", daemon.runtimeDirectory])
        #expect(current.status == 0 && current.stdout.contains("nothing to apply; schema is at V10"), "\(current.stderr)")
        for command in [["rollback", "--steps", "1"], ["rollback", "--to", "0", "--yes"]] {
            let refused = try await OutsideTools.skillpulse(command + ["--db", daemon.databasePath,
                                                                       "--runtime-dir", daemon.runtimeDirectory])
            #expect(refused.status == 1, "\(command): \(refused.stdout) \(refused.stderr)")
            #expect(refused.stderr.contains("ingest on \(daemon.socketPath)") && refused.stderr.contains("systemctl stop"),
                    "\(command): \(refused.stderr)")
        }
        // With a wrong --runtime-dir the sockets are not found; the file itself says it is in use.
        let elsewhere = try await OutsideTools.skillpulse(["rollback", "--steps", "1", "--db", daemon.databasePath,
                                                           "--runtime-dir", daemon.directory.path("elsewhere")])
        #expect(elsewhere.status == 1 && elsewhere.stderr.contains("is in use"), "\(elsewhere.stderr)")
        #expect(try await IngestTraffic.track(client, session: "after") != nil)
        let status = try await OutsideTools.skillpulse(["status", "--db", daemon.databasePath])
        #expect(status.stdout.contains("current:  V10"), "\(status.stdout)")
        await client.close()
        #expect(await daemon.stop() == 0)
        #expect(try IngestTraffic.count(daemon.databasePath) == 2)
    }

    @Test func concurrentMigratesOfANewFileAllSucceed() async throws {
        let directory = try TemporaryDirectory("migrate-race")
        let database = directory.path("skillpulse.db")
        let results = try await withThrowingTaskGroup(of: Binaries.Output.self) { group in
            for _ in 0..<3 { group.addTask { try await OutsideTools.skillpulse(["migrate", "--db", database]) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for result in results { #expect(result.status == 0, "\(result.stdout) \(result.stderr)") }
        #expect(results.filter { $0.stdout.contains("applied V10__") }.count == 1, "\(results.map(\.stdout))")
        #expect(results.filter { $0.stdout.contains("nothing to apply; schema is at V10") }.count == 2,
                "\(results.map(\.stdout))")
    }

    /// Rows other tools wrote into `skill_migrations` never crash a command (before: a NULL version made
    /// status, verify, migrate and ingest die with a GRDB fatal error and exit 132).
    @Test(arguments: [
        "INSERT INTO skill_migrations (version, applied_at) VALUES (NULL, 'yesterday')",
        "INSERT INTO skill_migrations (version, applied_at) VALUES (42, 7)",
        "UPDATE skill_migrations SET applied_at = 5, applied_by = 5 WHERE version LIKE 'V2__%'",
        "UPDATE skill_migrations SET checksum = 12345 WHERE version LIKE 'V3__%'",
    ])
    func oddBookkeepingRowsNeverCrashACommand(sql: String) async throws {
        let directory = try TemporaryDirectory("bookkeeping")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        let changed = try await OutsideTools.sqlite3(database, sql)
        try #require(changed.status == 0, "\(changed.stderr)")
        let checksumTampered = sql.contains("checksum = 12345")
        for command in [["status"], ["status", "--json"], ["verify"], ["migrate"], ["migrate", "--dry-run"]] {
            let result = try await OutsideTools.skillpulse(command + ["--db", database])
            #expect(result.status == 0 || result.status == 1, "\(command) crashed: \(result.status) \(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"), "\(command): \(result.stderr)")
            if checksumTampered {
                #expect(result.status == 1 && (result.stderr + result.stdout).contains("V3__"),
                        "\(command): \(result.stdout) \(result.stderr)")
            } else {
                #expect(result.status == 0, "\(command): \(result.stderr)")
            }
        }
        if checksumTampered {
            let runtime = directory.path("run")
            let refused = try await OutsideTools.detached {
                try Binaries.runProcess(Binaries.url("ingest"), ["--db", database, "--runtime-dir", runtime])
            }
            #expect(refused.status == 1 && refused.stderr.contains("V3__"), "\(refused.stderr)")
        } else {
            let daemon = try await DaemonProcess(directory: directory)
            #expect(await daemon.stop() == 0, "\(daemon.log)")
        }
    }

    /// A schema change under a running ingest (here by hand, as a tool that skips the checks would) stops its
    /// writes with a clear error instead of writing into a schema it was not built for.
    @Test func ingestStopsWritingWhenTheSchemaChangesUnderIt() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        #expect(try await IngestTraffic.track(client, session: "before") != nil)
        let changed = try await OutsideTools.sqlite3(daemon.databasePath, """
            DELETE FROM skill_migrations WHERE version LIKE 'V10__%'; CREATE TABLE rolled_back_marker (x);
            """)
        try #require(changed.status == 0, "\(changed.stderr)")
        let reply = try await client.call("track_invocation", params: IngestTraffic.invocation(session: "after"))
        guard case .failure(let error) = reply.result else {
            Issue.record("a write into a changed schema was acknowledged")
            return
        }
        #expect(error.message.contains("schema changed under ingest") && error.message.contains("V10 → V9"),
                "\(error.message)")
        // Every later write is refused too (before: only the first batch after the change was).
        for index in 0..<3 {
            let again = try await client.call("track_invocation", params: IngestTraffic.invocation(session: "later-\(index)"))
            guard case .failure(let error) = again.result else {
                Issue.record("write \(index) after the schema change was acknowledged")
                continue
            }
            #expect(error.message.contains("schema changed under ingest"), "\(error.message)")
        }
        let health = try await client.call("health").get()
        #expect(health["status"]?.stringValue == "unhealthy", "\(health)")
        // An unrelated schema change (ANALYZE creates sqlite_stat1) is not a migration and changes nothing.
        await client.close()
        #expect(await daemon.stop() == 0)
        #expect(try IngestTraffic.count(daemon.databasePath) == 1)
    }

    @Test func analyzeBesideIngestIsNotASchemaChange() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        #expect(try await IngestTraffic.track(client, session: "before") != nil)
        let analyzed = try await OutsideTools.sqlite3(daemon.databasePath, "ANALYZE; CREATE INDEX my_index ON skill_invocation(skill_name);")
        try #require(analyzed.status == 0, "\(analyzed.stderr)")
        #expect(try await IngestTraffic.track(client, session: "after") != nil)
        await client.close()
        #expect(await daemon.stop() == 0)
    }
}

extension CLISchemaSafetyTests {
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
}
