/// One skill across every user: `get_community_baselines` and the `skill_community_baselines` row.
public struct CommunityBaseline: Sendable, Encodable, Equatable {
    public let skillName: String
    /// Sessions that used the skill: session-buddy's `total_users` is `COUNT(DISTINCT session_id)`.
    public let totalUsers: Int
    /// Distinct users (by `user_id`) who invoked it.
    public let distinctUsers: Int
    public let totalInvocations: Int
    public let globalCompletionRate: Double
    public let globalAvgDurationSeconds: Double?
    public let p50Duration: Double?
    public let p95Duration: Double?
    public let mostCommonWorkflowPhase: String?
    /// Where this skill's completion rate ranks among all skills (0–100).
    public let effectivenessPercentile: Double

    enum CodingKeys: String, CodingKey {
        case skillName = "skill_name", totalUsers = "total_users", distinctUsers = "distinct_users"
        case totalInvocations = "total_invocations"
        case globalCompletionRate = "global_completion_rate", globalAvgDurationSeconds = "global_avg_duration_seconds"
        case p50Duration = "p50_duration", p95Duration = "p95_duration"
        case mostCommonWorkflowPhase = "most_common_workflow_phase", effectivenessPercentile = "effectiveness_percentile"
    }
}

/// A user's figures for one skill beside the community's (`compare_to_baseline`).
public struct BaselineComparison: Sendable, Encodable, Equatable {
    public let skillName: String
    public let userInvocations: Int
    public let userCompletionRate: Double
    public let userAvgDurationSeconds: Double?
    public let communityCompletionRate: Double
    public let communityAvgDurationSeconds: Double?
    /// The share of this skill's users with a lower completion rate (ties count half), 0–100.
    public let completionRatePercentile: Double
    /// The share of its users who are slower on average (ties count half), 0–100; nil without durations.
    public let speedPercentile: Double?
    public let totalUsers: Int

    enum CodingKeys: String, CodingKey {
        case skillName = "skill_name", userInvocations = "user_invocations", userCompletionRate = "user_completion_rate"
        case userAvgDurationSeconds = "user_avg_duration_seconds", communityCompletionRate = "community_completion_rate"
        case communityAvgDurationSeconds = "community_avg_duration_seconds"
        case completionRatePercentile = "completion_rate_percentile", speedPercentile = "speed_percentile"
        case totalUsers = "total_users"
    }
}

extension AnalyticsState {
    /// Every skill's baseline, most effective first (session-buddy's order), then most invoked. Percentiles of durations are exact over the durations
    /// held in memory (the retention window). Requires `prepare()`.
    /// `withPercentiles: false` leaves p50/p95 out (the stored table has no columns for them), so the periodic
    /// flush does not sort every changed skill's durations.
    public mutating func communityBaselines(withPercentiles: Bool = true) -> [CommunityBaseline] {
        if withPercentiles { refreshQuantiles() }
        let rates = sortedCompletionRates()
        return Self.ordered(baselineRows(skills: 0..<skillCount, rates: rates, withPercentiles: withPercentiles))
    }

    /// Every skill's lifetime completion rate, ascending: what `effectiveness_percentile` ranks against.
    public func sortedCompletionRates() -> [Double] {
        totals.compactMap(\.completionRate).sorted()
    }

    /// The baselines of the skills numbered in `skills` (unordered), ranked against `rates`: rows of consecutive
    /// ranges make up the whole list, so a caller can hold the state's lock for one range at a time. Requires
    /// `prepare()`, and `refreshQuantiles()` for the percentiles.
    public func baselineRows(skills: Range<Int>, rates: [Double], withPercentiles: Bool) -> [CommunityBaseline] {
        skills.clamped(to: totals.indices).map { index in
            let totals = totals[index]
            let quantiles = durationQuantiles[index]
            return CommunityBaseline(
                skillName: skillNames[index], totalUsers: sessionsWithSkill[index], distinctUsers: totals.users.count,
                totalInvocations: totals.invocations,
                globalCompletionRate: totals.completionRate ?? 0, globalAvgDurationSeconds: totals.averageDuration,
                p50Duration: withPercentiles ? quantiles.p50 : nil,
                p95Duration: withPercentiles ? quantiles.p95 : nil,
                mostCommonWorkflowPhase: mostCommonPhase(ofSkill: index),
                effectivenessPercentile: Descriptive.percentileRank(totals.completionRate ?? 0, sorted: rates) ?? 0)
        }
    }

    /// Most effective first (session-buddy's order), then most invoked, then by name.
    public static func ordered(_ rows: [CommunityBaseline]) -> [CommunityBaseline] {
        rows.sorted {
            ($0.effectivenessPercentile, $0.totalInvocations, $1.skillName)
                > ($1.effectivenessPercentile, $1.totalInvocations, $0.skillName)
        }
    }

    /// The user's skills (or one of them) beside the community; nil when the user (or that skill for the user)
    /// has no invocations.
    public func compareToBaseline(user: String, skill: String?) -> [BaselineComparison]? {
        guard let userNumber = userIDs[user] else { return nil }
        let indices = skill.map { skillIDs[$0].map { [Int($0)] } ?? [] }
            ?? totals.indices.filter { totals[$0].users[userNumber] != nil }.sorted { skillNames[$0] < skillNames[$1] }
        var result: [BaselineComparison] = []
        for index in indices {
            let name = skillNames[index]
            let totals = totals[index]
            guard let mine = totals.users[userNumber] else { continue }
            let rates = totals.users.values.map(\.completionRate)
            let speeds = totals.users.values.compactMap(\.averageDuration)
            result.append(BaselineComparison(
                skillName: name, userInvocations: mine.invocations, userCompletionRate: mine.completionRate,
                userAvgDurationSeconds: mine.averageDuration, communityCompletionRate: totals.completionRate ?? 0,
                communityAvgDurationSeconds: totals.averageDuration,
                completionRatePercentile: Descriptive.percentileRank(mine.completionRate, among: rates) ?? 0,
                // Faster is better: rank the negated means.
                speedPercentile: mine.averageDuration.flatMap { Descriptive.percentileRank(-$0, among: speeds.map { -$0 }) },
                totalUsers: totals.users.count))
        }
        return result.isEmpty ? nil : result
    }
}
