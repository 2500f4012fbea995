import Foundation
import NIOCore
import SkillPulseCore
@testable import SkillPulseIngest
import SkillPulseWire
@testable import SkillPulseStore
import Testing

/// The hand-over from the writer thread to the publishing thread: commit order, and drops that subscribers
/// learn about at the right place in their streams.
struct CommittedBatchPublisherTests {
    static func batch(ids: Range<Int64>) -> BatchResult {
        let invocations = ids.map { id in
            CommittedInvocation(
                id: id,
                input: InvocationInput(sessionID: "s", skillName: "k", completed: true,
                                       invokedAt: UTCTimestamp(millisecondsSinceEpoch: 1_795_000_000_000)),
                userID: nil, invokedAt: "2026-11-18T00:00:00.000Z", createdAt: "2026-11-18T00:00:00.000Z")
        }
        return BatchResult(outcomes: [], invocations: invocations, sessions: [])
    }

    /// Reads frames until `count` arrived; each as (event name, invocation_id or missed).
    static func read(_ count: Int, from source: FrameReader) async throws -> [(String, Int)] {
        var events: [(String, Int)] = []
        while var frame = await source.next() {
            _ = frame.readInteger(as: UInt32.self)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(frame.readableBytesView)) as? [String: Any])
            let data = object["data"] as? [String: Any]
            events.append((object["event"] as? String ?? "?", (data?["invocation_id"] ?? data?["missed"]) as? Int ?? -1))
            if events.count == count { break }
        }
        return events
    }

    @Test func batchesArriveInCommitOrderAndDropsAreReportedWhereTheyHappened() async throws {
        let broadcaster = EventHub<IngestTopic>(bufferCapacity: 1_000)
        let stream = FrameReader(broadcaster.subscribe(topics: [.invocation]))
        let publisher = CommittedBatchPublisher(broadcaster: broadcaster, capacity: 10)
        // Not started yet, so the queue fills: 4 + 4 events fit, the next three batches (12 events) do not.
        publisher.publish(Self.batch(ids: 1..<5))
        publisher.publish(Self.batch(ids: 5..<9))
        publisher.publish(Self.batch(ids: 9..<13))
        publisher.publish(Self.batch(ids: 13..<17))
        publisher.publish(Self.batch(ids: 17..<21))
        publisher.start()
        // The gap is announced right after the events before it, without waiting for a later commit.
        let first = try await Self.read(9, from: stream)
        #expect(first.map(\.0) == Array(repeating: "invocation", count: 8) + ["lagged"])
        #expect(first.map(\.1) == Array(1...8) + [12])
        publisher.publish(Self.batch(ids: 21..<23))
        let next = try await Self.read(2, from: stream)
        #expect(next.map(\.0) == ["invocation", "invocation"])
        #expect(next.map(\.1) == [21, 22])
        await publisher.finish()
        broadcaster.close()
    }

    @Test func finishPublishesEverythingQueuedFirst() async throws {
        let broadcaster = EventHub<IngestTopic>(bufferCapacity: 10_000)
        let stream = FrameReader(broadcaster.subscribe(topics: [.invocation]))
        let publisher = CommittedBatchPublisher(broadcaster: broadcaster)
        publisher.start()
        for start in stride(from: Int64(1), to: 301, by: 30) { publisher.publish(Self.batch(ids: start..<start + 30)) }
        await publisher.finish()
        broadcaster.close()
        let events = try await Self.read(1_000, from: stream)
        #expect(events.map(\.1) == Array(1...300), "every queued event, in order, before the stream ends")
    }

    @Test func withoutSubscribersNothingIsQueued() async {
        let broadcaster = EventHub<IngestTopic>(bufferCapacity: 10_000)
        let publisher = CommittedBatchPublisher(broadcaster: broadcaster, capacity: 1)
        publisher.publish(Self.batch(ids: 1..<100))  // would overflow a queue of 1 if it were queued
        let stream = FrameReader(broadcaster.subscribe(topics: [.invocation]))
        publisher.start()
        publisher.publish(Self.batch(ids: 100..<101))
        var frame = await stream.next()
        _ = frame?.readInteger(as: UInt32.self)
        let text = frame.map { String(buffer: $0) } ?? ""
        #expect(text.contains("\"invocation\"") && text.contains("\"invocation_id\":100"), "\(text)")
        await publisher.finish()
        broadcaster.close()
    }
}
