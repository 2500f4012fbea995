import Foundation
import NIOCore
import SkillPulseCore
@testable import SkillPulseIngest
import SkillPulseWire
@testable import SkillPulseStore
import Testing

/// Subscribers' queues: request order within a commit, exact per-topic gaps announced where they are, and
/// streams that end after what is queued.
struct CommittedBatchEventsTests {
    static func invocation(_ id: Int64, session: String = "s") -> CommittedInvocation {
        CommittedInvocation(
            id: id,
            input: InvocationInput(sessionID: session, skillName: "k", completed: true,
                                   invokedAt: UTCTimestamp(millisecondsSinceEpoch: 1_795_000_000_000)),
            userID: nil, invokedAt: "2026-11-18T00:00:00.000Z", createdAt: "2026-11-18T00:00:00.000Z")
    }

    static func change(_ kind: SessionChange.Kind, _ session: String, position: Int) -> SessionChange {
        SessionChange(kind: kind, session: SessionRecord(sessionID: session, userID: nil, projectPath: nil,
                                                         startedAt: "2026-11-18T00:00:00.000Z"),
                      implicit: true, position: position)
    }

    /// (event, detail): the invocation id, the session event's type, or lagged's per-topic counts.
    static func drain(_ queue: SubscriberQueue<IngestTopic>) async throws -> [String] {
        var events: [String] = []
        let source = FrameReader(queue)
        while var frame = await source.next() {
            _ = frame.readInteger(as: UInt32.self)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(frame.readableBytesView)) as? [String: Any])
            let data = try #require(object["data"] as? [String: Any])
            switch object["event"] as? String {
            case "invocation": events.append("invocation \(data["invocation_id"] as? Int ?? -1)")
            case "session": events.append("session \(data["type"] as? String ?? "?")")
            case "lagged":
                let topics = (data["topics"] as? [String: Int] ?? [:]).sorted { $0.key < $1.key }
                events.append("lagged \(data["missed"] as? Int ?? -1) " + topics.map { "\($0.key)=\($0.value)" }.joined(separator: ","))
            default: events.append("?")
            }
        }
        return events
    }

    @Test func eventsOfOneCommitFollowRequestOrder() async throws {
        let broadcaster = EventHub<IngestTopic>(bufferCapacity: 10_000)
        let source = broadcaster.subscribe(topics: [.invocation, .session])
        // track(s1) creating s1, track(s1), end_session(s1), track(s2) creating s2.
        broadcaster.publish(BatchResult(outcomes: [], invocations: [Self.invocation(1), Self.invocation(2), Self.invocation(3, session: "s2")],
                                        sessions: [Self.change(.started, "s1", position: 0), Self.change(.ended, "s1", position: 2),
                                                   Self.change(.started, "s2", position: 2)]))
        broadcaster.close()
        #expect(try await Self.drain(source) == ["session started", "invocation 1", "invocation 2", "session ended",
                                                  "session started", "invocation 3"])
    }

    @Test func aFullQueueTurnsIntoOneExactGapPerTopicAnnouncedWhereItIs() async throws {
        let broadcaster = EventHub<IngestTopic>(bufferCapacity: 3)
        let both = broadcaster.subscribe(topics: [.invocation, .session])
        let sessionsOnly = broadcaster.subscribe(topics: [.session])
        let invocations = (1...6).map { Self.invocation(Int64($0)) }
        broadcaster.publish(BatchResult(outcomes: [], invocations: invocations,
                                        sessions: [Self.change(.started, "s", position: 0), Self.change(.ended, "s", position: 6)]))
        broadcaster.close()
        // 3 fit; then 4 invocations and the end do not: one gap, counted per topic, where it happened.
        #expect(try await Self.drain(both) == ["session started", "invocation 1", "invocation 2",
                                                "lagged 5 invocation=4,session=1"])
        // The session-only subscriber had room for both of its events and is charged for nothing.
        #expect(try await Self.drain(sessionsOnly) == ["session started", "session ended"])
    }

    @Test func dropsBeforeTheQueueCountOnlyTheSubscribersTopics() async throws {
        let broadcaster = EventHub<IngestTopic>(bufferCapacity: 10_000)
        let sessionsOnly = broadcaster.subscribe(topics: [.session])
        broadcaster.markMissed(MissedEvents<IngestTopic>([.invocation: 210_000, .session: 21]))
        broadcaster.close()
        #expect(try await Self.drain(sessionsOnly) == ["lagged 21 session=21"])
    }

    @Test func aSecondSubscribeAddsTopicsToTheSameStream() async throws {
        let broadcaster = EventHub<IngestTopic>(bufferCapacity: 10_000)
        let source = broadcaster.subscribe(topics: [.session])
        #expect(source.subscribe(to: [.invocation, .session]) == [.invocation, .session])
        broadcaster.publish(BatchResult(outcomes: [], invocations: [Self.invocation(7)],
                                        sessions: [Self.change(.started, "s", position: 0)]))
        broadcaster.close()
        #expect(try await Self.drain(source) == ["session started", "invocation 7"], "each event once")
        #expect(broadcaster.subscriberCount == 1)
    }

    @Test func cancellingAStreamUnsubscribesIt() async throws {
        let broadcaster = EventHub<IngestTopic>(bufferCapacity: 10_000)
        let source = broadcaster.subscribe(topics: [.invocation])
        let reader = Task { await source.next() }
        try await Task.sleep(for: .milliseconds(20))
        reader.cancel()
        #expect(await reader.value.isEmpty)
        #expect(broadcaster.subscriberCount == 0)
    }
}
