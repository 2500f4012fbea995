import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOPosix
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Limits that protect a server from its peers.
public struct WireServerConfiguration: Sendable {
    public var maxFrameLength: Int
    /// Requests one connection may have decoded but not yet answered; past it the socket is not read.
    public var maxInFlightPerConnection: Int
    /// How long draining may wait for peers that do not read their replies before they are cut off.
    public var drainTimeout: Duration

    public init(
        maxFrameLength: Int = WireFrame.defaultMaxLength,
        maxInFlightPerConnection: Int = 4096,
        drainTimeout: Duration = .seconds(10)
    ) {
        self.maxFrameLength = maxFrameLength
        self.maxInFlightPerConnection = maxInFlightPerConnection
        self.drainTimeout = drainTimeout
    }
}

/// Counters a server keeps about its peers, reported by `health`.
public final class WireServerCounters: Sendable {
    let accepted = Atomic<Int>(0)
    let active = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
    let replies = Atomic<Int>(0)

    public init() {}

    /// Replies written to sockets: liveness checks read it as "the server loop is making progress".
    public var repliesWritten: Int { replies.load(ordering: .relaxed) }

    public var connectionsAccepted: Int { accepted.load(ordering: .relaxed) }
    public var activeConnections: Int { active.load(ordering: .relaxed) }
    public var requestsHandled: Int { requests.load(ordering: .relaxed) }
    public var errorReplies: Int { errors.load(ordering: .relaxed) }
}

/// Serves the length-prefixed JSON protocol on a Unix socket.
///
/// Each connection reads frames as they come, hands every request to the handler at once (so pipelined
/// requests share work, e.g. one group commit), and writes replies strictly in request order.
public final class WireServer<Handler: WireHandler>: Sendable {
    public let listener: WireListener
    public let handler: Handler
    public let configuration: WireServerConfiguration
    public let counters: WireServerCounters
    private let logger: Logger
    private let drainSignal = OneShotSignal()
    private let listening = OneShotSignal()
    private let bound = Mutex<BoundChannel?>(nil)

    /// The listening channel and the socket file it created (nil for a socket systemd passed in).
    private struct BoundChannel: Sendable {
        let channel: NIOAsyncChannel<any Channel, Never>
        let socketFile: UnixSocketPath.Identity?
    }

    public init(listener: WireListener, handler: Handler, configuration: WireServerConfiguration = .init(),
                counters: WireServerCounters = WireServerCounters(), logger: Logger) {
        self.listener = listener
        self.counters = counters
        self.handler = handler
        self.configuration = configuration
        self.logger = logger
    }

    /// Returns true once the socket is bound and listening; false if binding failed.
    public func waitUntilListening() async -> Bool {
        await listening.wait()
        return bound.withLock { $0 != nil }
    }

    /// Stops accepting, stops reading new requests, answers every request already read, then `run` returns.
    public func beginDraining() {
        drainSignal.fire()
    }

    /// Binds (or adopts) the listening socket without serving it yet, so that a daemon learns that its socket
    /// is taken, too long or forbidden before it reports READY=1 or starts anything else. Connections that
    /// arrive before `run` wait in the backlog.
    public func bind() async throws(ListenerError) {
        if bound.withLock({ $0 != nil }) { return }
        do {
            let channel = try await makeListeningChannel()
            bound.withLock { $0 = channel }
            logger.info("listening", metadata: ["socket": "\(listener)"])
            listening.fire()
        } catch {
            listening.fire()
            throw error
        }
    }

    private func makeListeningChannel() async throws(ListenerError) -> BoundChannel {
        let maxFrameLength = configuration.maxFrameLength
        // Accepted connections reach the accept loop as plain channels that do not read yet; `serve` wraps each
        // in its NIOAsyncChannel and only then starts reading. A NIOAsyncChannel made here instead would trap
        // ("Deinited NIOAsyncWriter without calling finish()", swift-nio #2637) whenever the accept loop ends
        // with connections still buffered, e.g. a client connecting while ingest drains.
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            // A subscriber may shut down its sending side (it has nothing more to ask) and keep reading events.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<any Channel> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandlers(
                    ByteToMessageHandler(FrameDecoder(maxFrameLength: maxFrameLength)), InboundHoldHandler())
                return channel
            }
        }
        switch listener {
        case .path(let path, let mode):
            try UnixSocketPath.prepare(path)
            let channel: NIOAsyncChannel<any Channel, Never>
            do {
                channel = try await bootstrap.bind(unixDomainSocketPath: path, childChannelInitializer: initializer)
            } catch {
                throw ListenerError.bindFailed(path: path, error: error)
            }
            chmod(path, mode)
            return BoundChannel(channel: channel, socketFile: UnixSocketPath.identity(of: path))
        case .inherited(let descriptor, let name):
            do {
                let channel = try await bootstrap.bind(descriptor, childChannelInitializer: initializer)
                return BoundChannel(channel: channel, socketFile: nil)
            } catch {
                throw ListenerError(errno: EBADF, description:
                    "cannot serve the socket systemd passed as \(name) (fd \(descriptor)): \(error)")
            }
        }
    }

    public func run() async throws {
        try await bind()
        guard let bound = bound.withLock({ $0 }) else { return }
        let serverChannel = bound.channel
        defer {
            // A successor may already have replaced our (then stale) file while we drained: only remove ours.
            if let socketFile = bound.socketFile { UnixSocketPath.remove(socketFile) }
        }

        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                await withDiscardingTaskGroup { connectionTasks in
                    try? await serverChannel.executeThenClose { connections in
                        for try await connection in connections {
                            connectionTasks.addTask { await self.serve(connection) }
                        }
                    }
                }
            }
            group.addTask {
                await self.drainSignal.wait()
                try? await serverChannel.channel.close()
                // Connections drain on their own; a peer that never reads its replies must not hold the
                // process past the drain timeout.
                try await Task.sleep(for: self.configuration.drainTimeout)
                self.logger.warning("drain timed out; closing the remaining connections")
            }
            try await group.next()
            group.cancelAll()
        }
    }

    private struct ReplyFrame: Sendable {
        var frame: ByteBuffer
        var closeAfter = false
        var events: (any WireEventSource)?
    }

    /// A reply in the connection's queue: ready, or still being worked on.
    private enum QueuedReply: Sendable {
        case ready(ReplyFrame)
        case waiting(Task<ReplyFrame, Never>)

        var frame: ReplyFrame {
            get async {
                switch self {
                case .ready(let frame): return frame
                case .waiting(let task): return await task.value
                }
            }
        }

        /// The peer is gone: work not started yet is skipped.
        func cancel() {
            if case .waiting(let task) = self { task.cancel() }
        }
    }

    /// Wraps an accepted channel for async use and starts reading from it; nil if it closed meanwhile.
    private func wrap(_ channel: any Channel) async -> NIOAsyncChannel<InboundFrame, ByteBuffer>? {
        do {
            return try await channel.eventLoop.submit {
                let connection = try NIOAsyncChannel<InboundFrame, ByteBuffer>(wrappingChannelSynchronously: channel)
                let hold = try channel.pipeline.syncOperations.context(handlerType: InboundHoldHandler.self)
                (hold.handler as? InboundHoldHandler)?.release(context: hold)
                try channel.syncOptions?.setOption(.autoRead, value: true)
                return connection
            }.get()
        } catch {
            channel.close(promise: nil)
            return nil
        }
    }

    private func serve(_ channel: any Channel) async {
        counters.accepted.add(1, ordering: .relaxed)
        guard let connection = await wrap(channel) else { return }
        counters.active.add(1, ordering: .relaxed)
        defer { counters.active.subtract(1, ordering: .relaxed) }
        let permits = AsyncSemaphore(permits: configuration.maxInFlightPerConnection)
        let context = WireConnection()
        try? await connection.executeThenClose { inbound, outbound in
            let (replies, replySink) = AsyncStream.makeStream(of: QueuedReply.self)
            let finishedCleanly = await withDiscardingTaskGroup { group -> Bool in
                group.addTask {
                    await self.readRequests(inbound, into: replySink, permits: permits, connection: context)
                }
                var peerGone = false
                var closing = false
                var queued = replies.makeAsyncIterator()
                while let pending = await queued.next() {
                    let reply = await pending.frame
                    permits.release()
                    do {
                        try await outbound.write(reply.frame)
                        self.counters.replies.add(1, ordering: .relaxed)
                    } catch {
                        peerGone = true
                        break
                    }
                    if reply.closeAfter {
                        // The last reply (why the connection ends) must still reach the peer: flushed below.
                        closing = true
                        break
                    }
                    if let events = reply.events {
                        group.addTask {
                            defer { events.cancel() }
                            while case let frames = await events.next(), !frames.isEmpty {
                                do { try await outbound.write(contentsOf: frames) } catch { return }
                            }
                        }
                    }
                }
                // Every reply owed is written. An event stream keeps the connection open until it ends (at
                // shutdown, once every committed event is written) or the peer goes; a broken connection
                // ends everything at once — including the requests it left queued, whose work has not started
                // (4,000 pipelined queries from a client that hung up kept analytics busy for 17 s).
                if peerGone || closing { group.cancelAll() }
                if peerGone {
                    while let pending = await queued.next() { pending.cancel() }
                }
                return !peerGone
            }
            if finishedCleanly { await Self.flushed(connection.channel) }
        }
        // A stream whose reply never went out (the peer left first) was registered all the same.
        context.eventSource?.cancel()
    }

    /// Returns once every byte written so far has reached the socket. `executeThenClose` closes the channel
    /// right after its body, and closing fails writes still queued in NIO (a reader slower than ingest at
    /// shutdown lost the tail of its events, and a client that half-closed its side lost its last replies).
    /// An empty write flushed after all of them completes after them; cancellation (the drain timeout)
    /// closes the channel instead of waiting.
    private static func flushed(_ channel: any Channel) async {
        let barrier = channel.eventLoop.flatSubmit { channel.writeAndFlush(ByteBuffer()) }
        await withTaskCancellationHandler {
            _ = try? await barrier.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    private func readRequests(
        _ inbound: NIOAsyncChannelInboundStream<InboundFrame>,
        into replies: AsyncStream<QueuedReply>.Continuation,
        permits: AsyncSemaphore,
        connection: WireConnection
    ) async {
        defer { replies.finish() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await self.drainSignal.wait()
            }
            group.addTask {
                do {
                    for try await frame in inbound {
                        guard await permits.acquire() else { return }
                        switch frame {
                        case .payload(let payload):
                            replies.yield(self.process(payload, connection: connection))
                        case .invalid(let error):
                            self.counters.errors.add(1, ordering: .relaxed)
                            let frame = WireReply.failure(id: .null, error: error)
                            replies.yield(.ready(ReplyFrame(frame: frame, closeAfter: true)))
                            return
                        }
                    }
                } catch {
                    // A reset connection ends the read side like EOF does.
                }
            }
            // Whichever ends first (drain, EOF, a bad frame) stops the other.
            await group.next()
            group.cancelAll()
        }
    }

    /// Decodes and starts one request on the reader, so requests start in the order they arrived.
    private func process(_ payload: ByteBuffer, connection: WireConnection) -> QueuedReply {
        counters.requests.add(1, ordering: .relaxed)
        let request = WireRequest<Handler.Operation>.decode(payload)
        let id = request.id
        switch request.operation {
        case .failure(let error):
            return .ready(reply(id: id, outcome: .failure(error)))
        case .success(let operation):
            switch handler.handle(operation, on: connection) {
            case .ready(let outcome):
                return .ready(reply(id: id, outcome: outcome))
            case .later(let work):
                return .waiting(Task {
                    guard !Task.isCancelled else {
                        return self.reply(id: id, outcome: .failure(WireError(.unavailable, "the connection closed")))
                    }
                    return self.reply(id: id, outcome: await work())
                })
            }
        }
    }

    private func reply(id: RequestID, outcome: WireOutcome) -> ReplyFrame {
        switch outcome {
        case .result(let result):
            return ReplyFrame(frame: WireReply.success(id: id, result: result))
        case .failure(let error):
            counters.errors.add(1, ordering: .relaxed)
            return ReplyFrame(frame: WireReply.failure(id: id, error: error))
        case .stream(let result, let events):
            return ReplyFrame(frame: WireReply.success(id: id, result: result), events: events)
        }
    }
}
