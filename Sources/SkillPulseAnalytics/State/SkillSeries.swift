import Foundation

/// One skill's invocations in time order with prefix sums, so any window's count, completions and mean
/// duration cost two binary searches, whatever its length.
///
/// Invocations usually arrive in time order and are appended in O(1). One older than the newest (a client's
/// back-dated `invoked_at`, a backfill) is appended unsorted; the next query sorts the unsorted tail and merges
/// it in from the first place it belongs, so the cost is the tail plus what lies after that place — not a
/// re-sort of the whole series.
public struct SkillSeries: Sendable {
    struct Entry: Sendable {
        var time: Int64
        var completed: Bool
        /// NaN when the invocation carried no duration.
        var duration: Double
    }

    private var entries: [Entry] = []
    /// completedPrefix[i] = completed invocations among entries[0..<i]; likewise the others. They cover the
    /// sorted part, entries[0..<sortedCount].
    private var completedPrefix: [Int32] = [0]
    private var durationSumPrefix: [Double] = [0]
    private var durationCountPrefix: [Int32] = [0]
    // Durations of completed invocations only: session-buddy's real-time `avg_duration` averages those.
    private var completedDurationSumPrefix: [Double] = [0]
    private var completedDurationCountPrefix: [Int32] = [0]
    /// Σ ln(duration): the anomaly pass judges latency on the log scale, where durations are about normal (an
    /// hour's plain mean of skewed durations is itself skewed, and a normal tail on it alarmed too often).
    private var logDurationSumPrefix: [Double] = [0]
    private var sortedCount = 0

    /// Durations below this (1 ms, or 0) count as this on the log scale.
    public static let shortestLoggedDuration = 0.001

    public init() {}

    public var count: Int { entries.count }
    private var sorted: Bool { sortedCount == entries.count }
    public var newest: Int64? { sorted ? entries.last?.time : entries.map(\.time).max() }
    public var oldest: Int64? { sorted ? entries.first?.time : entries.map(\.time).min() }

    /// Appends an invocation; false when it left the series unsorted (a query needs `prepare()` first).
    @discardableResult
    public mutating func append(time: Int64, completed: Bool, duration: Double?) -> Bool {
        let entry = Entry(time: time, completed: completed, duration: duration ?? .nan)
        let inOrder = sorted && (entries.last.map { $0.time <= time } ?? true)
        entries.append(entry)
        if inOrder {
            extendPrefixes(with: entry)
            sortedCount += 1
        }
        return inOrder
    }

    /// Sorts what out-of-order appends left unsorted into place and brings the prefix sums up to date.
    public mutating func prepare() {
        guard !sorted else { return }
        let tail = entries[sortedCount...].sorted { $0.time < $1.time }
        // The first sorted entry the tail goes before: everything ahead of it stays where it is.
        var low = 0
        var high = sortedCount
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].time <= tail[0].time { low = middle + 1 } else { high = middle }
        }
        let start = low
        var merged: [Entry] = []
        merged.reserveCapacity(entries.count - start)
        var left = start
        var right = 0
        while left < sortedCount && right < tail.count {
            if tail[right].time < entries[left].time {
                merged.append(tail[right])
                right += 1
            } else {
                merged.append(entries[left])
                left += 1
            }
        }
        merged.append(contentsOf: entries[left..<sortedCount])
        merged.append(contentsOf: tail[right...])
        entries.replaceSubrange(start..., with: merged)
        completedPrefix.removeSubrange((start + 1)...)
        durationSumPrefix.removeSubrange((start + 1)...)
        durationCountPrefix.removeSubrange((start + 1)...)
        completedDurationSumPrefix.removeSubrange((start + 1)...)
        completedDurationCountPrefix.removeSubrange((start + 1)...)
        logDurationSumPrefix.removeSubrange((start + 1)...)
        for entry in merged { extendPrefixes(with: entry) }
        sortedCount = entries.count
    }

    /// Drops invocations older than `cutoff` (memory is bounded by the longest window asked for).
    public mutating func prune(before cutoff: Int64) {
        prepare()
        let drop = lowerBound(cutoff)
        guard drop > 0 else { return }
        entries.removeFirst(drop)
        sortedCount -= drop
        completedPrefix.removeFirst(drop)
        durationSumPrefix.removeFirst(drop)
        durationCountPrefix.removeFirst(drop)
        completedDurationSumPrefix.removeFirst(drop)
        completedDurationCountPrefix.removeFirst(drop)
        logDurationSumPrefix.removeFirst(drop)
    }

    private mutating func extendPrefixes(with entry: Entry) {
        completedPrefix.append(completedPrefix[completedPrefix.count - 1] + (entry.completed ? 1 : 0))
        let hasDuration = !entry.duration.isNaN
        durationSumPrefix.append(durationSumPrefix[durationSumPrefix.count - 1] + (hasDuration ? entry.duration : 0))
        durationCountPrefix.append(durationCountPrefix[durationCountPrefix.count - 1] + (hasDuration ? 1 : 0))
        let completedDuration = hasDuration && entry.completed
        completedDurationSumPrefix.append(completedDurationSumPrefix[completedDurationSumPrefix.count - 1]
                                          + (completedDuration ? entry.duration : 0))
        completedDurationCountPrefix.append(completedDurationCountPrefix[completedDurationCountPrefix.count - 1]
                                            + (completedDuration ? 1 : 0))
        let logDuration = hasDuration ? Foundation.log(Swift.max(entry.duration, Self.shortestLoggedDuration)) : 0
        logDurationSumPrefix.append(logDurationSumPrefix[logDurationSumPrefix.count - 1] + logDuration)
    }

    /// The first index in `from..<to` (default: all) whose time is ≥ `time`; `to` if none. Requires `prepare()`.
    private func lowerBound(_ time: Int64, from: Int = 0, to: Int? = nil) -> Int {
        var low = from
        var high = to ?? entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].time < time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Invocations in the half-open window [start, end): the two searches of `window` without its prefix sums
    /// (six more arrays to read, each a cache miss at 10,000 skills). Requires `prepare()`.
    public func count(from start: Int64, to end: Int64) -> Int {
        let lower = lowerBound(start)
        return Swift.max(lower, lowerBound(end, from: lower)) - lower
    }

    /// Figures of the half-open window [start, end). Requires `prepare()`.
    public func window(from start: Int64, to end: Int64) -> WindowFigures {
        let lower = lowerBound(start)
        let upper = Swift.max(lower, lowerBound(end))
        let durations = Int(durationCountPrefix[upper] - durationCountPrefix[lower])
        return WindowFigures(
            invocations: upper - lower,
            completed: Int(completedPrefix[upper] - completedPrefix[lower]),
            durationSum: durationSumPrefix[upper] - durationSumPrefix[lower],
            durations: durations,
            completedDurationSum: completedDurationSumPrefix[upper] - completedDurationSumPrefix[lower],
            completedDurations: Int(completedDurationCountPrefix[upper] - completedDurationCountPrefix[lower]),
            logDurationSum: logDurationSumPrefix[upper] - logDurationSumPrefix[lower],
            range: lower..<upper)
    }

    /// The buckets of `width` ms from `start` (`count` of them) that hold at least one invocation, in time
    /// order, written into `result` (cleared first; a caller reuses it across skills). Requires `prepare()`.
    ///
    /// One binary search per occupied bucket, none per empty one: a skill idle for most of a 90-day window costs
    /// its few busy hours, not 2,160 buckets.
    public func occupiedBuckets(from start: Int64, width: Int64, count: Int, into result: inout [OccupiedBucket]) {
        result.removeAll(keepingCapacity: true)
        let end = start + width * Int64(count)
        var lower = lowerBound(start)
        let last = lowerBound(end, from: lower)
        while lower < last {
            let slot = Int((entries[lower].time - start) / width)
            let upper = lowerBound(start + width * Int64(slot + 1), from: lower + 1, to: last)
            result.append(OccupiedBucket(slot: slot, figures: BucketFigures(
                invocations: upper - lower,
                completed: Int(completedPrefix[upper] - completedPrefix[lower]),
                durationSum: durationSumPrefix[upper] - durationSumPrefix[lower],
                durations: Int(durationCountPrefix[upper] - durationCountPrefix[lower]),
                logDurationSum: logDurationSumPrefix[upper] - logDurationSumPrefix[lower])))
            lower = upper
        }
    }

    /// `count` consecutive buckets of `width` ms starting at `start`. Requires `prepare()`.
    ///
    /// Two ways, whichever is cheaper: one walk over the entries the buckets hold (few entries, many buckets:
    /// a trend's daily points), or a binary search per bucket edge and prefix-sum differences (many entries:
    /// an anomaly pass over a busy day would otherwise visit every invocation of it).
    public func buckets(from start: Int64, width: Int64, count: Int) -> [BucketFigures] {
        var result = Array(repeating: BucketFigures(), count: count)
        let end = start + width * Int64(count)
        let first = lowerBound(start)
        let last = lowerBound(end, from: first)
        let held = last - first
        let searchSteps = Int.bitWidth - held.leadingZeroBitCount
        if held > (count + 1) * max(1, searchSteps) {
            var lower = first
            for slot in 0..<count {
                let upper = slot == count - 1 ? last : lowerBound(start + width * Int64(slot + 1), from: lower, to: last)
                result[slot] = BucketFigures(
                    invocations: upper - lower,
                    completed: Int(completedPrefix[upper] - completedPrefix[lower]),
                    durationSum: durationSumPrefix[upper] - durationSumPrefix[lower],
                    durations: Int(durationCountPrefix[upper] - durationCountPrefix[lower]))
                lower = upper
            }
            return result
        }
        for index in first..<last {
            let entry = entries[index]
            let slot = Int((entry.time - start) / width)
            result[slot].invocations += 1
            if entry.completed { result[slot].completed += 1 }
            if !entry.duration.isNaN {
                result[slot].durationSum += entry.duration
                result[slot].durations += 1
            }
        }
        return result
    }

    /// The durations of a window, for percentiles. Requires `prepare()`.
    public func durations(in figures: WindowFigures) -> [Double] {
        var values: [Double] = []
        values.reserveCapacity(figures.durations)
        for index in figures.range where !entries[index].duration.isNaN { values.append(entries[index].duration) }
        return values
    }
}

/// Counts and sums over one time window of one skill.
public struct WindowFigures: Sendable, Equatable {
    public let invocations: Int
    public let completed: Int
    public let durationSum: Double
    /// Invocations that carried a duration.
    public let durations: Int
    /// Completed invocations that carried a duration, and the sum of those durations.
    public let completedDurationSum: Double
    public let completedDurations: Int
    /// Σ ln(duration) over the durations (see `SkillSeries.shortestLoggedDuration`).
    public let logDurationSum: Double
    let range: Range<Int>

    public var completionRate: Double? { invocations > 0 ? Double(completed) / Double(invocations) : nil }
    /// Mean over every invocation that carried a duration (`avg_duration_all`).
    public var averageDuration: Double? { durations > 0 ? durationSum / Double(durations) : nil }
    /// Mean over completed invocations, 0 when none carried a duration: session-buddy's `avg_duration`.
    public var averageCompletedDuration: Double {
        completedDurations > 0 ? completedDurationSum / Double(completedDurations) : 0
    }
}

/// Counts and sums of one bucket (of `SkillSeries.buckets`).
public struct BucketFigures: Sendable, Equatable {
    public var invocations = 0
    public var completed = 0
    public var durationSum = 0.0
    public var durations = 0
    /// Σ ln(duration) (see `SkillSeries.shortestLoggedDuration`); filled by `occupiedBuckets` only.
    public var logDurationSum = 0.0

    public init() {}

    public init(invocations: Int, completed: Int, durationSum: Double, durations: Int, logDurationSum: Double = 0) {
        self.invocations = invocations
        self.completed = completed
        self.durationSum = durationSum
        self.durations = durations
        self.logDurationSum = logDurationSum
    }

    public var completionRate: Double? { invocations > 0 ? Double(completed) / Double(invocations) : nil }
    public var averageDuration: Double? { durations > 0 ? durationSum / Double(durations) : nil }
}

/// A bucket with at least one invocation, and its place among the buckets asked for.
public struct OccupiedBucket: Sendable, Equatable {
    public let slot: Int
    public let figures: BucketFigures
}
