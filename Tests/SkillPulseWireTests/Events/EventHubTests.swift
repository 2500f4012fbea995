import Foundation
import NIOCore
import SkillPulseWire
import Testing

/// The one fan-out every daemon uses, driven directly with a topic enum of its own: bounded queues, exact
/// per-topic gaps announced where they are, encoding only when someone has room, at most `framesPerWrite`
/// frames per hand-over, idempotent cancel and streams that end after what is queued.
struct EventHubTests {
    enum Topic: String, EventTopic { case alpha, beta }

    struct Payload: Codable { let n: Int }

    /// Every frame of a stream until it ends, as "name n" or "lagged total alpha=…,beta=…".
    static func drain(_ queue: SubscriberQueue<Topic>) async throws -> [String] {
        var events: [String] = []
        while true {
            let frames = await queue.next()
            if frames.isEmpty { return events }
            for var frame in frames {
                _ = frame.readInteger(as: UInt32.self)
                let data = Data(frame.readableBytesView)
                let name = try JSONDecoder().decode(EventFrame<JSONValue>.self, from: data).event
                if name == LaggedEvent.name {
                    let lagged = try JSONDecoder().decode(EventFrame<LaggedEvent>.self, from: data).data
                    let topics = lagged.topics.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                    events.append("lagged \(lagged.missed) " + topics.joined(separator: ","))
                } else {
                    events.append("\(name) \(try JSONDecoder().decode(EventFrame<Payload>.self, from: data).data.n)")
                }
            }
        }
    }

    @Test func aFullQueueTurnsEventsIntoOneGapCountedPerTopicWhereItHappened() async throws {
        let hub = EventHub<Topic>(bufferCapacity: 2)
        let both = hub.subscribe(topics: [.alpha, .beta])
        let betaOnly = hub.subscribe(topics: [.beta])
        for n in 1...3 { hub.publish(.alpha, data: Payload(n: n)) }
        hub.publish(.beta, data: Payload(n: 4))
        hub.close()
        #expect(try await Self.drain(both) == ["alpha 1", "alpha 2", "lagged 2 alpha=1,beta=1"])
        #expect(try await Self.drain(betaOnly) == ["beta 4"], "a subscriber never hears of topics it did not ask for")
    }

    @Test func missesBeforeTheHubCountOnlyTheSubscribersTopics() async throws {
        let hub = EventHub<Topic>(bufferCapacity: 10)
        let betaOnly = hub.subscribe(topics: [.beta])
        hub.markMissed(MissedEvents([.alpha: 5, .beta: 2]))
        hub.publish(.beta, data: Payload(n: 1))
        hub.close()
        #expect(try await Self.drain(betaOnly) == ["lagged 2 beta=2", "beta 1"])
    }

    @Test func nothingIsEncodedForAFullOrAbsentAudience() {
        let hub = EventHub<Topic>(bufferCapacity: 1)
        var encoded = 0
        hub.publish { emit in emit(.alpha) { encoded += 1; return nil } }
        #expect(encoded == 0, "no subscriber")
        let queue = hub.subscribe(topics: [.alpha])
        hub.publish(.alpha, data: Payload(n: 1))
        hub.publish { emit in
            emit(.alpha) { encoded += 1; return nil }
            emit(.beta) { encoded += 1; return nil }
        }
        #expect(encoded == 0, "the only subscriber is full, and nobody follows beta")
        queue.cancel()
    }

    @Test func oneHandOverCarriesAtMostFramesPerWrite() async throws {
        let count = SubscriberQueue<Topic>.framesPerWrite + 10
        let hub = EventHub<Topic>(bufferCapacity: count)
        let queue = hub.subscribe(topics: [.alpha])
        for n in 0..<count { hub.publish(.alpha, data: Payload(n: n)) }
        #expect(await queue.next().count == SubscriberQueue<Topic>.framesPerWrite)
        #expect(await queue.next().count == 10)
        queue.cancel()
    }

    @Test func cancelIsIdempotentAndUnsubscribes() async {
        let hub = EventHub<Topic>(bufferCapacity: 4)
        let queue = hub.subscribe(topics: [.alpha])
        #expect(hub.subscriberCount == 1 && hub.hasSubscribers(for: .alpha) && !hub.hasSubscribers(for: .beta))
        queue.cancel()
        queue.cancel()
        #expect(hub.subscriberCount == 0)
        #expect(await queue.next().isEmpty)
        let waiting = hub.subscribe(topics: [.beta])
        let reader = Task { await waiting.next() }
        try? await Task.sleep(for: .milliseconds(20))
        reader.cancel()
        #expect(await reader.value.isEmpty, "a cancelled reader returns at once")
        #expect(hub.subscriberCount == 0)
    }

    @Test func closeFlushesWhatIsQueuedAndLaterSubscribersEndAtOnce() async throws {
        let hub = EventHub<Topic>(bufferCapacity: 8)
        let queue = hub.subscribe(topics: [.alpha])
        hub.publish(.alpha, data: Payload(n: 7))
        hub.close()
        hub.publish(.alpha, data: Payload(n: 8))
        #expect(try await Self.drain(queue) == ["alpha 7"])
        #expect(try await Self.drain(hub.subscribe(topics: [.alpha])).isEmpty)
    }

    @Test func aSecondSubscribeAddsTopicsAndUnknownNamesAreRefusedWithTheKnownOnes() throws {
        let hub = EventHub<Topic>(bufferCapacity: 8)
        let queue = hub.subscribe(topics: [.beta])
        #expect(queue.subscribe(to: [.alpha]) == [.alpha, .beta])
        #expect(try Topic.subscription(["beta", "alpha", "beta"]) == [.alpha, .beta])
        #expect(throws: WireError.badRequest("params.topics: unknown topic \"gamma\"; known: alpha, beta")) {
            try Topic.subscription(["alpha", "gamma"])
        }
        #expect(throws: WireError.badRequest("params.topics must name at least one of alpha, beta")) {
            try Topic.subscription([])
        }
        queue.cancel()
    }
}
