import ArgumentParser
import SkillPulseDaemon

/// `metrics-exporter`: Exports SkillPulse metrics for Prometheus.
///
/// Its own features arrive with their issue; until then it checks the schema, answers `health` on
/// metrics-exporter.sock, reports to systemd and drains on SIGTERM.
@main
struct MetricsExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "metrics-exporter", abstract: "Exports SkillPulse metrics for Prometheus.")

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        try await HealthOnlyDaemon.main(service: "metrics-exporter", options: options)
    }
}
