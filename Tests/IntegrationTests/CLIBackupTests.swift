import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `taxonomy init`, `backup`, `verify` and `restore` through the real `skillpulse` binary, with real `sqlite3`
/// processes writing to or holding the database.
@Suite(.serialized)
struct CLIBackupTests {
    static let sqlite3 = URL(fileURLWithPath: "/usr/bin/sqlite3")

    static func insertSQL(session: String = "cli-backup") -> String {
        """
        INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, created_at)
        VALUES ('pytest-run', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '\(session)', 1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
        """
    }

    /// A migrated database with `rows` invocations written by another process (sqlite3).
    static func migratedDatabase(in directory: TemporaryDirectory, rows: Int = 0) throws -> String {
        let db = directory.path("skillpulse.db")
        let migrated = try Binaries.skillpulse(["migrate", "--db", db])
        try #require(migrated.status == 0, "\(migrated.stderr)")
        if rows > 0 { try insert(rows, into: db) }
        return db
    }

    static func insert(_ rows: Int, into db: String) throws {
        let sql = "BEGIN;" + String(repeating: insertSQL(), count: rows) + "COMMIT;"
        let result = try Binaries.runProcess(sqlite3, ["-cmd", ".timeout 5000", db, sql])
        try #require(result.status == 0, "\(result.stderr)")
    }

    static func ids(_ db: String) throws -> Set<Int64> {
        Set(try OutsideTools.query(db, "SELECT id FROM skill_invocation").map { $0[0].int64 ?? 0 })
    }

    static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test func taxonomyInitSeedsOnceThenInsertsNothing() throws {
        let directory = try TemporaryDirectory("cli-taxonomy")
        let db = try Self.migratedDatabase(in: directory)
        let first = try Binaries.skillpulse(["taxonomy", "init", "--db", db])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("inserted 6 categories, 4 modalities, 4 dependencies, 25 category mappings"),
                "\(first.stdout)")
        let second = try Binaries.skillpulse(["taxonomy", "init", "--db", db])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("inserted 0 categories, 0 modalities, 0 dependencies, 0 category mappings"),
                "\(second.stdout)")
        #expect(second.stdout.contains("present: 6 categories, 4 modalities, 4 dependencies, 25 category mappings"))

        let old = directory.path("old.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", old, "--to", "3"]).status == 0)
        let before = Self.bytes(old)
        let refused = try Binaries.skillpulse(["taxonomy", "init", "--db", old])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("run `skillpulse migrate"), "\(refused.stderr)")
        #expect(Self.bytes(old) == before)

        let missing = directory.path("missing.db")
        let none = try Binaries.skillpulse(["taxonomy", "init", "--db", missing])
        #expect(none.status == 1 && none.stderr.contains("skillpulse migrate"), "\(none.stderr)")
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func backupWhileAnotherProcessInsertsHoldsEveryEarlierRow() async throws {
        let directory = try TemporaryDirectory("cli-backup")
        let db = try Self.migratedDatabase(in: directory, rows: 20)
        let shell = try SQLiteShell(database: db, scratch: directory)
        try shell.send("PRAGMA synchronous = NORMAL;")
        let inserter = ContinuousInserter(shell: shell, statement: Self.insertSQL(session: "during-backup"))
        inserter.start()
        defer { inserter.stop(); _ = shell.finish() }
        let deadline = ContinuousClock.now + .seconds(30)
        while try IngestTraffic.count(db) < 500, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let committed = try Self.ids(db)
        try #require(committed.count >= 500, "the sqlite3 writer did not get going: \(shell.output)")

        let copy = directory.path("copy.db")
        let result = try Binaries.skillpulse(["backup", "--db", db, copy])
        let afterBackup = try IngestTraffic.count(db)
        inserter.stop()
        #expect(shell.finish() == 0, "\(shell.output)")
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("integrity_check: ok") && result.stdout.contains("skill_invocation"))
        #expect(afterBackup > committed.count, "the writer kept committing during the backup")

        let copied = try Self.ids(copy)
        #expect(committed.isSubset(of: copied), "\(committed.subtracting(copied).count) committed rows are missing")
        #expect(!FileManager.default.fileExists(atPath: copy + "-wal"), "the copy is one standalone file")
        let check = try Binaries.runProcess(Self.sqlite3, [copy, "PRAGMA integrity_check; PRAGMA journal_mode;"])
        #expect(check.stdout == "ok\ndelete\n", "\(check.stdout)\(check.stderr)")
        #expect(try Binaries.skillpulse(["verify", "--db", copy]).status == 0)
    }

    @Test func verifyExitsZeroWhenHealthyAndOneAfterTampering() throws {
        let directory = try TemporaryDirectory("cli-verify")
        let db = try Self.migratedDatabase(in: directory, rows: 5)
        let good = try Binaries.skillpulse(["verify", "--db", db])
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("integrity_check: ok") && good.stdout.contains("skill_invocation 5"))

        let tamper = try Binaries.runProcess(
            Self.sqlite3, [db, "UPDATE skill_migrations SET checksum = 'sha256:00' WHERE version LIKE 'V2%'"])
        try #require(tamper.status == 0, "\(tamper.stderr)")
        let tampered = try Binaries.skillpulse(["verify", "--db", db])
        #expect(tampered.status == 1)
        #expect(tampered.stdout.contains("V2__") && tampered.stdout.contains("edited after it was applied"),
                "\(tampered.stdout)")
        #expect(tampered.stderr.contains("failed verification"), "\(tampered.stderr)")

        // sqlite3 connects with foreign keys off, as session-buddy's scripts did.
        let otherDirectory = try TemporaryDirectory("cli-verify-fk")
        let other = try Self.migratedDatabase(in: otherDirectory)
        let ghost = try Binaries.runProcess(Self.sqlite3, [other, """
            INSERT INTO skill_modalities (skill_name, modality_type, created_at) VALUES ('ghost', 'code', '2026-11-25T03:00:00.000Z')
            """])
        try #require(ghost.status == 0, "\(ghost.stderr)")
        let broken = try Binaries.skillpulse(["verify", "--db", other])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("skill_modalities row 1 references a missing skill_metrics row"), "\(broken.stdout)")
    }

    @Test func restoreIsRefusedWhileADaemonOrAnotherProcessHoldsTheDatabase() async throws {
        let directory = try TemporaryDirectory("cli-restore")
        let db = try Self.migratedDatabase(in: directory, rows: 10)
        let copy = directory.path("copy.db")
        try #require(try Binaries.skillpulse(["backup", "--db", db, copy]).status == 0)
        try Self.insert(7, into: db)

        // 1. A running daemon: its socket answers.
        let daemon = try await DaemonProcess("ingest", directory: directory)
        let whileServing = try Binaries.skillpulse(["restore", "--db", db, "--runtime-dir", daemon.runtimeDirectory,
                                                    "--yes", copy])
        #expect(whileServing.status == 1)
        #expect(whileServing.stderr.contains("in use (daemons are serving it: ingest on"), "\(whileServing.stderr)")
        #expect(await daemon.stop() == 0)

        // 2. Any other process with the file open, e.g. a sqlite3 shell that has read it.
        let runtime = directory.path("run")
        let holder = try SQLiteShell(database: db, scratch: directory)
        try holder.send("SELECT 'held', count(*) FROM skill_invocation;")
        try await holder.waitForOutput(containing: "held|17")
        let before = Self.bytes(db)
        let whileHeld = try Binaries.skillpulse(["restore", "--db", db, "--runtime-dir", runtime, "--yes", copy])
        #expect(whileHeld.status == 1)
        #expect(whileHeld.stderr.contains("in use (another process has it open)"), "\(whileHeld.stderr)")
        #expect(Self.bytes(db) == before)
        #expect(holder.finish() == 0)

        // 3. Nobody holds it: restored, back in WAL mode, with the backup's rows.
        let restored = try Binaries.skillpulse(["restore", "--db", db, "--runtime-dir", runtime, "--yes", copy])
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("skill_invocation 10"), "\(restored.stdout)")
        #expect(try IngestTraffic.count(db) == 10)
        let mode = try Binaries.runProcess(Self.sqlite3, [db, "PRAGMA journal_mode;"])
        #expect(mode.stdout == "wal\n")
        #expect(try Binaries.skillpulse(["verify", "--db", db]).status == 0)
    }

    @Test func badInputsGiveOneLineAndLeaveFilesUntouched() throws {
        let directory = try TemporaryDirectory("cli-backup-bad")
        let db = try Self.migratedDatabase(in: directory, rows: 3)
        let before = Self.bytes(db)

        let missingDirectory = try Binaries.skillpulse(["backup", "--db", db, directory.path("nope/copy.db")])
        #expect(missingDirectory.status == 1)
        #expect(missingDirectory.stderr.contains("directory") && missingDirectory.stderr.contains("does not exist"),
                "\(missingDirectory.stderr)")
        #expect(missingDirectory.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: directory.path("nope")))

        let existing = directory.path("existing.db")
        try Data("an older backup".utf8).write(to: URL(fileURLWithPath: existing))
        let noForce = try Binaries.skillpulse(["backup", "--db", db, existing])
        #expect(noForce.status == 1 && noForce.stderr.contains("--force"), "\(noForce.stderr)")
        #expect(Self.bytes(existing) == Data("an older backup".utf8))

        let garbage = directory.path("garbage.db")
        try Data(String(repeating: "not sqlite\n", count: 400).utf8).write(to: URL(fileURLWithPath: garbage))
        let notSQLite = try Binaries.skillpulse(["restore", "--db", db, "--yes", garbage])
        #expect(notSQLite.status == 1)
        #expect(notSQLite.stderr.contains("not a SQLite database"), "\(notSQLite.stderr)")
        #expect(notSQLite.stderr.split(separator: "\n").count == 1)

        let copy = directory.path("copy.db")
        try #require(try Binaries.skillpulse(["backup", "--db", db, copy]).status == 0)
        let unconfirmed = try Binaries.skillpulse(["restore", "--db", db, copy])
        #expect(unconfirmed.status == 1 && unconfirmed.stderr.contains("--yes"), "\(unconfirmed.stderr)")

        let absent = try Binaries.skillpulse(["restore", "--db", db, "--yes", directory.path("absent.db")])
        #expect(absent.status == 1 && absent.stderr.contains("no such file"), "\(absent.stderr)")
        #expect(Self.bytes(db) == before)

        let noDatabase = try Binaries.skillpulse(["verify", "--db", directory.path("absent.db")])
        #expect(noDatabase.status == 1 && noDatabase.stderr.contains("no database at")
                && noDatabase.stderr.contains("skillpulse migrate --db"), "\(noDatabase.stderr)")
    }
}

/// A `sqlite3` process reading SQL from a pipe: another process that writes to or simply holds the database.
final class SQLiteShell: @unchecked Sendable {
    // @unchecked: the process and pipe are set up in init; after that only one thread at a time writes
    // (the test, or the ContinuousInserter it started and stops before finishing).
    private let process = Process()
    private let input = Pipe()
    private let outputPath: String

    init(database: String, scratch: TemporaryDirectory) throws {
        // A write after sqlite3 exited must fail with EPIPE, not kill the test runner.
        signal(SIGPIPE, SIG_IGN)
        outputPath = scratch.path("sqlite3-\(UUID().uuidString.prefix(6)).out")
        _ = FileManager.default.createFile(atPath: outputPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputPath))
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-batch", "-cmd", ".timeout 5000", database]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
    }

    func send(_ sql: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data((sql + "\n").utf8))
    }

    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    func waitForOutput(containing text: String, timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        while !output.contains(text) {
            guard ContinuousClock.now < deadline, process.isRunning else {
                Issue.record("sqlite3 never printed \(text): \(output)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Closes stdin so sqlite3 finishes what it has read and exits; terminates it if it does not.
    @discardableResult
    func finish(timeout: TimeInterval = 20) -> Int32 {
        try? input.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// Feeds one INSERT after another to a `SQLiteShell` from its own thread until stopped.
final class ContinuousInserter: @unchecked Sendable {
    // @unchecked: `stopped` and `running` are only touched under `lock`.
    private let shell: SQLiteShell
    private let statement: String
    private let lock = NSCondition()
    private var stopped = false
    private var running = false

    init(shell: SQLiteShell, statement: String) {
        self.shell = shell
        self.statement = statement
    }

    func start() {
        lock.withLock { running = true }
        Thread.detachNewThread { [self] in
            while !lock.withLock({ stopped }) {
                // A blocked write (full pipe) returns as sqlite3 reads on; an error means sqlite3 is gone.
                if (try? shell.send(statement)) == nil { break }
            }
            lock.withLock {
                running = false
                lock.broadcast()
            }
        }
    }

    /// Returns once the feeding thread has stopped writing.
    func stop() {
        lock.lock()
        stopped = true
        while running { lock.wait() }
        lock.unlock()
    }
}

extension CLIBackupTests {
    @Test func aBackupIntoADirectoryThisUserMayNotWriteSaysSo() async throws {
        let directory = try TemporaryDirectory("backup-perm")
        let database = directory.path("skillpulse.db")
        try #require(try Binaries.skillpulse(["migrate", "--db", database]).status == 0)
        chmod(directory.url.path, 0o755)
        chmod(database, 0o644)
        let locked = directory.path("locked")
        try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: true)
        chmod(locked, 0o555)
        let executable = try Binaries.forOtherUsers("skillpulse", in: directory).path
        // The default runtime directory is relative to the working directory: start in one that user can reach.
        let workingDirectory = directory.url
        let result = try await OutsideTools.detached {
            try Binaries.runProcess(URL(fileURLWithPath: "/usr/bin/setpriv"), [
                "--reuid=65534", "--regid=65534", "--clear-groups", executable,
                "backup", "--db", database, locked + "/copy.db",
            ], currentDirectory: workingDirectory)
        }
        #expect(result.status == 1 && result.stderr.contains("may not create files in it")
                    && result.stderr.contains(locked), "\(result.stderr)")
    }
}
