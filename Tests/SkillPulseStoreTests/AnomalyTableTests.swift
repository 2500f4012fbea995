import GRDB
@testable import SkillPulseStore
import Testing

/// `AnalyticsTables.anomalies` (what `list_anomalies` reads): rows past an id, in id order, by state, and rows
/// another writer stored with odd types read without a trap.
struct AnomalyTableTests {
    @Test func pagesByIdAndStateAndReadsForeignRowsLeniently() throws {
        let (_, queue) = try TaxonomySeederTests.migratedDatabase()
        defer { let path = queue.path; try? queue.close(); MigrationRoundTripTests.removeTemporary(path) }
        try queue.write { db in
            for skill in ["a", "b"] { try db.execute(sql: "INSERT INTO skill_metrics (skill_name) VALUES (?)", arguments: [skill]) }
            for index in 0..<5 {
                let id = try AnalyticsTables.insertAnomaly(skillName: index % 2 == 0 ? "a" : "b", anomalyType: "performance_drop",
                                                           detectedAt: "2026-01-01T00:00:0\(index).000Z", baselineValue: 0.9,
                                                           observedValue: 0.4, deviationScore: -5, in: db)
                if index == 1 || index == 3 { try AnalyticsTables.resolveAnomaly(id: id, at: "2026-01-01T01:00:00.000Z", in: db) }
            }
            // session-buddy's kind, a text score and NULL values, as another tool may store them.
            try db.execute(sql: """
                INSERT INTO skill_anomalies (skill_name, detected_at, anomaly_type, baseline_value, observed_value, deviation_score)
                VALUES ('a', '2026-01-01', 'drop', NULL, 'n/a', '3.5')
                """)
        }
        let all = try queue.read { db in try AnalyticsTables.anomalies(.all, after: 0, limit: 100, in: db) }
        #expect(all.map(\.id) == [1, 2, 3, 4, 5, 6])
        #expect(all[5] == StoredAnomalyRow(id: 6, skillName: "a", anomalyType: "drop", detectedAt: "2026-01-01", baselineValue: nil,
                                           observedValue: nil, deviationScore: 3.5, resolvedAt: nil))
        #expect(all[1].resolvedAt == "2026-01-01T01:00:00.000Z" && all[0].observedValue == 0.4)
        let open = try queue.read { db in try AnalyticsTables.anomalies(.open, after: 0, limit: 100, in: db) }
        #expect(open.map(\.id) == [1, 3, 5, 6])
        let resolved = try queue.read { db in try AnalyticsTables.anomalies(.resolved, after: 0, limit: 100, in: db) }
        #expect(resolved.map(\.id) == [2, 4])
        // Paging: past an id, at most `limit`.
        let page = try queue.read { db in try AnalyticsTables.anomalies(.open, after: 3, limit: 1, in: db) }
        #expect(page.map(\.id) == [5])
    }
}
