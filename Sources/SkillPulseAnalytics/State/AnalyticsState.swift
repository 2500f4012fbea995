/// Everything analytics knows, kept up to date one committed invocation at a time: per-skill time series
/// and totals, per-(skill, user) figures, and the sessions × skills incidence behind co-occurrence.
///
/// It is rebuilt from the database at start-up and then fed from ingest's event stream; `apply` ignores an
/// invocation it has already seen (ids only grow), so a resync that overlaps the stream counts nothing twice.
public struct AnalyticsState: Sendable {
    public private(set) var lastInvocationID: Int64 = 0
    public private(set) var invocationsApplied = 0
    var series: [String: SkillSeries] = [:]
    var totals: [String: SkillTotals] = [:]
    /// The distinct skills each session used.
    var sessionSkills: [String: Set<String>] = [:]
    /// n_a: sessions that used the skill.
    var sessionsWithSkill: [String: Int] = [:]
    /// together(a, b) for every pair that ever shared a session, stored both ways for lookup by either skill.
    var together: [String: [String: Int]] = [:]
    /// Pairs and skills whose figures changed since the last `takeChanges()`, for the derived tables.
    var changedPairs: Set<SkillPair> = []
    var changedSkills: Set<String> = []
    /// p50 and p95 of each skill's durations, recomputed only for skills that changed since.
    var durationQuantiles: [String: (p50: Double?, p95: Double?)] = [:]
    var staleQuantiles: Set<String> = []
    /// Invocations before this instant are not kept in the time series (the retention window).
    var seriesCutoff: Int64 = .min
    /// Bumped on every applied invocation: the `metrics` topic publishes only when it moved.
    public private(set) var generation = 0

    public init() {}

    /// N: sessions with at least one invocation.
    public var sessionCount: Int { sessionSkills.count }
    public var skillCount: Int { totals.count }
    public func knows(skill: String) -> Bool { totals[skill] != nil }

    /// Applies one committed invocation; false if its id was already applied.
    @discardableResult
    public mutating func apply(_ record: InvocationRecord) -> Bool {
        guard record.id > lastInvocationID else { return false }
        lastInvocationID = record.id
        invocationsApplied += 1
        generation &+= 1
        // A late row older than the retention window counts in the totals only, as it would after a restart.
        if record.invokedAt >= seriesCutoff {
            series[record.skillName, default: SkillSeries()]
                .append(time: record.invokedAt, completed: record.completed, duration: record.durationSeconds)
        }
        totals[record.skillName, default: SkillTotals()].add(record)
        changedSkills.insert(record.skillName)
        staleQuantiles.insert(record.skillName)

        let inserted = sessionSkills[record.sessionID, default: []].insert(record.skillName).inserted
        guard inserted else { return true }
        sessionsWithSkill[record.skillName, default: 0] += 1
        for other in sessionSkills[record.sessionID, default: []] where other != record.skillName {
            together[record.skillName, default: [:]][other, default: 0] += 1
            together[other, default: [:]][record.skillName, default: 0] += 1
            changedPairs.insert(SkillPair(record.skillName, other))
            changedSkills.insert(other)
        }
        return true
    }

    /// Moves past invocation ids that cannot be applied (a row with no usable timestamp), so a resync does
    /// not read them again.
    public mutating func skip(through id: Int64) {
        lastInvocationID = Swift.max(lastInvocationID, id)
    }

    /// Marks skills and pairs changed again (their write failed and must be retried).
    public mutating func markChanged(skills: Set<String>, pairs: Set<SkillPair>) {
        changedSkills.formUnion(skills)
        changedPairs.formUnion(pairs)
    }

    /// Every pair seen together in at least `minimumTogether` sessions, with its association.
    public func pairs(minimumTogether: Int) -> [(SkillPair, Association)] {
        var result: [(SkillPair, Association)] = []
        for (a, partners) in together {
            for (b, count) in partners where a < b && count >= minimumTogether {
                if let association = association(a, b) { result.append((SkillPair(a, b), association)) }
            }
        }
        return result
    }

    /// Re-sorts any series an out-of-order invocation left unsorted; queries need it.
    public mutating func prepare() {
        for name in series.keys { series[name]!.prepare() }
    }

    /// Brings the cached duration percentiles of changed skills up to date. Requires `prepare()`.
    mutating func refreshQuantiles() {
        for name in staleQuantiles {
            let durations = series[name].map { $0.durations(in: $0.window(from: .min, to: .max)) }?.sorted() ?? []
            durationQuantiles[name] = (Descriptive.quantile(sorted: durations, 0.5),
                                       Descriptive.quantile(sorted: durations, 0.95))
        }
        staleQuantiles = []
    }

    /// Frees memory: invocations older than `cutoff` leave the time series (lifetime totals stay).
    public mutating func prune(before cutoff: Int64) {
        seriesCutoff = Swift.max(seriesCutoff, cutoff)
        for name in series.keys { series[name]!.prune(before: cutoff) }
        staleQuantiles.formUnion(series.keys)
    }

    /// The skills and pairs that changed since the last call, and forgets them.
    public mutating func takeChanges() -> (skills: Set<String>, pairs: Set<SkillPair>) {
        defer {
            changedSkills = []
            changedPairs = []
        }
        return (changedSkills, changedPairs)
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
    var users: [String: OutcomeFigures] = [:]

    mutating func add(_ record: InvocationRecord) {
        outcomes.add(record)
        first = Swift.min(first, record.invokedAt)
        last = Swift.max(last, record.invokedAt)
        if let phase = record.workflowPhase { phases[phase, default: 0] += 1 }
        // An invocation without a user counts in the skill's totals, not as a user of its own.
        if let user = record.userID { users[user, default: OutcomeFigures()].add(record) }
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
