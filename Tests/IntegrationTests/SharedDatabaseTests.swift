import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// One database file shared by ingest, other SkillPulse processes and operators' tools, under load, then
/// kill -9: the live WAL is never unlinked, nothing acknowledged is lost, the file stays intact, and the
/// rollups stay exact whoever wrote the rows.
@Suite(.serialized)
struct SharedDatabaseTests {
    /// Python's sqlite3 module opening and closing connections (reads only).
    static let pythonReader = """
        import sqlite3, sys
        for _ in range(5):
            c = sqlite3.connect(sys.argv[1], timeout=10)
            c.execute('SELECT count(*) FROM skill_invocation').fetchone()
            c.close()
        """

    /// A second writer: one small BEGIN IMMEDIATE transaction every 5 ms for `seconds`, printing each
    /// committed sequence number (flushed), so the test knows what was acknowledged.
    static let pythonWriter = """
        import sqlite3, sys, time
        c = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
        tag, seconds = sys.argv[2], float(sys.argv[3])
        end = time.time() + seconds
        n = 0
        while time.time() < end:
            c.execute('BEGIN IMMEDIATE')
            c.execute("INSERT INTO skill_clusters (cluster_name, created_at) VALUES (?, '2026-01-01T00:00:00.000Z')",
                      ('%s-%d' % (tag, n),))
            c.execute('COMMIT')
            print(n, flush=True)
            n += 1
            time.sleep(0.005)
        c.close()
        """

    /// Holds the write lock (BEGIN IMMEDIATE) for `seconds`, then commits one row and quits.
    static let pythonLockHolder = """
        import sqlite3, sys, time
        c = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)
        c.execute('BEGIN IMMEDIATE')
        c.execute("INSERT INTO skill_clusters (cluster_name, created_at) VALUES ('lock-holder', '2026-01-01T00:00:00.000Z')")
        print('locked', flush=True)
        time.sleep(float(sys.argv[2]))
        c.execute('COMMIT')
        c.close()
        print('released', flush=True)
        """

    /// Fails the test when ingest no longer holds the file at `path` or holds an unlinked one, or a new file
    /// took its name.
    static func expectIntact(_ daemon: DaemonProcess, _ path: String, inode: UInt64, after step: String) {
        let held = OpenDatabaseFile.held(by: daemon.pid, path: path)
        #expect(!held.isEmpty, "after \(step): ingest no longer holds \(path) open")
        for file in held {
            #expect(!file.unlinked, "after \(step): ingest holds an unlinked \(file)")
            #expect(file.inode == inode, "after \(step): ingest holds \(file), expected inode \(inode)")
        }
        #expect(OpenDatabaseFile.inode(at: path) == inode, "after \(step): \(path) is not the file ingest writes")
    }

    /// Committed sequence numbers a background writer printed, one per line.
    static func printedSequence(_ process: BackgroundProcess) -> [Int] {
        process.output.split(separator: "\n").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    @Test func outsideToolsOpeningTheLiveFileNeverUnlinkItsWALAndKillNineLosesNothing() async throws {
        let daemon = try await DaemonProcess()
        let database = daemon.databasePath
        let clients = try await (0..<3).asyncMap { _ in try await daemon.client() }
        let load = IngestDurabilityTests.KeyedLoad()
        let sending = Task { await load.run(clients: clients, perClient: 10_000_000) }
        while load.acknowledged.count < 300 { try await Task.sleep(for: .milliseconds(10)) }
        let walInode = try #require(OpenDatabaseFile.held(by: daemon.pid, path: database + "-wal").first?.inode,
                                    "ingest holds its WAL open")
        let shmInode = try #require(OpenDatabaseFile.held(by: daemon.pid, path: database + "-shm").first?.inode)
        let check = { (step: String) in
            Self.expectIntact(daemon, database + "-wal", inode: walInode, after: step)
            Self.expectIntact(daemon, database + "-shm", inode: shmInode, after: step)
        }

        let backup = daemon.directory.path("backup.db")
        for round in 0..<3 {
            let shell = try await OutsideTools.sqlite3(database, "SELECT count(*) FROM skill_invocation")
            #expect(shell.status == 0, "sqlite3: \(shell.stderr)")
            check("sqlite3 round \(round)")
            let status = try await OutsideTools.skillpulse(["status", "--db", database])
            #expect(status.status == 0, "status: \(status.stderr)")
            check("skillpulse status round \(round)")
            let verify = try await OutsideTools.skillpulse(["verify", "--db", database])
            #expect(verify.status == 0, "verify: \(verify.stderr)")
            check("skillpulse verify round \(round)")
            let copy = try await OutsideTools.skillpulse(["backup", "--db", database, backup, "--force"])
            #expect(copy.status == 0, "backup: \(copy.stderr)")
            check("skillpulse backup round \(round)")
            let taxonomy = try await OutsideTools.skillpulse(["taxonomy", "init", "--db", database])
            #expect(taxonomy.status == 0, "taxonomy init: \(taxonomy.stderr)")
            check("skillpulse taxonomy init round \(round)")
            let dryRun = try await OutsideTools.skillpulse(["migrate", "--db", database, "--dry-run"])
            #expect(dryRun.status == 0, "migrate --dry-run: \(dryRun.stderr)")
            check("skillpulse migrate --dry-run round \(round)")
            let restore = try await OutsideTools.skillpulse(["restore", "--db", database, "--runtime-dir",
                                                             daemon.runtimeDirectory, backup, "--yes"])
            #expect(restore.status != 0, "restore over a live database must refuse: \(restore.stdout)")
            check("skillpulse restore's refusal round \(round)")
            let python = try await OutsideTools.python(Self.pythonReader, [database])
            #expect(python.status == 0, "python reader: \(python.stderr)")
            check("python connections round \(round)")
        }

        // A second process writing small transactions beside ingest: the case that corrupted the file.
        let writer = try BackgroundProcess.python(Self.pythonWriter, [database, "py", "3"], directory: daemon.directory)
        #expect(await writer.waitForExit() == 0, "python writer: \(writer.errors)")
        check("a second writer")
        let before = load.acknowledged.count
        while load.acknowledged.count < before + 300 { try await Task.sleep(for: .milliseconds(10)) }

        kill(daemon.pid, SIGKILL)
        _ = await sending.value
        let acknowledged = load.acknowledged
        let stored = try IngestTraffic.invocationIDs(database)
        let missing = acknowledged.filter { stored[$0.key] != $0.value }
        #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) acknowledged invocations lost after kill -9")
        let written = Self.printedSequence(writer)
        #expect(written.count > 100)
        #expect(try IngestTraffic.count(database, "SELECT count(*) FROM skill_clusters WHERE cluster_name LIKE 'py-%'")
                    == written.count)
        #expect(try await OutsideTools.integrityCheck(database) == "ok")
    }

    @Test func anOutsideLockHeldPastTheWaitLimitGetsUnavailableAndLosesNothing() async throws {
        let daemon = try await DaemonProcess(arguments: ["--lock-wait-ms", "1500"])
        let database = daemon.databasePath
        let client = try await daemon.client()
        #expect(try await IngestTraffic.track(client, session: "before", key: "before-1") != nil)

        let holder = try BackgroundProcess.python(Self.pythonLockHolder, [database, "4"], directory: daemon.directory)
        #expect(await holder.waitForOutput("locked"), "lock holder: \(holder.errors)")
        let started = ContinuousClock.now
        async let blocked = client.call("track_invocation",
                                        params: IngestTraffic.invocation(session: "during", key: "during-1"))
        try await Task.sleep(for: .milliseconds(800))
        let health = try await client.call("health").get()
        #expect(health["status"]?.stringValue == "degraded", "health while blocked: \(health)")
        #expect(health["reason"]?.stringValue?.contains("lock") == true, "health names the lock: \(health)")

        let reply = try await blocked
        let waited = ContinuousClock.now - started
        #expect(reply.failure?.code == .unavailable, "a request past the lock wait gets unavailable: \(reply)")
        #expect(reply.failure?.message.contains("locked") == true, "\(String(describing: reply.failure))")
        #expect(waited >= .milliseconds(1_400) && waited < .milliseconds(3_500), "answered after \(waited)")

        #expect(await holder.waitForExit() == 0, "lock holder: \(holder.errors)")
        // Once the lock is gone, ingest writes again at once and says so.
        var acknowledged: [String: Int64] = [:]
        for index in 0..<50 {
            let key = "after-\(index)"
            acknowledged[key] = try await IngestTraffic.track(client, session: "after", key: key)
        }
        #expect(acknowledged.values.allSatisfy { $0 > 0 } && acknowledged.count == 50)
        let after = try await client.call("health").get()
        #expect(after["status"]?.stringValue == "healthy", "health after the lock: \(after)")
        let stats = try await client.call("stats").get()
        #expect(stats["lock_timeouts"]?.intValue == 1, "\(stats)")
        #expect(stats["batches_failed"]?.intValue == 0, "\(stats)")

        kill(daemon.pid, SIGKILL)
        let stored = try IngestTraffic.invocationIDs(database)
        for (key, id) in acknowledged { #expect(stored[key] == id, "acknowledged \(key) lost after kill -9") }
        #expect(stored["during-1"] == nil, "a request answered unavailable was not stored")
        #expect(try IngestTraffic.count(database, "SELECT count(*) FROM skill_clusters WHERE cluster_name = 'lock-holder'")
                    == 1)
        #expect(try await OutsideTools.integrityCheck(database) == "ok")
    }

    @Test func aSecondSkillPulseWriterBesideFullSpeedIngestSeesNoErrorsAndKillNineKeepsBoth() async throws {
        let daemon = try await DaemonProcess()
        let database = daemon.databasePath
        let clients = try await (0..<4).asyncMap { _ in try await daemon.client() }
        let load = KeyedBatchLoad()
        let sending = Task { await load.run(clients: clients) }
        while load.acknowledged.count < 1_000 { try await Task.sleep(for: .milliseconds(10)) }

        let writer = try BackgroundProcess(
            Binaries.url("skillpulse"),
            ["bench", "writer", "--db", database, "--interval-ms", "3", "--duration", "30", "--tag", "second", "--print-commits"],
            directory: daemon.directory)
        try await Task.sleep(for: .seconds(10))
        let stats = try await daemon.client().call("stats").get()
        writer.kill9()
        kill(daemon.pid, SIGKILL)
        _ = await sending.value

        #expect(load.errors.isEmpty, "clients saw errors: \(load.errors.prefix(3))")
        #expect(stats["batches_failed"]?.intValue == 0, "\(stats)")
        #expect(writer.errors.isEmpty, "the second writer reported: \(writer.errors)")
        let committed = Self.printedSequence(writer)
        // The second writer waits for ingest's group commits, so it commits far less often than every 3 ms;
        // what matters is that it keeps getting the lock (about 170–350 in 10 s on a 2-core debug build).
        #expect(committed.count > 100, "the second writer committed \(committed.count) transactions in 10 s")

        let acknowledged = load.acknowledged
        let stored = try IngestTraffic.invocationIDs(database)
        let missing = acknowledged.filter { stored[$0.key] != $0.value }
        #expect(missing.isEmpty, "\(missing.count) of \(acknowledged.count) acknowledged invocations lost")
        let rows = try IngestTraffic.count(database, """
            SELECT count(*) FROM skill_clusters WHERE cluster_name LIKE 'bench-writer-second-%'
            """)
        #expect(rows >= committed.count, "\(committed.count) committed, \(rows) stored")
        #expect(try await OutsideTools.integrityCheck(database) == "ok")
    }

    @Test func rollupsStayExactWhenAnotherProcessInsertsBetweenIngestBatches() async throws {
        let daemon = try await DaemonProcess()
        let database = daemon.databasePath
        let client = try await daemon.client()
        func batch(_ skill: String, _ session: String, count: Int) async throws {
            let items = (0..<count).map { index in
                IngestTraffic.invocation(session: session, skill: skill, completed: index % 3 != 0)
            }
            _ = try await client.call("track_batch", params: .object(["invocations": .array(items)])).get()
        }
        func foreignInsert(_ skill: String, _ session: String, count: Int) async throws {
            let shell = try await OutsideTools.sqlite3(database, """
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(count))
                INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, duration_seconds,
                                              workflow_path, created_at)
                SELECT '\(skill)', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), '\(session)', i % 2, 1.25, 'outside',
                       strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
                FROM n;
                """)
            #expect(shell.status == 0, "sqlite3: \(shell.stderr)")
        }

        try await batch("fw", "fw-s", count: 100)
        try await foreignInsert("fw", "fw-other", count: 50)
        try await batch("fw", "fw-s", count: 100)
        try await foreignInsert("fw-outside", "fw-outside-s", count: 20)
        try await batch("fw-outside", "fw-s", count: 5)
        try await foreignInsert("fw", "fw-s", count: 10)
        try await batch("fw", "fw-other", count: 7)
        try await foreignInsert("fw-only-outside", "fw-s", count: 3)
        try await batch("fw-late", "fw-late-s", count: 1)
        #expect(await daemon.stop() == 0)

        let mismatches = try RollupRecount.mismatches(database)
        #expect(mismatches.isEmpty, "rollups differ from a recount:\n\(mismatches.joined(separator: "\n"))")
        #expect(try IngestTraffic.count(database, "SELECT total_invocations FROM skill_metrics WHERE skill_name = 'fw'")
                    == 267)
    }
}

extension WireResponse {
    /// The error reply, if this is one.
    var failure: WireError? {
        if case .failure(let error) = result { return error }
        return nil
    }
}

/// Clients pipelining keyed `track_batch` requests as fast as they can; records acknowledgements and errors.
final class KeyedBatchLoad: @unchecked Sendable {
    // @unchecked: `acked` and `failures` are only touched under `lock`.
    private let lock = NSLock()
    private var acked: [String: Int64] = [:]
    private var failures: [String] = []

    var acknowledged: [String: Int64] { lock.withLock { acked } }
    var errors: [String] { lock.withLock { failures } }

    /// Runs until the connections fail (the daemon died).
    func run(clients: [WireClient], lanes: Int = 4, batchSize: Int = 100) async {
        await withTaskGroup(of: Void.self) { group in
            for (index, client) in clients.enumerated() {
                for lane in 0..<lanes {
                    group.addTask {
                        for sequence in 0... {
                            let keys = (0..<batchSize).map { "b\(index)-\(lane)-\(sequence)-\($0)" }
                            let items = keys.map { IngestTraffic.invocation(session: "batch-\(index)", key: $0) }
                            guard let response = try? await client.call(
                                "track_batch", params: .object(["invocations": .array(items)]))
                            else { return }
                            if let ids = (try? response.get())?["invocation_ids"]?.arrayValue {
                                self.lock.withLock {
                                    for (key, id) in zip(keys, ids) { self.acked[key] = id.intValue }
                                }
                            } else {
                                self.lock.withLock { self.failures.append("\(response.result)") }
                            }
                        }
                    }
                }
            }
        }
    }
}
