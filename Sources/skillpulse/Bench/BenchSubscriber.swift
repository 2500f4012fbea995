import Foundation
import SkillPulseWire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A `bench ingest --subscribers` client: subscribes to `invocation` events and, when `reading`, reads them
/// at full speed on a thread of its own, counting delivered events and the gaps announced by `lagged`. An
/// idle one never reads after the reply (what a stuck dashboard does), to show what it costs ingest.
final class BenchSubscriber: Sendable {
    struct Figures: Sendable {
        var delivered = 0
        var announcedMissing = 0
        var laggedEvents = 0
        var accounted: Int { delivered + announcedMissing }
    }

    private let descriptor: Int32
    let reading: Bool
    private let figures = Mutex(Figures())
    private let done = Atomic<Bool>(false)

    init(path: String, reading: Bool) throws {
        descriptor = try BlockingUnixSocket.connect(path: path)
        self.reading = reading
        let request = #"{"id":1,"op":"subscribe","params":{"topics":["invocation"]}}"#
        guard BlockingUnixSocket.writeAll(descriptor, WireFrame.bytes(payload: Array(request.utf8))) else {
            close(descriptor)
            throw CLIFailure("subscribe: the connection failed")
        }
    }

    deinit {
        close(descriptor)
    }

    var current: Figures { figures.withLock { $0 } }

    func start() {
        guard reading else { return }
        let thread = Thread { [self] in readEvents() }
        thread.name = "bench-subscriber"
        thread.start()
    }

    /// Waits until `expected` events are delivered or announced missing, or until `patience` passes
    /// without progress; then stops reading.
    func finish(expected: Int, patience: Duration = .seconds(10)) async -> Figures {
        guard reading else { return current }
        var last = current.accounted
        var progressAt = ContinuousClock.now
        while current.accounted < expected && ContinuousClock.now - progressAt < patience {
            try? await Task.sleep(for: .milliseconds(20))
            let now = current.accounted
            if now != last { (last, progressAt) = (now, .now) }
        }
        done.store(true, ordering: .relaxed)
        shutdown(descriptor, Int32(SHUT_RDWR))
        return current
    }

    private func readEvents() {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var filled = 0
        var consumed = 0
        var sawReply = false
        let invocationPrefix = Array(#"{"event":"invocation""#.utf8)
        while !done.load(ordering: .relaxed) {
            if filled == buffer.count {
                buffer.replaceSubrange(0..<consumed, with: [])
                filled -= consumed
                consumed = 0
                if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
            }
            let count = buffer.withUnsafeMutableBytes { raw in read(descriptor, raw.baseAddress! + filled, raw.count - filled) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            filled += count
            var delivered = 0
            var missing = 0
            var lagged = 0
            while filled - consumed >= 4 {
                let length = buffer[consumed..<consumed + 4].reduce(0) { $0 << 8 | Int($1) }
                guard filled - consumed - 4 >= length else { break }
                let payload = buffer[consumed + 4..<consumed + 4 + length]
                consumed += 4 + length
                if !sawReply {
                    sawReply = true
                    continue
                }
                if payload.starts(with: invocationPrefix) {
                    delivered += 1
                } else if let event = try? JSONDecoder().decode(EventFrame<LaggedEvent>.self, from: Data(payload)),
                          event.event == LaggedEvent.name {
                    lagged += 1
                    missing += event.data.topics[IngestTopic.invocation.rawValue] ?? 0
                } else if let event = try? JSONDecoder().decode(EventFrame<InvocationEvent>.self, from: Data(payload)),
                          event.event == IngestTopic.invocation.rawValue {
                    delivered += 1
                }
            }
            if consumed == filled { (consumed, filled) = (0, 0) }
            figures.withLock {
                $0.delivered += delivered
                $0.announcedMissing += missing
                $0.laggedEvents += lagged
            }
        }
    }
}
