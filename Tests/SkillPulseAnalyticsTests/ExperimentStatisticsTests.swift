import SkillPulseCore
import Testing
@testable import SkillPulseAnalytics

/// Literals from SciPy 1.17 (`binomtest(k, n).proportion_ci(method="wilson")`, `norm.sf`, `norm.cdf`) and a
/// direct evaluation of Newcombe's method 10 from those Wilson limits; the assignment positions from a Python
/// transcription of FNV-1a + SplitMix64.
struct ExperimentStatisticsTests {
    @Test func wilsonIntervalsMatchSciPy() throws {
        let cases: [(Int, Int, Double, Double)] = [
            (45, 100, 0.35614537979511984, 0.5475539700255787),
            (0, 10, 0.0, 0.27753279986288926),
            (10, 10, 0.7224672001371109, 1.0),
            (61, 100, 0.5120301704584073, 0.6998312599360558),
        ]
        for (k, n, lower, upper) in cases {
            let interval = try #require(ProportionStatistics.wilson(successes: k, trials: n))
            #expect(abs(interval.lower - lower) < 1e-12 && abs(interval.upper - upper) < 1e-12, "\(k)/\(n)")
        }
        #expect(ProportionStatistics.wilson(successes: 0, trials: 0) == nil)
    }

    @Test func pooledZTestAndNewcombeDifference() throws {
        let test = try #require(ProportionStatistics.pooledZTest(successesA: 61, trialsA: 100, successesB: 83, trialsB: 100))
        #expect(abs(test.z - 3.4646743359179157) < 1e-12 && abs(test.pValue - 0.0005308739249216233) < 1e-12)
        let close = try #require(ProportionStatistics.pooledZTest(successesA: 480, trialsA: 1000, successesB: 520, trialsB: 1000))
        #expect(abs(close.pValue - 0.0736382701203024) < 1e-12)
        #expect(ProportionStatistics.pooledZTest(successesA: 5, trialsA: 5, successesB: 7, trialsB: 7)! == (0, 1))
        let difference = try #require(ProportionStatistics.differenceInterval(successesA: 61, trialsA: 100,
                                                                               successesB: 83, trialsB: 100))
        #expect(abs(difference.lower - 0.09599800883698527) < 1e-12 && abs(difference.upper - 0.33544237082087514) < 1e-12)
    }

    /// Review finding: with p_c + δ past 1 the alternative is p_c − δ, and an empty arm has no power (omitted).
    @Test func powerLooksTheOtherWayNearOneAndNeedsBothArms() throws {
        // SciPy: base 0.95, alternative 0.65, n 20 and 20 → norm.cdf(0.3/sqrt(.95*.05/20+.65*.35/20) - 1.96) + …
        let power = try #require(ProportionStatistics.power(effect: 0.3, baseRate: 0.95, trialsA: 20, trialsB: 20))
        let sigma = (0.95 * 0.05 / 20 + 0.65 * 0.35 / 20).squareRoot()
        #expect(abs(power - (StandardNormal.cdf(0.3 / sigma - 1.959963984540054)
                             + StandardNormal.cdf(-0.3 / sigma - 1.959963984540054))) < 1e-12)
        #expect(ProportionStatistics.power(effect: 0.1, baseRate: 0.5, trialsA: 20, trialsB: 0) == nil)
        #expect(ProportionStatistics.power(effect: 0.7, baseRate: 0.5, trialsA: 20, trialsB: 20) == nil)
        #expect(abs(ProportionStatistics.power(effect: 0, baseRate: 0.5, trialsA: 20, trialsB: 20)! - 0.05) < 1e-9)
    }

    @Test func powerMatchesTheNormalFormula() throws {
        #expect(abs(try #require(ProportionStatistics.power(effect: 0.05, baseRate: 0.5, trialsA: 1000, trialsB: 1000))
                    - 0.6109323052842954) < 1e-12)
        #expect(abs(try #require(ProportionStatistics.power(effect: 0.1, baseRate: 0.3, trialsA: 200, trialsB: 300))
                    - 0.6424492534273787) < 1e-12)
    }

    @Test func assignmentIsStableAndHonoursTheRatio() {
        #expect(ABTestAssignment.position(testID: 1, userID: "alice") == 0.10022686195278863)
        #expect(ABTestAssignment.position(testID: 42, userID: "user-7") == 0.23726011897132238)
        #expect(ABTestAssignment.position(testID: 1, userID: "ü") == 0.6785737879988092)
        for ratio in [0.5, 0.3, 0.9] {
            var control = 0
            for user in 0..<100_000 where ABTestAssignment.group(testID: 7, userID: "user-\(user)", ratio: ratio) == .control {
                control += 1
            }
            #expect(abs(Double(control) / 100_000 - ratio) <= 0.02, "ratio \(ratio): \(control)")
        }
        #expect(ABTestAssignment.group(testID: 1, userID: "alice", ratio: 0.2) == .control)
        #expect(ABTestAssignment.group(testID: 1, userID: "alice", ratio: 0.1) == .treatment)
    }

    @Test func jaccardStaysInTheUnitInterval() {
        #expect(SetSimilarity.jaccard(Set([1, 2, 3]), Set([2, 3, 4])) == 0.5)
        #expect(SetSimilarity.jaccard(Set<Int>(), Set<Int>()) == 0)
        #expect(SetSimilarity.jaccard(Set(["a"]), Set(["a"])) == 1)
        #expect(SetSimilarity.jaccard(intersection: 2, sizeA: 2, sizeB: 5) == 0.4)
    }
}
