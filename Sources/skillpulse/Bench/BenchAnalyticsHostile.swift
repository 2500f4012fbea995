import Foundation
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire
import Synchronization

/// `skillpulse bench analytics --hostile`: hostile connections pipeline the most expensive valid request of
/// every analytics op while ingest takes a steady load; separate connections time `health` and a dashboard's
/// `get_real_time_metrics`, and analytics' distance behind ingest is sampled per acknowledged batch.
struct BenchAnalyticsHostile {
    let connections: Int
    let pipeline: Int
    let duration: Duration
    /// Invocations per second sent to ingest meanwhile (stamped now, on the loaded skills and users).
    let loadRate: Double
    let users: Int
    let ingestPath: String
    let analyticsPath: String

    /// What the run measured, in milliseconds unless named otherwise.
    struct Figures {
        var health: LatencySummary
        var realTime: LatencySummary
        var lagSeconds: LatencySummary
        var hostile: [String: (answered: Int, errors: Int, latency: LatencySummary)]
        var firstHostileError: String?
        var loadedEvents: Int
        /// Acknowledged batches analytics had not applied by the end of the sampling.
        var unappliedBatches: Int
        var seconds: Double
    }

    /// The most expensive valid request of each op (limits at their maxima, windows at 90 days, a popular
    /// skill and an active user) — A/B writes on one test of their own, and no `create_ab_test`/`stop_ab_test`
    /// churn, which would only grow the tables.
    static func plan(skill: String, partner: String, user: String, testID: Int64) -> [(op: String, params: JSONValue)] {
        let skillName = JSONValue.string(skill)
        let userID = JSONValue.string(user)
        return [
            ("get_real_time_metrics", ["limit": 1000, "time_window_hours": 2160]),
            ("detect_anomalies", ["threshold": 0.01, "time_window_hours": 2160, "method": "mad"]),
            ("detect_anomalies", ["threshold": 0.01, "time_window_hours": 2160, "method": "zscore"]),
            ("list_anomalies", ["limit": 1000, "state": "all"]),
            ("get_skill_trend", ["skill_name": skillName, "metric": "avg_duration_seconds", "days": 90]),
            ("get_community_baselines", ["limit": 1000]),
            ("compare_to_baseline", ["user_id": userID]),
            ("get_skill_dependencies", ["skill_name": skillName, "limit": 1000, "min_lift": 0]),
            ("get_collaborative_recommendations", ["user_id": userID, "limit": 1000]),
            ("get_skill_clusters", ["limit": 1000]),
            ("get_skill_metrics", ["skill_name": skillName]),
            ("predict_success_probability", ["skill_name": skillName, "user_id": userID, "workflow_phase": "execution",
                                             "session_context": ["skills_used_in_session": [.string(partner)]]]),
            ("train_model", ["days": 90]),
            ("assign_ab_test", ["test_id": .integer(testID), "user_id": userID]),
            ("record_ab_outcome", ["test_id": .integer(testID), "user_id": userID, "skill_name": skillName,
                                   "completed": true, "idempotency_key": "bench-hostile"]),
            ("get_ab_test_summary", ["test_id": .integer(testID)]),
            ("list_ab_tests", ["limit": 1000]),
            ("stats", [:]),
        ]
    }

    func run(skills: [String]) async throws -> Figures {
        let control = try await WireClient.connect(path: analyticsPath)
        defer { Task { await control.close() } }
        let runID = UTCTimestamp.now().millisecondsSinceEpoch
        let user = "bench-a-user-1"
        let test = try DaemonConnection.result(try await control.call("create_ab_test", params: [
            "test_name": .string("bench-hostile-\(runID)"), "control_strategy": "a", "treatment_strategy": "b",
        ]))
        guard let testID = test["test_id"]?.intValue else { throw CLI.fail("create_ab_test answered no test_id") }
        _ = try DaemonConnection.result(try await control.call("assign_ab_test", params: ["test_id": .integer(testID),
                                                                                          "user_id": .string(user)]))
        let plan = Self.plan(skill: skills[0], partner: skills[min(1, skills.count - 1)], user: user, testID: testID)

        let stop = StopFlag()
        let started = ContinuousClock.now
        async let hostile = runHostile(plan)
        async let health = probe(op: "health", params: nil, stop: stop)
        async let realTime = probe(op: "get_real_time_metrics", params: ["limit": 10, "time_window_hours": 1], stop: stop)
        async let load = runLoad(skills: skills, stop: stop)
        async let applied = sampleApplied(stop: stop)
        try await Task.sleep(for: duration)
        stop.raise()
        let (hostileTally, healthSamples, realTimeSamples, acks, samples) = try await (hostile, health, realTime, load, applied)
        _ = try? await control.call("stop_ab_test", params: ["test_id": .integer(testID)])
        let lags = Self.lags(acks: acks, applied: samples)
        return Figures(health: LatencySummary(samples: healthSamples), realTime: LatencySummary(samples: realTimeSamples),
                       lagSeconds: LatencySummary(samples: lags),
                       hostile: hostileTally.byOp, firstHostileError: hostileTally.firstError,
                       loadedEvents: acks.reduce(0) { $0 + $1.events }, unappliedBatches: acks.count - lags.count, seconds: (ContinuousClock.now - started).seconds)
    }

    private struct HostileTally: Sendable {
        var samples: [String: [Double]] = [:]
        var errors: [String: Int] = [:]
        var firstError: String?

        var byOp: [String: (answered: Int, errors: Int, latency: LatencySummary)] {
            Dictionary(uniqueKeysWithValues: Set(samples.keys).union(errors.keys).map { op in
                (op, (samples[op]?.count ?? 0, errors[op] ?? 0, LatencySummary(samples: samples[op] ?? [])))
            })
        }

        mutating func merge(_ other: HostileTally) {
            samples.merge(other.samples) { $0 + $1 }
            errors.merge(other.errors) { $0 + $1 }
            firstError = firstError ?? other.firstError
        }
    }

    /// `connections` clients, each keeping `pipeline` requests in flight, cycling through the plan for
    /// `duration` (each connection starts at a different op). They are the cheap clients of `bench ingest`
    /// (pre-encoded frames, replies matched by position and checked for `"ok":true`, only failures decoded):
    /// a client decoding a thousand baselines per reply would take the cores it is meant to measure.
    private func runHostile(_ plan: [(op: String, params: JSONValue)]) async throws -> HostileTally {
        let frames = try plan.map { op, params in
            try JSONEncoder().encode(params)
        }
        let start = ContinuousClock.now
        let deadline = start + duration
        let perConnection = 20_000
        return try await withThrowingTaskGroup(of: HostileTally.self) { group in
            for index in 0..<connections {
                let connection = try PipelinedBenchConnection(path: analyticsPath)
                let offset = index * 5
                let requests = (0..<perConnection).map { sequence in
                    let step = (offset + sequence) % plan.count
                    let payload = #"{"id":\#(sequence),"op":"\#(plan[step].op)","params":"#
                        + String(decoding: frames[step], as: UTF8.self) + "}"
                    return BenchRequest(frame: WireFrame.bytes(payload: Array(payload.utf8)), events: 1, sequence: sequence)
                }
                group.addTask {
                    let tally = await connection.run(requests, pipeline: pipeline, start: start, interval: nil,
                                                     deadline: deadline)
                    var result = HostileTally()
                    for (position, latency) in tally.latenciesMs.enumerated() {
                        result.samples[plan[(offset + position) % plan.count].op, default: []].append(latency)
                    }
                    if tally.errors > 0 {
                        result.errors["(any)", default: 0] += tally.errors
                        result.firstError = tally.firstError
                    }
                    return result
                }
            }
            return try await group.reduce(into: HostileTally()) { $0.merge($1) }
        }
    }

    /// One request at a time on a connection of its own, every 10 ms: the round trips.
    private func probe(op: String, params: JSONValue?, stop: StopFlag) async throws -> [Double] {
        let client = try await WireClient.connect(path: analyticsPath)
        defer { Task { await client.close() } }
        var samples: [Double] = []
        while !stop.isRaised {
            let sent = ContinuousClock.now
            _ = try DaemonConnection.result(try await client.call(op, params: params))
            samples.append((ContinuousClock.now - sent).milliseconds)
            try await Task.sleep(until: sent + .milliseconds(10))
        }
        return samples
    }

    /// An acknowledged `track_batch`: the largest id it was given, when, and how many invocations it held.
    struct Ack: Sendable {
        let lastID: Int64
        let at: ContinuousClock.Instant
        let events: Int
    }

    /// `track_batch` every 50 ms at `loadRate`, stamped now, on the loaded skills and users.
    private func runLoad(skills: [String], stop: StopFlag) async throws -> [Ack] {
        let client = try await WireClient.connect(path: ingestPath)
        defer { Task { await client.close() } }
        let perBatch = max(1, Int((loadRate / 20).rounded()))
        var random = SplitMix64(seed: 11)
        var acks: [Ack] = []
        var batchNumber = 0
        let session = "bench-hostile-\(UTCTimestamp.now().millisecondsSinceEpoch)"
        let start = ContinuousClock.now
        while !stop.isRaised {
            batchNumber += 1
            let invocations: [JSONValue] = (0..<perBatch).map { index in
                let skill = skills[Int(random.next() % UInt64(skills.count))]
                return ["session_id": .string("\(session)-\(batchNumber % 500)"), "skill_name": .string(skill),
                        "completed": .bool(random.unit() < 0.9), "duration_seconds": .number(0.1 + random.unit()),
                        "user_id": .string("bench-a-user-\(Int(random.next() % UInt64(users)))"),
                        "workflow_phase": "execution", "idempotency_key": .string("\(session)-\(batchNumber)-\(index)")]
            }
            let result = try DaemonConnection.result(try await client.call("track_batch",
                                                                            params: ["invocations": .array(invocations)]))
            let ids = result["invocation_ids"]?.arrayValue?.compactMap(\.intValue) ?? []
            if let last = ids.max() { acks.append(Ack(lastID: last, at: .now, events: ids.count)) }
            try await Task.sleep(until: start + .milliseconds(50) * batchNumber)
        }
        return acks
    }

    /// analytics' `last_invocation_id` every 5 ms.
    private func sampleApplied(stop: StopFlag) async throws -> [(at: ContinuousClock.Instant, lastID: Int64)] {
        let client = try await WireClient.connect(path: analyticsPath)
        defer { Task { await client.close() } }
        var samples: [(at: ContinuousClock.Instant, lastID: Int64)] = []
        // Until a little after the load stops, so the last batches are seen applied.
        var tail = 0
        while tail < 200 {
            if stop.isRaised { tail += 1 }
            let stats = try DaemonConnection.result(try await client.call("stats"))
            samples.append((.now, stats["last_invocation_id"]?.intValue ?? 0))
            try await Task.sleep(for: .milliseconds(5))
        }
        return samples
    }

    /// Per acknowledged batch: seconds from its acknowledgement to the first sample at or past its last id.
    static func lags(acks: [Ack], applied: [(at: ContinuousClock.Instant, lastID: Int64)]) -> [Double] {
        var lags: [Double] = []
        var cursor = 0
        for ack in acks {
            while cursor < applied.count, applied[cursor].at < ack.at { cursor += 1 }
            var probe = cursor
            while probe < applied.count, applied[probe].lastID < ack.lastID { probe += 1 }
            guard probe < applied.count else { continue }  // never seen applied: counted by `unapplied`
            lags.append(max(0, (applied[probe].at - ack.at).seconds))
        }
        return lags
    }
}

/// Tells the bench's loops to finish.
final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)
    var isRaised: Bool { raised.load(ordering: .relaxed) }
    func raise() { raised.store(true, ordering: .relaxed) }
}

