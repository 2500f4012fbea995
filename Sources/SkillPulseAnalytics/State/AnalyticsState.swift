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
    /// The numbering of every name seen; the predictor's history is kept by the same numbers.
    public private(set) var names = InvocationNames()
    /// By user number: the distinct skills the user invoked, and those they completed at least once (the sets
    /// collaborative filtering compares).
    var userTried: [[Int32]] = []
    var userCompleted: [[Int32]] = []
    /// By skill number: the users who completed it at least once.
    var completers: [[Int32]] = []
    /// By skill number:
    var series: [SkillSeries] = []
    /// By skill number: the time of the newest invocation its series holds (`Int64.min` for none), side by
    /// side so a pass over every skill skips idle ones without touching their series: each series' storage
    /// is a separate allocation, and reading 10,000 of them is 10,000 cache misses (~2 ms) per pass.
    var newestInSeries: [Int64] = []
    var totals: [SkillTotals] = []
    /// n_a: sessions that used the skill.
    var sessionsWithSkill: [Int] = []
    /// n_a when the skill's pairs were last all marked for writing: a pair's lift moves with n_a and n_b even
    /// when its own count does not.
    var sessionsAtPairWrite: [Int] = []
    /// The skills each skill shared a session with, in order of first co-occurrence.
    var partners: [[Int32]] = []
    /// p50 and p95 of each skill's durations, recomputed only for skills that changed since.
    var durationQuantiles: [(p50: Double?, p95: Double?)] = []
    /// together(a, b) for every pair that ever shared a session, by `pairKey` — one table probe per pair and
    /// invocation. The top bit marks a count changed since the last `takeChanges()`.
    var pairCounts: [UInt64: UInt32] = [:]
    /// The distinct skills each session (by number) used: a few each, so an array beats a set.
    var sessionSkills: [[Int32]] = []
    /// Pairs whose count changed since the last `takeChanges()` (each once: it is added when its mark is set).
    var changedPairs: [UInt64] = []
    /// By skill number, `SkillMark` bits; with the lists of the skills marked, so nothing walks every skill.
    var skillMarks: [UInt8] = []
    var changedSkills: [Int32] = []
    var staleQuantiles: [Int32] = []
    /// Skills whose series an out-of-order invocation left unsorted since the last `prepare()` (a query
    /// would otherwise visit every series to find out).
    var unsortedSeries: [Int32] = []
    /// Invocations before this instant are not kept in the time series (the retention window).
    var seriesCutoff: Int64 = .min
    /// Bumped on every applied invocation: the `metrics` topic publishes only when it moved.
    public private(set) var generation = 0

    static let changedPairBit: UInt32 = 1 << 31
    static let pairCountMask: UInt32 = changedPairBit - 1

    public init() {}

    /// N: sessions with at least one invocation.
    public var sessionCount: Int { sessionSkills.count }
    public var skillCount: Int { names.skills.count }
    public func knows(skill: String) -> Bool { names.skills[skill] != nil }
    var skillIDs: [String: Int32] { names.skills.numbers }
    var skillNames: [String] { names.skills.names }
    var userIDs: [String: Int32] { names.users.numbers }
    var userNames: [String] { names.users.names }

    static func pairKey(_ a: Int32, _ b: Int32) -> UInt64 {
        let (low, high) = a < b ? (a, b) : (b, a)
        return UInt64(UInt32(low)) << 32 | UInt64(UInt32(high))
    }

    static func skills(of key: UInt64) -> (Int32, Int32) {
        (Int32(truncatingIfNeeded: key >> 32), Int32(truncatingIfNeeded: key & 0xFFFF_FFFF))
    }

    /// together(a, b): sessions that used both.
    func together(_ a: Int32, _ b: Int32) -> Int {
        Int((pairCounts[Self.pairKey(a, b)] ?? 0) & Self.pairCountMask)
    }

    /// Applies one committed invocation; false if its id was already applied.
    @discardableResult
    public mutating func apply(_ record: InvocationRecord) -> Bool {
        admit(record) != nil
    }

    /// Applies one committed invocation and returns it numbered (for the predictor); nil if its id was
    /// already applied.
    public mutating func admit(_ record: InvocationRecord) -> NumberedInvocation? {
        guard record.id > lastInvocationID else { return nil }
        lastInvocationID = record.id
        invocationsApplied += 1
        generation &+= 1
        let invocation = names.number(record)
        let skill = invocation.skill
        let index = Int(skill)
        while series.count < names.skills.count { addSkill() }
        while userTried.count < names.users.count {
            userTried.append([])
            userCompleted.append([])
        }
        // A late row older than the retention window counts in the totals only, as it would after a restart.
        if invocation.time >= seriesCutoff {
            newestInSeries[index] = Swift.max(newestInSeries[index], invocation.time)
            if !series[index].append(time: invocation.time, completed: invocation.completed,
                                     duration: invocation.duration) {
                unsortedSeries.append(skill)
            }
        }
        // An invocation without a user counts in the skill's totals, not as a user of its own.
        let firsts = totals[index].add(invocation)
        if let user = invocation.user {
            if firsts.user { userTried[Int(user)].append(skill) }
            if firsts.completion {
                userCompleted[Int(user)].append(skill)
                completers[index].append(user)
            }
        }
        mark(skill, .changed)
        mark(skill, .staleQuantiles)

        let session = Int(invocation.session)
        if session < sessionSkills.count {
            guard !sessionSkills[session].contains(skill) else { return invocation }
            for other in sessionSkills[session] {
                countTogether(skill, other)
                mark(other, .changed)
            }
        } else {
            while sessionSkills.count <= session { sessionSkills.append([]) }
        }
        sessionSkills[session].append(skill)
        sessionsWithSkill[index] += 1
        return invocation
    }

    private mutating func addSkill() {
        series.append(SkillSeries())
        newestInSeries.append(.min)
        totals.append(SkillTotals())
        sessionsWithSkill.append(0)
        sessionsAtPairWrite.append(0)
        partners.append([])
        durationQuantiles.append((nil, nil))
        completers.append([])
        skillMarks.append(0)
    }

    private mutating func countTogether(_ a: Int32, _ b: Int32) {
        let key = Self.pairKey(a, b)
        let before = Self.increment(&pairCounts[key, default: 0])
        if before == 0 {
            partners[Int(a)].append(b)
            partners[Int(b)].append(a)
        }
        if before & Self.changedPairBit == 0 { changedPairs.append(key) }
    }

    /// Adds one to a pair's count and sets its changed bit; returns the value before.
    private static func increment(_ value: inout UInt32) -> UInt32 {
        let before = value
        value = ((value & pairCountMask) + 1) | changedPairBit
        return before
    }

    enum SkillMark: UInt8 {
        case changed = 1
        case staleQuantiles = 2
    }

    private mutating func mark(_ skill: Int32, _ mark: SkillMark) {
        let index = Int(skill)
        guard skillMarks[index] & mark.rawValue == 0 else { return }
        skillMarks[index] |= mark.rawValue
        switch mark {
        case .changed: changedSkills.append(skill)
        case .staleQuantiles: staleQuantiles.append(skill)
        }
    }

    /// Moves past invocation ids that cannot be applied (a row with no usable timestamp), so a resync does
    /// not read them again.
    public mutating func skip(through id: Int64) {
        lastInvocationID = Swift.max(lastInvocationID, id)
    }

    /// Every pair seen together in at least `minimumTogether` sessions, with its association.
    public func pairs(minimumTogether: Int) -> [ObservedPair] {
        associations(of: pairCounts.keys, minimumTogether: minimumTogether)
    }

    /// The associations of the given pairs (`StateChanges.pairs`) seen together in at least `minimumTogether`
    /// sessions.
    public func associations(of keys: some Sequence<UInt64>, minimumTogether: Int) -> [ObservedPair] {
        var result: [ObservedPair] = []
        for key in keys {
            let (a, b) = Self.skills(of: key)
            guard Int(a) < skillCount, Int(b) < skillCount, together(a, b) >= minimumTogether,
                  let association = association(a, b)
            else { continue }
            result.append(ObservedPair(key: key, pair: SkillPair(skillNames[Int(a)], skillNames[Int(b)]),
                                       association: association))
        }
        return result
    }

    /// The key `StateChanges` and `ObservedPair` use for a pair of skills; nil if either was never seen.
    public func pairKey(_ a: String, _ b: String) -> UInt64? {
        guard let first = names.skills[a], let second = names.skills[b], first != second else { return nil }
        return Self.pairKey(first, second)
    }

    /// Re-sorts any series an out-of-order invocation left unsorted; queries need it.
    public mutating func prepare() {
        for skill in unsortedSeries { series[Int(skill)].prepare() }
        unsortedSeries = []
    }

    /// Brings the cached duration percentiles of changed skills up to date. Requires `prepare()`.
    mutating func refreshQuantiles() {
        while refreshQuantiles(limit: .max) {}
    }

    /// Brings the cached percentiles of up to `limit` changed skills up to date (each sorts the skill's
    /// durations); true while more remain. Requires `prepare()`.
    public mutating func refreshQuantiles(limit: Int) -> Bool {
        let batch = staleQuantiles.suffix(limit)
        staleQuantiles.removeLast(batch.count)
        for skill in batch {
            let series = series[Int(skill)]
            let durations = series.durations(in: series.window(from: .min, to: .max)).sorted()
            durationQuantiles[Int(skill)] = (Descriptive.quantile(sorted: durations, 0.5),
                                             Descriptive.quantile(sorted: durations, 0.95))
            skillMarks[Int(skill)] &= ~SkillMark.staleQuantiles.rawValue
        }
        return !staleQuantiles.isEmpty
    }

    /// Frees memory: invocations older than `cutoff` leave the time series (lifetime totals stay).
    public mutating func prune(before cutoff: Int64) {
        prune(before: cutoff, skills: series.indices)
    }

    /// `prune` for the skills numbered in `skills` (a caller may hold the state's lock for one range at a time).
    public mutating func prune(before cutoff: Int64, skills: Range<Int>) {
        seriesCutoff = Swift.max(seriesCutoff, cutoff)
        for index in skills.clamped(to: series.indices) where series[index].oldest.map({ $0 < cutoff }) ?? false {
            series[index].prune(before: cutoff)
            if series[index].count == 0 { newestInSeries[index] = .min }
            mark(Int32(index), .staleQuantiles)
        }
    }

    /// A skill whose session count grew by this factor since its pairs were last marked has them all marked:
    /// with N's 5 % (a full rewrite), a stored lift stays within ~5 % of co·N/(n_a·n_b).
    static let pairRewriteGrowth = 1.025

    /// The skills that changed since the last call and at most `pairLimit` of the changed pairs (those changed
    /// first), and forgets them; the other pairs stay marked for the next call.
    public mutating func takeChanges(pairLimit: Int = .max) -> StateChanges {
        for skill in changedSkills {
            let index = Int(skill)
            guard Double(sessionsWithSkill[index]) >= Double(sessionsAtPairWrite[index]) * Self.pairRewriteGrowth else { continue }
            sessionsAtPairWrite[index] = sessionsWithSkill[index]
            for other in partners[index] { markPair(Self.pairKey(skill, other)) }
        }
        let taken = Array(changedPairs.prefix(pairLimit))
        for skill in changedSkills { skillMarks[Int(skill)] &= ~SkillMark.changed.rawValue }
        for key in taken { pairCounts[key]? &= Self.pairCountMask }
        defer {
            changedSkills = []
            changedPairs.removeFirst(taken.count)
        }
        return StateChanges(skills: changedSkills, pairs: taken)
    }

    /// Pairs changed and not yet taken.
    public var pendingPairs: Int { changedPairs.count }

    /// Marks skills and pairs changed again (their write failed and must be retried).
    public mutating func markChanged(_ changes: StateChanges) {
        for skill in changes.skills where Int(skill) < skillCount { mark(skill, .changed) }
        for key in changes.pairs { markPair(key) }
    }

    private mutating func markPair(_ key: UInt64) {
        guard let count = pairCounts[key], count & Self.changedPairBit == 0 else { return }
        pairCounts[key] = count | Self.changedPairBit
        changedPairs.append(key)
    }

    /// Every pair, as of now, for a full rewrite of the stored ones; the skills' session counts are noted as
    /// written.
    public mutating func pairsForFullWrite(minimumTogether: Int) -> [ObservedPair] {
        associations(of: startFullPairWrite(), minimumTogether: minimumTogether)
    }

    /// The start of a full rewrite of the pairs: every pair's key, and each skill's session count as of now
    /// (what `takeChanges` measures growth from).
    public mutating func startFullPairWrite() -> [UInt64] {
        sessionsAtPairWrite = sessionsWithSkill
        return Array(pairCounts.keys)
    }

    /// The most common workflow phase of a skill (ties: the alphabetically first, so answers are stable).
    func mostCommonPhase(ofSkill index: Int) -> String? {
        totals[index].phases.map { (name: names.phases[$0.key], count: $0.value) }
            .max { $0.count < $1.count || ($0.count == $1.count && $0.name > $1.name) }?.name
    }
}

/// What changed in an `AnalyticsState` since the last `takeChanges()`: skill numbers and pair keys, which stay
/// valid for the state's life.
public struct StateChanges: Sendable {
    public let skills: [Int32]
    public let pairs: [UInt64]

    public init(skills: [Int32], pairs: [UInt64]) {
        self.skills = skills
        self.pairs = pairs
    }

    public var isEmpty: Bool { skills.isEmpty && pairs.isEmpty }
}

/// A pair of skills seen together, with its key in the state and its association.
public struct ObservedPair: Sendable {
    public let key: UInt64
    public let pair: SkillPair
    public let association: Association
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
    /// Invocations by phase number.
    var phases: [Int32: Int] = [:]
    /// By user number.
    var users: [Int32: OutcomeFigures] = [:]

    /// Adds an invocation; says whether it was the user's first of the skill, and their first completion.
    mutating func add(_ invocation: NumberedInvocation) -> (user: Bool, completion: Bool) {
        outcomes.add(completed: invocation.completed, duration: invocation.duration)
        first = Swift.min(first, invocation.time)
        last = Swift.max(last, invocation.time)
        if let phase = invocation.phase { phases[phase, default: 0] += 1 }
        guard let user = invocation.user else { return (false, false) }
        return Self.add(invocation, to: &users[user, default: OutcomeFigures()])
    }

    /// One table probe for the user's figures: read the before-state and update in place.
    private static func add(_ invocation: NumberedInvocation, to figures: inout OutcomeFigures) -> (user: Bool, completion: Bool) {
        let firsts = (user: figures.invocations == 0, completion: invocation.completed && figures.completed == 0)
        figures.add(completed: invocation.completed, duration: invocation.duration)
        return firsts
    }

    var invocations: Int { outcomes.invocations }
    var completed: Int { outcomes.completed }
    var completionRate: Double? { invocations > 0 ? outcomes.completionRate : nil }
    var averageDuration: Double? { outcomes.averageDuration }
}

/// Counts, completions and durations of a set of invocations (a skill's, or one user's of a skill).
struct OutcomeFigures: Sendable {
    var invocations = 0
    var completed = 0
    var durationSum = 0.0
    var durations = 0

    mutating func add(completed: Bool, duration: Double?) {
        invocations += 1
        if completed { self.completed += 1 }
        if let duration {
            durationSum += duration
            durations += 1
        }
    }

    var completionRate: Double { invocations > 0 ? Double(completed) / Double(invocations) : 0 }
    var averageDuration: Double? { durations > 0 ? durationSum / Double(durations) : nil }
}
