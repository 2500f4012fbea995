import Foundation
import SkillPulseWire
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One `bench ingest` client: a blocking Unix socket with a sender thread and a reply-reader thread.
///
/// The bench shares the machine's cores with the daemon it measures, so its own cost per request must be a
/// few microseconds: frames are pre-encoded, replies are matched by position (the protocol answers in request
/// order) and only checked for their id and `"ok":true`; a reply that is not a plain success is decoded fully.
final class PipelinedBenchConnection: Sendable {
    private let descriptor: Int32
    /// Send instants in nanoseconds of `ContinuousClock` since the run's start, by position in the request list.
    private let sentAt: Mutex<[Int64]>
    /// How late each request left against its schedule (steady-rate runs only); written by the sender thread.
    private let sendLagMs = Mutex<[Double]>([])
    /// Requests written, once the sender stopped at its deadline (nil: it has not).
    private let sentBeforeDeadline = Mutex<Int?>(nil)

    init(path: String) throws {
        descriptor = try BlockingUnixSocket.connect(path: path)
        sentAt = Mutex([])
    }

    deinit {
        close(descriptor)
    }

    /// Sends `requests` keeping at most `pipeline` unanswered, and returns once every reply arrived (or the
    /// connection failed). With `interval`, request k leaves at `start + k × interval` (its `sequence`), and
    /// its latency counts from that scheduled instant, so a slow server cannot hide behind a slowed sender.
    /// With `deadline`, no request leaves after it: the sender half-closes the connection and the replies of
    /// what it sent are read (the rest of `requests` counts for nothing).
    func run(_ requests: [BenchRequest], pipeline: Int, start: ContinuousClock.Instant, interval: Duration?,
             deadline: ContinuousClock.Instant? = nil) async -> WorkerTally
    {
        sentAt.withLock { $0 = Array(repeating: 0, count: requests.count) }
        // Starts at 0 and is raised to `pipeline`: libdispatch traps when a semaphore is freed below its initial
        // value, which is where one stands when the server dies with requests in flight.
        let permits = DispatchSemaphore(value: 0)
        for _ in 0..<pipeline { permits.signal() }
        let sender = Thread { [self] in
            var lags: [Double] = []
            for (position, request) in requests.enumerated() {
                permits.wait()
                if let deadline, ContinuousClock.now >= deadline {
                    sentBeforeDeadline.withLock { $0 = position }
                    shutdown(descriptor, Int32(SHUT_WR))
                    break
                }
                var sendInstant = ContinuousClock.now
                if let interval {
                    let scheduled = start + interval * request.sequence
                    Self.sleep(until: scheduled)
                    lags.append((ContinuousClock.now - scheduled).milliseconds)
                    sendInstant = scheduled
                }
                let offset = Int64((sendInstant - start).nanoseconds)
                sentAt.withLock { $0[position] = offset }
                guard writeAll(request.frame) else { break }
            }
            sendLagMs.withLock { $0 = lags }
        }
        sender.name = "bench-send"
        sender.start()
        var tally = await withCheckedContinuation { continuation in
            let reader = Thread { [self] in
                continuation.resume(returning: readReplies(requests, permits: permits, start: start))
            }
            reader.name = "bench-read"
            reader.start()
        }
        // The sender stops at its last request or at a failed write; either way its lags are final once every
        // reply was read or the socket failed, because it only sleeps or writes in between.
        shutdown(descriptor, Int32(SHUT_RDWR))
        for _ in 0..<pipeline { permits.signal() }
        while sender.isExecuting { usleep(1000) }
        tally.sendLagMs = sendLagMs.withLock { $0 }
        return tally
    }

    private func readReplies(_ requests: [BenchRequest], permits: DispatchSemaphore, start: ContinuousClock.Instant)
        -> WorkerTally
    {
        var tally = WorkerTally()
        tally.latenciesMs.reserveCapacity(requests.count)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var filled = 0
        var consumed = 0
        var position = 0
        while position < requests.count {
            if filled == buffer.count {
                // Keep the unparsed tail at the front; grow only for a frame larger than the buffer.
                buffer.replaceSubrange(0..<consumed, with: [])
                filled -= consumed
                consumed = 0
                if filled == buffer.count { buffer += [UInt8](repeating: 0, count: buffer.count) }
            }
            let count = buffer.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress! + filled, raw.count - filled)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            filled += count
            let now = ContinuousClock.now
            while filled - consumed >= 4, position < requests.count {
                let length = buffer[consumed..<consumed + 4].reduce(0) { $0 << 8 | Int($1) }
                guard filled - consumed - 4 >= length else { break }
                let payload = buffer[consumed + 4..<consumed + 4 + length]
                consumed += 4 + length
                let request = requests[position]
                let sent = sentAt.withLock { $0[position] }
                position += 1
                permits.signal()
                tally.latenciesMs.append(Double((now - start).nanoseconds - sent) / 1e6)
                if let failure = Self.failure(in: payload, expectedID: request.sequence) {
                    tally.errors += 1
                    tally.firstError = tally.firstError ?? failure
                } else {
                    tally.ackedEvents += request.events
                    tally.ackedRequests += 1
                }
            }
            if consumed == filled {
                consumed = 0
                filled = 0
            }
        }
        let sent = sentBeforeDeadline.withLock { $0 } ?? requests.count
        if position < sent {
            tally.errors += sent - position
            tally.firstError = tally.firstError ?? "the server closed the connection with \(sent - position) replies owed"
        }
        return tally
    }

    /// nil for `{"id":<expectedID>,"ok":true,…`; otherwise what went wrong, from a full decode of the reply.
    static func failure(in payload: ArraySlice<UInt8>, expectedID: Int) -> String? {
        let expectedPrefix = Array(#"{"id":\#(expectedID),"ok":true"#.utf8)
        if payload.starts(with: expectedPrefix) { return nil }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(payload)) else {
            return "malformed reply: \(String(decoding: payload.prefix(200), as: UTF8.self))"
        }
        if value["id"]?.intValue != Int64(expectedID) {
            return "reply out of order: expected id \(expectedID), got \(value["id"] ?? .null)"
        }
        if value["ok"]?.boolValue == true { return nil }
        let code = value["error"]?["code"]?.stringValue ?? "?"
        return "\(code): \(value["error"]?["message"]?.stringValue ?? "no message")"
    }

    private func writeAll(_ frame: [UInt8]) -> Bool {
        BlockingUnixSocket.writeAll(descriptor, frame)
    }

    private static func sleep(until instant: ContinuousClock.Instant) {
        let remaining = instant - ContinuousClock.now
        guard remaining > .zero else { return }
        var request = timespec(tv_sec: Int(remaining.components.seconds),
                               tv_nsec: Int(remaining.components.attoseconds / 1_000_000_000))
        var left = timespec()
        while nanosleep(&request, &left) != 0 && errno == EINTR { request = left }
    }
}

extension Duration {
    var nanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
    var milliseconds: Double { Double(nanoseconds) / 1e6 }
}
