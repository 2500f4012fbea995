import SkillPulseCore

/// One client request as the writer executes it, inside the batch transaction it shares with its neighbours.
public enum WriteCommand: Sendable {
    case createSession(SessionInput)
    case endSession(sessionID: String, endedAt: UTCTimestamp)
    /// One or more invocations stored all or nothing (`track_invocation` is a batch of one).
    case invocations([InvocationInput])

    /// How many rows the command may insert; bounds the writer's queue.
    public var weight: Int {
        if case .invocations(let list) = self { return max(list.count, 1) }
        return 1
    }
}

/// A session row as stored.
public struct SessionRecord: Sendable, Equatable {
    public var sessionID: String
    public var userID: String?
    public var projectPath: String?
    public var startedAt: String
    public var endedAt: String?
}

/// The result of one command.
public enum WriteOutcome: Sendable, Equatable {
    case sessionCreated(SessionRecord)
    case sessionEnded(SessionRecord, alreadyEnded: Bool)
    /// Ids in request order; `inserted` counts rows that were new (the rest were idempotent retries).
    case invocationsStored(ids: [Int64], inserted: Int)
    case rejected(WriteRejection)
    /// The database failed this command even when it ran alone; `retryable` for I/O and lock errors.
    case failed(message: String, retryable: Bool)
}

/// A command refused for a reason the client can act on.
public struct WriteRejection: Error, Sendable, Equatable {
    /// `invalid`: a field contradicts stored state in a way no retry fixes (e.g. an end before the start).
    public enum Kind: Sendable, Equatable { case conflict, notFound, invalid }
    public let kind: Kind
    public let message: String
}

/// An invocation as committed, for the event stream.
public struct CommittedInvocation: Sendable {
    public internal(set) var id: Int64
    public let input: InvocationInput
    public let userID: String?
    /// `input.invokedAt` in the stored normalised form.
    public let invokedAt: String
    public let createdAt: String
}

/// A session change as committed, for the event stream.
public struct SessionChange: Sendable {
    public enum Kind: String, Sendable { case started, ended }
    public let kind: Kind
    public let session: SessionRecord
    /// True when the session was created on the fly by its first invocation.
    public let implicit: Bool
    /// How many of the batch's invocations come before this change in request order, so that the event
    /// stream can interleave both kinds exactly as the requests did.
    public let position: Int

    func shifted(by offset: Int) -> SessionChange {
        SessionChange(kind: kind, session: session, implicit: implicit, position: position + offset)
    }
}

/// Everything one committed batch produced, in commit order.
public struct BatchResult: Sendable {
    public var outcomes: [WriteOutcome]
    public var invocations: [CommittedInvocation]
    public var sessions: [SessionChange]
}

/// The windowed figures of `skill_metrics_cache` for one skill.
public struct CacheWindowFigures: Sendable, Equatable {
    public var count1h: Int
    public var count24h: Int
    public var completed24h: Int

    public init(count1h: Int, count24h: Int, completed24h: Int) {
        self.count1h = count1h
        self.count24h = count24h
        self.completed24h = completed24h
    }

    public static let zero = CacheWindowFigures(count1h: 0, count24h: 0, completed24h: 0)

    /// `avg_completion_rate_24h`: nil when the day holds no invocation.
    public var completionRate24h: Double? { count24h > 0 ? Double(completed24h) / Double(count24h) : nil }
}
