import Synchronization

/// What a handler may remember about the connection a request came on: today, the event stream it
/// started, so that a second `subscribe` on the same connection extends that stream instead of doubling
/// every event.
public final class WireConnection: Sendable {
    private let stream = Mutex<(any WireEventSource)?>(nil)

    public init() {}

    /// The stream this connection already carries, or nil.
    public var eventSource: (any WireEventSource)? { stream.withLock { $0 } }

    /// Records `source` as this connection's stream unless it has one; returns the one it carries.
    public func adopt(_ source: any WireEventSource) -> any WireEventSource {
        stream.withLock { current in
            if let current { return current }
            current = source
            return source
        }
    }
}
