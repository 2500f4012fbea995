import NIOCore

/// What a handler answers: a result, an error, or a result followed by a stream of event frames.
public enum WireOutcome: Sendable {
    case result(any Encodable & Sendable)
    case failure(WireError)
    /// The reply is sent first; then every frame of `events` until the stream ends or the peer leaves. The
    /// connection stays open for the stream after the peer half-closes its side (it may have nothing more to
    /// ask), and while the server drains, until the stream ends or the drain timeout.
    case stream(result: any Encodable & Sendable, events: any WireEventSource)
}

/// A reply that is ready now or will be once some work (a commit, a query) finishes.
public enum PendingOutcome: Sendable {
    case ready(WireOutcome)
    case later(@Sendable () async -> WireOutcome)
}

/// A daemon's request handling.
///
/// `handle` is called synchronously, in request order, for each request of a connection: whatever it starts
/// (e.g. queueing a write) therefore starts in the order the client sent it. It must not block; slow work
/// goes into `.later`, which the server awaits concurrently while it keeps reading, and replies are
/// written in request order.
public protocol WireHandler: Sendable {
    associatedtype Operation: WireOperation
    func handle(_ operation: Operation) -> PendingOutcome
    /// The same, for handlers whose answer depends on the connection (e.g. a second `subscribe`).
    func handle(_ operation: Operation, on connection: WireConnection) -> PendingOutcome
}

extension WireHandler {
    public func handle(_ operation: Operation, on connection: WireConnection) -> PendingOutcome {
        handle(operation)
    }
}
