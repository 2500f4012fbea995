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
    var skills: [String: Int32] = [:]
    var skillCounts: [Counts] = []
    var skillRecent: [Recent] = []
    var users: [String: Int32] = [:]
    var userCounts: [Counts] = []
    var userSkill: [UInt64: Counts] = [:]
    var skillPhase: [UInt64: Counts] = [:]
    var phases: [String: Int32] = [:]
    var sessionIDs: [String: Int32] = [:]
    var sessionCounts: [Counts] = []
    public private(set) var newest: Int64 = .min
    public private(set) var observed = 0

    public init() {}

    public func knows(skill: String) -> Bool { skills[skill] != nil }

    /// Where one query's figures live: looked up once, then read for the features and updated by `observe`.
    struct Slots {
        var skill: Int32?
        var user: Int32?
        var phase: Int32?
        var session: Int32?
    }

    func slots(_ query: PredictionQuery) -> Slots {
        Slots(skill: skills[query.skillName], user: query.userID.flatMap { users[$0] },
              phase: query.workflowPhase.flatMap { phases[$0] }, session: query.sessionID.flatMap { sessionIDs[$0] })
    }

    /// The features of `query` as of now (everything observed so far).
    public func features(_ query: PredictionQuery) -> [Double] {
        features(query, slots(query))
    }

    func features(_ query: PredictionQuery, _ slots: Slots) -> [Double] {
        let globalRate = global.rate(towards: 0.5, weight: 1)
        let skillCounts = slots.skill.map { self.skillCounts[Int($0)] } ?? Counts()
        let skillRate = skillCounts.rate(towards: globalRate)
        let recent = slots.skill.map { skillRecent[Int($0)].decayed(to: query.time) } ?? Recent()
        let recentRate = (recent.completed + Self.priorWeight * skillRate) / (recent.invocations + Self.priorWeight)
        let userCounts = slots.user.map { self.userCounts[Int($0)] } ?? Counts()
        let userRate = userCounts.rate(towards: globalRate)
        var userSkillCounts = Counts()
        if let user = slots.user, let skill = slots.skill { userSkillCounts = userSkill[Self.key(user, skill)] ?? Counts() }
        let userSkillRate = userSkillCounts.rate(towards: skillRate)
        let session = slots.session.map { sessionCounts[Int($0)] }
        let sessionRate = (session ?? Counts()).rate(towards: userRate)
        let position = session?.invocations ?? Double(max(0, query.sessionInvocations ?? 0))
        var phaseCounts = Counts()
        if let skill = slots.skill, let phase = slots.phase { phaseCounts = skillPhase[Self.key(phase, skill)] ?? Counts() }
        let phaseRate = phaseCounts.rate(towards: skillRate)
        let hour = Double(((query.time % 86_400_000) + 86_400_000) % 86_400_000) / 3_600_000
        let angle = 2 * Double.pi * hour / 24
        return [
            Self.logit(skillRate), Self.logit(recentRate), log1p(skillCounts.invocations),
            Self.logit(userSkillRate), Self.logit(userRate), log1p(userSkillCounts.invocations),
            Self.logit(sessionRate), log1p(position), Self.logit(phaseRate),
            sin(angle), cos(angle),
        ]
    }

    /// Adds one invocation's outcome to the history.
    public mutating func observe(_ record: InvocationRecord) {
        observe(record, slots(Self.query(record)))
    }

    mutating func observe(_ record: InvocationRecord, _ found: Slots) {
        observed += 1
        newest = max(newest, record.invokedAt)
        global.add(record.completed)
        let skill = found.skill ?? Self.number(record.skillName, in: &skills) {
            skillCounts.append(Counts())
            skillRecent.append(Recent())
        }
        skillCounts[Int(skill)].add(record.completed)
        var recent = skillRecent[Int(skill)].decayed(to: record.invokedAt)
        recent.invocations += 1
        if record.completed { recent.completed += 1 }
        recent.at = max(recent.at, record.invokedAt)
        skillRecent[Int(skill)] = recent
        if let name = record.userID {
            let user = found.user ?? Self.number(name, in: &users) { userCounts.append(Counts()) }
            userCounts[Int(user)].add(record.completed)
            userSkill[Self.key(user, skill), default: Counts()].add(record.completed)
        }
        if let name = record.workflowPhase {
            let phase = found.phase ?? Self.number(name, in: &phases) {}
            skillPhase[Self.key(phase, skill), default: Counts()].add(record.completed)
        }
        let session = found.session ?? Self.number(record.sessionID, in: &sessionIDs) { sessionCounts.append(Counts()) }
        sessionCounts[Int(session)].add(record.completed)
    }

    /// The row's features as of just before it, then observes it; nil features for a late row (see
    /// `latenessMillis`), which is observed all the same. Each name is looked up once for both.
    public mutating func sample(_ record: InvocationRecord) -> [Double]? {
        let late = newest != .min && record.invokedAt < newest - Self.latenessMillis
        let query = Self.query(record)
        let found = slots(query)
        let features = late ? nil : features(query, found)
        observe(record, found)
        return features
    }

    static func query(_ record: InvocationRecord) -> PredictionQuery {
        PredictionQuery(skillName: record.skillName, userID: record.userID, workflowPhase: record.workflowPhase,
                        sessionID: record.sessionID, time: record.invokedAt)
    }

    static func logit(_ rate: Double) -> Double {
        let p = min(max(rate, 0.001), 0.999)
        return log(p / (1 - p))
    }

    static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }

    static func number(_ name: String, in table: inout [String: Int32], onNew: () -> Void) -> Int32 {
        if let id = table[name] { return id }
        let id = Int32(table.count)
        table[name] = id
        onNew()
        return id
    }
}
