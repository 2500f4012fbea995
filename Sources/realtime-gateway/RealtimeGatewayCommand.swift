import ArgumentParser
import SkillPulseDaemon

/// `realtime-gateway`: Pushes live metrics to dashboards over WebSocket.
///
/// Its own features arrive with their issue; until then it checks the schema, answers `health` on
/// realtime-gateway.sock, reports to systemd and drains on SIGTERM.
@main
struct RealtimeGatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "realtime-gateway", abstract: "Pushes live metrics to dashboards over WebSocket.")

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        try await HealthOnlyDaemon.main(service: "realtime-gateway", options: options)
    }
}
