/// Numbers for the names an invocation carries — skills, users, sessions and workflow phases — given on first
/// sight, so that each name is hashed once per invocation and everything downstream (the state's figures, the
/// predictor's history) is kept in arrays and integer-keyed tables.
///
/// The profile of the first versions had most of the apply path in string hashing: the state and the
/// predictor each looked up the same four names.
public struct InvocationNames: Sendable {
    public private(set) var skills = NameTable()
    public private(set) var users = NameTable()
    public private(set) var sessions = NameTable()
    public private(set) var phases = NameTable()

    public init() {}

    /// Numbers `record`'s names, numbering any it has not seen.
    public mutating func number(_ record: InvocationRecord) -> NumberedInvocation {
        NumberedInvocation(id: record.id, skill: skills.number(record.skillName),
                           user: record.userID.map { users.number($0) },
                           session: sessions.number(record.sessionID),
                           phase: record.workflowPhase.map { phases.number($0) }, time: record.invokedAt,
                           completed: record.completed, duration: record.durationSeconds)
    }

    /// The numbers of a prediction query's names; nil for a name never seen (nothing is numbered).
    public func keys(of query: PredictionQuery) -> PredictionKeys {
        PredictionKeys(skill: skills[query.skillName], user: query.userID.flatMap { users[$0] },
                       phase: query.workflowPhase.flatMap { phases[$0] },
                       session: query.sessionID.flatMap { sessions[$0] })
    }
}

/// Names numbered 0, 1, 2… in order of first sight.
public struct NameTable: Sendable {
    public private(set) var numbers: [String: Int32] = [:]
    public private(set) var names: [String] = []

    public init() {}

    public var count: Int { names.count }
    public subscript(name: String) -> Int32? { numbers[name] }
    public subscript(number: Int32) -> String { names[Int(number)] }

    /// The name's number; a new name gets the next one (`count` before the call).
    public mutating func number(_ name: String) -> Int32 {
        if let number = numbers[name] { return number }
        let number = Int32(names.count)
        numbers[name] = number
        names.append(name)
        return number
    }
}

/// One invocation with its names replaced by `InvocationNames` numbers: a plain value, cheap to copy and hold.
public struct NumberedInvocation: Sendable, Equatable {
    public var id: Int64
    public var skill: Int32
    public var user: Int32?
    public var session: Int32
    public var phase: Int32?
    /// invoked_at, milliseconds since the Unix epoch.
    public var time: Int64
    public var completed: Bool
    public var duration: Double?

    public init(id: Int64, skill: Int32, user: Int32?, session: Int32, phase: Int32?, time: Int64, completed: Bool,
                duration: Double?) {
        self.id = id
        self.skill = skill
        self.user = user
        self.session = session
        self.phase = phase
        self.time = time
        self.completed = completed
        self.duration = duration
    }
}

/// The numbers of a prediction query's names (nil: never seen), looked up once and then used both to read
/// the features and, for a training row, to update the history.
public struct PredictionKeys: Sendable, Equatable {
    public var skill: Int32?
    public var user: Int32?
    public var phase: Int32?
    public var session: Int32?

    public init(skill: Int32?, user: Int32?, phase: Int32?, session: Int32?) {
        self.skill = skill
        self.user = user
        self.phase = phase
        self.session = session
    }
}
