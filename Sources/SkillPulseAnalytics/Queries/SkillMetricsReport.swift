import SkillPulseCore

/// `get_skill_metrics`: one skill's lifetime figures and its recent windows.
public struct SkillMetricsReport: Sendable, Encodable {
    /// Figures of one window ending now.
    public struct Window: Sendable, Encodable {
        public let invocationCount: Int
        public let completedCount: Int
        public let completionRate: Double?
        /// Completed invocations only, 0 when none (as `get_real_time_metrics`' `avg_duration`).
        public let avgDuration: Double?
        /// Every invocation that carried a duration.
        public let avgDurationAll: Double?
        public let p95Duration: Double?

        enum CodingKeys: String, CodingKey {
            case invocationCount = "invocation_count", completedCount = "completed_count"
            case completionRate = "completion_rate", avgDuration = "avg_duration", avgDurationAll = "avg_duration_all"
            case p95Duration = "p95_duration"
        }
    }

    public let skillName: String
    public let totalInvocations: Int
    public let completedInvocations: Int
    public let abandonedInvocations: Int
    public let completionRate: Double
    public let avgDurationSeconds: Double?
    public let totalUsers: Int
    public let sessions: Int
    public let firstInvoked: String
    public let lastInvoked: String
    public let windows: [String: Window]

    enum CodingKeys: String, CodingKey {
        case skillName = "skill_name", totalInvocations = "total_invocations"
        case completedInvocations = "completed_invocations", abandonedInvocations = "abandoned_invocations"
        case completionRate = "completion_rate", avgDurationSeconds = "avg_duration_seconds"
        case totalUsers = "total_users", sessions, firstInvoked = "first_invoked", lastInvoked = "last_invoked", windows
    }

    /// The windows every report carries, by name.
    public static let windowHours: [(name: String, hours: Int64)] = [("1h", 1), ("24h", 24), ("7d", 168), ("30d", 720)]
}

extension AnalyticsState {
    /// Nil for a skill never seen. Requires `prepare()`.
    public func skillMetrics(_ skill: String, now: Int64) -> SkillMetricsReport? {
        guard let id = skillIDs[skill] else { return nil }
        let totals = totals[Int(id)]
        let series = series[Int(id)]
        var windows: [String: SkillMetricsReport.Window] = [:]
        for (name, hours) in SkillMetricsReport.windowHours {
            let figures = series.window(from: now - hours * 3_600_000, to: now + 1)
            windows[name] = .init(invocationCount: figures.invocations, completedCount: figures.completed,
                                  completionRate: figures.completionRate, avgDuration: figures.averageCompletedDuration,
                                  avgDurationAll: figures.averageDuration,
                                  p95Duration: Descriptive.quantile(series.durations(in: figures), 0.95))
        }
        return SkillMetricsReport(
            skillName: skill, totalInvocations: totals.invocations, completedInvocations: totals.completed,
            abandonedInvocations: totals.invocations - totals.completed, completionRate: totals.completionRate ?? 0,
            avgDurationSeconds: totals.averageDuration, totalUsers: totals.users.count,
            sessions: sessionsWithSkill[Int(id)],
            firstInvoked: UTCTimestamp(millisecondsSinceEpoch: totals.first).normalized,
            lastInvoked: UTCTimestamp(millisecondsSinceEpoch: totals.last).normalized, windows: windows)
    }
}
