import GRDB
@testable import SkillPulseStore
import Testing

/// After another writer's commit ingest tallies only the rows it appended. The plan must walk the rowid
/// range: with the (skill_name, invoked_at) index SQLite read the whole table in group order, and every
/// foreign commit cost ingest's next batch time proportional to the table (135 ms at 600,000 rows).
struct ForeignCommitQueryTests {
    @Test func theTallyOfNewRowsSearchesTheRowidRangeOnly() throws {
        let path = try MigrationRoundTripTests.temporaryPath()
        defer { MigrationRoundTripTests.removeTemporary(path) }
        let queue = try DatabaseOpener.openWriter(path: path)
        try SchemaMigrator().migrate(queue, path: path)
        let plan = try queue.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + MinuteTally.sql(filter: "id > ?", notIndexed: true),
                             arguments: [0]).map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("SEARCH skill_invocation USING INTEGER PRIMARY KEY (rowid>?)") }, "\(plan)")
        #expect(!plan.contains { $0.contains("idx_") }, "\(plan)")
    }
}

extension ForeignCommitQueryTests {
    /// A duration another writer stored as text (or a blob) is no duration: SQLite's conversion read 'abc' as
    /// 0 s, and analytics averaged it in.
    @Test func aForeignTextDurationIsNoDuration() throws {
        let path = try MigrationRoundTripTests.temporaryPath()
        defer { MigrationRoundTripTests.removeTemporary(path) }
        let queue = try DatabaseOpener.openWriter(path: path)
        try SchemaMigrator().migrate(queue, path: path)
        try queue.write { db in
            for (index, duration) in ["'abc'", "2.5", "4", "X'01'", "NULL", "'7'"].enumerated() {
                try db.execute(sql: """
                    INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, duration_seconds, created_at)
                    VALUES ('k', '2026-11-25T03:00:0\(index).000Z', 's', 1, \(duration), '2026-11-25T03:00:00.000Z')
                    """)
            }
        }
        let rows = try queue.read { db in try InvocationFeed.page(after: 0, limit: 10, in: db) }
        // '7' is stored as 7.0: the column's REAL affinity converts numeric text on insert.
        #expect(rows.map(\.durationSeconds) == [nil, 2.5, 4, nil, nil, 7])
    }
}
