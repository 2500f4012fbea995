import ArgumentParser
import SkillPulseAnalyticsService
import SkillPulseDaemon

/// `analytics`: live statistics over the invocation log, on analytics.sock.
@main
struct AnalyticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract: "Answers metrics, anomalies, trends, baselines, dependencies, predictions, A/B tests, recommendations and "
            + "skill clusters on analytics.sock.",
        discussion: "Rebuilds its state from the database at start, then follows ingest's event stream. See docs/analytics.md.")

    @OptionGroup var options: DaemonOptions

    @Option(name: .customLong("anomaly-interval"), help: "Seconds between background anomaly passes.")
    var anomalyInterval: Double = 60

    @Option(name: .customLong("flush-interval"), help: "Seconds between writes of changed baselines and dependencies.")
    var flushInterval: Double = 2

    @Option(name: .customLong("flush-max-pairs"),
            help: "Changed dependency pairs written per flush at most (the rest wait for the next flush).")
    var flushMaxPairs = 20_000

    @Option(name: .customLong("min-co-occurrence"), help: "Sessions two skills must share to count as a dependency.")
    var minCoOccurrence = 3

    @Option(name: .customLong("anomaly-min-samples"), help: "Invocations the observed hour needs before it can alert.")
    var anomalyMinSamples = 10

    @Option(name: .customLong("anomaly-threshold"),
            help: "Score the background pass records an anomaly at (2: a 1-in-100 chance per pass for a steady skill; 3: 1 in 1000).")
    var anomalyThreshold = 2.0

    @Option(name: .customLong("anomaly-method"),
            help: "How the background pass forms baselines: zscore (every hour) or mad (outlying hours left out).")
    var anomalyMethod = "zscore"

    @Option(name: .customLong("trend-min-change"),
            help: "Relative change (0.1 = 10 %) a significant trend also needs to be improving or declining.")
    var trendMinChange = 0.1

    @Option(name: .customLong("train-interval"), help: "Seconds between retrainings of the success model.")
    var trainInterval: Double = 3600

    @Option(name: .customLong("train-days"), help: "Days of history the background training uses (1–90).")
    var trainDays = 30

    @Option(name: .customLong("cluster-interval"), help: "Seconds between recomputations of the skill clusters.")
    var clusterInterval: Double = 300

    func validate() throws {
        guard trainInterval >= 1, trainInterval <= 604_800 else {
            throw ValidationError("--train-interval must be between 1 and 604800 seconds")
        }
        guard (1...90).contains(trainDays) else { throw ValidationError("--train-days must be between 1 and 90") }
        guard clusterInterval >= 1, clusterInterval <= 86_400 else {
            throw ValidationError("--cluster-interval must be between 1 and 86400 seconds")
        }
        guard anomalyInterval >= 1, anomalyInterval <= 86_400 else {
            throw ValidationError("--anomaly-interval must be between 1 and 86400 seconds")
        }
        guard flushInterval >= 0.1, flushInterval <= 3600 else {
            throw ValidationError("--flush-interval must be between 0.1 and 3600 seconds")
        }
        guard (100...1_000_000).contains(flushMaxPairs) else {
            throw ValidationError("--flush-max-pairs must be between 100 and 1000000")
        }
        guard minCoOccurrence >= 1 else { throw ValidationError("--min-co-occurrence must be at least 1") }
        guard anomalyMinSamples >= 1 else { throw ValidationError("--anomaly-min-samples must be at least 1") }
        guard anomalyThreshold > 0, anomalyThreshold <= AnalyticsSettings.maximumAnomalyThreshold else {
            throw ValidationError("--anomaly-threshold must be a number above 0 and at most "
                                  + "\(Int(AnalyticsSettings.maximumAnomalyThreshold)) (got \(anomalyThreshold))")
        }
        guard AnalyticsSettings.anomalyMethodNames.contains(anomalyMethod) else {
            throw ValidationError("--anomaly-method must be one of "
                                  + AnalyticsSettings.anomalyMethodNames.joined(separator: ", ")
                                  + " (got \"\(anomalyMethod.prefix(64))\")")
        }
        guard trendMinChange >= 0, trendMinChange.isFinite else {
            throw ValidationError("--trend-min-change must be a number ≥ 0")
        }
    }

    func run() async throws {
        var settings = AnalyticsSettings()
        settings.anomalyInterval = .milliseconds(Int64(anomalyInterval * 1000))
        settings.flushInterval = .milliseconds(Int64(flushInterval * 1000))
        settings.flushMaxPairs = flushMaxPairs
        settings.minimumCoOccurrence = minCoOccurrence
        settings.anomalyMinimumSamples = anomalyMinSamples
        settings.anomalyThreshold = anomalyThreshold
        settings.chooseAnomalyMethod(named: anomalyMethod)
        settings.trendMinimumChange = trendMinChange
        settings.trainInterval = .milliseconds(Int64(trainInterval * 1000))
        settings.trainDays = trainDays
        settings.clusterInterval = .milliseconds(Int64(clusterInterval * 1000))
        let chosen = settings
        try await DaemonMain.run(service: AnalyticsDaemon.service, options: options) { runtime in
            try await AnalyticsDaemon.run(options: options, settings: chosen, runtime: runtime)
        }
    }
}
