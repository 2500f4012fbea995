import SkillPulseAnalytics
import SkillPulseCore

/// The part-1 queries timed on a state built in this process: what each op costs without the socket (whose
/// round trip, and this machine's scheduling noise, the socket figures include — see `health`).
enum BenchAnalyticsQueries {
    /// Labels, in print order, with their keys in the returned figures.
    static let ops: [(label: String, key: String, target: String)] = [
        ("get_real_time_metrics", "real_time", "< 2 ms"), ("detect_anomalies", "anomalies", "< 20 ms"),
        ("get_skill_trend", "trend", "< 5 ms"), ("get_community_baselines", "baselines", "< 5 ms"),
        ("get_skill_dependencies", "dependencies", "< 5 ms"),
    ]

    /// Each query `calls` times with the default parameters (as the socket figures use them), the state
    /// prepared first as the engine does; figures `<key>_in_process_p50_ms` / `_p99_ms`.
    static func time(_ state: inout AnalyticsState, skills: [String], now: Int64, calls: Int) -> [String: Double] {
        var random = SplitMix64(seed: 5)
        func skill() -> String { skills[Int(random.next() % UInt64(skills.count))] }
        var sink = 0
        var figures: [String: Double] = [:]
        func measure(_ key: String, _ body: (inout AnalyticsState) -> Int) {
            var samples: [Double] = []
            samples.reserveCapacity(calls)
            for _ in 0..<calls {
                let started = ContinuousClock.now
                state.prepare()
                sink &+= body(&state)
                samples.append((ContinuousClock.now - started).milliseconds)
            }
            let summary = LatencySummary(samples: samples)
            figures[key + "_in_process_p50_ms"] = summary.p50
            figures[key + "_in_process_p99_ms"] = summary.p99
        }
        measure("real_time") { $0.topSkills(limit: 10, windowMillis: 3_600_000, now: now).count }
        measure("anomalies") { $0.anomalies(AnomalyCriteria(), now: now).count }
        measure("trend") { state in
            state.trend(skill(), metric: .completionRate, days: 7, now: now, criteria: TrendCriteria()) == nil ? 0 : 1
        }
        measure("baselines") { Array($0.communityBaselines().prefix(20)).count }
        measure("dependencies") { $0.dependencies(of: skill(), limit: 10, minimumLift: 1.5, minimumTogether: 3).count }
        if sink == .min { print(sink) }
        return figures
    }
}
