import NIOCore

/// The event frames a connection sends after a streaming reply (`subscribe`).
///
/// The server calls `next()` from one task until it returns no frames (the stream ended: everything was
/// sent), and calls `cancel()` once when the connection is done with it, whether the stream ended, the peer
/// left or the server gave up on a peer that does not read. `next()` returns every frame that is ready (at
/// least one; one socket write for all of them, not one per event) and returns none promptly when its task
/// is cancelled.
public protocol WireEventSource: Sendable {
    func next() async -> [ByteBuffer]
    func cancel()
}
