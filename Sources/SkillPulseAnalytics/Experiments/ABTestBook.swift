/// What an A/B test randomizes, and so the unit its outcomes are analysed at.
public enum RandomizationUnit: String, Sendable, CaseIterable {
    /// Each user lands in one arm (the default, as in session-buddy).
    case user
    /// Each session lands in one arm: one developer can try both ways of working, session by session.
    case session
}

/// The settings of one A/B test, as created.
public struct ABTestConfig: Sendable, Equatable {
    public let testID: Int64
    public let name: String
    public let description: String?
    public let controlStrategy: String
    public let treatmentStrategy: String
    /// Share of users in control, in (0, 1).
    public let assignmentRatio: Double
    public let minimumSampleSize: Int
    public let metric: String
    public let minimumDetectableEffect: Double?
    public let unit: RandomizationUnit
    public let startDate: String

    public init(testID: Int64, name: String, description: String?, controlStrategy: String, treatmentStrategy: String,
                assignmentRatio: Double, minimumSampleSize: Int, metric: String, minimumDetectableEffect: Double?,
                unit: RandomizationUnit = .user, startDate: String) {
        self.testID = testID
        self.name = name
        self.description = description
        self.controlStrategy = controlStrategy
        self.treatmentStrategy = treatmentStrategy
        self.assignmentRatio = assignmentRatio
        self.minimumSampleSize = minimumSampleSize
        self.metric = metric
        self.minimumDetectableEffect = minimumDetectableEffect
        self.unit = unit
        self.startDate = startDate
    }

    /// τ of the sequential test: the effect the test is meant to find, 5 points when none was given.
    public var mixingScale: Double { abs(minimumDetectableEffect ?? 0.05) }
}

/// One A/B test as analytics keeps it: its settings, status, assignments and running figures.
public struct ABTestRecord: Sendable {
    public let config: ABTestConfig
    public var status: String
    public var endDate: String?
    /// Group of each assigned unit (a user id, or a session id for a `session` test).
    public var assignments: [String: ABTestAssignment.Group] = [:]
    /// Units stored (by another tool) in a group that is neither `control` nor `treatment`: they count in no
    /// arm, as in `v_ab_test_summary`, and are never reassigned.
    public var excluded: [String: String] = [:]
    public var control = ABTestArm()
    public var treatment = ABTestArm()
    public var sequential: SequentialRateTest

    public init(config: ABTestConfig, status: String, endDate: String?) {
        self.config = config
        self.status = status
        self.endDate = endDate
        sequential = SequentialRateTest(mixingScale: config.mixingScale, minimumPerArm: config.minimumSampleSize,
                                        minimumDetectableEffect: config.minimumDetectableEffect)
    }

    public var isRunning: Bool { status == "running" }

    public mutating func assign(_ user: String, to group: ABTestAssignment.Group) {
        guard assignments[user] == nil else { return }
        assignments[user] = group
        switch group {
        case .control: control.assignedUsers += 1
        case .treatment: treatment.assignedUsers += 1
        }
    }

    /// Adds an outcome of an assigned unit (in the order outcomes were stored: the sequential test looks after
    /// each one); false if the unit is not assigned.
    @discardableResult
    public mutating func record(unit: String, completed: Bool, duration: Double?, rating: Double?) -> Bool {
        guard let group = assignments[unit] else { return false }
        switch group {
        case .control: control.record(completed: completed, duration: duration, rating: rating)
        case .treatment: treatment.record(completed: completed, duration: duration, rating: rating)
        }
        sequential.record(unit: unit, treatment: group == .treatment, completed: completed)
        return true
    }

    public var analysis: ABTestAnalysis {
        ABTestAnalysis(control: control, treatment: treatment, sequential: sequential, unitName: config.unit.rawValue)
    }
}

/// Every A/B test analytics knows, by id and by name.
public struct ABTestBook: Sendable {
    public private(set) var tests: [Int64: ABTestRecord] = [:]
    public private(set) var idsByName: [String: Int64] = [:]

    public init() {}

    public mutating func add(_ record: ABTestRecord) {
        tests[record.config.testID] = record
        idsByName[record.config.name] = record.config.testID
    }

    public mutating func remove(_ id: Int64) {
        guard let record = tests.removeValue(forKey: id) else { return }
        if idsByName[record.config.name] == id { idsByName[record.config.name] = nil }
    }

    public subscript(id: Int64) -> ABTestRecord? {
        get { tests[id] }
        set {
            if let newValue { tests[id] = newValue } else { tests[id] = nil }
        }
    }

    /// All tests, newest first.
    public var all: [ABTestRecord] { tests.values.sorted { $0.config.testID > $1.config.testID } }
}
