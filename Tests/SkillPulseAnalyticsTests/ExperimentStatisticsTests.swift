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

    /// 1,000 A/A tests, each looked at after every 100 outcomes up to 5,000: the mSPRT's always-valid p-value
    /// falls below 5 % in at most 5 % of them, while the fixed-horizon z-test read at the same looks does not
    /// keep its promise (the reason the always-valid one exists).
    @Test func sequentialTestKeepsItsFalsePositiveRateUnderPeeking() {
        var random = SplitMix64(seed: 11)
        var sequentialHits = 0
        var naiveHits = 0
        for _ in 0..<1_000 {
            var test = SequentialProportionTest(mixingScale: 0.05)
            var naive = false
            for _ in 0..<50 {
                var batch = (sa: 0, ta: 0, sb: 0, tb: 0)
                for _ in 0..<100 {
                    let success = random.unit() < 0.5
                    if random.unit() < 0.5 {
                        batch.tb += 1
                        if success { batch.sb += 1 }
                    } else {
                        batch.ta += 1
                        if success { batch.sa += 1 }
                    }
                }
                test.record(successesA: batch.sa, trialsA: batch.ta, successesB: batch.sb, trialsB: batch.tb)
                if let z = ProportionStatistics.pooledZTest(successesA: test.successesA, trialsA: test.trialsA,
                                                            successesB: test.successesB, trialsB: test.trialsB),
                   z.pValue < 0.05 { naive = true }
            }
            if test.pValue < 0.05 { sequentialHits += 1 }
            if naive { naiveHits += 1 }
        }
        #expect(sequentialHits <= 50, "always-valid false positives: \(sequentialHits)/1000")
        #expect(naiveHits > 100, "peeking at the z-test should inflate its false positives: \(naiveHits)/1000")
    }

    /// A real 5-point lift (50 % → 55 %): the test stops (p < 0.05) well before a 20,000-outcome horizon in
    /// most runs.
    @Test func sequentialTestStopsEarlyOnARealLift() {
        var random = SplitMix64(seed: 5)
        var stopped = 0
        var stoppedAt: [Int] = []
        for _ in 0..<200 {
            var test = SequentialProportionTest(mixingScale: 0.05)
            for look in 1...200 {
                for _ in 0..<100 {
                    let treatment = random.unit() < 0.5
                    test.record(armB: treatment, success: random.unit() < (treatment ? 0.55 : 0.5))
                }
                if test.pValue < 0.05 {
                    stopped += 1
                    stoppedAt.append(look * 100)
                    break
                }
            }
        }
        stoppedAt.sort()
        #expect(stopped >= 160, "stopped in \(stopped)/200 runs")
        #expect(stoppedAt.isEmpty || stoppedAt[stoppedAt.count / 2] < 10_000, "median stop \(stoppedAt[stoppedAt.count / 2])")
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

    @Test func analysisDecides() {
        func arm(_ conversions: Int, _ outcomes: Int) -> ABTestArm {
            var arm = ABTestArm()
            for index in 0..<outcomes { arm.record(completed: index < conversions, duration: nil, rating: nil) }
            return arm
        }
        func analysis(_ c: ABTestArm, _ t: ABTestArm, minimum: Int = 100, effect: Double? = nil) -> ABTestAnalysis {
            var sequential = SequentialProportionTest(mixingScale: effect ?? 0.05)
            sequential.record(successesA: c.conversions, trialsA: c.outcomes, successesB: t.conversions, trialsB: t.outcomes)
            return ABTestAnalysis(control: c, treatment: t, sequential: sequential, minimumSampleSize: minimum,
                                  minimumDetectableEffect: effect)
        }
        let early = analysis(arm(6, 10), arm(9, 10))
        #expect(early.decision == .continue && early.reason.contains("Need 100 outcomes per arm"))
        let win = analysis(arm(500, 1000), arm(600, 1000))
        #expect(win.decision == .shipTreatment && win.alwaysValidPValue < 0.05 && win.reason.contains("10.0 points"))
        let loss = analysis(arm(600, 1000), arm(500, 1000))
        #expect(loss.decision == .keepControl)
        let null = analysis(arm(5000, 10000), arm(5010, 10000), effect: 0.05)
        #expect(null.decision == .keepControl && null.power! > 0.99 && null.reason.contains("No lift of 5.0 points"))
        let unsure = analysis(arm(50, 100), arm(55, 100), effect: 0.05)
        #expect(unsure.decision == .continue && unsure.power! < 0.8)
    }

    @Test func jaccardStaysInTheUnitInterval() {
        #expect(SetSimilarity.jaccard(Set([1, 2, 3]), Set([2, 3, 4])) == 0.5)
        #expect(SetSimilarity.jaccard(Set<Int>(), Set<Int>()) == 0)
        #expect(SetSimilarity.jaccard(Set(["a"]), Set(["a"])) == 1)
        #expect(SetSimilarity.jaccard(intersection: 2, sizeA: 2, sizeB: 5) == 0.4)
    }
}
