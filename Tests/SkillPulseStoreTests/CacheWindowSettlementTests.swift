import Foundation
import GRDB
import SkillPulseCore
@testable import SkillPulseStore
import Testing

/// The cache windows hear of a batch's invocations — its own and the other writers' it read — only once its
/// transaction committed. A full disk (here SQLite's `max_page_count`) fails the batch and each command retried
/// alone: before, every attempt had already been recorded, and the cache counted rows that were never stored.
struct CacheWindowSettlementTests {
    /// What the writer keeps: committed tallies, and a transaction's staged ones until it ends.
    final class RecordingWindows {
        var committed: [MinuteTally] = []
        var staged: [MinuteTally] = []
        var settlements: [Bool] = []

        var windows: CacheWindows {
            CacheWindows(
                stage: { self.staged += $0 },
                settle: { committed in
                    if committed { self.committed += self.staged }
                    self.staged = []
                    self.settlements.append(committed)
                },
                figures: { skills in
                    var figures: [String: CacheWindowFigures] = [:]
                    for skill in skills {
                        let tallies = (self.committed + self.staged).filter { $0.skill == skill }
                        let count = tallies.reduce(0) { $0 + $1.count }
                        figures[skill] = CacheWindowFigures(count1h: count, count24h: count,
                                                            completed24h: tallies.reduce(0) { $0 + $1.completed })
                    }
                    return figures
                },
                holds: { _, _ in false })
        }

        func committedCount(_ skill: String) -> Int {
            committed.filter { $0.skill == skill }.reduce(0) { $0 + $1.count }
        }
    }

    static func invocations(_ skill: String, _ count: Int, session: String) -> [InvocationInput] {
        (0..<count).map { index in
            InvocationInput(sessionID: session, skillName: skill, completed: index % 2 == 0, durationSeconds: 1,
                            invokedAt: .now(), userQuery: String(repeating: "q", count: 2_000) + "\(index)")
        }
    }

    static func cacheCounts(_ queue: DatabaseQueue, _ skill: String) throws -> (Int, Int)? {
        try queue.read { db in
            try Row.fetchOne(db, sql: """
                SELECT invocation_count_1h, invocation_count_24h FROM skill_metrics_cache WHERE skill_name = ?
                """, arguments: [skill]).map { ($0[0], $0[1]) }
        }
    }

    @Test func aBatchThatFailsOnAFullDiskLeavesTheWindowsAsTheyWere() throws {
        let path = try MigrationRoundTripTests.temporaryPath()
        defer { MigrationRoundTripTests.removeTemporary(path) }
        let store = try InvocationBatchStore.createScratch(path: path)
        let other = InvocationBatchStore(queue: try DatabaseOpener.openWriter(path: path))
        let recording = RecordingWindows()

        _ = try store.write([.invocations(Self.invocations("lint", 3, session: "s1"))], now: .now(),
                            windows: recording.windows)
        #expect(recording.committedCount("lint") == 3 && recording.settlements == [true])
        // Another writer commits a row ingest's next transaction will read.
        _ = try other.write([.invocations(Self.invocations("format", 1, session: "s2"))], now: .now(), windows: .none)

        // The disk is full: no page may be added.
        try store.queue.inDatabase { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
        let failed = try store.write([.invocations(Self.invocations("lint", 200, session: "s1")),
                                      .invocations(Self.invocations("test", 200, session: "s3"))],
                                     now: .now(), windows: recording.windows)
        #expect(failed.outcomes.allSatisfy { if case .failed = $0 { true } else { false } }, "\(failed.outcomes)")
        // The shared attempt and both commands alone: three rolled-back transactions, nothing counted.
        #expect(recording.settlements == [true, false, false, false])
        #expect(recording.committedCount("lint") == 3 && recording.committedCount("test") == 0)
        #expect(recording.committedCount("format") == 0 && recording.staged.isEmpty)

        // Room again: the next batch counts its own rows and, once, the other writer's.
        try store.queue.inDatabase { db in try db.execute(sql: "PRAGMA max_page_count = 1073741823") }
        _ = try store.write([.invocations(Self.invocations("lint", 1, session: "s1"))], now: .now(),
                            windows: recording.windows)
        #expect(recording.settlements.last == true)
        #expect(recording.committedCount("lint") == 4 && recording.committedCount("format") == 1
                && recording.committedCount("test") == 0)
        #expect(try Self.cacheCounts(store.queue, "lint")! == (4, 4))
        #expect(try Self.cacheCounts(store.queue, "format")! == (1, 1))
        let stored = try store.queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation") }
        #expect(stored == 5)
    }

    @Test func aRefreshThatFailsLeavesTheOtherWritersRowsForTheNextTransaction() throws {
        let path = try MigrationRoundTripTests.temporaryPath()
        defer { MigrationRoundTripTests.removeTemporary(path) }
        let store = try InvocationBatchStore.createScratch(path: path)
        let other = InvocationBatchStore(queue: try DatabaseOpener.openWriter(path: path))
        let recording = RecordingWindows()
        _ = try store.write([.invocations(Self.invocations("lint", 2, session: "s1"))], now: .now(),
                            windows: recording.windows)
        _ = try other.write([.invocations(Self.invocations("format", 3, session: "s2"))], now: .now(), windows: .none)
        // The refresh reads the other writer's rows, then cannot write its cache update (read-only for the
        // moment: a failure after the read).
        try store.queue.inDatabase { db in try db.execute(sql: "PRAGMA query_only = 1") }
        #expect(throws: (any Error).self) { _ = try store.refreshCache(windows: recording.windows, now: .now()) }
        #expect(recording.committedCount("format") == 0 && recording.settlements.last == false)
        try store.queue.inDatabase { db in try db.execute(sql: "PRAGMA query_only = 0") }
        _ = try store.refreshCache(windows: recording.windows, now: .now())
        #expect(recording.committedCount("format") == 3 && recording.committedCount("lint") == 2)
    }
}
