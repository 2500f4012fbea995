import Foundation
import SkillPulseCore
@testable import SkillPulseAnalytics

/// A/B tests as users run them: units (users or sessions) with their own completion rates and activity, each
/// sending several outcomes, arriving interleaved; the test looks after every outcome.
struct ExperimentSimulation {
    /// How each unit's own rate is drawn.
    enum Rates {
        /// Every unit at the same rate.
        case equal(Double)
        /// logit(p) = logit(mean) + spread·N(0, 1): users differ (spread 1.5: from ~20 % to ~95 % around 70 %).
        case logitNormal(mean: Double, spread: Double)
        /// Uniform in [low, high] (bounded away from 0 and 1, so a lift on top is exact).
        case uniform(Double, Double)

        func draw(_ random: inout SplitMix64) -> Double {
            switch self {
            case .equal(let p): return p
            case .logitNormal(let mean, let spread):
                let logit = log(mean / (1 - mean)) + spread * ExperimentSimulation.normal(&random)
                return 1 / (1 + exp(-logit))
            case .uniform(let low, let high): return low + (high - low) * random.unit()
            }
        }
    }

    var units: Int
    var outcomes: Int
    /// Share of units in control.
    var controlShare = 0.5
    var rates: Rates
    /// Added to a treatment unit's own rate.
    var lift = 0.0
    /// σ of log activity: 1.0 makes the busiest tenth of users send ~40 % of the outcomes.
    var activitySpread = 1.0
    var minimumPerArm = 100
    var minimumDetectableEffect: Double? = nil
    var mixingScale: Double { minimumDetectableEffect ?? 0.05 }

    static func normal(_ random: inout SplitMix64) -> Double {
        let u1 = max(random.unit(), 1e-300)
        let u2 = random.unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// Runs one test to its horizon (or, with `stopAtDecision`, to its decision) and returns it.
    func run(_ random: inout SplitMix64, stopAtDecision: Bool = true) -> SequentialRateTest {
        var test = SequentialRateTest(mixingScale: mixingScale, minimumPerArm: minimumPerArm,
                                      minimumDetectableEffect: minimumDetectableEffect)
        var rate: [Double] = []
        var isTreatment: [Bool] = []
        var cumulative: [Double] = []
        var total = 0.0
        for _ in 0..<units {
            let treatment = random.unit() >= controlShare
            isTreatment.append(treatment)
            rate.append(min(1, max(0, rates.draw(&random) + (treatment ? lift : 0))))
            total += exp(activitySpread * Self.normal(&random))
            cumulative.append(total)
        }
        let names = (0..<units).map { "u\($0)" }
        for _ in 0..<outcomes {
            let target = random.unit() * total
            var low = 0
            var high = units - 1
            while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] < target { low = mid + 1 } else { high = mid }
            }
            test.record(unit: names[low], treatment: isTreatment[low], completed: random.unit() < rate[low])
            if stopAtDecision, test.decision != nil { break }
        }
        return test
    }

    /// Runs `count` tests; the share of each decision kind (and of none).
    func rates(count: Int, seed: UInt64) -> (treatmentBetter: Double, controlBetter: Double, noLift: Double) {
        var random = SplitMix64(seed: seed)
        var counts: [SequentialRateTest.Decision.Kind: Int] = [:]
        for _ in 0..<count {
            if let kind = run(&random).decision?.kind { counts[kind, default: 0] += 1 }
        }
        let n = Double(count)
        return (Double(counts[.treatmentBetter] ?? 0) / n, Double(counts[.controlBetter] ?? 0) / n,
                Double(counts[.noLiftOfEffect] ?? 0) / n)
    }
}
