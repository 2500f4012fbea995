import ArgumentParser
import Foundation
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire
import Synchronization

/// `skillpulse bench …`
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure a running daemon.", subcommands: [BenchIngestCommand.self, BenchStoreCommand.self, BenchWriterCommand.self,
                                                                         BenchAnalyticsCommand.self])
}

/// `skillpulse bench ingest`: drives a running ingest and prints throughput and ack latency.
struct BenchIngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Send N events from C pipelining clients; print events/s and p50/p99/max ack latency.")

    @OptionGroup var options: CLIOptions
    @Option(help: "Concurrent client connections.") var clients = 4
    @Option(help: "Events to send in total.") var events = 100_000
    @Option(help: "Events per request: 1 sends track_invocation, more sends track_batch.") var batch = 1
    @Option(help: "Requests each client keeps in flight (pipelining depth).") var pipeline = 64
    @Option(help: "Target events/s across all clients (default: as fast as possible).") var rate: Double?
    @Option(help: "Distinct skills in the generated events.") var skills = 100
    @Option(help: "Distinct sessions in the generated events.") var sessions = 50
    @Flag(help: "Also print the figures as one JSON object.") var json = false
    @Flag(name: .customLong("with-reader"),
          help: "Beside the load, open, read and close a read-only connection to ingest's database every 10 ms.")
    var withReader = false
    @Option(name: .customLong("with-writer"),
            help: "Beside the load, commit one small derived-table transaction every N ms (as analytics does).")
    var withWriterMs: Double?
    @Option(help: "Subscribers to `invocation` events reading at full speed during the load; prints the fraction each received and the gaps announced with `lagged`.")
    var subscribers = 0
    @Option(name: .customLong("idle-subscribers"),
            help: "Subscribers that never read their events (a stuck dashboard), to measure what they cost ingest.")
    var idleSubscribers = 0

    func validate() throws {
        guard clients >= 1, events >= 1, batch >= 1, pipeline >= 1, skills >= 1, sessions >= 1 else {
            throw ValidationError("--clients, --events, --batch, --pipeline, --skills and --sessions must be ≥ 1")
        }
        guard batch <= 10_000 else { throw ValidationError("--batch must be at most 10000 (track_batch's limit)") }
        if let rate, rate <= 0 { throw ValidationError("--rate must be > 0") }
        guard subscribers >= 0, idleSubscribers >= 0, subscribers + idleSubscribers <= 64 else {
            throw ValidationError("--subscribers and --idle-subscribers must be 0…64 in total")
        }
        if let withWriterMs, withWriterMs < 0 || withWriterMs > 60_000 {
            throw ValidationError("--with-writer must be 0…60000 ms")
        }
    }

    func run() async throws {
        // Stats go over a connection of their own; the measured traffic uses lean blocking sockets.
        let control = try await DaemonConnection.connect(options)
        let before = try DaemonConnection.result(try await control.call("stats"))
        // Say where the rows go: the bench writes real rows through the live daemon.
        if let served = try? DaemonConnection.result(try await control.call("health"))["db"]?["path"]?.stringValue {
            print("writing into \(served) through ingest: sessions bench-<run>-*, users bench-user-*, skills "
                  + "bench-skill-* (run it against a scratch database to keep them out of your figures)")
        }
        var beside: BesideIngestLoad?
        if withReader || withWriterMs != nil {
            // The file ingest itself reports, whatever this command's --db says.
            let health = try DaemonConnection.result(try await control.call("health"))
            guard let path = health["db"]?["path"]?.stringValue else { throw CLI.fail("ingest's health names no database") }
            let load = try CLI.run { try BesideIngestLoad(path: path, tag: "\(getpid())", withWriter: withWriterMs != nil) }
            if withReader { load.startReader() }
            if let withWriterMs { load.startWriter(interval: .microseconds(Int64(withWriterMs * 1000))) }
            print("beside the load: " + [withReader ? "a reader opening connections to \(path)" : nil,
                                         withWriterMs.map { String(format: "a writer committing every %.1f ms", $0) }]
                .compactMap { $0 }.joined(separator: ", "))
            beside = load
        }
        let requests = makeRequests()
        let perClient = (0..<clients).map { client in
            stride(from: client, to: requests.count, by: clients).map { requests[$0] }
        }
        print("bench ingest: \(events) events, \(requests.count) requests (\(batch == 1 ? "track_invocation" : "track_batch of \(batch)")), "
              + "\(clients) clients × \(pipeline) in flight" + (rate.map { String(format: ", steady %.0f events/s", $0) } ?? ""))

        let listeners = try CLI.run {
            try (0..<(subscribers + idleSubscribers)).map { index in
                try BenchSubscriber(path: options.socketPath("ingest"), reading: index < subscribers)
            }
        }
        listeners.forEach { $0.start() }
        if !listeners.isEmpty {
            print("subscribers: \(subscribers) reading at full speed, \(idleSubscribers) never reading")
            // Let ingest register them before the load starts.
            try await Task.sleep(for: .milliseconds(100))
        }

        let benchConnections = try (0..<clients).map { _ in
            try PipelinedBenchConnection(path: options.socketPath("ingest"))
        }
        let start = ContinuousClock.now
        let requestInterval = rate.map { Duration.seconds(Double(batch) / $0) }
        let outcome = await withTaskGroup(of: WorkerTally.self) { group in
            for (client, list) in perClient.enumerated() {
                group.addTask {
                    await benchConnections[client].run(list, pipeline: pipeline, start: start, interval: requestInterval)
                }
            }
            return await group.reduce(into: WorkerTally()) { $0.merge($1) }
        }
        let elapsed = (ContinuousClock.now - start)
        let seconds = elapsed.seconds
        let besideFigures = await beside?.stop(readerStarted: withReader)
        let after = try DaemonConnection.result(try await control.call("stats"))
        await control.close()

        let latency = LatencySummary(samples: outcome.latenciesMs)
        let eventsPerSecond = Double(outcome.ackedEvents) / seconds
        let transactions = (after["transactions_committed"]?.intValue ?? 0) - (before["transactions_committed"]?.intValue ?? 0)
        print(String(format: "acknowledged: %d events in %.3f s = %.0f events/s (%.0f requests/s)",
                     outcome.ackedEvents, seconds, eventsPerSecond, Double(outcome.ackedRequests) / seconds))
        print(String(format: "ack latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f  mean %.3f",
                     latency.p50, latency.p90, latency.p99, latency.max, latency.mean))
        if !outcome.sendLagMs.isEmpty {
            let lag = LatencySummary(samples: outcome.sendLagMs)
            print(String(format: "client send lag ms (sent after its scheduled time): p50 %.3f  p99 %.3f  max %.3f",
                         lag.p50, lag.p99, lag.max))
        }
        let busy = (after["writer_busy_seconds"]?.doubleValue ?? 0) - (before["writer_busy_seconds"]?.doubleValue ?? 0)
        print(String(format: "server writer busy: %.2f s of %.2f s (%.0f%%)", busy, seconds, 100 * busy / seconds))
        print("server transactions: \(transactions)"
              + (transactions > 0 ? String(format: " (%.1f events per commit)", Double(outcome.ackedEvents) / Double(transactions)) : ""))
        if outcome.errors > 0 {
            print("errors: \(outcome.errors) requests failed; first: \(outcome.firstError ?? "")")
        }
        if let besideFigures { for line in BesideIngestLoad.report(besideFigures, seconds: seconds) { print(line) } }
        var worstFraction = 1.0
        var unaccounted = 0
        for (index, listener) in listeners.enumerated() where listener.reading {
            let figures = await listener.finish(expected: outcome.ackedEvents)
            let fraction = outcome.ackedEvents > 0 ? Double(figures.delivered) / Double(outcome.ackedEvents) : 1
            worstFraction = min(worstFraction, fraction)
            unaccounted += max(0, outcome.ackedEvents - figures.accounted)
            print(String(format: "subscriber %d: delivered %d of %d events (%.2f%%), %d announced missing in %d lagged "
                         + "events, %d unaccounted", index + 1, figures.delivered, outcome.ackedEvents, 100 * fraction,
                         figures.announcedMissing, figures.laggedEvents, max(0, outcome.ackedEvents - figures.accounted)))
        }
        if json {
            try DaemonConnection.printJSON(.object([
                "events": .integer(Int64(outcome.ackedEvents)), "seconds": .number(seconds),
                "events_per_second": .number(eventsPerSecond),
                "p50_ms": .number(latency.p50), "p99_ms": .number(latency.p99), "max_ms": .number(latency.max),
                "errors": .integer(Int64(outcome.errors)), "transactions": .integer(transactions),
                "beside_reader_connections": .integer(Int64(besideFigures?.readerConnections ?? 0)),
                "beside_writer_commits": .integer(Int64(besideFigures?.writerCommits ?? 0)),
                "beside_errors": .integer(Int64((besideFigures?.readerErrors ?? 0) + (besideFigures?.writerErrors ?? 0))),
                "subscribers_min_delivered_fraction": .number(worstFraction),
                "subscribers_unaccounted": .integer(Int64(unaccounted)),
            ]))
        }
        if outcome.errors > 0 || (besideFigures?.readerErrors ?? 0) + (besideFigures?.writerErrors ?? 0) > 0
            || unaccounted > 0
        {
            throw ExitCode(1)
        }
    }

    /// Pre-encodes every request so the timed part measures the daemon, not our JSON encoder.
    private func makeRequests() -> [BenchRequest] {
        let runID = UInt64(UTCTimestamp.now().millisecondsSinceEpoch)
        var generator = SplitMix64(seed: runID)
        var requests: [BenchRequest] = []
        var produced = 0
        var index = 0
        while produced < events {
            let count = min(batch, events - produced)
            var items: [String] = []
            items.reserveCapacity(count)
            for _ in 0..<count {
                let skill = Int(generator.next() % UInt64(skills))
                let session = Int(generator.next() % UInt64(sessions))
                let completed = generator.next() % 10 < 8
                let duration = Double(generator.next() % 5000) / 1000
                items.append(#"{"session_id":"bench-\#(runID)-\#(session)","skill_name":"bench-skill-\#(skill)","completed":\#(completed),"duration_seconds":\#(duration),"workflow_phase":"execution","user_id":"bench-user-\#(session % 7)"}"#)
                produced += 1
            }
            let payload = batch == 1
                ? #"{"id":\#(index),"op":"track_invocation","params":\#(items[0])}"#
                : #"{"id":\#(index),"op":"track_batch","params":{"invocations":[\#(items.joined(separator: ","))]}}"#
            requests.append(BenchRequest(frame: WireFrame.bytes(payload: Array(payload.utf8)), events: count, sequence: index))
            index += 1
        }
        return requests
    }
}

struct BenchRequest: Sendable {
    /// The whole frame: length prefix and payload.
    let frame: [UInt8]
    let events: Int
    let sequence: Int
}

struct WorkerTally: Sendable {
    var ackedEvents = 0
    var ackedRequests = 0
    var errors = 0
    var firstError: String?
    var latenciesMs: [Double] = []
    var sendLagMs: [Double] = []

    mutating func merge(_ other: WorkerTally) {
        ackedEvents += other.ackedEvents
        ackedRequests += other.ackedRequests
        errors += other.errors
        firstError = firstError ?? other.firstError
        latenciesMs.append(contentsOf: other.latenciesMs)
        sendLagMs.append(contentsOf: other.sendLagMs)
    }
}
