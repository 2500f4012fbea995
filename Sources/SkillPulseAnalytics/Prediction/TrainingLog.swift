/// The invocations the success model can be trained on, kept compact (32 bytes each) in arrival order up to a
/// capacity, and turned into training rows only when a model is trained: sorted by time and replayed, so each
/// row's features are computed as of the rows dated strictly before it — whatever order they arrived in.
///
/// Sampling rows as they arrived (the first versions) read a back-dated row's features from a history that
/// already held later rows, so such rows were dropped: an imported history never trained a model. Replaying in
/// time order costs a sort and one pass over the kept rows per training (0.45–0.95 s for a million rows on the
/// 2-core development machine under load), keeps less in memory than the feature rows did (11 floats each),
/// and makes the apply path cheaper (no features are computed as rows arrive).
///
/// Past the capacity the oldest tenth (by time) leaves the log for `base`, the history of the dropped rows; every
/// kept row is dated after all of them (`horizon`), so the replay starts from `base` without reading the future.
/// A row that arrives dated at or before `horizon` only joins `base`: it is history, never a training row.
public struct TrainingLog: Sendable {
    struct Entry: Sendable {
        var time: Int64
        var skill: Int32
        /// -1: none.
        var user: Int32
        var session: Int32
        /// The (user, skill) and (skill, phase) pairs' numbers of the live history, -1 for none.
        var userSkill: Int32
        var skillPhase: Int32
        var completed: Bool

        init(_ invocation: NumberedInvocation, pairs: SuccessFeatureHistory.PairNumbers) {
            time = invocation.time
            skill = invocation.skill
            user = invocation.user ?? -1
            session = invocation.session
            userSkill = pairs.userSkill
            skillPhase = pairs.skillPhase
            completed = invocation.completed
        }

        var pairs: SuccessFeatureHistory.PairNumbers {
            SuccessFeatureHistory.PairNumbers(userSkill: userSkill, skillPhase: skillPhase)
        }
    }

    public let capacity: Int
    var entries: [Entry] = []
    /// The history of the rows dropped for capacity, all dated at or before `horizon`.
    var base = SuccessFeatureHistory()
    /// The newest time among the dropped rows; `.min` while none was dropped.
    public private(set) var horizon: Int64 = .min

    public init(capacity: Int = 2_000_000) {
        precondition(capacity >= 10)
        self.capacity = capacity
    }

    /// Rows kept for training.
    public var count: Int { entries.count }

    /// Adds an invocation, with its pairs' numbers from the live history (`SuccessFeatureHistory.observe`).
    mutating func append(_ invocation: NumberedInvocation, pairs: SuccessFeatureHistory.PairNumbers) {
        let entry = Entry(invocation, pairs: pairs)
        guard entry.time > horizon else {
            base.observe(entry)
            return
        }
        entries.append(entry)
        if entries.count > capacity { dropOldest() }
    }

    /// Moves the oldest tenth of the rows (by time, a whole instant at a time) into `base`.
    private mutating func dropOldest() {
        entries.sort { $0.time < $1.time }
        var cut = entries.count - capacity * 9 / 10
        while cut < entries.count && entries[cut].time == entries[cut - 1].time { cut += 1 }
        for entry in entries[..<cut] { base.observe(entry) }
        horizon = entries[cut - 1].time
        entries.removeFirst(cut)
    }

    /// The training rows dated in [`start`, `end`], oldest first: each row's features as of every kept (and
    /// dropped) row dated strictly before it. Rows of one instant are all read before any of them is observed,
    /// so they never see each other; within an instant, rows come in the order of their names' numbers.
    public func rows(from start: Int64, through end: Int64) -> TrainingSet {
        var order = entries
        order.sort { left, right in
            if left.time != right.time { return left.time < right.time }
            if left.skill != right.skill { return left.skill < right.skill }
            if left.user != right.user { return left.user < right.user }
            if left.session != right.session { return left.session < right.session }
            if left.skillPhase != right.skillPhase { return left.skillPhase < right.skillPhase }
            return !left.completed && right.completed
        }
        var history = base
        var set = TrainingSet(width: SuccessFeatureHistory.featureCount)
        var first = 0
        while first < order.count {
            let time = order[first].time
            var next = first + 1
            while next < order.count && order[next].time == time { next += 1 }
            if time > end { break }
            if time >= start {
                for entry in order[first..<next] {
                    history.appendFeatures(to: &set.features, skill: entry.skill, user: entry.user,
                                           session: entry.session, pairs: entry.pairs, time: time)
                    set.labels.append(entry.completed)
                    set.times.append(time)
                }
            }
            for entry in order[first..<next] { history.observe(entry) }
            first = next
        }
        return set
    }
}

/// Training rows in time order: row-major features, outcomes and times.
public struct TrainingSet: Sendable, Equatable {
    public let width: Int
    public internal(set) var features: [Double] = []
    public internal(set) var labels: [Bool] = []
    public internal(set) var times: [Int64] = []

    public init(width: Int) {
        self.width = width
    }

    public init(features: [Double], labels: [Bool], times: [Int64], width: Int) {
        precondition(features.count == labels.count * width && times.count == labels.count)
        self.width = width
        self.features = features
        self.labels = labels
        self.times = times
    }

    public var count: Int { labels.count }
    public var completed: Int { labels.lazy.filter { $0 }.count }

    public mutating func append(_ row: [Double], label: Bool, time: Int64) {
        precondition(row.count == width)
        features.append(contentsOf: row)
        labels.append(label)
        times.append(time)
    }

    /// Rows `range` as a set of their own.
    public func slice(_ range: Range<Int>) -> TrainingSet {
        TrainingSet(features: Array(features[(range.lowerBound * width)..<(range.upperBound * width)]),
                    labels: Array(labels[range]), times: Array(times[range]), width: width)
    }

    public func row(_ index: Int) -> ArraySlice<Double> { features[(index * width)..<((index + 1) * width)] }
}

extension SuccessFeatureHistory {
    mutating func observe(_ entry: TrainingLog.Entry) {
        observe(skill: entry.skill, user: entry.user, session: entry.session, pairs: entry.pairs, time: entry.time,
                completed: entry.completed)
    }
}
