@testable import SkillPulseAnalytics
import SkillPulseCore
import Testing

/// `SkillSeries` against a brute-force count over the same invocations, through rounds of in-order and
/// back-dated appends, queries (each preparing the series) and prunes.
struct SkillSeriesTests {
    struct Invocation {
        let time: Int64
        let completed: Bool
        let duration: Double?
    }

    static func expected(_ all: [Invocation], from start: Int64, to end: Int64) -> (Int, Int, Int, Double) {
        let inside = all.filter { $0.time >= start && $0.time < end }
        let durations = inside.compactMap(\.duration)
        return (inside.count, inside.filter(\.completed).count, durations.count, durations.reduce(0, +))
    }

    @Test func windowsAgreeWithADirectCountThroughBackDatedAppendsAndPrunes() {
        var random = SplitMix64(seed: 11)
        var series = SkillSeries()
        var all: [Invocation] = []
        var clock: Int64 = 1_000_000
        for round in 0..<60 {
            for _ in 0..<(1 + Int(random.next() % 40)) {
                clock += Int64(random.next() % 1_000)
                // A third of the rows are back-dated, some far back (before the whole series), some by a little.
                let back = random.next() % 3 == 0 ? Int64(random.next() % UInt64(clock - 900_000)) : 0
                let invocation = Invocation(time: clock - back, completed: random.next() % 2 == 0,
                                            duration: random.next() % 5 == 0 ? nil : Double(random.next() % 1_000) / 10)
                series.append(time: invocation.time, completed: invocation.completed, duration: invocation.duration)
                all.append(invocation)
            }
            if round % 15 == 14 {
                let cutoff = clock - 200_000
                series.prune(before: cutoff)
                all.removeAll { $0.time < cutoff }
            }
            series.prepare()
            #expect(series.count == all.count)
            for _ in 0..<20 {
                let a = Int64(random.next() % UInt64(clock + 1_000))
                let b = Int64(random.next() % UInt64(clock + 1_000))
                let (start, end) = (min(a, b), max(a, b))
                let figures = series.window(from: start, to: end)
                let direct = Self.expected(all, from: start, to: end)
                #expect(figures.invocations == direct.0 && figures.completed == direct.1 && figures.durations == direct.2,
                        "round \(round) [\(start), \(end))")
                #expect(abs(figures.durationSum - direct.3) < 1e-6)
            }
            let whole = series.window(from: .min, to: .max)
            #expect(series.durations(in: whole).sorted() == all.compactMap(\.duration).sorted())
            #expect(series.newest == all.map(\.time).max())
        }
    }

    @Test func appendSaysWhetherTheSeriesStayedSorted() {
        var series = SkillSeries()
        var kept: [Bool] = []
        kept.append(series.append(time: 10, completed: true, duration: 1))
        kept.append(series.append(time: 10, completed: false, duration: nil))
        kept.append(series.append(time: 5, completed: true, duration: 2))
        kept.append(series.append(time: 20, completed: true, duration: 2))
        #expect(kept == [true, true, false, false])
        series.prepare()
        let last = series.append(time: 30, completed: true, duration: nil)
        #expect(last)
        #expect(series.window(from: 0, to: 100).invocations == 5 && series.window(from: 6, to: 25).invocations == 3)
    }

    /// Both ways of counting buckets (a walk over few entries, bucket edges over many) agree with a direct count.
    @Test(arguments: [30, 50_000])
    func bucketsAgreeWithADirectCount(entries: Int) {
        var random = SplitMix64(seed: UInt64(entries))
        var series = SkillSeries()
        var all: [Invocation] = []
        for _ in 0..<entries {
            let invocation = Invocation(time: Int64(random.next() % 100_000), completed: random.next() % 3 != 0,
                                        duration: random.next() % 4 == 0 ? nil : Double(random.next() % 500) / 8)
            series.append(time: invocation.time, completed: invocation.completed, duration: invocation.duration)
            all.append(invocation)
        }
        series.prepare()
        for (start, width, count) in [(Int64(-5_000), Int64(4_000), 25), (10_000, 1_000, 7), (99_000, 3_000, 24)] {
            let buckets = series.buckets(from: start, width: width, count: count)
            for slot in 0..<count {
                let from = start + Int64(slot) * width
                let direct = Self.expected(all, from: from, to: from + width)
                let bucket = buckets[slot]
                #expect(bucket.invocations == direct.0 && bucket.completed == direct.1 && bucket.durations == direct.2,
                        "\(entries) entries, bucket \(slot) of [\(start), +\(width)×\(count))")
                #expect(abs(bucket.durationSum - direct.3) < 1e-6 * max(1, direct.3))
            }
        }
    }
}
