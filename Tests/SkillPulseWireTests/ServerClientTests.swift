import Foundation
import Logging
import NIOCore
import SkillPulseWire
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A real `WireServer` on a Unix socket, driven by `WireClient` and by raw sockets.
@Suite(.timeLimit(.minutes(1)))
struct ServerClientTests {
    // MARK: - Test handler

    struct SleepParams: Decodable, Sendable {
        let ms: Int
        let text: String?
    }

    struct TextParams: Decodable, Sendable {
        let text: String
    }

    struct EventsParams: Decodable, Sendable {
        let count: Int?
    }

    enum TestOp: WireOperation {
        case echo(String)
        case sleep(ms: Int, text: String?)
        case fail
        case events(Int)

        init(op: String, params: WireParams) throws {
            switch op {
            case "echo": self = .echo(try params.decode(TextParams.self).text)
            case "sleep":
                let params = try params.decode(SleepParams.self)
                self = .sleep(ms: params.ms, text: params.text)
            case "fail": _ = try params.decode(NoParams.self); self = .fail
            case "events": self = .events(try params.decode(EventsParams.self).count ?? 5)
            default: throw WireError(.unknownOp, "unknown op \"\(op)\"")
            }
        }

        var name: String {
            switch self {
            case .echo: return "echo"
            case .sleep: return "sleep"
            case .fail: return "fail"
            case .events: return "events"
            }
        }
    }

    /// The ops a handler has been given, in order; lets a test wait until the server has read a request.
    final class HandledLog: Sendable {
        private let names = Mutex<[String]>([])

        func append(_ name: String) { names.withLock { $0.append(name) } }
        var all: [String] { names.withLock { $0 } }

        func waitFor(_ name: String, count: Int = 1, timeout: Duration = .seconds(10)) async throws {
            let deadline = ContinuousClock.now + timeout
            while all.filter({ $0 == name }).count < count {
                guard ContinuousClock.now < deadline else {
                    Issue.record("the server never handled \(count) × \(name)")
                    throw CancellationError()
                }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
    }

    final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    /// A stream of frames known up front, ending after the last.
    final class FixedEventSource: WireEventSource {
        private let frames: Mutex<[ByteBuffer]>
        init(_ frames: [ByteBuffer]) { self.frames = Mutex(frames) }
        func next() async -> [ByteBuffer] { frames.withLock { frames in defer { frames.removeAll() }; return frames } }
        func cancel() { frames.withLock { $0.removeAll() } }
    }

    struct TestHandler: WireHandler {
        let log: HandledLog

        func handle(_ operation: TestOp) -> PendingOutcome {
            log.append(operation.name)
            switch operation {
            case .echo(let text):
                return .ready(.result(["text": text]))
            case .sleep(let ms, let text):
                return .later {
                    try? await Task.sleep(for: .milliseconds(ms))
                    return .result(JSONValue.object(["slept": .integer(Int64(ms)), "text": text.map(JSONValue.string) ?? .null]))
                }
            case .fail:
                return .ready(.failure(WireError(.conflict, "that already exists")))
            case .events(let count):
                let frames = (0..<count).compactMap { try? WireReply.event("tick", data: ["n": $0]) }
                return .ready(.stream(result: ["subscribed": true], events: FixedEventSource(frames)))
            }
        }
    }

    // MARK: - Harness

    struct SocketError: Error, CustomStringConvertible {
        let description: String
        init(_ what: String) { description = "\(what): \(String(cString: strerror(errno)))" }
    }

    /// A fresh short directory under /tmp (sun_path holds at most 107 bytes).
    static func makeDirectory() throws -> String {
        var template = Array("/tmp/spw-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SocketError("mkdtemp")
        }
        return String(cString: made)
    }

    final class Harness: Sendable {
        let directory: String
        let path: String
        let log: HandledLog
        let server: WireServer<TestHandler>
        let run: Task<Void, any Error>

        init(directory: String, path: String, log: HandledLog, server: WireServer<TestHandler>) {
            self.directory = directory
            self.path = path
            self.log = log
            self.server = server
            run = Task { try await server.run() }
        }

        static func start(configuration: WireServerConfiguration = .init(), mode: mode_t = 0o660,
                          at existingPath: String? = nil) async throws -> Harness {
            let path = try existingPath ?? (makeDirectory() + "/s.sock")
            let directory = (path as NSString).deletingLastPathComponent
            let log = HandledLog()
            let server = WireServer(listener: .path(path, mode: mode), handler: TestHandler(log: log),
                                    configuration: configuration,
                                    logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
            let harness = Harness(directory: directory, path: path, log: log, server: server)
            #expect(await server.waitUntilListening())
            return harness
        }

        func connect() async throws -> WireClient {
            try await WireClient.connect(path: path)
        }

        /// Drains the server, waits for `run` to return and removes the directory.
        func stop() async throws {
            server.beginDraining()
            try await run.value
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    // MARK: - Raw sockets (blocking, run on their own thread)

    enum Raw {
        static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            precondition(bytes.count < MemoryLayout.size(ofValue: address.sun_path), "socket path too long")
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: bytes)
                raw[bytes.count] = 0
            }
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }

        /// A socket bound at `path`, listening if asked.
        static func bound(at path: String, listening: Bool) throws -> Int32 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw SocketError("socket") }
            guard withAddress(path, { bind(fd, $0, $1) }) == 0 else {
                close(fd)
                throw SocketError("bind \(path)")
            }
            if listening, listen(fd, 8) != 0 {
                close(fd)
                throw SocketError("listen")
            }
            return fd
        }

        static func connected(to path: String) throws -> Int32 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw SocketError("socket") }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            guard withAddress(path, { connect(fd, $0, $1) }) == 0 else {
                close(fd)
                throw SocketError("connect \(path)")
            }
            return fd
        }

        static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                guard written > 0 else { throw SocketError("write") }
                offset += written
            }
        }

        /// Exactly `count` bytes, or nil at EOF.
        static func read(_ fd: Int32, count: Int) throws -> [UInt8]? {
            var bytes = [UInt8](repeating: 0, count: count)
            var offset = 0
            while offset < count {
                let got = bytes[offset...].withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if got == 0 { return nil }
                guard got > 0 else { throw SocketError("read") }
                offset += got
            }
            return bytes
        }

        /// One frame's payload parsed as a JSON object, or nil at EOF.
        static func readFrame(_ fd: Int32) throws -> [String: JSONValue]? {
            guard let header = try read(fd, count: 4) else { return nil }
            let length = header.reduce(0) { $0 << 8 | Int($1) }
            guard let payload = try read(fd, count: length) else { return nil }
            guard case .object(let object) = try JSONDecoder().decode(JSONValue.self, from: Data(payload)) else {
                throw SocketError("frame is not an object")
            }
            return object
        }

        static func frame(_ object: JSONValue) throws -> [UInt8] {
            let payload = Array(try JSONEncoder().encode(object))
            let n = UInt32(payload.count)
            return [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + payload
        }

        /// Runs blocking socket code on a thread of its own, off the cooperative pool.
        static func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
            try await withCheckedThrowingContinuation { continuation in
                Thread { continuation.resume(with: Result { try body() }) }.start()
            }
        }
    }

    static func isSocket(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func request(_ id: String, _ op: String, _ params: [String: JSONValue]? = nil) -> [String: JSONValue] {
        var object: [String: JSONValue] = ["id": .string(id), "op": .string(op)]
        if let params { object["params"] = .object(params) }
        return object
    }

    // MARK: - Ordering

    @Test func repliesArriveInRequestOrderEvenWhenEarlierRequestsAreSlower() async throws {
        let harness = try await Harness.start()
        let client = try await harness.connect()
        let started = ContinuousClock.now
        let slow = Task {
            try await client.send(object: Self.request("slow", "sleep", ["ms": .integer(200), "text": .string("zzz")]))
        }
        // The sleep is read (and started) before the echo is even sent: the echo is pipelined behind it.
        try await harness.log.waitFor("sleep")
        let fast = try await client.send(object: Self.request("fast", "echo", ["text": .string("hi")]))
        let fastElapsed = ContinuousClock.now - started
        let slowReply = try await slow.value

        // The client matches replies to calls in order, so each id proves which reply came first.
        #expect(slowReply.id == .string("slow"))
        #expect(try slowReply.get()["text"] == .string("zzz"))
        #expect(fast.id == .string("fast"))
        #expect(try fast.get()["text"] == .string("hi"))
        #expect(fastElapsed >= .milliseconds(190), "the echo's reply waited for the sleep's")
        #expect(harness.log.all == ["sleep", "echo"])

        await client.close()
        try await harness.stop()
    }

    @Test func fiveHundredConcurrentPipelinedCallsEachGetTheirOwnReply() async throws {
        let harness = try await Harness.start()
        let client = try await harness.connect()
        try await withThrowingTaskGroup(of: (Int, WireResponse).self) { group in
            for index in 0..<500 {
                group.addTask {
                    let request = index % 10 == 0
                        ? Self.request("r\(index)", "sleep", ["ms": .integer(Int64(index % 7 * 3)), "text": .string("t\(index)")])
                        : Self.request("r\(index)", "echo", ["text": .string("t\(index)")])
                    return (index, try await client.send(object: request))
                }
            }
            var seen = Set<Int>()
            for try await (index, response) in group {
                seen.insert(index)
                #expect(response.id == .string("r\(index)"))
                #expect(try response.get()["text"] == .string("t\(index)"))
            }
            #expect(seen.count == 500)
        }
        #expect(harness.server.counters.requestsHandled == 500)
        #expect(harness.server.counters.errorReplies == 0)
        await client.close()
        try await harness.stop()
    }

    @Test func clientAssignedIDsAreEchoed() async throws {
        let harness = try await Harness.start()
        let client = try await harness.connect()
        let first = try await client.call("echo", params: .object(["text": .string("a")]))
        let second = try await client.call("echo", params: .object(["text": .string("b")]))
        guard case .integer(let a) = first.id, case .integer(let b) = second.id else {
            Issue.record("expected integer ids, got \(first.id) and \(second.id)")
            return
        }
        #expect(b == a + 1)
        #expect(try second.get()["text"] == .string("b"))
        await client.close()
        try await harness.stop()
    }

    @Test func aSmallInFlightLimitStillServesEveryPipelinedRequest() async throws {
        let harness = try await Harness.start(configuration: .init(maxInFlightPerConnection: 2))
        let client = try await harness.connect()
        try await withThrowingTaskGroup(of: (Int, WireResponse).self) { group in
            for index in 0..<60 {
                group.addTask {
                    let request = Self.request("q\(index)", "sleep", ["ms": .integer(Int64(index % 3)), "text": .string("\(index)")])
                    return (index, try await client.send(object: request))
                }
            }
            for try await (index, response) in group {
                #expect(response.id == .string("q\(index)"))
                #expect(try response.get()["text"] == .string("\(index)"))
            }
        }
        await client.close()
        try await harness.stop()
    }

    // MARK: - Errors

    @Test func errorRepliesKeepTheConnectionUsable() async throws {
        let harness = try await Harness.start()
        let client = try await harness.connect()

        let badJSON = try await client.send(payload: Array("{nope".utf8))
        #expect(badJSON.id == .null)
        #expect(throws: WireError.self) { try badJSON.get() }
        #expect(badJSON.errorCode == .badJSON)

        let notObject = try await client.send(payload: Array("[1,2]".utf8))
        #expect(notObject.errorCode == .badJSON)

        let unknown = try await client.send(object: Self.request("u", "nope"))
        #expect(unknown.id == .string("u"))
        #expect(unknown.errorCode == .unknownOp)

        let badRequest = try await client.send(object: Self.request("b", "echo", ["text": .integer(5)]))
        #expect(badRequest.id == .string("b"))
        #expect(badRequest.errorCode == .badRequest)
        #expect(badRequest.errorMessage == "params.text must be a string")

        let failed = try await client.send(object: Self.request("f", "fail"))
        #expect(failed.id == .string("f"))
        #expect(failed.errorCode == .conflict)
        #expect(failed.errorMessage == "that already exists")

        let echo = try await client.send(object: Self.request("e", "echo", ["text": .string("still here")]))
        #expect(echo.id == .string("e"))
        #expect(try echo.get()["text"] == .string("still here"))
        #expect(harness.server.counters.errorReplies == 5)

        await client.close()
        try await harness.stop()
    }

    @Test func aBadFrameGetsBadFrameThenTheConnectionClosesWhileOthersKeepWorking() async throws {
        let harness = try await Harness.start()
        let bystander = try await harness.connect()
        let client = try await harness.connect()
        #expect(try await client.call("echo", params: .object(["text": .string("before")])).get()["text"]
                == .string("before"))

        let reply = try await client.sendFrame(ByteBuffer(bytes: [0, 0, 0, 0]))
        #expect(reply.id == .null)
        #expect(reply.errorCode == .badFrame)

        // The server closed this connection: the next call fails instead of hanging.
        await #expect(throws: (any Error).self) {
            _ = try await client.call("echo", params: .object(["text": .string("after")]))
        }
        let other = try await bystander.call("echo", params: .object(["text": .string("unaffected")]))
        #expect(try other.get()["text"] == .string("unaffected"))

        await client.close()
        await bystander.close()
        try await harness.stop()
    }

    @Test func anOversizedFrameIsRefusedFromItsHeaderAndTheConnectionCloses() async throws {
        let harness = try await Harness.start(configuration: .init(maxFrameLength: 1024))
        let path = harness.path
        // Announce 1 025 bytes and send none of them: the reply must come anyway, then EOF.
        let (reply, eof) = try await Raw.onThread { () throws -> ([String: JSONValue]?, Bool) in
            let fd = try Raw.connected(to: path)
            defer { close(fd) }
            try Raw.writeAll(fd, [0, 0, 0x04, 0x01])
            let reply = try Raw.readFrame(fd)
            return (reply, try Raw.readFrame(fd) == nil)
        }
        #expect(reply?["id"] == .null)
        #expect(reply?["ok"] == .bool(false))
        #expect(reply?["error"]?["code"] == .string("bad_frame"))
        #expect(eof)

        // Exactly the limit is fine.
        let client = try await harness.connect()
        let text = String(repeating: "x", count: 1024 - 60)
        let payload = Array(try JSONEncoder().encode(JSONValue.object(Self.request("big", "echo", ["text": .string(text)]))))
        let padded = payload + Array(repeating: UInt8(ascii: " "), count: 1024 - payload.count)
        #expect(padded.count == 1024)
        let big = try await client.send(payload: padded)
        #expect(try big.get()["text"] == .string(text))
        await client.close()
        try await harness.stop()
    }

    // MARK: - Events

    @Test func eventsFollowTheSubscribeReplyInOrder() async throws {
        let harness = try await Harness.start()
        let path = harness.path
        // On the wire: the reply frame first, then the events, in order.
        let frames = try await Raw.onThread { () throws -> [[String: JSONValue]] in
            let fd = try Raw.connected(to: path)
            defer { close(fd) }
            try Raw.writeAll(fd, try Raw.frame(.object(Self.request("sub", "events", ["count": .integer(5)]))))
            var frames: [[String: JSONValue]] = []
            for _ in 0..<6 {
                guard let frame = try Raw.readFrame(fd) else { break }
                frames.append(frame)
            }
            return frames
        }
        #expect(frames.count == 6)
        #expect(frames.first?["id"] == .string("sub"))
        #expect(frames.first?["ok"] == .bool(true))
        #expect(frames.first?["result"]?["subscribed"] == .bool(true))
        for (n, frame) in frames.dropFirst().enumerated() {
            #expect(frame["event"] == .string("tick"))
            #expect(frame["data"]?["n"] == .integer(Int64(n)))
        }

        // Through the client: the reply, then the same events on `events`; other calls still work.
        let client = try await harness.connect()
        let subscribed = try await client.call("events")
        #expect(try subscribed.get()["subscribed"] == .bool(true))
        var received: [Int64] = []
        for await event in client.events {
            #expect(event.name == "tick")
            received.append(event.data["n"]?.intValue ?? -1)
            if received.count == 5 { break }
        }
        #expect(received == [0, 1, 2, 3, 4])
        #expect(try await client.call("echo", params: .object(["text": .string("x")])).get()["text"] == .string("x"))
        await client.close()
        try await harness.stop()
    }

    // MARK: - Draining

    /// Whether a socket is listening at `path`, read from /proc/net/unix so that checking does not connect.
    static func isListening(_ path: String) throws -> Bool {
        // Read to EOF in a loop: /proc files report size 0, and the table can span many pages.
        let fd = open("/proc/net/unix", O_RDONLY)
        guard fd >= 0 else { throw SocketError("open /proc/net/unix") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard got >= 0 else { throw SocketError("read /proc/net/unix") }
            if got == 0 { break }
            bytes += chunk[0..<got]
        }
        let table = String(decoding: bytes, as: UTF8.self)
        return table.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // Num RefCount Protocol Flags Type St Inode Path; flag 0x10000 (__SO_ACCEPTCON) marks a listener.
            return fields.count >= 8 && fields[7] == path && (Int(fields[3], radix: 16) ?? 0) & 0x10000 != 0
        }
    }

    @Test func drainingAnswersInFlightRequestsRefusesNewConnectionsAndReturns() async throws {
        let harness = try await Harness.start(configuration: .init(drainTimeout: .seconds(20)))
        let client = try await harness.connect()
        let idle = try await harness.connect()
        // Both connections are being served before the drain starts (see the report on accept races).
        #expect(try await idle.call("echo", params: .object(["text": .string("hello")])).get()["text"] == .string("hello"))
        #expect(try Self.isListening(harness.path))

        let replied = Flag()
        let slow = Task {
            let reply = try await client.send(object: Self.request("slow", "sleep", ["ms": .integer(600), "text": .string("done")]))
            replied.set()
            return reply
        }
        try await harness.log.waitFor("sleep")
        let drainStarted = ContinuousClock.now
        harness.server.beginDraining()

        // The listener closes at once, while the slow request is still running.
        while try Self.isListening(harness.path) {
            guard ContinuousClock.now - drainStarted < .seconds(5) else {
                Issue.record("the listener was not closed")
                break
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(!replied.isSet, "the listener closed before the in-flight request finished")
        // New connections are refused (the file is still there until run returns, but nobody accepts).
        await #expect(throws: (any Error).self) {
            let late = try await WireClient.connect(path: harness.path)
            await late.close()
        }

        let reply = try await slow.value
        #expect(reply.id == .string("slow"))
        #expect(try reply.get()["text"] == .string("done"))

        try await harness.run.value  // run returns without waiting for the drain timeout
        #expect(ContinuousClock.now - drainStarted < .seconds(10))
        #expect(!Self.exists(harness.path), "the socket file is removed when run returns")

        // Connections that were idle were closed too.
        await #expect(throws: (any Error).self) {
            _ = try await idle.call("echo", params: .object(["text": .string("x")]))
        }
        await #expect(throws: (any Error).self) {
            let late = try await WireClient.connect(path: harness.path)
            await late.close()
        }
        await client.close()
        await idle.close()
        try? FileManager.default.removeItem(atPath: harness.directory)
    }

    // MARK: - The socket file

    @Test func theSocketFileGetsMode0660() async throws {
        let harness = try await Harness.start()
        var info = stat()
        #expect(lstat(harness.path, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o7777 == 0o660)
        try await harness.stop()

        let custom = try await Harness.start(mode: 0o600)
        #expect(lstat(custom.path, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o600)
        try await custom.stop()
    }

    @Test func aStaleSocketFileIsReplaced() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/s.sock"
        // A listener that died without unlinking its socket file.
        close(try Raw.bound(at: path, listening: true))
        #expect(Self.isSocket(path))
        #expect(throws: (any Error).self) { close(try Raw.connected(to: path)) }

        let harness = try await Harness.start(at: path)
        let client = try await harness.connect()
        #expect(try await client.call("echo", params: .object(["text": .string("fresh")])).get()["text"] == .string("fresh"))
        await client.close()
        try await harness.stop()
        #expect(!Self.exists(path))
    }

    @Test func aLiveListenerMakesRunThrowAndIsLeftAlone() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/s.sock"
        let listener = try Raw.bound(at: path, listening: true)
        defer { close(listener) }

        let server = WireServer(listener: .path(path), handler: TestHandler(log: HandledLog()),
                                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        await #expect(throws: ListenerError.self) { try await server.run() }
        #expect(await server.waitUntilListening() == false, "returns false once the bind failed")
        #expect(Self.isSocket(path), "the other process's socket is not removed")
        let stillListening = try await Raw.onThread { () throws -> Bool in
            let fd = try Raw.connected(to: path)
            close(fd)
            return true
        }
        #expect(stillListening)
    }

    @Test func aPathThatIsNotASocketMakesRunThrowAndIsLeftAlone() async throws {
        let directory = try Self.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/s.sock"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep me".utf8)))

        let server = WireServer(listener: .path(path), handler: TestHandler(log: HandledLog()),
                                logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        await #expect(throws: ListenerError.self) { try await server.run() }
        #expect(FileManager.default.contents(atPath: path) == Data("keep me".utf8))
    }
}

extension WireResponse {
    fileprivate var errorCode: WireErrorCode? {
        if case .failure(let error) = result { return error.code }
        return nil
    }

    fileprivate var errorMessage: String? {
        if case .failure(let error) = result { return error.message }
        return nil
    }
}
