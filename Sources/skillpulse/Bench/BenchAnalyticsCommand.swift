import ArgumentParser
import Foundation
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire
import Synchronization

/// `skillpulse bench analytics`: loads a large data set through a running ingest while measuring how far a
/// running analytics falls behind, then times each analytics op.
struct BenchAnalyticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract: "Load N invocations through ingest at a steady rate, measure analytics' lag, then time each op.",
        discussion: "Needs ingest and analytics running on a scratch database (rows are named bench-a-*). Prints "
            + "p50/p99 per op beside session-buddy's measured figures.")

    @OptionGroup var options: CLIOptions
    @Option(help: "Invocations to load.") var invocations = 1_000_000
    @Option(help: "Distinct skills.") var skills = 1_000
    @Option(help: "Distinct users.") var users = 10_000
    @Option(help: "Days the invocations span, ending now.") var days = 90
    @Option(help: "Load rate, events/s (the keep-up target).") var rate: Double = 100_000
    @Option(help: "Calls per op.") var calls = 1_000
    @Option(name: .customLong("catch-up-events"),
            help: "Last: invocations committed while analytics is frozen, to time how fast it works off a backlog (0: skip; they make the last day denser, so run it after the timings you keep).")
    var catchUpEvents = 0
    @Flag(name: .customLong("skip-load"), help: "Only time the ops (the data is already loaded).") var skipLoad = false
    @Flag(help: "Instead of timing each op alone: hostile connections pipeline the most expensive valid request of every op while ingest takes a steady load; prints health and real-time latency and analytics' lag behind ingest.")
    var hostile = false
    @Option(name: .customLong("hostile-connections"), help: "With --hostile: hostile connections.") var hostileConnections = 4
    @Option(help: "With --hostile: requests each hostile connection keeps in flight.") var pipeline = 8
    @Option(name: .customLong("hostile-seconds"), help: "With --hostile: how long.") var hostileSeconds = 20
    @Option(name: .customLong("hostile-load-rate"), help: "With --hostile: invocations/s sent to ingest meanwhile.")
    var hostileLoadRate: Double = 2_000
    @Flag(help: "Also print the figures as one JSON object.") var json = false

    func validate() throws {
        guard invocations >= 1, skills >= 1, users >= 1, calls >= 1, catchUpEvents >= 0 else {
            throw ValidationError("--invocations, --skills, --users and --calls must be ≥ 1, --catch-up-events ≥ 0")
        }
        guard (1...90).contains(days) else { throw ValidationError("--days must be between 1 and 90") }
        guard rate > 0 else { throw ValidationError("--rate must be > 0") }
        guard hostileConnections >= 1, (1...16).contains(pipeline), hostileSeconds >= 1, hostileLoadRate > 0 else {
            throw ValidationError("--hostile-connections and --hostile-seconds must be ≥ 1, --pipeline 1–16 (analytics "
                                  + "answers 16 in flight per connection), --hostile-load-rate > 0")
        }
    }

    /// One row of the printed table: our figures beside the reference's (README, session-buddy §9).
    struct OpFigures {
        let op: String
        let target: String
        let reference: String
        let latency: LatencySummary
    }

    func run() async throws {
        let ingest = try await DaemonConnection.connect(options)
        let analytics = try await DaemonConnection.connect(options, service: "analytics")
        var figures: [String: JSONValue] = [:]
        if !skipLoad {
            figures = try await load(ingest: ingest, analytics: analytics)
            // The first flush after a load writes every changed baseline and pair: time the ops in steady state.
            print("waiting 5 s for analytics to write the derived tables of the load")
            try await Task.sleep(for: .seconds(5))
        }
        if hostile {
            try await runHostile(analytics)
            await ingest.close()
            await analytics.close()
            return
        }
        var results = try await timeOps(analytics)
        let names = try await skillNames(analytics)
        let models = BenchAnalyticsModels(calls: calls, users: users, runID: UInt64(UTCTimestamp.now().millisecondsSinceEpoch))
        results += try await models.timeOps(analytics, skills: names)
        // About 100,000 rows of the data set: the issue's training target.
        let trainDays = max(1, min(90, Int((100_000.0 * Double(days) / Double(invocations)).rounded())))
        let training = try await models.train(analytics, days: trainDays)
        print("")
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        print(pad("op", 34) + "   p50 ms    p99 ms  " + pad("target p99", 11) + "  session-buddy (measured, 100k rows)")
        for row in results {
            print(pad(row.op, 34) + String(format: " %8.3f  %8.3f  ", row.latency.p50, row.latency.p99)
                  + pad(row.target, 11) + "  " + row.reference)
            let key = String(row.op.map { $0.isLetter || $0.isNumber ? $0 : "_" }).replacingOccurrences(of: "__", with: "_")
            figures[key + "_p99_ms"] = .number(row.latency.p99)
            figures[key + "_p50_ms"] = .number(row.latency.p50)
        }
        print(String(format: "train_model {days: %d} through the socket: %lld rows in %.3f s (target < 2 s for 100,000); "
                     + "held-out AUC %.3f, Brier %.4f vs %.4f for the base rate; session-buddy: 19.3 s for 10,000 rows",
                     trainDays, training.report["samples"]?.intValue ?? 0, training.seconds,
                     training.report["auc"]?.doubleValue ?? .nan, training.report["brier"]?.doubleValue ?? .nan,
                     training.report["base_rate_brier"]?.doubleValue ?? .nan))
        figures["train_model_seconds"] = .number(training.seconds)
        figures["train_model_samples"] = training.report["samples"] ?? .null
        figures["train_model_auc"] = training.report["auc"] ?? .null
        print("in process (the same data set generated here; what the daemon does per request, without the socket):")
        let data = BenchAnalyticsData(invocations: invocations, skills: skills, users: users, days: days, batch: 1_000, runID: 7)
        let local = BenchAnalyticsModels.inProcess(data: data, now: UTCTimestamp.now().millisecondsSinceEpoch, calls: calls)
        print(String(format: "  generating and applying the %d rows (state and predictor, one thread): %.0f rows/s",
                     invocations, local["apply_in_process_rows_per_second"] ?? .nan))
        for op in BenchAnalyticsQueries.ops {
            print("  \(op.label): " + String(format: "p50 %.3f ms, p99 %.3f ms",
                                                  local[op.key + "_in_process_p50_ms"] ?? .nan,
                                                  local[op.key + "_in_process_p99_ms"] ?? .nan) + " (target \(op.target))")
        }
        print(String(format: "  training on %.0f rows: %.3f s (target < 2 s); held-out AUC %.3f, Brier %.4f vs %.4f",
                     local["train_rows"] ?? 0, local["train_100k_seconds"] ?? .nan, local["train_100k_auc"] ?? .nan,
                     local["train_100k_brier"] ?? .nan, local["train_100k_base_rate_brier"] ?? .nan))
        print(String(format: "  the training rows of all %d invocations (a replay in time order): %.3f s",
                     invocations, local["replay_all_rows_seconds"] ?? .nan))
        print(String(format: "  predict_success_probability: p50 %.4f ms, p99 %.4f ms (target < 0.2 ms)",
                     local["predict_in_process_p50_ms"] ?? .nan, local["predict_in_process_p99_ms"] ?? .nan))
        print(String(format: "  assign_ab_test: p50 %.4f ms, p99 %.4f ms (target < 0.1 ms)",
                     local["assign_in_process_p50_ms"] ?? .nan, local["assign_in_process_p99_ms"] ?? .nan))
        print("* over the socket every call pays the round trip (see health); the < 0.2 ms and < 0.1 ms targets are "
              + "met in process")
        for (key, value) in local { figures[key] = .number(value) }
        if catchUpEvents > 0 {
            let catchUp = try await BenchAnalyticsCatchUp(events: catchUpEvents, users: users, skills: skills)
                .run(ingest: ingest, analytics: analytics, socket: options.socketPath("ingest"),
                     database: try await databasePath(ingest))
            print(String(format: "backlog: %d invocations committed while analytics was stopped (SIGSTOP), applied "
                         + "%.3f s after SIGCONT = %.0f events/s (the rate it can follow; target 100,000)",
                         catchUpEvents, catchUp.seconds, catchUp.rate))
            figures["catch_up_seconds_backlog"] = .number(catchUp.seconds)
            figures["catch_up_events_per_second"] = .number(catchUp.rate)
        }
        await ingest.close()
        await analytics.close()
        if json { try DaemonConnection.printJSON(.object(figures)) }
    }

    /// Loads the data set at `rate` and samples analytics' backlog every 50 ms.
    private func load(ingest: WireClient, analytics: WireClient) async throws -> [String: JSONValue] {
        if let served = try? DaemonConnection.result(try await ingest.call("health"))["db"]?["path"]?.stringValue {
            print("writing \(invocations) invocations into \(served) through ingest (sessions, skills and users bench-a-*)")
        }
        let batch = 1_000
        let data = BenchAnalyticsData(invocations: invocations, skills: skills, users: users, days: days, batch: batch,
                                      runID: UInt64(UTCTimestamp.now().millisecondsSinceEpoch))
        let requests = data.requests(now: UTCTimestamp.now().millisecondsSinceEpoch - 60_000)
        let committedBefore = try DaemonConnection.result(try await ingest.call("stats"))["invocations_committed"]?.intValue ?? 0
        let appliedBefore = try DaemonConnection.result(try await analytics.call("stats"))["invocations_applied"]?.intValue ?? 0
        let analyticsPID = try DaemonConnection.result(try await analytics.call("health"))["pid"]?.intValue
        let cpuBefore = analyticsPID.flatMap { ProcessCPU.seconds(pid: Int32($0)) }
        print(String(format: "loading %d invocations over %d days, %d skills, %d users, at %.0f events/s "
                     + "(track_batch of %d, 2 connections)", invocations, days, skills, users, rate, batch))
        let connections = try (0..<2).map { _ in try PipelinedBenchConnection(path: options.socketPath("ingest")) }
        let perClient = (0..<2).map { client in stride(from: client, to: requests.count, by: 2).map { requests[$0] } }
        let start = ContinuousClock.now
        let interval = Duration.seconds(Double(batch) / rate)
        let sampling = Task { () -> (maxBacklog: Int64, samples: Int) in
            var worst: Int64 = 0
            var samples = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(50))
                guard let committed = try? DaemonConnection.result(try await ingest.call("stats"))["invocations_committed"]?.intValue,
                      let applied = try? DaemonConnection.result(try await analytics.call("stats"))["invocations_applied"]?.intValue
                else { continue }
                // Committed is read first, so the backlog is never understated.
                worst = max(worst, (committed - committedBefore) - (applied - appliedBefore))
                samples += 1
            }
            return (worst, samples)
        }
        let tally = await withTaskGroup(of: WorkerTally.self) { group in
            for (client, list) in perClient.enumerated() {
                group.addTask { await connections[client].run(list, pipeline: 8, start: start, interval: interval) }
            }
            return await group.reduce(into: WorkerTally()) { $0.merge($1) }
        }
        let loadSeconds = (ContinuousClock.now - start).seconds
        // Then the time until analytics has applied everything committed.
        let committed = try DaemonConnection.result(try await ingest.call("stats"))["invocations_committed"]?.intValue ?? 0
        let caughtUpStart = ContinuousClock.now
        while true {
            let applied = try DaemonConnection.result(try await analytics.call("stats"))["invocations_applied"]?.intValue ?? 0
            if applied - appliedBefore >= committed - committedBefore { break }
            if ContinuousClock.now - caughtUpStart > .seconds(120) { throw CLI.fail("analytics did not catch up within 120 s") }
            try await Task.sleep(for: .milliseconds(5))
        }
        let catchUp = (ContinuousClock.now - caughtUpStart).seconds
        let cpuAfter = analyticsPID.flatMap { ProcessCPU.seconds(pid: Int32($0)) }
        sampling.cancel()
        let lag = await sampling.value
        let lagSeconds = Double(lag.maxBacklog) / rate
        print(String(format: "loaded: %d events in %.2f s = %.0f events/s; %d errors", tally.ackedEvents, loadSeconds,
                     Double(tally.ackedEvents) / loadSeconds, tally.errors))
        print(String(format: "analytics lag: worst backlog %lld events (%.3f s at the load rate) over %d samples; "
                     + "caught up %.3f s after the last ack", lag.maxBacklog, lagSeconds, lag.samples, catchUp))
        if tally.errors > 0 { print("first error: \(tally.firstError ?? "")") }
        var capacity: Double?
        if let cpuBefore, let cpuAfter, cpuAfter > cpuBefore {
            // Everything analytics did during the load (apply, flushes, anomaly passes, answering the sampler),
            // per CPU second: the rate one core of its own would sustain.
            capacity = Double(tally.ackedEvents) / (cpuAfter - cpuBefore)
            print(String(format: "analytics used %.2f CPU s for %d events: %.0f events per CPU second "
                         + "(what it keeps up with on one core of its own)", cpuAfter - cpuBefore, tally.ackedEvents,
                         capacity!))
        }
        return ["analytics_events_per_cpu_second": capacity.map { .number($0) } ?? .null,"loaded_events": .integer(Int64(tally.ackedEvents)), "load_seconds": .number(loadSeconds),
                "max_backlog_events": .integer(lag.maxBacklog), "max_lag_seconds": .number(lagSeconds),
                "catch_up_seconds": .number(catchUp)]
    }

    /// The `--hostile` run and its printed figures.
    private func runHostile(_ analytics: WireClient) async throws {
        let names = try await skillNames(analytics)
        let skillCount = try DaemonConnection.result(try await analytics.call("stats"))["skills"]?.intValue ?? 0
        print("hostile: \(hostileConnections) connections × \(pipeline) in flight, the most expensive valid request of "
              + "every op, \(hostileSeconds) s, at \(skillCount) skills, ingest loaded at "
              + String(format: "%.0f", hostileLoadRate) + " invocations/s")
        let run = BenchAnalyticsHostile(connections: hostileConnections, pipeline: pipeline,
                                        duration: .seconds(hostileSeconds), loadRate: hostileLoadRate, users: users,
                                        ingestPath: options.socketPath("ingest"), analyticsPath: options.socketPath("analytics"))
        let figures = try await run.run(skills: names)
        func pad(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0) }
        print(pad("hostile op", 34) + " answered errors   p50 ms    max ms")
        for (op, row) in figures.hostile.sorted(by: { $0.key < $1.key }) {
            print(pad(op, 34) + String(format: " %8d %6d %8.2f %9.2f", row.answered, row.errors, row.latency.p50, row.latency.max))
        }
        if let first = figures.firstHostileError { print("first hostile error: \(first)") }
        let health = figures.health, realTime = figures.realTime, lag = figures.lagSeconds
        print(String(format: "health (own connection, every 10 ms): p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d "
                     + "(target p99 < 5 ms)", health.p50, health.p99, health.max, health.count))
        print(String(format: "get_real_time_metrics {limit 10, 1 h} (own connection, every 10 ms): p50 %.2f ms, p99 %.2f ms, "
                     + "max %.2f ms over %d (target p99 < 10 ms)", realTime.p50, realTime.p99, realTime.max, realTime.count))
        print(String(format: "analytics behind ingest (ack → applied, per batch): p50 %.3f s, p99 %.3f s, max %.3f s over %d "
                     + "batches, %d invocations in %.1f s (target ≤ 1 s)", lag.p50, lag.p99, lag.max, lag.count,
                     figures.loadedEvents, figures.seconds))
        if figures.unappliedBatches > 0 {
            print("\(figures.unappliedBatches) acknowledged batches were not applied by analytics within 1 s of the end")
        }
        if json {
            try DaemonConnection.printJSON(.object([
                "health_p50_ms": .number(health.p50), "health_p99_ms": .number(health.p99), "health_max_ms": .number(health.max),
                "real_time_p50_ms": .number(realTime.p50), "real_time_p99_ms": .number(realTime.p99),
                "real_time_max_ms": .number(realTime.max), "lag_p99_seconds": .number(lag.p99),
                "lag_max_seconds": .number(lag.max), "unapplied_batches": .integer(Int64(figures.unappliedBatches)),
                "hostile_answered": .integer(Int64(figures.hostile.values.reduce(0) { $0 + $1.answered })),
                "hostile_errors": .integer(Int64(figures.hostile.values.reduce(0) { $0 + $1.errors })),
            ]))
        }
    }

    /// Calls each op `calls` times on one connection and summarises the round trips.
    private func databasePath(_ ingest: WireClient) async throws -> String {
        guard let path = try DaemonConnection.result(try await ingest.call("health"))["db"]?["path"]?.stringValue else {
            throw CLI.fail("ingest's health names no database")
        }
        return path
    }

    private func skillNames(_ analytics: WireClient) async throws -> [String] {
        let top = try DaemonConnection.result(try await analytics.call("get_real_time_metrics", params: ["limit": 1000,
                                                                                                       "time_window_hours": 2160]))
        let names = top["top_skills"]?.arrayValue?.compactMap { $0["skill_name"]?.stringValue } ?? []
        guard !names.isEmpty else { throw CLI.fail("analytics knows no skills: load data first") }
        return names
    }

    private func timeOps(_ analytics: WireClient) async throws -> [OpFigures] {
        let names = try await skillNames(analytics)
        var random = SplitMix64(seed: 7)
        let plan: [(String, String, String, () -> JSONValue)] = [
            ("get_real_time_metrics", "< 2 ms", "152 ms (134 ms)", { ["limit": 10, "time_window_hours": 1] }),
            ("detect_anomalies", "< 20 ms", "559 ms with its SQL fixed; as shipped 0.11 ms, always []",
             { ["threshold": 2, "time_window_hours": 24] }),
            ("get_skill_trend", "< 5 ms", "4.2 ms", { ["skill_name": .string(names[Int(random.next() % UInt64(names.count))]), "days": 7] }),
            ("get_community_baselines", "< 5 ms", "0.17 ms read; 288 ms update, never committed", { ["limit": 20] }),
            ("get_skill_dependencies", "< 5 ms", "333 s recompute per call; always empty",
             { ["skill_name": .string(names[Int(random.next() % UInt64(names.count))]), "min_lift": 1.5] }),
            ("get_skill_metrics", "—", "—", { ["skill_name": .string(names[Int(random.next() % UInt64(names.count))])] }),
        ]
        var results: [OpFigures] = []
        for (op, target, reference, params) in plan {
            var samples: [Double] = []
            samples.reserveCapacity(calls)
            for _ in 0..<calls {
                let arguments = params()
                let started = ContinuousClock.now
                _ = try DaemonConnection.result(try await analytics.call(op, params: arguments))
                samples.append((ContinuousClock.now - started).milliseconds)
            }
            results.append(OpFigures(op: op, target: target, reference: reference, latency: LatencySummary(samples: samples)))
        }
        return results
    }
}
