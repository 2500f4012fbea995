import Foundation
import GRDB
@testable import SkillPulseStore
import Testing

/// V7 turns skill_user_interactions into a view over skill_invocation: nothing a V6 table held may be lost on
/// the way up or down, and the view must still take the writes session-buddy's table took.
struct DerivedUserInteractionsTests {
    static let columns = "user_id, session_id, skill_name, invoked_at, completed, rating, alternatives_considered"

    static func rows(_ db: Database) throws -> [Row] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM skill_user_interactions ORDER BY \(columns)")
    }

    /// A V6 database written the way other writers write it (triggers), with one rated interaction and one
    /// interaction that belongs to no invocation.
    static func v6Database() throws -> (DatabaseQueue, String) {
        let path = try MigrationRoundTripTests.temporaryPath()
        let queue = try DatabaseOpener.openWriter(path: path)
        try SchemaMigrator().migrate(queue, path: path, to: 6)
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO sessions (session_id, user_id, project_path, started_at)
                VALUES ('s1', 'alice', '/p', '2026-11-25T00:00:00.000Z');
                INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, created_at, user_id)
                VALUES ('a', '2026-11-25T00:00:01.000Z', 's1', 1, '2026-11-25T00:00:01.000Z', NULL),
                       ('a', '2026-11-25T00:00:01.000Z', 's1', 0, '2026-11-25T00:00:01.000Z', NULL),
                       ('b', '2026-11-25T00:00:02.000Z', 's2', 0, '2026-11-25T00:00:02.000Z', 'bob'),
                       ('b', '2026-11-25T00:00:03.000Z', 's3', 1, '2026-11-25T00:00:03.000Z', NULL);
                UPDATE skill_user_interactions SET rating = 4 WHERE skill_name = 'b';
                INSERT INTO skill_user_interactions (user_id, session_id, skill_name, invoked_at, completed, rating)
                VALUES ('carol', 'gone', 'a', '2026-11-24T00:00:00.000Z', 1, 5);
                """)
        }
        return (queue, path)
    }

    @Test func upKeepsEveryRowRatingAndUnlinkedInteraction() throws {
        let (queue, path) = try Self.v6Database()
        defer { try? queue.close(); MigrationRoundTripTests.removeTemporary(path) }
        let before = try queue.read(Self.rows)
        #expect(before.count == 4)
        #expect(try SchemaMigrator().migrate(queue, path: path).map(\.version) == [7, 8, 9, 10])
        try queue.read { (db: Database) throws -> Void in
            #expect(try Self.rows(db) == before)
            #expect(try String.fetchOne(db, sql: "SELECT type FROM sqlite_master WHERE name = 'skill_user_interactions'") == "view")
            // Invocation rows take their invocation's id; the row of no invocation keeps its data under a negative id.
            #expect(try Int.fetchOne(db, sql: """
                SELECT count(*) FROM skill_user_interactions u JOIN skill_invocation i ON i.id = u.id
                WHERE i.skill_name = u.skill_name AND i.session_id = u.session_id
                """) == 3)
            #expect(try Int.fetchOne(db, sql: "SELECT id FROM skill_user_interactions WHERE user_id = 'carol'")! < 0)
            // The invocation of a session without a user still has none, and so no interaction.
            #expect(try String?.fetchOne(db, sql: "SELECT user_id FROM skill_invocation WHERE session_id = 's3'") == .some(nil))
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_invocation WHERE session_id = 's1' AND user_id = 'alice'") == 2)
        }
    }

    @Test func theViewTakesRatingsInsertsAndRefusesDeletingAnInvocationsRow() throws {
        let (queue, path) = try Self.v6Database()
        defer { try? queue.close(); MigrationRoundTripTests.removeTemporary(path) }
        try SchemaMigrator().migrate(queue, path: path)
        try queue.write { db in
            try db.execute(sql: "UPDATE skill_user_interactions SET rating = 2 WHERE user_id = 'alice'")
            try db.execute(sql: "UPDATE skill_user_interactions SET rating = NULL WHERE user_id = 'bob'")
            try db.execute(sql: """
                INSERT INTO skill_user_interactions (user_id, session_id, skill_name, invoked_at, completed)
                VALUES ('dave', 'elsewhere', 'b', '2026-11-26 10:00:00', 0)
                """)
            // Another writer's invocation without a user takes its session's user and shows up at once.
            try db.execute(sql: """
                INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, created_at)
                VALUES ('c', '2026-11-25T00:00:09.000Z', 's1', 1, '2026-11-25T00:00:09.000Z')
                """)
        }
        try queue.read { (db: Database) throws -> Void in
            #expect(try Double?.fetchAll(db, sql: "SELECT rating FROM skill_user_interactions WHERE user_id = 'alice' ORDER BY id")
                    == [2, 2, nil])
            #expect(try Double?.fetchOne(db, sql: "SELECT rating FROM skill_user_interactions WHERE user_id = 'bob'") == .some(nil))
            #expect(try String.fetchOne(db, sql: "SELECT invoked_at FROM skill_user_interactions WHERE user_id = 'dave'")
                    == "2026-11-26T10:00:00.000Z")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_interaction_ratings") == 2)
        }
        #expect { try queue.write { db in try db.execute(sql: "DELETE FROM skill_user_interactions WHERE user_id = 'bob'") } }
            throws: { error in (error as? DatabaseError)?.message?.contains("derived from skill_invocation") == true }
        try queue.write { db in try db.execute(sql: "DELETE FROM skill_user_interactions WHERE user_id = 'dave'") }
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_user_interactions_unlinked") } == 1)
    }

    @Test func downRestoresTheTableWithWhatTheViewShowedAndUpAgainMatches() throws {
        let (queue, path) = try Self.v6Database()
        defer { try? queue.close(); MigrationRoundTripTests.removeTemporary(path) }
        let migrator = SchemaMigrator()
        try migrator.migrate(queue, path: path)
        let atV7 = try queue.read(Self.rows)
        try migrator.rollback(queue, path: path, to: 6)
        try queue.read { (db: Database) throws -> Void in
            #expect(try String.fetchOne(db, sql: "SELECT type FROM sqlite_master WHERE name = 'skill_user_interactions'") == "table")
            #expect(try Self.rows(db) == atV7)
            #expect(try db.tableExists("skill_interaction_ratings") == false)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master WHERE name = 'idx_invocation_phase_completion'") == 1)
        }
        // V5's trigger is back: a new invocation with a user gets its copy again.
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed, created_at, user_id)
                VALUES ('d', '2026-11-25T00:00:10.000Z', 's9', 1, '2026-11-25T00:00:10.000Z', 'erin')
                """)
        }
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_user_interactions WHERE user_id = 'erin'") } == 1)
        let atV6 = try queue.read(Self.rows)
        try migrator.migrate(queue, path: path)
        #expect(try queue.read(Self.rows) == atV6)
        #expect(try queue.read { db in try DatabaseInspection.integrity(db) } == ["ok"])
    }
}
