import NIOCore

/// The `data` of ingest's `commit` event: one committed batch, after its `invocation` and `session` events.
public struct CommitEvent: Codable, Sendable, Equatable {
    public let invocations: Int
    public let sessions: Int
    public let firstInvocationID: Int64?
    public let lastInvocationID: Int64?

    public init(invocations: Int, sessions: Int, firstInvocationID: Int64?, lastInvocationID: Int64?) {
        self.invocations = invocations
        self.sessions = sessions
        self.firstInvocationID = firstInvocationID
        self.lastInvocationID = lastInvocationID
    }

    enum CodingKeys: String, CodingKey {
        case invocations, sessions, firstInvocationID = "first_invocation_id", lastInvocationID = "last_invocation_id"
    }

    /// `last_invocation_id` read straight from a whole `commit` frame (no dictionaries, no JSONDecoder): a
    /// follower reads it once per batch. Nil for a batch of session changes only, or a frame the compact
    /// parser leaves to `WireEvent.decode`.
    public static func lastInvocationID(inFrame frame: ByteBuffer) -> Int64? {
        var last: Int64?
        let key = CodingKeys.lastInvocationID.stringValue
        let parsed = frame.withUnsafeReadableBytes { bytes in
            CompactJSONParser.forEachMember(of: bytes, under: "data") { name, value in
                if name == key, case .integer(let id) = value { last = id }
            }
        }
        return parsed ? last : nil
    }
}
