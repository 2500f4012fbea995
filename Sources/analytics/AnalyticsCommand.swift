import ArgumentParser
import SkillPulseDaemon

/// `analytics`: Derives analytics (trends, anomalies, baselines) from the invocation log.
///
/// Its own features arrive with their issue; until then it checks the schema, answers `health` on
/// analytics.sock, reports to systemd and drains on SIGTERM.
@main
struct AnalyticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "analytics", abstract: "Derives analytics (trends, anomalies, baselines) from the invocation log.")

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        try await HealthOnlyDaemon.main(service: "analytics", options: options)
    }
}
