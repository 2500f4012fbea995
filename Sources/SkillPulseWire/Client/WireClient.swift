import Foundation
import NIOCore
import NIOFoundationCompat
import NIOPosix
import Synchronization

/// A reply as a client sees it: the echoed id and either a result or an error.
public struct WireResponse: Sendable {
    public let id: RequestID
    public let result: Result<JSONValue, WireError>

    /// The result, or the server's error thrown.
    public func get() throws -> JSONValue { try result.get() }
}

/// An event frame pushed after `subscribe`.
public struct WireEvent: Sendable {
    public let name: String
    /// The parsed `data`; `.null` when the client hands frames over raw (`payload`).
    public let data: JSONValue
    /// The whole frame, for clients connected with `rawEvents`: they decode the fields they need themselves.
    public let payload: ByteBuffer?

    public init(name: String, data: JSONValue, payload: ByteBuffer? = nil) {
        self.name = name
        self.data = data
        self.payload = payload
    }
}

/// Errors of the client's own, as opposed to errors the server replied with.
public enum WireClientError: Error, CustomStringConvertible {
    case connectionClosed
    case malformedReply(String)

    public var description: String {
        switch self {
        case .connectionClosed: return "the server closed the connection"
        case .malformedReply(let why): return "malformed reply: \(why)"
        }
    }
}

/// A protocol client over a Unix socket: pipelined calls (replies matched in order), events as a stream.
public final class WireClient: Sendable {
    private struct State {
        var pending: [CheckedContinuation<WireResponse, any Error>] = []
        var pendingHead = 0
        var closed = false
        var nextID: Int64 = 0
    }

    private let channel: Channel
    private let state: Mutex<State>
    public let events: AsyncStream<WireEvent>
    private let eventSink: AsyncStream<WireEvent>.Continuation

    private let rawEvents: Bool

    private init(channel: Channel, events: AsyncStream<WireEvent>,
                 eventSink: AsyncStream<WireEvent>.Continuation, rawEvents: Bool) {
        self.rawEvents = rawEvents
        self.channel = channel
        self.state = Mutex(State())
        self.events = events
        self.eventSink = eventSink
    }

    /// With `rawEvents`, event frames are not parsed: each `WireEvent` carries its name and the raw `payload`
    /// (a follower of ingest's stream reads 100,000 a second and needs a few fields of each).
    public static func connect(path: String, maxFrameLength: Int = 64 << 20, rawEvents: Bool = false) async throws
        -> WireClient
    {
        let (events, sink) = AsyncStream.makeStream(of: WireEvent.self, bufferingPolicy: .unbounded)
        let router = ReplyRouter(eventSink: sink)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(FrameDecoder(maxFrameLength: maxFrameLength)))
                    try channel.pipeline.syncOperations.addHandler(router)
                }
            }
            .connect(unixDomainSocketPath: path).get()
        let client = WireClient(channel: channel, events: events, eventSink: sink, rawEvents: rawEvents)
        router.client.withLock { $0 = client }
        // The server may have closed before the router knew its client: then nobody would fail later calls.
        if !channel.isActive { client.failAll(WireClientError.connectionClosed) }
        return client
    }

    /// Sends `{"id", "op", "params"}` and waits for its reply.
    public func call(_ op: String, params: JSONValue? = nil) async throws -> WireResponse {
        var object: [String: JSONValue] = ["op": .string(op)]
        if let params { object["params"] = params }
        return try await send(object: object)
    }

    /// Sends a request object, adding a fresh integer id when it has none.
    public func send(object: [String: JSONValue]) async throws -> WireResponse {
        var object = object
        if object["id"] == nil {
            object["id"] = .integer(state.withLock { state in
                state.nextID += 1
                return state.nextID
            })
        }
        let payload = try JSONEncoder().encode(JSONValue.object(object))
        return try await sendFrame(WireFrame.make(payload: payload))
    }

    /// Sends an already-encoded payload as one frame.
    public func send(payload: some Sequence<UInt8>) async throws -> WireResponse {
        try await sendFrame(WireFrame.make(payload: payload))
    }

    /// Sends raw bytes (which may be a malformed frame) and waits for the one reply they provoke.
    public func sendFrame(_ bytes: ByteBuffer) async throws -> WireResponse {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = state.withLock { state -> Bool in
                guard !state.closed else { return false }
                state.pending.append(continuation)
                // Written under the lock so the order of writes is the order of `pending`.
                channel.writeAndFlush(bytes, promise: nil)
                return true
            }
            if !accepted { continuation.resume(throwing: WireClientError.connectionClosed) }
        }
    }

    /// Writes bytes that expect no reply (e.g. a truncated frame before closing).
    public func write(raw bytes: ByteBuffer) async throws {
        try await channel.writeAndFlush(bytes)
    }

    public func close() async {
        try? await channel.close()
    }

    fileprivate func deliver(_ payload: ByteBuffer) {
        if rawEvents, let name = Self.eventName(payload) {
            eventSink.yield(WireEvent(name: name, data: .null, payload: payload))
            return
        }
        // The compact parser first: a follower of ingest's stream reads 100,000 events a second, and
        // JSONDecoder costs several times more per frame. It declines what it does not handle (non-ASCII).
        let value = payload.withUnsafeReadableBytes(CompactJSONParser.parse)
            ?? (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: payload)))
        guard let value, case .object(let object) = value
        else {
            failAll(WireClientError.malformedReply("not a JSON object"))
            return
        }
        if let event = object["event"]?.stringValue {
            eventSink.yield(WireEvent(name: event, data: object["data"] ?? .null))
            return
        }
        let id = (try? JSONDecoder().decode(RequestID.self, from: JSONEncoder().encode(object["id"] ?? .null))) ?? .null
        let response: WireResponse
        if object["ok"]?.boolValue == true {
            response = WireResponse(id: id, result: .success(object["result"] ?? .null))
        } else {
            let error = object["error"]
            let code = error?["code"]?.stringValue.flatMap(WireErrorCode.init(rawValue:)) ?? .internal
            response = WireResponse(
                id: id, result: .failure(WireError(code, error?["message"]?.stringValue ?? "no message")))
        }
        let continuation = state.withLock { state -> CheckedContinuation<WireResponse, any Error>? in
            guard state.pendingHead < state.pending.count else { return nil }
            let next = state.pending[state.pendingHead]
            state.pendingHead += 1
            if state.pendingHead > 1024, state.pendingHead * 2 > state.pending.count {
                state.pending.removeFirst(state.pendingHead)
                state.pendingHead = 0
            }
            return next
        }
        continuation?.resume(returning: response)
    }

    /// The name of an event frame as servers write it (`{"event":"NAME",…`), or nil for anything else
    /// (replies, or an event written another way, which then goes through the full parser).
    static func eventName(_ payload: ByteBuffer) -> String? {
        let prefix = #"{"event":""#.utf8
        guard payload.readableBytes > prefix.count,
              payload.readableBytesView.prefix(prefix.count).elementsEqual(prefix) else { return nil }
        let rest = payload.readableBytesView.dropFirst(prefix.count)
        guard let end = rest.firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        let name = rest[rest.startIndex..<end]
        guard name.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) else { return nil }
        return String(decoding: name, as: UTF8.self)
    }

    fileprivate func failAll(_ error: any Error) {
        let waiting = state.withLock { state -> ArraySlice<CheckedContinuation<WireResponse, any Error>> in
            state.closed = true
            defer { state.pending = []; state.pendingHead = 0 }
            return state.pending[state.pendingHead...]
        }
        waiting.forEach { $0.resume(throwing: error) }
        eventSink.finish()
    }
}

/// Routes decoded frames to the client; lives on the channel's event loop.
private final class ReplyRouter: ChannelInboundHandler, Sendable {
    typealias InboundIn = InboundFrame

    let client = Mutex<WireClient?>(nil)
    let eventSink: AsyncStream<WireEvent>.Continuation

    init(eventSink: AsyncStream<WireEvent>.Continuation) {
        self.eventSink = eventSink
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .payload(let payload):
            client.withLock { $0 }?.deliver(payload)
        case .invalid(let error):
            client.withLock { $0 }?.failAll(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        client.withLock { $0 }?.failAll(WireClientError.connectionClosed)
        eventSink.finish()
        context.fireChannelInactive()
    }
}
