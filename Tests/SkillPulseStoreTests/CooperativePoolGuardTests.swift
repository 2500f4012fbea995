import Foundation
import Testing

/// Guards the rule that no daemon blocks a cooperative-pool thread on SQLite. There are as many pool threads
/// as cores (two here): a synchronous `DatabasePool.read` inside an async `health` handler once wedged every
/// reader daemon for good. Synchronous GRDB access is allowed only where the allow-list says why it never
/// runs on the pool (a dedicated thread, `BlockingWork.run`, or a one-shot CLI command); async code must use
/// GRDB's async API (`try await pool.read { … }`). The integration tests back this up at run time by pinning
/// each daemon to one CPU, where a single blocked pool thread stops the whole process.
struct CooperativePoolGuardTests {
    /// Calls that block the calling thread until SQLite answers.
    static let blocking: [(name: String, pattern: String)] = [
        ("synchronous GRDB access", #"\.(read|write|writeWithoutTransaction|inDatabase|inTransaction|barrierWriteWithoutTransaction|unsafeRead|unsafeReentrantRead|unsafeReentrantWrite)\s*\{"#),
        ("opening a connection", #"DatabaseOpener\.open\w*\("#),
        ("opening a store", #"\b(StoreReader|IngestDatabase|WALCheckpointer|SchemaAdministration)\.open\w*\(|\bDerivedTableWriter\("#),
        ("the schema check", #"SchemaGuard\.requireCurrent\("#),
        ("the batch store", #"\bstore\.(write|refreshCache|recentMinuteCounts|checkpointWAL)\("#),
        ("seeding the windows", #"\.seedWindows\("#),
    ]

    /// Files (or folders, ending in "/") whose synchronous calls never run on the cooperative pool, and why.
    static let allowed: [(path: String, why: String)] = [
        ("skillpulse/", "the CLI: one command per process, nothing else waits for the pool while it blocks"),
        ("SkillPulseStore/", "the store layer is synchronous by design; daemons call it from a dedicated thread "
            + "or BlockingWork, which the daemon-side entries below and the one-CPU tests check"),
        ("SkillPulseIngest/Writer/", "the batch writer runs on its own `ingest-writer` thread; seedWindows is "
            + "called through BlockingWork"),
        ("SkillPulseIngest/WAL/WALCheckpointService.swift", "opens its connection inside BlockingWork.run"),
        ("SkillPulseIngest/IngestDaemon.swift", "seeds the windows inside BlockingWork.run"),
        ("SkillPulseDaemon/Bootstrap/DaemonBootstrap.swift", "opens and checks the database inside BlockingWork.run"),
    ]

    @Test func daemonsReachSQLiteOnlyThroughAsyncAPIsOrDedicatedThreads() throws {
        let sources = try DatabaseFileAccessGuardTests.sources()
        var violations: [String] = []
        var used: Set<String> = []
        for (path, lines) in sources where path.hasSuffix(".swift") {
            for (number, line) in lines.enumerated() where !line.contains("await") {
                for rule in Self.blocking where line.range(of: rule.pattern, options: .regularExpression) != nil {
                    if let allowance = Self.allowed.first(where: { path == $0.path || ($0.path.hasSuffix("/") && path.hasPrefix($0.path)) }) {
                        used.insert(allowance.path)
                    } else {
                        violations.append("\(path):\(number + 1): \(rule.name): \(line.trimmingCharacters(in: .whitespaces))")
                    }
                }
            }
        }
        let report = violations.joined(separator: "\n")
        #expect(violations.isEmpty, "blocking SQLite calls that may run on the cooperative pool:\n\(report)")
        let stale = Self.allowed.map(\.path).filter { !used.contains($0) }
        #expect(stale.isEmpty, "allow-list entries that no longer match anything: \(stale)")
    }

    /// The guard itself: the call that wedged the reader daemons is caught.
    @Test func theGuardCatchesTheSynchronousReadThatWedgedTheReaders() {
        let line = "            let wal = (try? reader.read { db in try String.fetchOne(db, sql: \"PRAGMA journal_mode\") })"
        #expect(Self.blocking.contains { line.range(of: $0.pattern, options: .regularExpression) != nil })
    }
}
