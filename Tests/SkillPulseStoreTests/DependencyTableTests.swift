import GRDB
@testable import SkillPulseStore
import Testing

/// `AnalyticsTables.writeDependencies`: rows written back by rowid, and a rowid that no longer holds its pair
/// (a row deleted or replaced by hand) never overwrites another pair.
struct DependencyTableTests {
    static func database() throws -> DatabaseQueue {
        let (_, queue) = try TaxonomySeederTests.migratedDatabase()
        try queue.write { db in
            for skill in ["a", "b", "c", "d"] { try db.execute(sql: "INSERT INTO skill_metrics (skill_name) VALUES (?)", arguments: [skill]) }
        }
        return queue
    }

    static func rows(_ queue: DatabaseQueue) throws -> [String] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT rowid, skill_a, skill_b, co_occurrence_count FROM skill_dependencies ORDER BY rowid")
                .map { "\($0[0] as Int64):\($0[1] as String)-\($0[2] as String)=\($0[3] as Int)" }
        }
    }

    @Test func rowsAreWrittenBackAtTheirRowids() throws {
        let queue = try Self.database()
        defer { let path = queue.path; try? queue.close(); MigrationRoundTripTests.removeTemporary(path) }
        let first = [DependencyRow(skillA: "a", skillB: "b", coOccurrenceCount: 3, liftScore: 1.2),
                     DependencyRow(skillA: "a", skillB: "c", coOccurrenceCount: 4, liftScore: 2.5)]
        let ids = try queue.write { db in try AnalyticsTables.writeDependencies(first, rowIDs: [nil, nil], at: "t1", in: db) }
            .compactMap { $0 }
        #expect(ids.count == 2 && ids[0] != ids[1])
        let again = [DependencyRow(skillA: "a", skillB: "b", coOccurrenceCount: 5, liftScore: 1.1),
                     DependencyRow(skillA: "a", skillB: "c", coOccurrenceCount: 6, liftScore: 2.4)]
        let same = try queue.write { db in try AnalyticsTables.writeDependencies(again, rowIDs: ids.map { $0 }, at: "t2", in: db) }
            .compactMap { $0 }
        #expect(same == ids)
        #expect(try Self.rows(queue) == ["\(ids[0]):a-b=5", "\(ids[1]):a-c=6"])
        // The stored table agrees with the keys it hands out.
        let keys = try queue.read { db in try AnalyticsTables.dependencyRowIDs(in: db) }
        #expect(Set(keys.map { "\($0.rowID):\($0.skillA)-\($0.skillB)" }) == ["\(ids[0]):a-b", "\(ids[1]):a-c"])
    }

    @Test func aStaleRowidFallsBackToThePairAndLeavesOtherRowsAlone() throws {
        let queue = try Self.database()
        defer { let path = queue.path; try? queue.close(); MigrationRoundTripTests.removeTemporary(path) }
        let ids = try queue.write { db in
            try AnalyticsTables.writeDependencies([DependencyRow(skillA: "a", skillB: "b", coOccurrenceCount: 3, liftScore: 1)],
                                                  rowIDs: [nil], at: "t1", in: db)
        }.compactMap { $0 }
        // By hand: the pair's row is deleted and another pair takes its rowid; a seed is stored the other way round.
        try queue.write { db in
            try db.execute(sql: "DELETE FROM skill_dependencies")
            try db.execute(sql: "INSERT INTO skill_dependencies (rowid, skill_a, skill_b, co_occurrence_count, last_updated) VALUES (?, 'c', 'd', 9, 'x')",
                           arguments: [ids[0]])
            try db.execute(sql: "INSERT INTO skill_dependencies (skill_a, skill_b, co_occurrence_count, last_updated) VALUES ('c', 'a', 1, 'x')")
        }
        let written = try queue.write { db in
            try AnalyticsTables.writeDependencies(
                [DependencyRow(skillA: "a", skillB: "b", coOccurrenceCount: 4, liftScore: 1),
                 DependencyRow(skillA: "a", skillB: "c", coOccurrenceCount: 7, liftScore: 3)],
                rowIDs: [ids[0], ids[0]], at: "t2", in: db)
        }
        let rows = try Self.rows(queue)
        #expect(rows.contains("\(ids[0]):c-d=9"), "\(rows)")
        #expect(rows.contains { $0.hasSuffix(":a-b=4") } && rows.contains { $0.hasSuffix(":c-a=7") } && rows.count == 3, "\(rows)")
        #expect(written[0] != ids[0] && written[1] != ids[0])
    }

    /// A name with no `skill_metrics` row (how a foreign writer's NUL, BLOB or non-UTF-8 name reads back) is
    /// left out of both tables; the other rows of the same transaction are written.
    @Test func rowsWithoutTheirParentAreLeftOutNotFatal() throws {
        let queue = try Self.database()
        defer { let path = queue.path; try? queue.close(); MigrationRoundTripTests.removeTemporary(path) }
        let written = try queue.write { db in
            try AnalyticsTables.upsertBaselines(
                [BaselineRow(skillName: "nul", totalUsers: 1, totalInvocations: 1, globalCompletionRate: 1,
                             globalAvgDurationSeconds: nil, mostCommonWorkflowPhase: nil, effectivenessPercentile: 50),
                 BaselineRow(skillName: "a", totalUsers: 2, totalInvocations: 3, globalCompletionRate: 0.5,
                             globalAvgDurationSeconds: 1, mostCommonWorkflowPhase: nil, effectivenessPercentile: 40)],
                at: "t1", in: db)
            return try AnalyticsTables.writeDependencies(
                [DependencyRow(skillA: "a", skillB: "nul", coOccurrenceCount: 3, liftScore: 2),
                 DependencyRow(skillA: "a", skillB: "b", coOccurrenceCount: 4, liftScore: 1)],
                rowIDs: [nil, nil], at: "t1", in: db)
        }
        #expect(written[0] == nil && written[1] != nil)
        #expect(try Self.rows(queue).count == 1)
        let baselines = try queue.read { db in try String.fetchAll(db, sql: "SELECT skill_name FROM skill_community_baselines") }
        #expect(baselines == ["a"])
    }
}
