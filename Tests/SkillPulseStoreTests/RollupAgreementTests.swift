import Foundation
import GRDB
import SkillPulseCore
@testable import SkillPulseStore
import Testing

/// ingest keeps the rollups itself (its connection runs without triggers); every other writer relies on the
/// V5 triggers. Both must leave the same rollup rows behind for the same invocations.
struct RollupAgreementTests {
    static let rollupTables = [
        "skill_metrics", "session_skills", "skill_time_series", "skill_time_series_sessions",
        "skill_user_interactions", "sessions",
        // Not a rollup, but skill_user_interactions derives from its user_id, which both must fill alike.
        "skill_invocation",
    ]

    /// Deterministic, varied traffic: back-dated rows, missing durations, users only on some sessions.
    static func traffic() -> [InvocationInput] {
        let base = UTCTimestamp(iso8601: "2026-11-25T01:00:00.000Z")!
        return (0..<600).map { index in
            let session = index % 4
            return InvocationInput(
                sessionID: "s\(session)", skillName: "skill-\(index % 5)", completed: index % 3 != 0,
                durationSeconds: index % 7 == 0 ? nil : Double(index % 11) / 4,
                invokedAt: base.adding(milliseconds: Int64((index * 37) % 600) * 17_000),
                workflowPath: index % 5 == 0 ? "path-\(index % 2)" : nil,
                workflowPhase: index % 2 == 0 ? .execution : nil,
                errorType: index % 3 == 0 ? "error-\(index % 4)" : nil,
                alternativesConsidered: index % 6 == 0 ? ["a", "b"] : nil,
                followUpActions: index % 4 == 0 ? ["follow-\(index % 3)", "x"] : nil,
                userID: session < 2 && index % 8 < 4 ? "user-\(session)" : nil)
        }
    }

    static func migrated() throws -> DatabaseQueue {
        let path = try MigrationRoundTripTests.temporaryPath()
        let queue = try DatabaseOpener.openWriter(path: path)
        try SchemaMigrator().migrate(queue, path: path)
        return queue
    }

    /// Every column but ids and write times, rows sorted; JSON objects compared by content, reals rounded.
    static func snapshot(_ queue: DatabaseQueue, _ table: String) throws -> [[String]] {
        try queue.read { db in
            let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(table))").map { $0["name"] as String }
                .filter { !["id", "updated_at", "created_at"].contains($0) }
            let list = columns.joined(separator: ", ")
            return try Row.fetchAll(db, sql: "SELECT \(list) FROM \(table) ORDER BY \(list)").map { row in
                columns.map { column -> String in
                    switch row[column] as DatabaseValue? {
                    case .none: return "NULL"
                    case .some(let value):
                        switch value.storage {
                        case .double(let number): return String(format: "%.9g", number)
                        case .string(let text) where text.hasPrefix("{"):
                            guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                            else { return text }
                            return object.keys.sorted().map { "\($0)=\(object[$0]!)" }.joined(separator: ";")
                        default: return value.description
                        }
                    }
                }
            }
        }
    }

    @Test func ingestFastPathAndTriggersLeaveTheSameRollups() throws {
        let invocations = Self.traffic()

        let viaIngest = try Self.migrated()
        defer { let path = viaIngest.path; try? viaIngest.close(); MigrationRoundTripTests.removeTemporary(path) }
        var store = InvocationBatchStore(queue: viaIngest)
        for chunk in stride(from: 0, to: invocations.count, by: 150) {
            // Halfway, a new store (as after an ingest restart) must re-read what the first one remembered:
            // skill_metrics rows, sessions, each hour's sessions.
            if chunk == 300 { store = InvocationBatchStore(queue: viaIngest) }
            let batch = Array(invocations[chunk..<min(chunk + 150, invocations.count)])
            let result = try store.write([.invocations(batch)], now: .now(), windows: .none)
            guard case .invocationsStored(let ids, _) = result.outcomes.first else {
                Issue.record("batch failed: \(result.outcomes)")
                return
            }
            #expect(ids.count == batch.count)
        }

        let viaTriggers = try Self.migrated()
        defer { let path = viaTriggers.path; try? viaTriggers.close(); MigrationRoundTripTests.removeTemporary(path) }
        try viaTriggers.write { db in
            for invocation in invocations {
                try db.execute(sql: """
                    INSERT INTO skill_invocation (skill_name, invoked_at, session_id, workflow_path, completed,
                        duration_seconds, alternatives_considered, follow_up_actions, error_type, workflow_phase,
                        user_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [
                        invocation.skillName, invocation.invokedAt.normalized, invocation.sessionID,
                        invocation.workflowPath, invocation.completed, invocation.durationSeconds,
                        Self.json(invocation.alternativesConsidered), Self.json(invocation.followUpActions),
                        invocation.errorType, invocation.workflowPhase?.rawValue, invocation.userID,
                    ])
            }
        }

        for table in Self.rollupTables {
            let fast = try Self.snapshot(viaIngest, table)
            let triggered = try Self.snapshot(viaTriggers, table)
            #expect(!fast.isEmpty, "\(table) has rows")
            #expect(fast == triggered, "\(table) differs between ingest and the triggers")
        }
    }

    /// unique_sessions counts an hour's sessions across batches and across a restart of the writer, which
    /// re-reads the hour's stored sessions instead of trusting what it remembered.
    @Test func uniqueSessionsCountAnHoursSessionsAcrossBatchesAndRestarts() throws {
        let queue = try Self.migrated()
        defer { let path = queue.path; try? queue.close(); MigrationRoundTripTests.removeTemporary(path) }
        let hour = UTCTimestamp(iso8601: "2026-11-25T05:00:00.000Z")!
        func batch(_ sessions: [String], minute: Int64) -> [WriteCommand] {
            [.invocations(sessions.map { session in
                InvocationInput(sessionID: session, skillName: "k", completed: true, durationSeconds: 1,
                                invokedAt: hour.adding(milliseconds: minute * 60_000))
            })]
        }
        let first = InvocationBatchStore(queue: queue)
        _ = try first.write(batch(["s0", "s1"], minute: 1), now: .now(), windows: .none)
        _ = try first.write(batch(["s1", "s2", "s2"], minute: 2), now: .now(), windows: .none)
        let afterRestart = InvocationBatchStore(queue: queue)
        _ = try afterRestart.write(batch(["s0", "s3"], minute: 3), now: .now(), windows: .none)
        _ = try afterRestart.write(batch(["s3"], minute: 61), now: .now(), windows: .none)
        let rows = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT timestamp, invocation_count, unique_sessions FROM skill_time_series ORDER BY timestamp")
        }
        #expect(rows.map { "\($0["timestamp"] as String) \($0["invocation_count"] as Int) \($0["unique_sessions"] as Int)" } == [
            "2026-11-25T05:00:00.000Z 7 4",
            "2026-11-25T06:00:00.000Z 1 1",
        ])
        #expect(try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_time_series_sessions") } == 5)
    }

    static func json(_ list: [String]?) -> String? {
        guard let list else { return nil }
        return String(decoding: try! JSONEncoder().encode(list), as: UTF8.self)
    }
}
