import ServiceLifecycle
import SkillPulseWire

/// Runs a `WireServer` in a `ServiceGroup`; graceful shutdown makes it drain instead of dropping peers.
public struct WireServerService<Handler: WireHandler>: Service {
    public let server: WireServer<Handler>

    public init(server: WireServer<Handler>) {
        self.server = server
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            server.beginDraining()
        }
    }
}
