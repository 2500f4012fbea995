import ArgumentParser
import SkillPulseAnalyticsService
import SkillPulseDaemon

/// `analytics`: live statistics over the invocation log, on analytics.sock.
@main
struct AnalyticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract: "Answers real-time metrics, anomalies, trends, baselines and dependencies on analytics.sock.",
        discussion: "Rebuilds its state from the database at start, then follows ingest's event stream. See docs/analytics.md.")

    @OptionGroup var options: DaemonOptions

    @Option(name: .customLong("anomaly-interval"), help: "Seconds between background anomaly passes.")
    var anomalyInterval: Double = 60

    @Option(name: .customLong("flush-interval"), help: "Seconds between writes of changed baselines and dependencies.")
    var flushInterval: Double = 2

    @Option(name: .customLong("min-co-occurrence"), help: "Sessions two skills must share to count as a dependency.")
    var minCoOccurrence = 3

    @Option(name: .customLong("anomaly-min-samples"), help: "Invocations the observed hour needs before it can alert.")
    var anomalyMinSamples = 10

    @Option(name: .customLong("trend-min-change"),
            help: "Relative change (0.1 = 10 %) a significant trend also needs to be improving or declining.")
    var trendMinChange = 0.1

    func validate() throws {
        guard anomalyInterval >= 1, anomalyInterval <= 86_400 else {
            throw ValidationError("--anomaly-interval must be between 1 and 86400 seconds")
        }
        guard flushInterval >= 0.1, flushInterval <= 3600 else {
            throw ValidationError("--flush-interval must be between 0.1 and 3600 seconds")
        }
        guard minCoOccurrence >= 1 else { throw ValidationError("--min-co-occurrence must be at least 1") }
        guard anomalyMinSamples >= 1 else { throw ValidationError("--anomaly-min-samples must be at least 1") }
        guard trendMinChange >= 0, trendMinChange.isFinite else {
            throw ValidationError("--trend-min-change must be a number ≥ 0")
        }
    }

    func run() async throws {
        var settings = AnalyticsSettings()
        settings.anomalyInterval = .milliseconds(Int64(anomalyInterval * 1000))
        settings.flushInterval = .milliseconds(Int64(flushInterval * 1000))
        settings.minimumCoOccurrence = minCoOccurrence
        settings.anomalyMinimumSamples = anomalyMinSamples
        settings.trendMinimumChange = trendMinChange
        let chosen = settings
        try await DaemonMain.run(service: AnalyticsDaemon.service, options: options) { runtime in
            try await AnalyticsDaemon.run(options: options, settings: chosen, runtime: runtime)
        }
    }
}
