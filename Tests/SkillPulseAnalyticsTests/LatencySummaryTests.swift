import SkillPulseAnalytics
import Testing

/// `LatencySummary`: nearest-rank percentiles, max and mean.
struct LatencySummaryTests {
    /// Nearest rank with integer arithmetic: the ⌈p·n/100⌉-th smallest value.
    static func nearestRank(_ sorted: [Double], percent: Int) -> Double {
        let rank = (percent * sorted.count + 99) / 100
        return sorted[max(1, rank) - 1]
    }

    @Test func emptySampleIsAllZero() {
        let summary = LatencySummary(samples: [])
        #expect(summary == LatencySummary(samples: []))
        #expect(summary.count == 0)
        #expect(summary.p50 == 0 && summary.p90 == 0 && summary.p99 == 0)
        #expect(summary.max == 0 && summary.mean == 0)
    }

    @Test func oneSampleIsEveryPercentile() {
        let summary = LatencySummary(samples: [7.5])
        #expect(summary.count == 1)
        #expect(summary.p50 == 7.5 && summary.p90 == 7.5 && summary.p99 == 7.5 && summary.max == 7.5)
        #expect(summary.mean == 7.5)
    }

    @Test func oneToAHundred() {
        let summary = LatencySummary(samples: (1...100).map(Double.init).reversed())
        #expect(summary.count == 100)
        #expect(summary.p50 == 50)
        #expect(summary.p90 == 90)
        #expect(summary.p99 == 99)
        #expect(summary.max == 100)
        #expect(summary.mean == 50.5)
    }

    @Test func tenUnsortedSamples() {
        // Sorted: 1 2 3 4 5 6 7 8 9 1000.
        let summary = LatencySummary(samples: [9, 1000, 3, 1, 7, 5, 2, 8, 4, 6])
        #expect(summary.p50 == 5)  // ⌈5⌉ = 5th
        #expect(summary.p90 == 9)  // ⌈9⌉ = 9th
        #expect(summary.p99 == 1000)  // ⌈9.9⌉ = 10th
        #expect(summary.max == 1000)
        #expect(summary.mean == 104.5)
    }

    @Test func smallSamplesRoundRanksUp() {
        let two = LatencySummary(samples: [20, 10])
        #expect(two.p50 == 10)  // ⌈1⌉ = 1st
        #expect(two.p90 == 20)  // ⌈1.8⌉ = 2nd
        let three = LatencySummary(samples: [3, 1, 2])
        #expect(three.p50 == 2)  // ⌈1.5⌉ = 2nd
        #expect(three.p90 == 3)
        #expect(three.mean == 2)
    }

    @Test func duplicatesAndNegativeValues() {
        let summary = LatencySummary(samples: [-1, -1, 0, 0, 0, 2])
        #expect(summary.p50 == 0)  // ⌈3⌉ = 3rd
        #expect(summary.p90 == 2)
        #expect(summary.max == 2)
        #expect(summary.mean == 0)
    }

    @Test func matchesIntegerNearestRankForEverySampleSizeUpTo300() {
        for n in 1...300 {
            // Values in a scrambled order, so sorting matters.
            let samples = (0..<n).map { Double(($0 * 7919) % n) * 0.5 + 1 }
            let sorted = samples.sorted()
            let summary = LatencySummary(samples: samples)
            #expect(summary.count == n)
            #expect(summary.p50 == Self.nearestRank(sorted, percent: 50), "n = \(n)")
            #expect(summary.p90 == Self.nearestRank(sorted, percent: 90), "n = \(n)")
            #expect(summary.p99 == Self.nearestRank(sorted, percent: 99), "n = \(n)")
            #expect(summary.max == sorted.last)
            #expect(abs(summary.mean - sorted.reduce(0, +) / Double(n)) < 1e-9)
        }
    }
}
