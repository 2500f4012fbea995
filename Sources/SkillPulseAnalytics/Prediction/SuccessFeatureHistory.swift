import Foundation

/// The history a success prediction's features are computed from, as of one instant.
///
/// Serving reads the features of a query from the live history (everything observed); training rows get
/// theirs from a replay of the kept rows in time order (`TrainingLog`), each row's read *before* it and any
/// row of the same instant is observed — so no row's own outcome (or any later one) reaches its features,
/// whatever order the rows arrived in. The reference's predictor leaked the label through its familiarity
/// count. Both read the same definitions.
///
/// Rates are smoothed by a Beta prior towards a wider one (the user's rate on a skill towards the skill's, the
/// skill's towards everyone's) so that a first invocation gets the prior rather than 0 or 1, and enter the model
/// as log-odds. The user's smoothed rate on the skill is the prior itself: what is predicted without a model, and
/// the offset a model corrects (`priorFeature`).
public struct SuccessFeatureHistory: Sendable {
    /// The model's inputs, in order.
    public static let featureNames = [
        "skill_completion_rate", "skill_recent_completion_rate",
        "user_skill_completion_rate", "user_completion_rate", "user_skill_familiarity",
        "session_completion_rate", "session_position", "phase_completion_rate",
        "hour_of_day_sin", "hour_of_day_cos",
    ]
    public static var featureCount: Int { featureNames.count }
    /// `user_skill_completion_rate`: the log-odds of the prior (global → skill → user on the skill).
    public static let priorFeature = 2
    /// `hour_of_day_sin`, `hour_of_day_cos`.
    public static let hourOfDayFeatures: Set<Int> = [featureCount - 2, featureCount - 1]

    /// Pseudo-counts of the smoothing: how many invocations the wider rate is worth.
    static let priorWeight = 5.0
    /// Half-life of the recent completion rate.
    static let recentHalfLifeMillis = 86_400_000.0

    struct Counts: Sendable {
        var invocations = 0.0
        var completed = 0.0
        mutating func add(_ success: Bool) {
            invocations += 1
            if success { completed += 1 }
        }
        func rate(towards prior: Double, weight: Double = SuccessFeatureHistory.priorWeight) -> Double {
            (completed + weight * prior) / (invocations + weight)
        }
    }

    /// Invocations weighted by 2^(−age / half-life), as of `at` (the newest observed). A row older than `at`
    /// enters with its own age's weight, so the sums are the same in any order of arrival.
    struct Recent: Sendable {
        var invocations = 0.0
        var completed = 0.0
        var at: Int64 = .min
        func decayed(to time: Int64) -> Recent {
            guard at != .min, time > at else { return self }
            let factor = exp2(-Double(time - at) / SuccessFeatureHistory.recentHalfLifeMillis)
            return Recent(invocations: invocations * factor, completed: completed * factor, at: time)
        }
        mutating func add(_ success: Bool, at time: Int64) {
            self = decayed(to: time)
            let weight = at == .min || time >= at ? 1 : exp2(-Double(at - time) / SuccessFeatureHistory.recentHalfLifeMillis)
            invocations += weight
            if success { completed += weight }
            at = max(at, time)
        }
    }

    var global = Counts()
    /// By skill number (of `InvocationNames`), and likewise by user and session number.
    var skillCounts: [Counts] = []
    var skillRecent: [Recent] = []
    var userCounts: [Counts] = []
    var sessionCounts: [Counts] = []
    /// By pair number (`PairNumbers`): the (user, skill) and (skill, phase) pairs are numbered on first sight,
    /// so that a training replay (`TrainingLog`) updates arrays instead of hashing two keys per row.
    var userSkillCounts: [Counts] = []
    var skillPhaseCounts: [Counts] = []
    /// The numbering of the pairs; only the live history keeps it (a replay reads the numbers from its rows).
    var userSkillNumbers: [UInt64: Int32] = [:]
    var skillPhaseNumbers: [UInt64: Int32] = [:]
    public private(set) var observed = 0

    public init() {}

    /// The numbers of an invocation's (user, skill) and (skill, phase) pairs; -1 when it has no user or phase.
    struct PairNumbers: Sendable {
        var userSkill: Int32 = -1
        var skillPhase: Int32 = -1
    }

    /// The features of a query (its names' numbers, its time, and the position in its session when the
    /// caller knows it and the session is not known here) as of now: everything observed so far.
    public func features(_ keys: PredictionKeys, time: Int64, sessionInvocations: Int? = nil) -> [Double] {
        var pairs = PairNumbers()
        if let skill = keys.skill {
            if let user = keys.user { pairs.userSkill = userSkillNumbers[Self.key(user, skill)] ?? -1 }
            if let phase = keys.phase { pairs.skillPhase = skillPhaseNumbers[Self.key(phase, skill)] ?? -1 }
        }
        var row: [Double] = []
        row.reserveCapacity(Self.featureCount)
        appendFeatures(to: &row, skill: keys.skill ?? -1, user: keys.user ?? -1, session: keys.session ?? -1, pairs: pairs,
                       time: time, sessionInvocations: sessionInvocations)
        return row
    }

    /// Appends the features of a row (numbers -1 for none or never seen) to `row`.
    func appendFeatures(to row: inout [Double], skill: Int32, user: Int32, session: Int32, pairs: PairNumbers,
                        time: Int64, sessionInvocations: Int? = nil) {
        let globalRate = global.rate(towards: 0.5, weight: 1)
        let skillCounts = Self.entry(self.skillCounts, skill) ?? Counts()
        let skillRate = skillCounts.rate(towards: globalRate)
        let recent = Self.entry(skillRecent, skill)?.decayed(to: time) ?? Recent()
        let recentRate = (recent.completed + Self.priorWeight * skillRate) / (recent.invocations + Self.priorWeight)
        let userCounts = Self.entry(self.userCounts, user) ?? Counts()
        let userRate = userCounts.rate(towards: globalRate)
        let userSkillCounts = Self.entry(self.userSkillCounts, pairs.userSkill) ?? Counts()
        let userSkillRate = userSkillCounts.rate(towards: skillRate)
        let session = Self.entry(sessionCounts, session)
        let sessionRate = (session ?? Counts()).rate(towards: userRate)
        let position = session?.invocations ?? Double(max(0, sessionInvocations ?? 0))
        let phaseRate = (Self.entry(skillPhaseCounts, pairs.skillPhase) ?? Counts()).rate(towards: skillRate)
        let hour = Double(((time % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000
        let angle = 2 * Double.pi * hour / 24
        row.append(Self.logit(skillRate))
        row.append(Self.logit(recentRate))
        row.append(Self.logit(userSkillRate))
        row.append(Self.logit(userRate))
        row.append(log1p(userSkillCounts.invocations))
        row.append(Self.logit(sessionRate))
        row.append(log1p(position))
        row.append(Self.logit(phaseRate))
        row.append(sin(angle))
        row.append(cos(angle))
    }

    /// Adds one invocation's outcome to the history; returns its pairs' numbers (numbering new pairs).
    @discardableResult
    mutating func observe(_ invocation: NumberedInvocation) -> PairNumbers {
        var pairs = PairNumbers()
        if let user = invocation.user {
            pairs.userSkill = Self.number(Self.key(user, invocation.skill), in: &userSkillNumbers)
        }
        if let phase = invocation.phase {
            pairs.skillPhase = Self.number(Self.key(phase, invocation.skill), in: &skillPhaseNumbers)
        }
        observe(skill: invocation.skill, user: invocation.user ?? -1, session: invocation.session, pairs: pairs,
                time: invocation.time, completed: invocation.completed)
        return pairs
    }

    /// Adds one outcome by numbers (-1: none).
    mutating func observe(skill number: Int32, user: Int32, session: Int32, pairs: PairNumbers, time: Int64,
                          completed: Bool) {
        observed += 1
        global.add(completed)
        let skill = Int(number)
        Self.grow(&skillCounts, to: skill)
        Self.grow(&skillRecent, to: skill)
        skillCounts[skill].add(completed)
        skillRecent[skill].add(completed, at: time)
        if user >= 0 {
            Self.grow(&userCounts, to: Int(user))
            userCounts[Int(user)].add(completed)
        }
        if pairs.userSkill >= 0 {
            Self.grow(&userSkillCounts, to: Int(pairs.userSkill))
            userSkillCounts[Int(pairs.userSkill)].add(completed)
        }
        if pairs.skillPhase >= 0 {
            Self.grow(&skillPhaseCounts, to: Int(pairs.skillPhase))
            skillPhaseCounts[Int(pairs.skillPhase)].add(completed)
        }
        Self.grow(&sessionCounts, to: Int(session))
        sessionCounts[Int(session)].add(completed)
    }

    /// The number of `key`, numbering it if it is new.
    static func number(_ key: UInt64, in numbers: inout [UInt64: Int32]) -> Int32 {
        if let existing = numbers[key] { return existing }
        let number = Int32(numbers.count)
        numbers[key] = number
        return number
    }

    /// The entry of a number, nil when the number is absent or past what has been observed.
    static func entry<T>(_ table: [T], _ number: Int32?) -> T? {
        guard let number, number >= 0, Int(number) < table.count else { return nil }
        return table[Int(number)]
    }

    /// Numbers come from the state's `InvocationNames` in order of first sight, so this appends one entry
    /// at most; it fills any gap all the same.
    static func grow<T: DefaultCounts>(_ table: inout [T], to index: Int) {
        while table.count <= index { table.append(T()) }
    }

    static func logit(_ rate: Double) -> Double {
        let p = min(max(rate, 0.001), 0.999)
        return log(p / (1 - p))
    }

    static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }
}

/// A table entry that starts empty.
protocol DefaultCounts { init() }
extension SuccessFeatureHistory.Counts: DefaultCounts {}
extension SuccessFeatureHistory.Recent: DefaultCounts {}
