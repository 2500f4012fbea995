/// Everything analytics knows, kept up to date one committed invocation at a time: per-skill time series
/// and totals, per-(skill, user) figures, and the sessions × skills incidence behind co-occurrence.
///
/// It is rebuilt from the database at start-up and then fed from ingest's event stream; `apply` ignores an
/// invocation it has already seen (ids only grow), so a resync that overlaps the stream counts nothing twice.
///
/// Skills and users are numbered on first sight and everything else is kept by number: a million invocations
/// would otherwise hash and compare their names a dozen times each (the profile of the first version: most of
/// the time in string hashing), and every pair and per-user entry would hold two more strings.
public struct AnalyticsState: Sendable {
    public private(set) var lastInvocationID: Int64 = 0
    public private(set) var invocationsApplied = 0
    var skillIDs: [String: Int32] = [:]
    var skillNames: [String] = []
    var userIDs: [String: Int32] = [:]
    var userNames: [String] = []
    /// By user number: the distinct skills the user invoked, and those they completed at least once (the sets
    /// collaborative filtering compares).
    var userTried: [[Int32]] = []
    var userCompleted: [[Int32]] = []
    /// By skill number: the users who completed it at least once.
    var completers: [[Int32]] = []
    /// By skill number:
    var series: [SkillSeries] = []
    var totals: [SkillTotals] = []
    /// n_a: sessions that used the skill.
    var sessionsWithSkill: [Int] = []
    /// together(a, b) for every pair that ever shared a session, stored both ways for lookup by either skill.
    var together: [[Int32: Int32]] = []
    /// p50 and p95 of each skill's durations, recomputed only for skills that changed since.
    var durationQuantiles: [(p50: Double?, p95: Double?)] = []
    /// Sessions by number, and the distinct skills each used (a few each, so an array beats a set): one hash
    /// of the session id per invocation instead of two.
    var sessionIDs: [String: Int32] = [:]
    var sessionSkills: [[Int32]] = []
    /// Pairs and skills whose figures changed since the last `takeChanges()`, for the derived tables.
    var changedPairs: Set<UInt64> = []
    var changedSkills: Set<Int32> = []
    var staleQuantiles: Set<Int32> = []
    /// Invocations before this instant are not kept in the time series (the retention window).
    var seriesCutoff: Int64 = .min
    /// Bumped on every applied invocation: the `metrics` topic publishes only when it moved.
    public private(set) var generation = 0

    public init() {}

    /// N: sessions with at least one invocation.
    public var sessionCount: Int { sessionSkills.count }
    public var skillCount: Int { skillNames.count }
    public func knows(skill: String) -> Bool { skillIDs[skill] != nil }

    mutating func number(ofSkill name: String) -> Int32 {
        if let id = skillIDs[name] { return id }
        let id = Int32(skillNames.count)
        skillIDs[name] = id
        skillNames.append(name)
        series.append(SkillSeries())
        totals.append(SkillTotals())
        sessionsWithSkill.append(0)
        together.append([:])
        durationQuantiles.append((nil, nil))
        completers.append([])
        return id
    }

    mutating func number(ofUser name: String) -> Int32 {
        if let id = userIDs[name] { return id }
        let id = Int32(userIDs.count)
        userIDs[name] = id
        userNames.append(name)
        userTried.append([])
        userCompleted.append([])
        return id
    }

    static func pairKey(_ a: Int32, _ b: Int32) -> UInt64 {
        let (low, high) = a < b ? (a, b) : (b, a)
        return UInt64(UInt32(low)) << 32 | UInt64(UInt32(high))
    }

    /// Applies one committed invocation; false if its id was already applied.
    @discardableResult
    public mutating func apply(_ record: InvocationRecord) -> Bool {
        guard record.id > lastInvocationID else { return false }
        lastInvocationID = record.id
        invocationsApplied += 1
        generation &+= 1
        let skill = number(ofSkill: record.skillName)
        let index = Int(skill)
        // A late row older than the retention window counts in the totals only, as it would after a restart.
        if record.invokedAt >= seriesCutoff {
            series[index].append(time: record.invokedAt, completed: record.completed, duration: record.durationSeconds)
        }
        // An invocation without a user counts in the skill's totals, not as a user of its own.
        let user = record.userID.map { number(ofUser: $0) }
        if let user {
            let before = totals[index].users[user]
            if before == nil { userTried[Int(user)].append(skill) }
            if record.completed && (before?.completed ?? 0) == 0 {
                userCompleted[Int(user)].append(skill)
                completers[index].append(user)
            }
        }
        totals[index].add(record, user: user)
        changedSkills.insert(skill)
        staleQuantiles.insert(skill)

        let session: Int
        if let known = sessionIDs[record.sessionID] {
            session = Int(known)
            guard !sessionSkills[session].contains(skill) else { return true }
            for other in sessionSkills[session] {
                together[index][other, default: 0] += 1
                together[Int(other)][skill, default: 0] += 1
                changedPairs.insert(Self.pairKey(skill, other))
                changedSkills.insert(other)
            }
        } else {
            session = sessionSkills.count
            sessionIDs[record.sessionID] = Int32(session)
            sessionSkills.append([])
        }
        sessionSkills[session].append(skill)
        sessionsWithSkill[index] += 1
        return true
    }

    /// Moves past invocation ids that cannot be applied (a row with no usable timestamp), so a resync does
    /// not read them again.
    public mutating func skip(through id: Int64) {
        lastInvocationID = Swift.max(lastInvocationID, id)
    }

    /// Marks skills and pairs changed again (their write failed and must be retried).
    public mutating func markChanged(skills: Set<String>, pairs: Set<SkillPair>) {
        changedSkills.formUnion(skills.compactMap { skillIDs[$0] })
        for pair in pairs {
            if let a = skillIDs[pair.first], let b = skillIDs[pair.second] { changedPairs.insert(Self.pairKey(a, b)) }
        }
    }

    /// Every pair seen together in at least `minimumTogether` sessions, with its association.
    public func pairs(minimumTogether: Int) -> [(SkillPair, Association)] {
        var result: [(SkillPair, Association)] = []
        for (a, partners) in together.enumerated() {
            for (b, count) in partners where Int32(a) < b && Int(count) >= minimumTogether {
                if let association = association(Int32(a), b) {
                    result.append((SkillPair(skillNames[a], skillNames[Int(b)]), association))
                }
            }
        }
        return result
    }

    /// Re-sorts any series an out-of-order invocation left unsorted; queries need it.
    public mutating func prepare() {
        for index in series.indices { series[index].prepare() }
    }

    /// Brings the cached duration percentiles of changed skills up to date. Requires `prepare()`.
    mutating func refreshQuantiles() {
        for skill in staleQuantiles {
            let series = series[Int(skill)]
            let durations = series.durations(in: series.window(from: .min, to: .max)).sorted()
            durationQuantiles[Int(skill)] = (Descriptive.quantile(sorted: durations, 0.5),
                                             Descriptive.quantile(sorted: durations, 0.95))
        }
        staleQuantiles = []
    }

    /// Frees memory: invocations older than `cutoff` leave the time series (lifetime totals stay).
    public mutating func prune(before cutoff: Int64) {
        seriesCutoff = Swift.max(seriesCutoff, cutoff)
        for index in series.indices { series[index].prune(before: cutoff) }
        staleQuantiles.formUnion((0..<Int32(series.count)))
    }

    /// The skills and pairs that changed since the last call, and forgets them.
    public mutating func takeChanges() -> (skills: Set<String>, pairs: Set<SkillPair>) {
        defer {
            changedSkills = []
            changedPairs = []
        }
        let skills = Set(changedSkills.map { skillNames[Int($0)] })
        let pairs = Set(changedPairs.map {
            SkillPair(skillNames[Int($0 >> 32)], skillNames[Int($0 & 0xFFFF_FFFF)])
        })
        return (skills, pairs)
    }
}

/// An unordered pair of skills, stored with the smaller name first.
public struct SkillPair: Hashable, Sendable {
    public let first: String
    public let second: String

    public init(_ a: String, _ b: String) {
        if a <= b { first = a; second = b } else { first = b; second = a }
    }
}

/// Lifetime figures of one skill.
struct SkillTotals: Sendable {
    var outcomes = OutcomeFigures()
    var first: Int64 = .max
    var last: Int64 = .min
    var phases: [String: Int] = [:]
    /// By user number.
    var users: [Int32: OutcomeFigures] = [:]

    mutating func add(_ record: InvocationRecord, user: Int32?) {
        outcomes.add(record)
        first = Swift.min(first, record.invokedAt)
        last = Swift.max(last, record.invokedAt)
        if let phase = record.workflowPhase { phases[phase, default: 0] += 1 }
        if let user { users[user, default: OutcomeFigures()].add(record) }
    }

    var invocations: Int { outcomes.invocations }
    var completed: Int { outcomes.completed }
    var completionRate: Double? { invocations > 0 ? outcomes.completionRate : nil }
    var averageDuration: Double? { outcomes.averageDuration }

    /// The phase used most often (ties: the alphabetically first, so answers are stable).
    var mostCommonPhase: String? {
        phases.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }?.key
    }
}

/// Counts, completions and durations of a set of invocations (a skill's, or one user's of a skill).
struct OutcomeFigures: Sendable {
    var invocations = 0
    var completed = 0
    var durationSum = 0.0
    var durations = 0

    mutating func add(_ record: InvocationRecord) {
        invocations += 1
        if record.completed { completed += 1 }
        if let duration = record.durationSeconds {
            durationSum += duration
            durations += 1
        }
    }

    var completionRate: Double { invocations > 0 ? Double(completed) / Double(invocations) : 0 }
    var averageDuration: Double? { durations > 0 ? durationSum / Double(durations) : nil }
}
