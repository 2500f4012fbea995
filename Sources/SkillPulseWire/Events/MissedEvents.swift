/// Events a subscriber missed at one place in its stream, counted per topic: what a `lagged` event reports.
public struct MissedEvents<Topic: EventTopic>: Sendable, Equatable {
    private var counts: [Int]

    public init() { counts = Array(repeating: 0, count: Topic.allCases.count) }

    public init(_ counts: [Topic: Int]) {
        self.init()
        for (topic, count) in counts { self[topic] = count }
    }

    public var total: Int { counts.reduce(0, +) }

    public subscript(topic: Topic) -> Int {
        get { counts[topic.ordinal] }
        set { counts[topic.ordinal] = newValue }
    }

    /// Only the counts of `topics`: a subscriber is never told about events it did not ask for.
    public func restricted(to topics: Set<Topic>) -> MissedEvents {
        var kept = MissedEvents()
        for topic in topics { kept[topic] = self[topic] }
        return kept
    }

    public static func += (lhs: inout MissedEvents, rhs: MissedEvents) {
        for index in lhs.counts.indices { lhs.counts[index] += rhs.counts[index] }
    }
}
