/// An `ab_test_configs` row as analytics reads and writes it.
public struct ABTestConfigRow: Sendable, Equatable {
    public let testID: Int64
    public let testName: String
    public let description: String?
    public let controlStrategy: String
    public let treatmentStrategy: String
    public let startDate: String
    public let endDate: String?
    public let minSampleSize: Int
    /// As stored: SkillPulse writes a JSON object (`{"metric": …, "minimum_detectable_effect": …}`), the reference
    /// a comma-joined list of metric names.
    public let metrics: String?
    public let assignmentRatio: Double
    public let status: String

    public init(testID: Int64, testName: String, description: String?, controlStrategy: String, treatmentStrategy: String,
                startDate: String, endDate: String?, minSampleSize: Int, metrics: String?, assignmentRatio: Double,
                status: String) {
        self.testID = testID
        self.testName = testName
        self.description = description
        self.controlStrategy = controlStrategy
        self.treatmentStrategy = treatmentStrategy
        self.startDate = startDate
        self.endDate = endDate
        self.minSampleSize = minSampleSize
        self.metrics = metrics
        self.assignmentRatio = assignmentRatio
        self.status = status
    }
}

/// An `ab_test_assignments` row.
public struct ABTestAssignmentRow: Sendable, Equatable {
    public let testID: Int64
    public let userID: String
    public let groupName: String
}

/// An `ab_test_outcomes` row.
public struct ABTestOutcomeRow: Sendable, Equatable {
    public let outcomeID: Int64
    public let testID: Int64
    public let userID: String
    public let skillName: String
    public let completed: Bool
    public let durationSeconds: Double?
    public let userRating: Double?

    public init(outcomeID: Int64, testID: Int64, userID: String, skillName: String, completed: Bool,
                durationSeconds: Double?, userRating: Double?) {
        self.outcomeID = outcomeID
        self.testID = testID
        self.userID = userID
        self.skillName = skillName
        self.completed = completed
        self.durationSeconds = durationSeconds
        self.userRating = userRating
    }
}
