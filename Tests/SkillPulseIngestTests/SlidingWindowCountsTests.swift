import SkillPulseCore
import SkillPulseIngest
import Testing

/// `SlidingWindowCounts` against a brute-force model that keeps every event it was given.
///
/// Model: a window of W minutes holds the events whose minute is after `now − W`. Events stamped ahead of
/// `now` (ingest accepts up to 5 minutes of clock skew) count at once, as in the SQL that seeds the cache.
struct SlidingWindowCountsTests {
    struct Model {
        struct Event {
            let key: String
            let minute: Int64
            let count: Int
            let completed: Int
        }

        let windows: [Int64]
        var events: [Event] = []

        var longest: Int64 { windows.max()! }

        mutating func record(_ key: String, minute: Int64, count: Int, completed: Int, now: Int64) {
            guard minute > now - longest else { return }  // could never count again: time only moves forward
            events.append(Event(key: key, minute: minute, count: count, completed: completed))
        }

        mutating func totals(_ key: String, now: Int64) -> SlidingWindowCounts<String>.Totals {
            let edge = now - longest
            events.removeAll { $0.minute <= edge }
            var totals = SlidingWindowCounts<String>.Totals(count: windows.map { _ in 0 }, completed: windows.map { _ in 0 })
            for event in events where event.key == key {
                for (index, window) in windows.enumerated() where event.minute > now - window {
                    totals.count[index] += event.count
                    totals.completed[index] += event.completed
                }
            }
            return totals
        }

        /// Keys with at least one event inside the longest window.
        func liveKeys(now: Int64) -> Set<String> {
            Set(events.lazy.filter { $0.minute > now - longest }.map(\.key))
        }
    }

    static let configurations: [([Int64], UInt64)] = [
        ([60, 1440], 1), ([60, 1440], 2), ([60, 1440], 3), ([1440, 60], 4), ([1, 5, 60], 5), ([3], 6),
        ([60, 1440], 7),
    ]

    @Test(arguments: configurations)
    func matchesTheBruteForceModelUnderRandomOperations(windows: [Int64], seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        var counts = SlidingWindowCounts<String>(windowMinutes: windows)
        var model = Model(windows: windows)
        let longest = windows.max()!
        let keys = ["pytest-run", "ruff-check", "mypy", "deploy"]
        var recentMinutes: [String: [Int64]] = [:]
        var now: Int64 = 29_000_000 + Int64.random(in: 0..<10_000, using: &rng)
        var reads = 0
        var mismatches = 0

        for step in 0..<6000 {
            // Time moves forward by random steps: mostly not at all or a little, sometimes a long pause.
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<40: break
            case 40..<80: now += Int64.random(in: 1...3, using: &rng)
            case 80..<97: now += Int64.random(in: 4...(longest / 4 + 4), using: &rng)
            default: now += Int64.random(in: longest / 2...(longest * 2 + 10), using: &rng)
            }

            let operations = Int.random(in: 1...4, using: &rng)
            for _ in 0..<operations {
                let key = keys.randomElement(using: &rng)!
                let minute: Int64
                switch Int.random(in: 0..<100, using: &rng) {
                case 0..<40: minute = now  // in order
                case 40..<60:  // a minute already used by this key: a duplicate bucket
                    minute = recentMinutes[key]?.randomElement(using: &rng) ?? now
                case 60..<80: minute = now - Int64.random(in: 1...longest, using: &rng)  // back-dated, near the edge
                case 80..<85: minute = now - longest + 1  // the oldest minute still inside
                case 85..<90: minute = now - longest - Int64.random(in: 0...5000, using: &rng)  // far past: ignored
                case 90..<97: minute = now + Int64.random(in: 1...5, using: &rng)  // slightly in the future
                default:  // exactly on a shorter window's edge
                    minute = now - windows.randomElement(using: &rng)! + Int64.random(in: 0...1, using: &rng)
                }
                let count = Int.random(in: 1...5, using: &rng)
                let completed = Int.random(in: 0...count, using: &rng)
                counts.record(key, minute: minute, count: count, completed: completed, now: now)
                model.record(key, minute: minute, count: count, completed: completed, now: now)
                recentMinutes[key, default: []].append(minute)
                if recentMinutes[key]!.count > 16 { recentMinutes[key]!.removeFirst() }
            }

            // Reads: a known key (not necessarily the one just written) or one never seen.
            let probe = Int.random(in: 0..<10, using: &rng) < 8
                ? keys.randomElement(using: &rng)! : "unknown-\(Int.random(in: 0..<3, using: &rng))"
            let actual = counts.totals(probe, now: now)
            let expected = model.totals(probe, now: now)
            reads += 1
            if actual != expected {
                mismatches += 1
                if mismatches <= 5 {
                    Issue.record("step \(step), key \(probe), now \(now): got \(actual), model \(expected)")
                }
            }
            for index in windows.indices {
                let rate = actual.completionRate(index)
                if expected.count[index] == 0 {
                    #expect(rate == nil)
                } else {
                    #expect(rate == Double(expected.completed[index]) / Double(expected.count[index]))
                }
            }
            // Every key that still holds data inside the longest window is tracked.
            if step % 50 == 0 {
                #expect(model.liveKeys(now: now).isSubset(of: Set(counts.trackedKeys)))
            }
        }
        #expect(mismatches == 0)
        #expect(reads == 6000)

        // Finally every key, in a random order, after one more small step and after everything expired.
        now += 1
        for key in keys.shuffled(using: &rng) {
            #expect(counts.totals(key, now: now) == model.totals(key, now: now), "\(key)")
        }
        now += longest + 10  // past the future-stamped minutes too
        for key in keys {
            let zero = counts.totals(key, now: now)
            #expect(zero.count.allSatisfy { $0 == 0 } && zero.completed.allSatisfy { $0 == 0 })
        }
        #expect(counts.trackedKeys.isEmpty)
    }

    @Test func windowEdgesAreExclusiveOfNowMinusW() {
        var counts = SlidingWindowCounts<String>(windowMinutes: [60, 1440])
        counts.record("a", minute: 1000, count: 3, completed: 2, now: 1000)
        #expect(counts.totals("a", now: 1000) == .init(count: [3, 3], completed: [2, 2]))
        #expect(counts.totals("a", now: 1059) == .init(count: [3, 3], completed: [2, 2]))
        #expect(counts.totals("a", now: 1060) == .init(count: [0, 3], completed: [0, 2]))
        #expect(counts.totals("a", now: 2439) == .init(count: [0, 3], completed: [0, 2]))
        #expect(counts.totals("a", now: 2440) == .init(count: [0, 0], completed: [0, 0]))
        // Out of every total, but still known: minute 1000 is the 24 h window's edge minute, part of which
        // lies inside the window (the caller counts that part exactly).
        #expect(counts.holds("a", minute: 1000) && counts.trackedKeys == ["a"])
        #expect(counts.totals("a", now: 2441) == .init(count: [0, 0], completed: [0, 0]))
        #expect(counts.trackedKeys.isEmpty)
    }

    @Test func holdsAnswersForEveryKeptMinuteIncludingTheOldestEdgeAcrossCompaction() {
        var counts = SlidingWindowCounts<String>(windowMinutes: [60, 1440])
        for minute in Int64(0)..<5_000 where minute % 2 == 0 {
            counts.record("k", minute: minute, count: 1, completed: 0, now: minute)
        }
        let now: Int64 = 4_998
        _ = counts.totals("k", now: now)
        #expect(counts.holds("k", minute: now - 1440), "the 24 h edge minute survives compaction")
        #expect(counts.holds("k", minute: now - 60) && counts.holds("k", minute: now))
        #expect(!counts.holds("k", minute: now - 61), "odd minutes hold nothing")
        #expect(!counts.holds("other", minute: now))
        // Recorded straight into the edge minute (seeding at start): kept, outside the totals.
        var seeded = SlidingWindowCounts<String>(windowMinutes: [60, 1440])
        seeded.record("s", minute: 100, count: 2, completed: 1, now: 1540)
        #expect(seeded.holds("s", minute: 100))
        #expect(seeded.totals("s", now: 1540) == .init(count: [0, 0], completed: [0, 0]))
    }

    @Test func backDatedRecordsLandInTheWindowsThatCoverThem() {
        var counts = SlidingWindowCounts<String>(windowMinutes: [60, 1440])
        let now: Int64 = 50_000
        counts.record("a", minute: now - 59, count: 1, completed: 1, now: now)  // both windows
        counts.record("a", minute: now - 60, count: 10, completed: 0, now: now)  // only the day
        counts.record("a", minute: now - 1439, count: 100, completed: 100, now: now)  // only the day
        counts.record("a", minute: now - 1440, count: 1000, completed: 0, now: now)  // neither: ignored
        counts.record("a", minute: now - 100_000, count: 1000, completed: 0, now: now)  // far past: ignored
        #expect(counts.totals("a", now: now) == .init(count: [1, 111], completed: [1, 101]))
        // Records arriving out of order into a minute that already has a bucket merge into it.
        counts.record("a", minute: now - 60, count: 5, completed: 5, now: now)
        counts.record("a", minute: now - 59, count: 2, completed: 0, now: now)
        #expect(counts.totals("a", now: now) == .init(count: [3, 118], completed: [1, 106]))
        // One minute later the 60-minute window has lost now − 59 and the day has lost now − 1439.
        #expect(counts.totals("a", now: now + 1) == .init(count: [0, 18], completed: [0, 6]))
        #expect(counts.totals("a", now: now + 1380) == .init(count: [0, 3], completed: [0, 1]))
        #expect(counts.totals("a", now: now + 1381) == .init(count: [0, 0], completed: [0, 0]))
    }

    @Test func futureMinutesCountAtOnceAndLeaveWhenTheirWindowPasses() {
        var counts = SlidingWindowCounts<String>(windowMinutes: [60, 1440])
        counts.record("a", minute: 503, count: 2, completed: 1, now: 500)
        #expect(counts.totals("a", now: 500) == .init(count: [2, 2], completed: [1, 1]))
        #expect(counts.totals("a", now: 562) == .init(count: [2, 2], completed: [1, 1]))
        #expect(counts.totals("a", now: 563) == .init(count: [0, 2], completed: [0, 1]))
        #expect(counts.totals("a", now: 1943) == .init(count: [0, 0], completed: [0, 0]))
    }

    @Test func keysAreIndependentAndUnknownKeysReadAsZero() {
        var counts = SlidingWindowCounts<String>(windowMinutes: [60, 1440])
        counts.record("a", minute: 10, count: 1, completed: 1, now: 10)
        counts.record("b", minute: 10, count: 4, completed: 1, now: 10)
        #expect(counts.totals("a", now: 10).count == [1, 1])
        #expect(counts.totals("b", now: 10).completionRate(0) == 0.25)
        let unknown = counts.totals("c", now: 10)
        #expect(unknown == .init(count: [0, 0], completed: [0, 0]))
        #expect(unknown.completionRate(0) == nil && unknown.completionRate(1) == nil)
        #expect(Set(counts.trackedKeys) == ["a", "b"])
        #expect(counts.windows == [60, 1440])
    }

    @Test func manyMinutesOfOneKeyStayExactAcrossCompaction() {
        // Enough distinct minutes that expired buckets are dropped from the front several times.
        var counts = SlidingWindowCounts<Int>(windowMinutes: [60, 1440])
        for minute in Int64(0)..<10_000 {
            counts.record(7, minute: minute, count: Int(minute % 3) + 1, completed: Int(minute % 2), now: minute)
            if minute % 97 == 0 || minute == 9_999 {
                func sum(_ range: ClosedRange<Int64>, _ value: (Int64) -> Int) -> Int {
                    range.filter { $0 >= 0 }.map(value).reduce(0, +)
                }
                let expected = SlidingWindowCounts<Int>.Totals(
                    count: [sum(minute - 59...minute) { Int($0 % 3) + 1 }, sum(minute - 1439...minute) { Int($0 % 3) + 1 }],
                    completed: [sum(minute - 59...minute) { Int($0 % 2) }, sum(minute - 1439...minute) { Int($0 % 2) }])
                #expect(counts.totals(7, now: minute) == expected, "minute \(minute)")
            }
        }
    }
}
