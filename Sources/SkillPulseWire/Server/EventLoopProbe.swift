import NIOCore
import NIOPosix

/// Runs a no-op on every event loop that serves connections: a loop stuck in a blocking call stops
/// answering, and liveness probes use this to notice.
public enum EventLoopProbe {
    public static func check() async throws {
        for loop in MultiThreadedEventLoopGroup.singleton.makeIterator() {
            try await loop.submit {}.get()
        }
    }
}
