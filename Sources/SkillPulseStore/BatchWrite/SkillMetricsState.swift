import Foundation
import GRDB

/// One `skill_metrics` row as ingest keeps it in memory: ingest is the only writer of invocations, so after
/// the first read it can compute each new row without reading it back (one SELECT per skill per batch saved).
struct SkillMetricsState {
    var total: Int
    var completed: Int
    var completedDuration: Double
    var workflowPaths: [String: Int]
    var errors: [String: Int]
    var followUps: [String: Int]
    var first: String?
    var last: String?

    static let empty = SkillMetricsState(total: 0, completed: 0, completedDuration: 0, workflowPaths: [:],
                                         errors: [:], followUps: [:], first: nil, last: nil)

    init(total: Int, completed: Int, completedDuration: Double, workflowPaths: [String: Int],
         errors: [String: Int], followUps: [String: Int], first: String?, last: String?) {
        self.total = total
        self.completed = completed
        self.completedDuration = completedDuration
        self.workflowPaths = workflowPaths
        self.errors = errors
        self.followUps = followUps
        self.first = first
        self.last = last
    }

    /// A stored row, whatever another writer put in its columns (see `StoredText`).
    init(row: Row) {
        total = StoredText.integer(row["total_invocations"])
        completed = StoredText.integer(row["completed_invocations"])
        completedDuration = StoredText.real(row["total_duration_seconds"])
        workflowPaths = Self.counts(StoredText.lenient(row["workflow_paths"]))
        errors = Self.counts(StoredText.lenient(row["common_errors"]))
        followUps = Self.counts(StoredText.lenient(row["follow_up_actions"]))
        first = StoredText.lenient(row["first_invoked"])
        last = StoredText.lenient(row["last_invoked"])
    }

    mutating func add(_ batch: BatchAggregates.SkillTotals) {
        total += batch.total
        completed += batch.completed
        completedDuration += batch.completedDuration
        for (key, value) in batch.workflowPaths { workflowPaths[key, default: 0] += value }
        for (key, value) in batch.errors { errors[key, default: 0] += value }
        for (key, value) in batch.followUps { followUps[key, default: 0] += value }
        first = [first, batch.first].compactMap { $0 }.min()
        last = [last, batch.last].compactMap { $0 }.max()
    }

    /// Binds the row's values in `skill_metrics` column order after `skill_name`.
    func bindColumns(_ binder: inout RawStatementBinder, now: String) {
        binder.bind(total)
        binder.bind(completed)
        binder.bind(total - completed)
        binder.bind(completedDuration)
        binder.bind(Self.json(workflowPaths))
        binder.bind(Self.json(errors))
        binder.bind(Self.json(followUps))
        binder.bind(first)
        binder.bind(last)
        // Percent (0–100), as session-buddy's skill_metrics always held it.
        binder.bind(total > 0 ? Double(completed) * 100.0 / Double(total) : 0.0)
        binder.bind(completed > 0 ? completedDuration / Double(completed) : nil)
        binder.bind(now)
    }

    /// A stored JSON object of counts; anything else (session-buddy's nested keys) restarts from what parses.
    static func counts(_ stored: String?) -> [String: Int] {
        guard let stored, let data = stored.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        var counts: [String: Int] = [:]
        for (key, value) in object {
            if let number = value as? NSNumber { counts[key] = number.intValue }
        }
        return counts
    }

    static func json(_ counts: [String: Int]) -> String {
        guard !counts.isEmpty else { return "{}" }
        let data = (try? JSONSerialization.data(withJSONObject: counts, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
