import NIOCore

/// The `data` of a `lagged` event: how many events the subscriber missed at this place in its stream, in total
/// and per topic it subscribed to. It must resync (read what it missed from the database, or drop its state).
public struct LaggedEvent: Codable, Sendable, Equatable {
    public static let name = "lagged"

    public let missed: Int
    public let topics: [String: Int]

    public init(missed: Int, topics: [String: Int]) {
        self.missed = missed
        self.topics = topics
    }

    /// The counts of `missed` for every topic in `topics` (zero included, so a client sees what it follows).
    public init<Topic: EventTopic>(_ missed: MissedEvents<Topic>, topics: Set<Topic>) {
        self.init(missed: missed.restricted(to: topics).total,
                  topics: Dictionary(uniqueKeysWithValues: topics.map { ($0.rawValue, missed[$0]) }))
    }

    static func frame<Topic: EventTopic>(_ missed: MissedEvents<Topic>, topics: Set<Topic>) -> ByteBuffer? {
        try? WireReply.event(name, data: LaggedEvent(missed, topics: topics))
    }
}
