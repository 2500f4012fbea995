import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire

/// `create_ab_test`'s validated fields.
public struct ABTestRequest: Sendable, Equatable {
    public let name: String
    public let description: String?
    public let controlStrategy: String
    public let treatmentStrategy: String
    public let assignmentRatio: Double
    public let minimumSampleSize: Int
    public let metric: String
    public let minimumDetectableEffect: Double?
    public let unit: RandomizationUnit
}

/// Who an A/B request is about: a user, a session, or both. Which one is the randomization unit is the test's
/// setting, known only once the test is found (`unitID(for:)`).
public struct ABUnitKey: Sendable, Equatable {
    public let user: String?
    public let session: String?

    /// The id this test randomizes by; `bad_request` naming the missing field.
    public func unitID(for unit: RandomizationUnit, testID: Int64) throws(WireError) -> String {
        switch unit {
        case .user:
            guard let user else {
                throw WireError.badRequest("params.user_id is required: A/B test \(testID) randomizes users")
            }
            return user
        case .session:
            guard let session else {
                throw WireError.badRequest("params.session_id is required: A/B test \(testID) randomizes sessions")
            }
            return session
        }
    }
}

/// `record_ab_outcome`'s validated fields.
public struct ABOutcomeRequest: Sendable, Equatable {
    public let testID: Int64
    public let unit: ABUnitKey
    public let skillName: String
    public let completed: Bool
    public let durationSeconds: Double?
    public let userRating: Double?
    /// A retry with the same key answers the first outcome and counts nothing.
    public let idempotencyKey: String?
}

extension AnalyticsOperation {
    /// The metrics an A/B test can compare (outcomes are completed or not).
    public static let abTestMetrics = ["completion_rate"]

    static func predictSuccess(_ params: WireParams) throws -> ModelOperation {
        let decoded = try params.decode(PredictParams.self)
        let sessionID = decoded.sessionContext?.sessionID
        let skills = try field { () throws(FieldError) in
            try FieldRules.list(decoded.sessionContext?.skillsUsedInSession, field: "session_context.skills_used_in_session")
        }
        _ = try field { () throws(FieldError) in
            try FieldRules.text(decoded.userQuery, field: "user_query", limit: FieldRules.maxQueryLength)
        }
        return .predictSuccess(PredictionQuery(
            skillName: try skill(decoded.skillName), userID: try optionalText(decoded.userID, "user_id"),
            workflowPhase: try field { () throws(FieldError) in try FieldRules.phase(decoded.workflowPhase) }?.rawValue,
            sessionID: try optionalText(sessionID, "session_context.session_id"),
            sessionInvocations: skills?.count,
            time: UTCTimestamp.now().millisecondsSinceEpoch))
    }

    static func trainModel(_ params: WireParams) throws -> ModelOperation {
        let days = try params.decode(TrainParams.self).days ?? 30
        guard (1...90).contains(days) else { throw WireError.badRequest("params.days must be between 1 and 90") }
        return .train(days: days)
    }

    static func skillClusters(_ params: WireParams) throws -> ModelOperation {
        .clusters(limit: try limit(params.decode(LimitParams.self).limit ?? 20))
    }

    static func createABTest(_ params: WireParams) throws -> ExperimentOperation {
        let decoded = try params.decode(CreateTestParams.self)
        let ratio = decoded.assignmentRatio ?? 0.5
        guard ratio > 0, ratio < 1 else {
            throw WireError.badRequest("params.assignment_ratio must be strictly between 0 and 1 (the share in control)")
        }
        let minimum = decoded.minSampleSize ?? 100
        guard minimum >= 1 else { throw WireError.badRequest("params.min_sample_size must be ≥ 1") }
        let metric = decoded.metric ?? "completion_rate"
        guard abTestMetrics.contains(metric) else {
            throw WireError.badRequest("params.metric: unknown metric \"\(metric.prefix(64))\"; known: "
                                       + abTestMetrics.joined(separator: ", "))
        }
        if let effect = decoded.minimumDetectableEffect, !(effect > 0 && effect < 1) {
            throw WireError.badRequest("params.minimum_detectable_effect must be between 0 and 1 (rate points as a fraction)")
        }
        let description = try field { () throws(FieldError) in
            try FieldRules.text(decoded.description, field: "description", limit: maxDescriptionLength)
        }
        let unit = try decoded.randomizationUnit.map { name in
            guard let unit = RandomizationUnit(rawValue: name) else {
                throw WireError.badRequest("params.randomization_unit: unknown unit \"\(name.prefix(64))\"; known: "
                                           + RandomizationUnit.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return unit
        } ?? .user
        if let description, description.utf8.contains(0) {
            throw WireError.badRequest("params.description must not contain NUL characters")
        }
        return .create(ABTestRequest(
            name: try text(decoded.testName, "test_name"), description: description,
            controlStrategy: try text(decoded.controlStrategy, "control_strategy"),
            treatmentStrategy: try text(decoded.treatmentStrategy, "treatment_strategy"),
            assignmentRatio: ratio, minimumSampleSize: minimum, metric: metric,
            minimumDetectableEffect: decoded.minimumDetectableEffect, unit: unit))
    }

    static func assignABTest(_ params: WireParams) throws -> ExperimentOperation {
        let decoded = try params.decode(AssignParams.self)
        return .assign(testID: try testID(decoded.testID), unit: try unitKey(user: decoded.userID, session: decoded.sessionID))
    }

    static func recordABOutcome(_ params: WireParams) throws -> ExperimentOperation {
        let decoded = try params.decode(OutcomeParams.self)
        _ = try field { () throws(FieldError) in try FieldRules.duration(decoded.durationSeconds) }
        if let rating = decoded.userRating, !(1...5).contains(rating) {
            throw WireError.badRequest("params.user_rating must be between 1 and 5")
        }
        return .record(ABOutcomeRequest(
            testID: try testID(decoded.testID), unit: try unitKey(user: decoded.userID, session: decoded.sessionID),
            skillName: try skill(decoded.skillName), completed: decoded.completed,
            durationSeconds: decoded.durationSeconds, userRating: decoded.userRating,
            idempotencyKey: try optionalText(decoded.idempotencyKey, "idempotency_key")))
    }

    static func recommendations(_ params: WireParams) throws -> AnalyticsQuery {
        let decoded = try params.decode(RecommendationParams.self)
        return .recommendations(user: try text(decoded.userID, "user_id"), limit: try limit(decoded.limit ?? 5))
    }

    /// Descriptions are free text (newlines allowed), bounded so a listing of tests stays a reasonable frame.
    public static let maxDescriptionLength = 4_096

    /// A name or identifier by ingest's rules (`FieldRules.name`): no control characters (a NUL would cut the
    /// stored text short), no surrounding whitespace, at most 200 characters, NFC.
    static func text(_ value: String, _ name: String) throws -> String {
        try field { () throws(FieldError) in try FieldRules.name(value, field: name) }
    }

    static func optionalText(_ value: String?, _ field: String) throws -> String? {
        try value.map { try text($0, field) }
    }

    /// A user, a session or both, each by ingest's name rules; at least one.
    static func unitKey(user: String?, session: String?) throws -> ABUnitKey {
        let key = ABUnitKey(user: try optionalText(user, "user_id"), session: try optionalText(session, "session_id"))
        guard key.user != nil || key.session != nil else {
            throw WireError.badRequest("params.user_id is required (or params.session_id, for a test that randomizes sessions)")
        }
        return key
    }

    static func testID(_ value: Int64) throws -> Int64 {
        guard value >= 1 else { throw WireError.badRequest("params.test_id must be a positive integer") }
        return value
    }
}

private struct PredictParams: Decodable {
    struct SessionContext: Decodable {
        let sessionID: String?
        let skillsUsedInSession: [String]?
        enum CodingKeys: String, CodingKey { case sessionID = "session_id", skillsUsedInSession = "skills_used_in_session" }
    }
    let skillName: String
    let userQuery: String?
    let workflowPhase: String?
    let sessionContext: SessionContext?
    let userID: String?
    enum CodingKeys: String, CodingKey {
        case skillName = "skill_name", userQuery = "user_query", workflowPhase = "workflow_phase"
        case sessionContext = "session_context", userID = "user_id"
    }
}

private struct TrainParams: Decodable {
    let days: Int?
}

private struct CreateTestParams: Decodable {
    let testName: String
    let description: String?
    let controlStrategy: String
    let treatmentStrategy: String
    let assignmentRatio: Double?
    let minSampleSize: Int?
    let metric: String?
    let minimumDetectableEffect: Double?
    let randomizationUnit: String?
    enum CodingKeys: String, CodingKey {
        case testName = "test_name", description, controlStrategy = "control_strategy"
        case treatmentStrategy = "treatment_strategy", assignmentRatio = "assignment_ratio"
        case minSampleSize = "min_sample_size", metric, minimumDetectableEffect = "minimum_detectable_effect"
        case randomizationUnit = "randomization_unit"
    }
}

private struct AssignParams: Decodable {
    let testID: Int64
    let userID: String?
    let sessionID: String?
    enum CodingKeys: String, CodingKey { case testID = "test_id", userID = "user_id", sessionID = "session_id" }
}

private struct OutcomeParams: Decodable {
    let testID: Int64
    let userID: String?
    let sessionID: String?
    let skillName: String
    let completed: Bool
    let durationSeconds: Double?
    let userRating: Double?
    let idempotencyKey: String?
    enum CodingKeys: String, CodingKey {
        case testID = "test_id", userID = "user_id", sessionID = "session_id", skillName = "skill_name", completed
        case durationSeconds = "duration_seconds", userRating = "user_rating", idempotencyKey = "idempotency_key"
    }
}

struct TestParams: Decodable {
    let testID: Int64
    enum CodingKeys: String, CodingKey { case testID = "test_id" }
}

private struct RecommendationParams: Decodable {
    let userID: String
    let limit: Int?
    enum CodingKeys: String, CodingKey { case userID = "user_id", limit }
}
