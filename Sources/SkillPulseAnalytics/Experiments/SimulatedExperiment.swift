import Foundation
import SkillPulseCore

/// Synthetic A/B traffic as users produce it: units (users or sessions) with their own completion rates and
/// activity, each sending several outcomes, interleaved. Used to measure the decision's error rates (in unit
/// tests and through the real daemon) and by the benchmarks; deterministic for a seed.
public struct SimulatedExperiment: Sendable {
    /// How each unit's own rate is drawn.
    public enum Rates: Sendable {
        /// Every unit at the same rate.
        case equal(Double)
        /// logit(p) = logit(mean) + spread·N(0, 1): units differ (spread 1.5: from ~20 % to ~95 % around 70 %).
        case logitNormal(mean: Double, spread: Double)
        /// Uniform in [low, high] (away from 0 and 1, so a lift on top is exact on average).
        case uniform(Double, Double)

        func draw(_ random: inout SplitMix64) -> Double {
            switch self {
            case .equal(let p): return p
            case .logitNormal(let mean, let spread):
                let logit = log(mean / (1 - mean)) + spread * SimulatedExperiment.normal(&random)
                return 1 / (1 + exp(-logit))
            case .uniform(let low, let high): return low + (high - low) * random.unit()
            }
        }
    }

    /// One outcome: the unit's id, its arm and whether it completed.
    public struct Outcome: Sendable, Equatable {
        public let unit: String
        public let treatment: Bool
        public let completed: Bool
    }

    public var units: Int
    public var outcomes: Int
    public var rates: Rates
    /// Added to a treatment unit's own rate (clamped to [0, 1]).
    public var lift: Double
    /// σ of log activity: 1.0 makes the busiest tenth of users send ~40 % of the outcomes.
    public var activitySpread: Double
    /// Prefix of the unit ids ("u0", "u1", …).
    public var unitPrefix: String

    public init(units: Int, outcomes: Int, rates: Rates, lift: Double = 0, activitySpread: Double = 1,
                unitPrefix: String = "u") {
        self.units = units
        self.outcomes = outcomes
        self.rates = rates
        self.lift = lift
        self.activitySpread = activitySpread
        self.unitPrefix = unitPrefix
    }

    static func normal(_ random: inout SplitMix64) -> Double {
        let u1 = max(random.unit(), 1e-300)
        let u2 = random.unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// The outcomes in arrival order; `isTreatment` is the experiment's assignment of a unit id (e.g. the hash
    /// of `ABTestAssignment`).
    public func generate(seed: UInt64, isTreatment: (String) -> Bool) -> [Outcome] {
        var random = SplitMix64(seed: seed)
        let names = (0..<units).map { "\(unitPrefix)\($0)" }
        var rate: [Double] = []
        var arm: [Bool] = []
        var cumulative: [Double] = []
        var total = 0.0
        for name in names {
            let treatment = isTreatment(name)
            arm.append(treatment)
            rate.append(min(1, max(0, rates.draw(&random) + (treatment ? lift : 0))))
            total += exp(activitySpread * Self.normal(&random))
            cumulative.append(total)
        }
        var result: [Outcome] = []
        result.reserveCapacity(outcomes)
        for _ in 0..<outcomes {
            let target = random.unit() * total
            var low = 0
            var high = units - 1
            while low < high {
                let mid = (low + high) / 2
                if cumulative[mid] < target { low = mid + 1 } else { high = mid }
            }
            result.append(Outcome(unit: names[low], treatment: arm[low], completed: random.unit() < rate[low]))
        }
        return result
    }
}
