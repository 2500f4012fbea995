import GRDB
import SkillPulseCore

/// Makes the minute-bucket windows of `skill_metrics_cache` exact to the millisecond.
///
/// ingest's in-memory windows count whole minutes after now − W; the window itself starts at now − W inside
/// the minute before. Leaving that minute out under-counted up to a minute of traffic (an invocation 59 m 30 s
/// old counted 0 in 1 h), while the triggers and the migration count exactly, so the same rows read
/// differently by writer. The edge is a short range of the (skill_name, invoked_at) index per skill and
/// window, read in the same transaction, so rows of any writer count.
public enum WindowEdgeCounts {
    /// `(invocation_count_1h, invocation_count_24h)` windows, in minutes; the in-memory windows use the same.
    public static let windowMinutes: [Int64] = [60, 1_440]

    /// `figures` (whole minutes after each window's edge minute) plus the rows of the edge minute that lie
    /// inside the window, as of `now`.
    /// `holds` skips edges the in-memory windows know to be empty, so a batch of fresh invocations costs no
    /// queries at all.
    static func exact(_ figures: [String: CacheWindowFigures], skills: some Sequence<String>, now: UTCTimestamp,
                      holds: (String, Int64) -> Bool, db: Database) throws -> [String: CacheWindowFigures]
    {
        let statement = try db.cachedStatement(sql: """
            SELECT count(*), total(completed) FROM skill_invocation
            WHERE skill_name = ? AND invoked_at >= ? AND invoked_at < ?
            """)
        let nowMilliseconds = now.millisecondsSinceEpoch
        let nowMinute = nowMilliseconds / 60_000
        let edges = windowMinutes.map { minutes in
            (minute: nowMinute - minutes,
             from: UTCTimestamp(millisecondsSinceEpoch: nowMilliseconds - minutes * 60_000).normalized,
             to: UTCTimestamp(millisecondsSinceEpoch: (nowMinute - minutes + 1) * 60_000).normalized)
        }
        var exact = figures
        for skill in skills {
            var figure = exact[skill] ?? .zero
            for (index, edge) in edges.enumerated() where edge.from < edge.to && holds(skill, edge.minute) {
                guard let row = try Row.fetchOne(statement, arguments: [skill, edge.from, edge.to]) else { continue }
                let count: Int = row[0]
                guard count > 0 else { continue }
                let completed = Int((row[1] as Double).rounded())
                if index == 0 {
                    figure.count1h += count
                } else {
                    figure.count24h += count
                    figure.completed24h += completed
                }
            }
            exact[skill] = figure
        }
        return exact
    }
}
