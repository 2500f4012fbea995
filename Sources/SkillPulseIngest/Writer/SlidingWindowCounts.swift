/// Exact per-key counts over sliding windows (e.g. the last 60 and 1,440 minutes) at one-minute resolution.
///
/// Buckets are kept in time order, each window keeps the index of its oldest live bucket and a running total,
/// so recording and reading cost O(1) amortised. A window of W minutes covers the minutes after now − W; minutes
/// ahead of `now` (clients' clocks run a little ahead) count at once, as the start-up seeding query counts them.
/// No I/O: the caller feeds it events and persists what it reads.
public struct SlidingWindowCounts<Key: Hashable & Sendable>: Sendable {
    /// Totals of one key, one entry per configured window.
    public struct Totals: Sendable, Equatable {
        public var count: [Int]
        public var completed: [Int]

        public init(count: [Int], completed: [Int]) {
            self.count = count
            self.completed = completed
        }

        /// completed/count of window `index`, or nil when the window holds nothing.
        public func completionRate(_ index: Int) -> Double? {
            count[index] > 0 ? Double(completed[index]) / Double(count[index]) : nil
        }
    }

    private struct Bucket: Sendable {
        var minute: Int64
        var count: Int
        var completed: Int
    }

    private struct Series: Sendable {
        var buckets: [Bucket] = []
        var heads: [Int]
        var totals: Totals
    }

    /// Window lengths in minutes, e.g. `[60, 1440]`.
    public let windows: [Int64]
    private let longest: Int64
    private var series: [Key: Series] = [:]
    private let emptySeries: Series

    public init(windowMinutes: [Int64]) {
        precondition(!windowMinutes.isEmpty && windowMinutes.allSatisfy { $0 > 0 })
        windows = windowMinutes
        longest = windowMinutes.max()!
        emptySeries = Series(heads: windowMinutes.map { _ in 0 },
                             totals: Totals(count: windowMinutes.map { _ in 0 }, completed: windowMinutes.map { _ in 0 }))
    }

    /// Keys that still hold data inside the longest window (as of the last call that advanced them).
    public var trackedKeys: [Key] { Array(series.keys) }

    private var zero: Totals {
        Totals(count: windows.map { _ in 0 }, completed: windows.map { _ in 0 })
    }

    /// Adds `count` events (`completed` of them completed) at `minute` (minutes since the epoch).
    public mutating func record(_ key: Key, minute: Int64, count: Int, completed: Int, now: Int64) {
        // The oldest edge minute is kept (outside every total) so that `holds` can answer for it.
        guard minute >= now - longest else { return }
        // In place: a copy of the entry would copy its four arrays (up to a day of buckets) on every record.
        let windows = windows
        let empty = emptySeries
        Self.record(into: &series[key, default: empty],
                    windows: windows, minute: minute, count: count, completed: completed, now: now)
    }

    private static func record(into entry: inout Series, windows: [Int64], minute: Int64, count: Int, completed: Int,
                               now: Int64) {
        advance(&entry, windows: windows, now: now)
        var position = entry.buckets.count - 1
        while position >= 0, entry.buckets[position].minute > minute { position -= 1 }
        if position >= 0, entry.buckets[position].minute == minute {
            entry.buckets[position].count += count
            entry.buckets[position].completed += completed
        } else {
            position += 1
            entry.buckets.insert(Bucket(minute: minute, count: count, completed: completed), at: position)
            for (index, window) in windows.enumerated() {
                // A bucket inserted before a window's head is older than that window's edge.
                if position < entry.heads[index] || (position == entry.heads[index] && minute <= now - window) {
                    entry.heads[index] += 1
                }
            }
        }
        for index in windows.indices where position >= entry.heads[index] {
            entry.totals.count[index] += count
            entry.totals.completed[index] += completed
        }
    }

    /// The totals of `key` as of `now`; zeros for a key never seen or fully expired.
    public mutating func totals(_ key: Key, now: Int64) -> Totals {
        guard series[key] != nil else { return zero }
        Self.advance(&series[key]!, windows: windows, now: now)
        let entry = series[key]!
        if entry.heads.allSatisfy({ $0 == entry.buckets.count }),
           (entry.buckets.last?.minute ?? .min) < now - longest {
            series[key] = nil
            return zero
        }
        return entry.totals
    }

    /// Whether `key` has events at `minute`: inside the windows, or in the minute just before the oldest window
    /// edge (kept so that a caller can count that edge minute exactly from its own records).
    public func holds(_ key: Key, minute: Int64) -> Bool {
        guard let buckets = series[key]?.buckets else { return false }
        var low = 0
        var high = buckets.count
        while low < high {
            let middle = (low + high) / 2
            if buckets[middle].minute < minute { low = middle + 1 } else { high = middle }
        }
        return low < buckets.count && buckets[low].minute == minute && buckets[low].count > 0
    }

    private static func advance(_ entry: inout Series, windows: [Int64], now: Int64) {
        for (index, window) in windows.enumerated() {
            while entry.heads[index] < entry.buckets.count, entry.buckets[entry.heads[index]].minute <= now - window {
                entry.totals.count[index] -= entry.buckets[entry.heads[index]].count
                entry.totals.completed[index] -= entry.buckets[entry.heads[index]].completed
                entry.heads[index] += 1
            }
        }
        // The newest expired bucket stays: it may hold the part of the oldest window's edge minute that is still
        // inside the window (see `holds`).
        let expired = (entry.heads.min() ?? 0) - 1
        if expired > 64, expired * 2 > entry.buckets.count {
            entry.buckets.removeFirst(expired)
            for index in entry.heads.indices { entry.heads[index] -= expired }
        }
    }
}
