/// The kinds of event `ingest.sock` streams; `subscribe` names them. `commit` is one event per committed
/// batch (its invocation ids), for followers that read the rows from the database rather than one event each.
public enum EventTopic: String, Sendable, CaseIterable, Comparable {
    case invocation, session, commit

    public static func < (lhs: EventTopic, rhs: EventTopic) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Events missed per topic: what a `lagged` event reports.
struct MissedEvents: Sendable, Equatable {
    var invocation = 0
    var session = 0
    var commit = 0

    var total: Int { invocation + session + commit }

    subscript(topic: EventTopic) -> Int {
        get {
            switch topic {
            case .invocation: invocation
            case .session: session
            case .commit: commit
            }
        }
        set {
            switch topic {
            case .invocation: invocation = newValue
            case .session: session = newValue
            case .commit: commit = newValue
            }
        }
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
        lhs.commit += rhs.commit
    }
}
