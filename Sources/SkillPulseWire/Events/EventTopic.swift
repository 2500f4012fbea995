/// A kind of event a daemon streams (`subscribe` names topics by their raw value): the hub, the subscriber
/// queues and `lagged` counts are generic over a daemon's own topic enum.
public protocol EventTopic: RawRepresentable, CaseIterable, Hashable, Comparable, Sendable
where RawValue == String, AllCases == [Self] {}

extension EventTopic {
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The topic named `name`, or a `bad_request` listing the known ones.
    public static func named(_ name: String, field: String = "params.topics") throws(WireError) -> Self {
        guard let topic = Self(rawValue: name) else {
            throw WireError.badRequest("\(field): unknown topic \"\(name.prefix(64))\"; known: "
                                       + allCases.map(\.rawValue).joined(separator: ", "))
        }
        return topic
    }

    /// The topics a `subscribe` names: at least one, each known, else a `bad_request` listing the known ones.
    public static func subscription(_ names: [String], field: String = "params.topics") throws(WireError) -> Set<Self> {
        guard !names.isEmpty else {
            throw WireError.badRequest("\(field) must name at least one of " + allCases.map(\.rawValue).joined(separator: ", "))
        }
        var topics: Set<Self> = []
        for name in names { topics.insert(try named(name, field: field)) }
        return topics
    }
}
