import Foundation

/// The workflow phases the schema recognises (session-buddy's V3 recommendation, now enforced).
public enum WorkflowPhase: String, Sendable, CaseIterable, Codable {
    case setup, execution, verification, cleanup, rollback
}

/// One invocation after validation: every field within its documented bounds, `invokedAt` in UTC.
public struct InvocationInput: Sendable, Equatable {
    public var sessionID: String
    public var skillName: String
    public var completed: Bool
    public var durationSeconds: Double?
    public var invokedAt: UTCTimestamp
    public var userQuery: String?
    public var workflowPath: String?
    public var workflowPhase: WorkflowPhase?
    public var workflowStepID: String?
    public var errorType: String?
    public var alternativesConsidered: [String]?
    public var selectionRank: Int?
    public var followUpActions: [String]?
    public var userID: String?
    public var idempotencyKey: String?

    public init(
        sessionID: String, skillName: String, completed: Bool, durationSeconds: Double? = nil,
        invokedAt: UTCTimestamp, userQuery: String? = nil, workflowPath: String? = nil,
        workflowPhase: WorkflowPhase? = nil, workflowStepID: String? = nil, errorType: String? = nil,
        alternativesConsidered: [String]? = nil, selectionRank: Int? = nil, followUpActions: [String]? = nil,
        userID: String? = nil, idempotencyKey: String? = nil
    ) {
        self.sessionID = sessionID
        self.skillName = skillName
        self.completed = completed
        self.durationSeconds = durationSeconds
        self.invokedAt = invokedAt
        self.userQuery = userQuery
        self.workflowPath = workflowPath
        self.workflowPhase = workflowPhase
        self.workflowStepID = workflowStepID
        self.errorType = errorType
        self.alternativesConsidered = alternativesConsidered
        self.selectionRank = selectionRank
        self.followUpActions = followUpActions
        self.userID = userID
        self.idempotencyKey = idempotencyKey
    }
}

/// A new session after validation.
public struct SessionInput: Sendable, Equatable {
    public var sessionID: String
    public var projectPath: String
    public var userID: String?
    public var startedAt: UTCTimestamp

    public init(sessionID: String, projectPath: String, userID: String?, startedAt: UTCTimestamp) {
        self.sessionID = sessionID
        self.projectPath = projectPath
        self.userID = userID
        self.startedAt = startedAt
    }
}

/// A field that broke its rule; the message names the field so a client can fix its request.
public struct FieldError: Error, Sendable, Equatable, CustomStringConvertible {
    public let field: String
    public let message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// The bounds every field must respect; `docs/protocol.md` documents the same table.
public enum FieldRules {
    public static let maxNameLength = 200
    public static let maxIdentifierLength = 200
    public static let maxPathLength = 4096
    public static let maxQueryLength = 16_384
    public static let maxListItems = 100
    public static let maxDurationSeconds = 7 * 86_400.0
    /// Invocations stamped further ahead than this are rejected: the sender's clock or code is wrong.
    public static let maxFutureSkewMilliseconds: Int64 = 5 * 60 * 1000
    /// Names and paths hold at most this many UTF-8 bytes per character of their limit.
    /// (32: a family emoji is 18 bytes; one "character" of 100,000 combining marks is not a name.)
    public static let maxBytesPerCharacter = 32
    /// Back-dating stops at the Unix epoch: earlier instants are a client's bug, and keeping every stored
    /// instant inside four-digit years keeps the stored text sortable and readable by SQLite.
    public static let earliestTimestamp = UTCTimestamp(millisecondsSinceEpoch: 0)

    /// A required identifier or name (`session_id`, `user_id`, `idempotency_key`, `skill_name`, …): the rules
    /// of `path(_:field:limit:)` plus Unicode NFC. Swift compares strings by canonical equivalence while SQLite compares
    /// bytes, so `café` typed precomposed and `cafe\u{301}` would be one key in ingest's memory and two rows in
    /// the database; normalising before anything is looked up or stored makes both sides agree.
    public static func name(_ value: String, field: String, limit: Int = maxNameLength) throws(FieldError) -> String {
        let checked = try path(value, field: field, limit: limit)
        // Printable ASCII is already NFC; only other text pays for normalisation. The standard library's own
        // NFC, because its `==` is what ingest's dictionaries use: Foundation's on Linux missed Hangul LV+T
        // composition and some reorderings, so two spellings equal to Swift stayed two rows to SQLite.
        if checked.utf8.allSatisfy({ $0 < 0x80 }) { return checked }
        return String(decoding: checked._nfcCodeUnits, as: UTF8.self)
    }

    /// A required name kept byte for byte (`project_path`: a file system path names its bytes, and Linux
    /// tells `café` and `cafe\u{301}` apart): 1…`limit` characters, no control characters, no surrounding
    /// whitespace.
    public static func path(_ value: String, field: String, limit: Int = maxPathLength) throws(FieldError) -> String {
        guard !value.isEmpty else { throw FieldError(field, "must not be empty") }
        // Printable ASCII (nearly every name) needs no grapheme counting or Unicode property lookups: each
        // byte is one character, none is a control, and the only whitespace is the space.
        if value.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            let count = value.utf8.count
            guard count <= limit else { throw FieldError(field, "must be at most \(limit) characters (got \(count))") }
            guard value.utf8.first != 0x20, value.utf8.last != 0x20 else {
                throw FieldError(field, "must not start or end with whitespace")
            }
            return value
        }
        // Characters are grapheme clusters, and one may hold any number of combining marks: bound the bytes
        // too, or a single "character" of 6 MB holds the writer up.
        guard value.utf8.count <= limit * maxBytesPerCharacter else {
            throw FieldError(field, "must be at most \(limit * maxBytesPerCharacter) bytes of UTF-8 (got \(value.utf8.count))")
        }
        let count = value.count
        guard count <= limit else { throw FieldError(field, "must be at most \(limit) characters (got \(count))") }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw FieldError(field, "must not contain control characters")
        }
        guard value.first?.isWhitespace != true, value.last?.isWhitespace != true else {
            throw FieldError(field, "must not start or end with whitespace")
        }
        return value
    }

    public static func optionalName(_ value: String?, field: String, limit: Int = maxNameLength) throws(FieldError)
        -> String?
    {
        guard let value else { return nil }
        return try name(value, field: field, limit: limit)
    }

    /// Free text (a user query): bounded, may contain newlines.
    public static func text(_ value: String?, field: String, limit: Int) throws(FieldError) -> String? {
        guard let value else { return nil }
        guard value.utf8.count <= limit * maxBytesPerCharacter, value.count <= limit else {
            throw FieldError(field, "must be at most \(limit) characters and \(limit * maxBytesPerCharacter) bytes")
        }
        return value
    }

    public static func list(_ value: [String]?, field: String) throws(FieldError) -> [String]? {
        guard let value else { return nil }
        guard value.count <= maxListItems else { throw FieldError(field, "must have at most \(maxListItems) items") }
        var normalised: [String] = []
        normalised.reserveCapacity(value.count)
        for (index, item) in value.enumerated() {
            normalised.append(try name(item, field: "\(field)[\(index)]"))
        }
        return normalised
    }

    public static func duration(_ value: Double?, field: String = "duration_seconds") throws(FieldError) -> Double? {
        guard let value else { return nil }
        guard value.isFinite, value >= 0 else { throw FieldError(field, "must be a finite number ≥ 0") }
        guard value <= maxDurationSeconds else { throw FieldError(field, "must be at most \(Int(maxDurationSeconds)) s") }
        return value
    }

    public static func rank(_ value: Int?, field: String = "selection_rank") throws(FieldError) -> Int? {
        guard let value else { return nil }
        guard value >= 1, value <= 1000 else { throw FieldError(field, "must be an integer from 1 to 1000") }
        return value
    }

    public static func phase(_ value: String?, field: String = "workflow_phase") throws(FieldError) -> WorkflowPhase? {
        guard let value else { return nil }
        guard let phase = WorkflowPhase(rawValue: value) else {
            let known = WorkflowPhase.allCases.map(\.rawValue).joined(separator: ", ")
            throw FieldError(field, "must be one of \(known) (got \"\(value.prefix(40))\")")
        }
        return phase
    }

    /// An ISO-8601 time with a zone; absent means the time of receipt. Far-future stamps are refused.
    public static func timestamp(_ value: String?, field: String, now: UTCTimestamp) throws(FieldError) -> UTCTimestamp {
        guard let value else { return now }
        guard let parsed = UTCTimestamp(iso8601: value) else {
            throw FieldError(field, "must be ISO-8601 with a zone, YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM), e.g. "
                             + "2026-11-25T03:00:00.123Z or …+01:00 (no leap second :60, no ±HHMM, no , fraction)")
        }
        guard parsed >= earliestTimestamp else {
            throw FieldError(field, "is before \(earliestTimestamp), the earliest instant SkillPulse stores")
        }
        guard parsed.millisecondsSinceEpoch - now.millisecondsSinceEpoch <= maxFutureSkewMilliseconds else {
            throw FieldError(field, "is more than 5 minutes in the future")
        }
        return parsed
    }
}
