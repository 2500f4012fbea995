/// The kinds of event `ingest.sock` streams; `subscribe` names them.
public enum EventTopic: String, Sendable, CaseIterable, Comparable {
    case invocation, session

    public static func < (lhs: EventTopic, rhs: EventTopic) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Events missed per topic: what a `lagged` event reports.
struct MissedEvents: Sendable, Equatable {
    var invocation = 0
    var session = 0

    var total: Int { invocation + session }

    subscript(topic: EventTopic) -> Int {
        get { topic == .invocation ? invocation : session }
        set { if topic == .invocation { invocation = newValue } else { session = newValue } }
    }

    /// Only the counts of `topics`: a subscriber is never told about events it did not ask for.
    func restricted(to topics: Set<EventTopic>) -> MissedEvents {
        var kept = MissedEvents()
        for topic in topics { kept[topic] = self[topic] }
        return kept
    }

    static func += (lhs: inout MissedEvents, rhs: MissedEvents) {
        lhs.invocation += rhs.invocation
        lhs.session += rhs.session
    }
}
