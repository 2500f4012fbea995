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
