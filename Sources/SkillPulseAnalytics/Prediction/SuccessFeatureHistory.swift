import Foundation

/// The history a success prediction's features are computed from, as of one instant.
///
/// The training rows' features come from replaying invocations through it in time order: each row's features
/// are read *before* the row itself is observed, so no row's own outcome (or any later one) reaches its
/// features — the reference's predictor leaked the label through its familiarity count. Serving reads the same
/// features from the live history, so training and serving see the same definitions.
///
/// Rates are smoothed towards a wider one (the user's rate on a skill towards the skill's, the skill's towards
/// everyone's) so that a first invocation gets the prior rather than 0 or 1, and enter the model as log-odds.
public struct SuccessFeatureHistory: Sendable {
    /// The model's inputs, in order.
    public static let featureNames = [
        "skill_completion_rate", "skill_recent_completion_rate", "skill_volume",
        "user_skill_completion_rate", "user_completion_rate", "user_skill_familiarity",
        "session_completion_rate", "session_position", "phase_completion_rate",
        "hour_of_day_sin", "hour_of_day_cos",
    ]
    public static var featureCount: Int { featureNames.count }

    /// Pseudo-counts of the smoothing: how many invocations the wider rate is worth.
    static let priorWeight = 5.0
    /// Half-life of the recent completion rate.
    static let recentHalfLifeMillis = 86_400_000.0
    /// A row older than the newest observed by more than this is late: it is observed, but not a training
    /// sample, since newer rows already shaped the history it would be read from.
    public static let latenessMillis: Int64 = 60_000

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

    struct Recent: Sendable {
        var invocations = 0.0
        var completed = 0.0
        var at: Int64 = .min
        func decayed(to time: Int64) -> Recent {
            guard at != .min, time > at else { return self }
            let factor = exp2(-Double(time - at) / SuccessFeatureHistory.recentHalfLifeMillis)
            return Recent(invocations: invocations * factor, completed: completed * factor, at: time)
        }
    }

    var global = Counts()
    /// By skill number (of `InvocationNames`), and likewise by user and session number.
    var skillCounts: [Counts] = []
    var skillRecent: [Recent] = []
    var userCounts: [Counts] = []
    var sessionCounts: [Counts] = []
    var userSkill: [UInt64: Counts] = [:]
    var skillPhase: [UInt64: Counts] = [:]
    public private(set) var newest: Int64 = .min
    public private(set) var observed = 0

    public init() {}

    /// Whether any invocation of the skill has been observed.
    public func knows(skill: Int32?) -> Bool { (Self.entry(skillCounts, skill)?.invocations ?? 0) > 0 }

    /// The features of a query (its names' numbers, its time, and the position in its session when the
    /// caller knows it and the session is not known here) as of now: everything observed so far.
    public func features(_ keys: PredictionKeys, time: Int64, sessionInvocations: Int? = nil) -> [Double] {
        let globalRate = global.rate(towards: 0.5, weight: 1)
        let skillCounts = Self.entry(self.skillCounts, keys.skill) ?? Counts()
        let skillRate = skillCounts.rate(towards: globalRate)
        let recent = Self.entry(skillRecent, keys.skill)?.decayed(to: time) ?? Recent()
        let recentRate = (recent.completed + Self.priorWeight * skillRate) / (recent.invocations + Self.priorWeight)
        let userCounts = Self.entry(self.userCounts, keys.user) ?? Counts()
        let userRate = userCounts.rate(towards: globalRate)
        var userSkillCounts = Counts()
        if let user = keys.user, let skill = keys.skill { userSkillCounts = userSkill[Self.key(user, skill)] ?? Counts() }
        let userSkillRate = userSkillCounts.rate(towards: skillRate)
        let session = Self.entry(sessionCounts, keys.session)
        let sessionRate = (session ?? Counts()).rate(towards: userRate)
        let position = session?.invocations ?? Double(max(0, sessionInvocations ?? 0))
        var phaseCounts = Counts()
        if let skill = keys.skill, let phase = keys.phase { phaseCounts = skillPhase[Self.key(phase, skill)] ?? Counts() }
        let phaseRate = phaseCounts.rate(towards: skillRate)
        let hour = Double(((time % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000
        let angle = 2 * Double.pi * hour / 24
        return [
            Self.logit(skillRate), Self.logit(recentRate), log1p(skillCounts.invocations),
            Self.logit(userSkillRate), Self.logit(userRate), log1p(userSkillCounts.invocations),
            Self.logit(sessionRate), log1p(position), Self.logit(phaseRate),
            sin(angle), cos(angle),
        ]
    }

    /// A row dated further than this past `now` (a foreign writer's typo, a skewed clock) is observed but does
    /// not move `newest`: one row from 2099 would otherwise make every later row "late" and stop training.
    public static let futureAllowanceMillis: Int64 = 300_000

    /// Adds one invocation's outcome to the history; `now` (wall clock) bounds how far `newest` may move.
    public mutating func observe(_ invocation: NumberedInvocation, now: Int64 = .max) {
        observed += 1
        if invocation.time <= now.saturatingAdd(Self.futureAllowanceMillis) { newest = max(newest, invocation.time) }
        let completed = invocation.completed
        global.add(completed)
        let skill = Int(invocation.skill)
        Self.grow(&skillCounts, to: skill)
        Self.grow(&skillRecent, to: skill)
        skillCounts[skill].add(completed)
        var recent = skillRecent[skill].decayed(to: invocation.time)
        recent.invocations += 1
        if completed { recent.completed += 1 }
        recent.at = max(recent.at, invocation.time)
        skillRecent[skill] = recent
        if let user = invocation.user {
            Self.grow(&userCounts, to: Int(user))
            userCounts[Int(user)].add(completed)
            userSkill[Self.key(user, invocation.skill), default: Counts()].add(completed)
        }
        if let phase = invocation.phase {
            skillPhase[Self.key(phase, invocation.skill), default: Counts()].add(completed)
        }
        Self.grow(&sessionCounts, to: Int(invocation.session))
        sessionCounts[Int(invocation.session)].add(completed)
    }

    /// The row's features as of just before it, then observes it; nil features for a late row (see
    /// `latenessMillis`) or one from the future (see `futureAllowanceMillis`), which is observed all the same.
    public mutating func sample(_ invocation: NumberedInvocation, now: Int64 = .max) -> [Double]? {
        let late = (newest != .min && invocation.time < newest - Self.latenessMillis)
            || invocation.time > now.saturatingAdd(Self.futureAllowanceMillis)
        let keys = PredictionKeys(skill: invocation.skill, user: invocation.user, phase: invocation.phase,
                                  session: invocation.session)
        let features = late ? nil : features(keys, time: invocation.time)
        observe(invocation, now: now)
        return features
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

extension Int64 {
    /// `self + other`, held at the bounds instead of trapping (`now` may be `.max`: no limit).
    func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
