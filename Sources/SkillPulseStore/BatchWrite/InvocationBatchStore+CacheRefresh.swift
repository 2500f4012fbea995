import GRDB
import SkillPulseCore

// skill_metrics_cache: the rows a batch writes, their refresh as time passes, and the per-minute counts that
// seed ingest's sliding windows at start.
extension InvocationBatchStore {
    /// Writes the cache rows of every skill in `latest` (its newest `invoked_at` among the rows just seen).
    func writeCache(_ latest: [String: String], figures: [String: CacheWindowFigures], db: Database,
                            now: String) throws
    {
        // Sorted: a stable row order keeps the statement's page accesses (and its WAL pages) predictable.
        for chunk in latest.keys.sorted().statementChunks() {
            var binder = try statements.binder(.cache, rows: chunk.count, db: db)
            for skill in chunk {
                let figure = figures[skill] ?? .zero
                binder.bind(skill)
                binder.bind(latest[skill])
                binder.bind(figure.count1h)
                binder.bind(figure.count24h)
                binder.bind(figure.completionRate24h)
                binder.bind(now)
            }
            try binder.run(db)
        }
    }

    /// Re-writes cache rows whose window figures changed because time passed (windows decay without inserts)
    /// or another writer added invocations.
    public func refreshCache(windows: CacheWindows, now: UTCTimestamp) throws -> Int {
        let foreignBefore = foreign
        do {
            let changed = try refreshCacheTransaction(windows: windows, now: now)
            windows.settle(true)
            return changed
        } catch {
            // As in a batch: the windows and the foreign-commit tracker change only if the transaction committed.
            windows.settle(false)
            foreign = foreignBefore
            throw error
        }
    }

    private func refreshCacheTransaction(windows: CacheWindows, now: UTCTimestamp) throws -> Int {
        try queue.write { db in
            if let changes = try absorbForeignCommits(db) { windows.stage(changes.tallies) }
            // Rows whose name is not UTF-8 (another writer's bytes) cannot be ingest's skills: the triggers keep them.
            let rows = try Row.fetchAll(db, sql: """
                SELECT CAST(skill_name AS BLOB) AS skill_name, invocation_count_1h, invocation_count_24h,
                       avg_completion_rate_24h
                FROM skill_metrics_cache
                """).compactMap { row in StoredText.exact(row["skill_name"]).map { (skill: $0, row: row) } }
            let skills = rows.map(\.skill)
            let figures = try WindowEdgeCounts.exact(windows.figures(skills), skills: skills, now: now,
                                                     holds: windows.holds, db: db)
            let update = try db.cachedStatement(sql: """
                UPDATE skill_metrics_cache SET invocation_count_1h = ?, invocation_count_24h = ?,
                    avg_completion_rate_24h = ?, updated_at = ?
                WHERE skill_name = ?
                """)
            var changed = 0
            for (skill, row) in rows {
                let fresh = figures[skill] ?? .zero
                let rate: DatabaseValue = row["avg_completion_rate_24h"]
                let stored: (Int, Int, Double?) = (StoredText.integer(row["invocation_count_1h"]),
                                                   StoredText.integer(row["invocation_count_24h"]),
                                                   rate.isNull ? nil : StoredText.real(rate))
                if stored != (fresh.count1h, fresh.count24h, fresh.completionRate24h) {
                    try update.execute(arguments: [fresh.count1h, fresh.count24h, fresh.completionRate24h,
                                                   now.normalized, skill])
                    changed += 1
                }
            }
            return changed
        }
    }

    /// Per-skill, per-minute counts of the last 24 hours, to seed ingest's sliding windows at start. Also
    /// marks the point from which other writers' commits are noticed: the same read sees both.
    public func recentMinuteCounts(since: UTCTimestamp) throws -> [MinuteTally] {
        try queue.inDatabase { db in
            var rows: [Row] = []
            try db.inTransaction(.deferred) {
                try foreign.start(db)
                rows = try MinuteTally.fetchAll(db, filter: "invoked_at >= ? AND id <= ?",
                                                arguments: [since.normalized, foreign.highestInvocationID])
                return .commit
            }
            return rows.compactMap(MinuteTally.init(row:))
        }
    }
}
