import Testing
@testable import SkillPulseAnalytics

/// Literals below were computed outside this code: NumPy (`percentile`, default linear method), Python's
/// `statistics` (stdev, median) and a direct evaluation of the Mann–Kendall formulas (Hirsch et al. 1982,
/// with the tie-corrected variance), `math.erfc` for the p-values.
struct StatisticsTests {
    @Test func quantilesInterpolateLikeNumPy() {
        #expect(abs(Descriptive.quantile([1, 2, 3, 4, 10], 0.95)! - 8.8) < 1e-12)
        #expect(Descriptive.quantile([1, 2, 3, 4, 10], 0.5)! == 3)
        #expect(Descriptive.quantile([7], 0.95)! == 7)
        #expect(Descriptive.quantile([], 0.5) == nil)
    }

    @Test func percentileRankCountsTiesHalf() {
        #expect(Descriptive.percentileRank(3, among: [1, 2, 3, 4]) == 62.5)
        #expect(Descriptive.percentileRank(0, among: [1, 2]) == 0)
        #expect(Descriptive.percentileRank(5, among: [5, 5]) == 50)
        #expect(Descriptive.percentileRank(3, sorted: [1, 2, 3, 3, 4]) == 60 && Descriptive.percentileRank(9, sorted: [1]) == 100)
    }

    @Test func zAndMADScores() throws {
        let baseline = [0.9, 0.92, 0.88, 0.91, 0.89, 0.9]
        let z = try #require(DeviationScore.score(0.5, baseline: baseline, method: .zscore))
        #expect(abs(z.center - 0.9) < 1e-12 && abs(z.score - -28.284271247461877) < 1e-9)
        let mad = try #require(DeviationScore.score(0.5, baseline: baseline, method: .mad))
        #expect(abs(mad.center - 0.9) < 1e-12 && abs(mad.score - -26.979630379063785) < 1e-9)
        // A steady baseline scores against the floor, not against zero.
        let floored = try #require(DeviationScore.score(0.5, baseline: [1, 1, 1], method: .zscore, minimumSpread: 0.1))
        #expect(abs(floored.score - -5) < 1e-12)
        #expect(DeviationScore.score(1, baseline: [1], method: .zscore) == nil)
    }

    @Test func mannKendallWithTies() throws {
        let rising = try #require(MannKendall([10, 12, 11, 15, 15, 18, 17, 20, 22, 21]))
        #expect(rising.s == 38 && rising.variance == 124)
        #expect(abs(rising.z - 3.322698087495336) < 1e-12)
        #expect(abs(rising.pValue - 0.0008915134791795978) < 1e-12)
        #expect(abs(rising.slope - 1.4) < 1e-12 && abs(rising.intercept - 10.1) < 1e-9)

        let falling = try #require(MannKendall([5, 4, 4, 3, 4, 2, 1, 1]))
        #expect(falling.s == -22 && abs(falling.variance - 60.666666666666664) < 1e-9)
        #expect(abs(falling.z - -2.6961511028187513) < 1e-12)
        #expect(abs(falling.pValue - 0.007014583882081636) < 1e-12)
        #expect(abs(falling.slope - -0.5857142857142856) < 1e-12)

        let flat = try #require(MannKendall([3, 3, 3, 3]))
        #expect(flat.s == 0 && flat.pValue == 1 && flat.slope == 0)
        #expect(MannKendall([1, 2]) == nil)
    }

    @Test func liftAndConfidence() throws {
        // 100 sessions; a in 20, b in 10, both in 8: lift = 8·100/(20·10) = 4.
        let association = try #require(Association(together: 8, sessionsWithA: 20, sessionsWithB: 10, sessions: 100))
        #expect(association.lift == 4 && association.confidenceAToB == 0.4 && association.confidenceBToA == 0.8)
        #expect(association.relationshipType == "very_strong_positive")
        #expect(Association.relationshipType(lift: 1.6) == "moderate_positive")
        // session-buddy's scale calls everything below 1.5 weak_positive; the direction says which way it goes.
        #expect(Association.relationshipType(lift: 0.5) == "weak_positive" && Association.relationshipType(lift: 1.2) == "weak_positive")
        #expect(Association.direction(lift: 0.5) == "negative" && Association.direction(lift: 1) == "independent"
                && Association.direction(lift: 1.2) == "positive")
        #expect(Association(together: 0, sessionsWithA: 1, sessionsWithB: 1, sessions: 1) == nil)
    }

    @Test func normalTails() {
        #expect(abs(StandardNormal.twoSidedP(1.959963984540054) - 0.05) < 1e-12)
        #expect(abs(StandardNormal.cdf(0) - 0.5) < 1e-15)
    }
}
