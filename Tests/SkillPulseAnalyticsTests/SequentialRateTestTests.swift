import Foundation
import SkillPulseCore
import Testing
@testable import SkillPulseAnalytics

/// Error rates of the A/B decision, measured by simulation (`SimulatedExperiment`): docs/analytics.md states
/// what these tests print.
struct SequentialRateTestTests {
    /// Runs `count` simulated tests, each to its decision or its horizon, arms by the daemon's hash at
    /// `controlShare`; the share of each decision.
    static func decisionRates(_ simulation: SimulatedExperiment, controlShare: Double = 0.5, minimumPerArm: Int = 100,
                              effect: Double? = nil, count: Int, seed: UInt64)
        -> (treatmentBetter: Double, controlBetter: Double, noLift: Double)
    {
        var counts: [SequentialRateTest.Decision.Kind: Int] = [:]
        for run in 0..<count {
            let testID = Int64(run + 1)
            let outcomes = simulation.generate(seed: seed &+ UInt64(run) &* 7919) {
                ABTestAssignment.group(testID: testID, userID: $0, ratio: controlShare) == .treatment
            }
            var test = SequentialRateTest(mixingScale: effect ?? 0.05, minimumPerArm: minimumPerArm,
                                          minimumDetectableEffect: effect)
            for outcome in outcomes where test.decision == nil {
                test.record(unit: outcome.unit, treatment: outcome.treatment, completed: outcome.completed)
            }
            if let kind = test.decision?.kind { counts[kind, default: 0] += 1 }
        }
        let n = Double(count)
        return (Double(counts[.treatmentBetter] ?? 0) / n, Double(counts[.controlBetter] ?? 0) / n,
                Double(counts[.noLiftOfEffect] ?? 0) / n)
    }

    @Test(arguments: [300, 100, 40])
    func aaTestsWithHeterogeneousUsersKeepTheirFalsePositiveRate(users: Int) {
        let simulation = SimulatedExperiment(units: users, outcomes: 5_000, rates: .logitNormal(mean: 0.7, spread: 1.5))
        let result = Self.decisionRates(simulation, count: 400, seed: UInt64(users))
        print("A/A heterogeneous, \(users) users, 5,000 outcomes: false decisions \(result.treatmentBetter + result.controlBetter)")
        #expect(result.treatmentBetter + result.controlBetter <= 0.05)
    }

    @Test func rareEventsAtANinetyTenSplitKeepTheirFalsePositiveRate() {
        let simulation = SimulatedExperiment(units: 2_000, outcomes: 20_000, rates: .equal(0.01))
        let result = Self.decisionRates(simulation, controlShare: 0.9, count: 300, seed: 3)
        print("A/A 90/10 at 1 %: false decisions \(result.treatmentBetter + result.controlBetter)")
        #expect(result.treatmentBetter + result.controlBetter <= 0.05)
    }

    @Test func aLiftEqualToTheEffectIsFoundAndNeverDeclaredAbsent() {
        let simulation = SimulatedExperiment(units: 3_000, outcomes: 40_000, rates: .uniform(0.3, 0.7), lift: 0.05)
        let result = Self.decisionRates(simulation, effect: 0.05, count: 200, seed: 9)
        print("lift = MDE: found \(result.treatmentBetter), declared absent \(result.noLift), wrong way \(result.controlBetter)")
        #expect(result.treatmentBetter >= 0.8)
        #expect(result.noLift <= 0.05)
    }
}

extension SequentialRateTestTests {
    /// Each unit sends one outcome: the cluster variance is the binomial one (times m/(m−1)).
    @Test func oneOutcomePerUnitIsTheBinomialVariance() throws {
        var arm = UnitClusteredArm()
        for index in 0..<200 { arm.record(unit: "u\(index)", completed: index < 60) }
        let expected = 200.0 / 199 * 0.3 * 0.7 / 200
        #expect(abs(try #require(arm.clusteredVariance) - expected) < 1e-15)
        // One unit sending everything has no between-unit spread to see.
        var single = UnitClusteredArm()
        for index in 0..<50 { single.record(unit: "only", completed: index % 2 == 0) }
        #expect(single.clusteredVariance == nil)
    }

    /// Worked example of docs/analytics.md: two users per arm with their own rates.
    @Test func clusteredVarianceWorkedExample() throws {
        var arm = UnitClusteredArm()
        for index in 0..<30 { arm.record(unit: "a", completed: index < 27) }   // 27/30
        for index in 0..<10 { arm.record(unit: "b", completed: index < 3) }    // 3/10
        // p̂ = 30/40 = 0.75; residuals 27 − 22.5 = 4.5 and 3 − 7.5 = −4.5; 2/1 · 40.5 / 1600 = 0.050625.
        #expect(abs(try #require(arm.clusteredVariance) - 0.050625) < 1e-15)
    }

    /// The tester's case: control 0/101 against treatment 1/100 decided `ship_treatment`.
    @Test func oneCompletionAgainstNoneDecidesNothing() {
        var test = SequentialRateTest(mixingScale: 0.05, minimumPerArm: 10, minimumDetectableEffect: nil)
        for index in 0..<101 { test.record(unit: "c\(index)", treatment: false, completed: false) }
        for index in 0..<100 { test.record(unit: "t\(index)", treatment: true, completed: index == 99) }
        #expect(test.decision == nil && test.pValue > 0.5)
        // Every order of the same counts decides nothing either (the completion first).
        var early = SequentialRateTest(mixingScale: 0.005, minimumPerArm: 10, minimumDetectableEffect: nil)
        for index in 0..<100 {
            early.record(unit: "t\(index)", treatment: true, completed: index == 0)
            early.record(unit: "c\(index)", treatment: false, completed: false)
        }
        early.record(unit: "c100", treatment: false, completed: false)
        #expect(early.decision == nil)
    }

    /// Once reached, a decision stays, with the figures it was taken on, whatever comes after.
    @Test func aDecisionIsFinal() throws {
        var test = SequentialRateTest(mixingScale: 0.05, minimumPerArm: 100, minimumDetectableEffect: 0.05)
        var random = SplitMix64(seed: 1)
        var index = 0
        while test.decision == nil {
            index += 1
            let treatment = random.unit() < 0.5
            test.record(unit: "u\(index)", treatment: treatment, completed: random.unit() < (treatment ? 0.8 : 0.5))
        }
        let decided = try #require(test.decision)
        #expect(decided.kind == .treatmentBetter && decided.interval.lower > 0)
        // Now the arms swap: control completes far more often. The decision and its figures stay.
        for _ in 0..<5_000 {
            index += 1
            let treatment = random.unit() < 0.5
            test.record(unit: "u\(index)", treatment: treatment, completed: random.unit() < (treatment ? 0.2 : 0.9))
        }
        #expect(test.decision == decided)
        let analysis = ABTestAnalysis(control: ABTestArm(), treatment: ABTestArm(), sequential: test, unitName: "user")
        #expect(analysis.decision == .shipTreatment && analysis.reason.contains("The decision is final"))
        #expect(analysis.reason.contains("Decided at \(decided.controlOutcomes) control"))
    }

    @Test func analysisSaysWhatItWaitsFor() {
        func arm(_ conversions: Int, _ outcomes: Int) -> ABTestArm {
            var arm = ABTestArm()
            for index in 0..<outcomes { arm.record(completed: index < conversions, duration: nil, rating: nil) }
            return arm
        }
        var few = SequentialRateTest(mixingScale: 0.05, minimumPerArm: 100, minimumDetectableEffect: nil)
        for index in 0..<10 {
            few.record(unit: "c\(index)", treatment: false, completed: index < 6)
            few.record(unit: "t\(index)", treatment: true, completed: index < 9)
        }
        let early = ABTestAnalysis(control: arm(6, 10), treatment: arm(9, 10), sequential: few, unitName: "user")
        #expect(early.decision == .continue && early.reason.contains("Need 100 outcomes per arm"))
        // Enough outcomes, but from three users per arm: the variance between users cannot be judged yet.
        var clustered = SequentialRateTest(mixingScale: 0.05, minimumPerArm: 100, minimumDetectableEffect: nil)
        for index in 0..<300 {
            clustered.record(unit: "c\(index % 3)", treatment: false, completed: index % 2 == 0)
            clustered.record(unit: "t\(index % 3)", treatment: true, completed: true)
        }
        let users = ABTestAnalysis(control: arm(150, 300), treatment: arm(300, 300), sequential: clustered, unitName: "user")
        #expect(users.decision == .continue && users.reason.contains("Need outcomes from 10 users per arm"))
        #expect(clustered.looks == 0)
        // A clear, repeated difference over many users: shipped, and the futility rule for a null one.
        var null = SequentialRateTest(mixingScale: 0.05, minimumPerArm: 100, minimumDetectableEffect: 0.05)
        var random = SplitMix64(seed: 4)
        for index in 0..<20_000 where null.decision == nil {
            null.record(unit: "u\(index)", treatment: index % 2 == 0, completed: random.unit() < 0.5)
        }
        #expect(null.decision?.kind == .noLiftOfEffect || null.decision?.kind == nil)
        #expect(null.decision?.kind != .treatmentBetter)
    }
}

extension SequentialRateTestTests {
    /// docs/analytics.md's worked example: 500/1000 against 600/1000, one outcome per user, one look.
    @Test func workedExampleOfTheDocs() throws {
        var test = SequentialRateTest(mixingScale: 0.05, minimumPerArm: 1_000, minimumDetectableEffect: nil)
        for index in 0..<1_000 {
            test.record(unit: "c\(index)", treatment: false, completed: index < 500)
        }
        for index in 0..<1_000 {
            test.record(unit: "t\(index)", treatment: true, completed: index < 600)
        }
        #expect(test.looks == 1)
        #expect(abs(try #require(test.differenceVariance) - 0.0004977552427602378) < 1e-15)
        #expect(abs(test.pValue - 0.0005645804643326281) < 1e-12)
        let interval = try #require(test.interval)
        #expect(abs(interval.lower - 0.03182574574772047) < 1e-12 && abs(interval.upper - 0.16817425425227955) < 1e-12)
        #expect(test.decision?.kind == .treatmentBetter)
    }
}
