import GRDB
import SkillPulseCore

// The rollups a batch maintains set-wise (skill_metrics, session_skills, hour session sets, skill_time_series),
// each with multi-row statements.
extension InvocationBatchStore {
    /// What a batch changed in the writer's memory of the rollups; kept only once the transaction commits.
    struct RollupChanges {
        var metrics: [String: SkillMetricsState] = [:]
        var hourSessions: [(key: BatchAggregates.HourKey, session: String)] = []
    }

    /// Writes every rollup of the batch with multi-row statements.
    func writeRollups(_ aggregates: BatchAggregates, db: Database, now: String) throws -> RollupChanges {
        var changes = RollupChanges()
        changes.metrics = try updatedMetrics(aggregates, db: db)
        for chunk in aggregates.skillOrder.statementChunks() {
            var binder = try statements.binder(.skillMetrics, rows: chunk.count, db: db)
            for skill in chunk {
                binder.bind(skill)
                changes.metrics[skill]!.bindColumns(&binder, now: now)
            }
            try binder.run(db)
        }

        let pairs = Array(aggregates.sessionSkills)
        for chunk in pairs.statementChunks() {
            var binder = try statements.binder(.sessionSkills, rows: chunk.count, db: db)
            for pair in chunk {
                binder.bind(pair.key.session)
                binder.bind(pair.key.skill)
                binder.bind(pair.value)
            }
            try binder.run(db)
        }

        // Only sessions new to their hour are inserted; every hour's unique_sessions is its set's new size.
        let hours = Array(aggregates.hours)
        var uniqueSessions: [Int] = []
        uniqueSessions.reserveCapacity(hours.count)
        for (key, hour) in hours {
            let stored = try hourSessions.stored(key, db: db)
            var unique = stored.count
            for session in hour.sessions where !stored.contains(session) {
                changes.hourSessions.append((key, session))
                unique += 1
            }
            uniqueSessions.append(unique)
        }
        for chunk in changes.hourSessions.statementChunks() {
            var binder = try statements.binder(.hourSessions, rows: chunk.count, db: db)
            for row in chunk {
                binder.bind(row.key.skill)
                binder.bind(row.key.hour)
                binder.bind(row.session)
            }
            try binder.run(db)
        }
        for range in MultiRowStatements.chunkRanges(hours.count) {
            var binder = try statements.binder(.hours, rows: range.count, db: db)
            for position in range {
                let (key, hour) = hours[position]
                binder.bind(key.skill)
                binder.bind(key.hour)
                binder.bind(hour.count)
                binder.bind(hour.completed)
                binder.bind(hour.durationSum)
                binder.bind(hour.durationCount)
                binder.bind(Double(hour.completed) / Double(hour.count))
                binder.bind(hour.durationCount > 0 ? hour.durationSum / Double(hour.durationCount) : nil)
                binder.bind(uniqueSessions[position])
            }
            try binder.run(db)
        }
        return changes
    }

    /// The batch's skills' skill_metrics rows after this batch, reading those the writer has not seen yet.
    func updatedMetrics(_ aggregates: BatchAggregates, db: Database) throws -> [String: SkillMetricsState] {
        let unknown = aggregates.skillOrder.filter { skillMetrics[$0] == nil }
        var loaded: [String: SkillMetricsState] = [:]
        for chunk in unknown.chunked(by: 500) {
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            for row in try Row.fetchAll(db, sql: """
                SELECT CAST(skill_name AS BLOB) AS skill_name, total_invocations, completed_invocations,
                       total_duration_seconds, workflow_paths, common_errors, follow_up_actions, first_invoked,
                       last_invoked
                FROM skill_metrics WHERE skill_name IN (\(placeholders))
                """, arguments: StatementArguments(Array(chunk)))
            {
                guard let skill = StoredText.exact(row["skill_name"]) else { continue }
                loaded[skill] = SkillMetricsState(row: row)
            }
        }
        var updated: [String: SkillMetricsState] = [:]
        for skill in aggregates.skillOrder {
            guard let batch = aggregates.skills[skill] else { continue }
            var state = skillMetrics[skill] ?? loaded[skill] ?? .empty
            state.add(batch)
            updated[skill] = state
        }
        return updated
    }
}
