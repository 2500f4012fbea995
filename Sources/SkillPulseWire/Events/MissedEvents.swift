/// Events a subscriber missed at one place in its stream, counted per topic: what a `lagged` event reports.
public struct MissedEvents<Topic: EventTopic>: Sendable, Equatable {
    /// Only topics with a count (so equal figures compare equal); a publisher adds one per dropped event, so
    /// this is a small dictionary, not `allCases` (which a synthesized conformance builds anew on each call).
    private var counts: [Topic: Int] = [:]

    public init() {}

    public init(_ counts: [Topic: Int]) {
        for (topic, count) in counts { self[topic] = count }
    }

    public var total: Int { counts.values.reduce(0, +) }

    public subscript(topic: Topic) -> Int {
        get { counts[topic, default: 0] }
        set { counts[topic] = newValue == 0 ? nil : newValue }
    }

    /// Only the counts of `topics`: a subscriber is never told about events it did not ask for.
    public func restricted(to topics: Set<Topic>) -> MissedEvents {
        MissedEvents(counts.filter { topics.contains($0.key) })
    }

    public static func += (lhs: inout MissedEvents, rhs: MissedEvents) {
        for (topic, count) in rhs.counts { lhs[topic] += count }
    }
}
