import Foundation

/// An always-valid comparison of two completion rates, analysed at the randomisation unit, with a decision that
/// is final once reached.
///
/// It is a mixture sequential probability ratio test (mSPRT; Johari, Pekelis & Walsh, "Always valid inference",
/// 2017) on d = p̂_t − p̂_c with a normal mixing distribution N(θ₀, τ²). At each look, with V the variance of d,
/// Λ(θ₀) = √(V/(V+τ²)) · exp(τ²(d−θ₀)² / (2V(V+τ²))). The always-valid p-value is the running minimum of
/// 1/Λ(0); the always-valid 95 % confidence sequence is the running intersection of {θ₀ : Λ(θ₀) < 1/α}, i.e.
/// d ± √(2V(V+τ²)/τ² · (ln(1/α) + ½·ln((V+τ²)/V))). Both may be read after every outcome.
///
/// Two things keep its error rates where users run it (see docs/analytics.md, "A/B tests", for the measured
/// rates):
/// - V is the sum of the arms' cluster-robust variances (`UnitClusteredArm`): users differ in their own rates
///   and send many outcomes each, so outcomes are not independent draws.
/// - V never falls below the binomial variance at the pooled rate smoothed by one success and one failure,
///   p̃ = (S+1)/(N+2): with rare events an arm with no completion yet has a cluster variance of zero, which would
///   make a single completion in the other arm look decisive. Looks start once each arm has `minimumPerArm`
///   outcomes from at least `minimumUnitsPerArm` units.
public struct SequentialRateTest: Sendable, Equatable {
    /// A final decision and the figures it was taken on.
    public struct Decision: Sendable, Equatable {
        public enum Kind: String, Sendable {
            /// The interval lies above 0: treatment completes more often.
            case treatmentBetter = "treatment_better"
            /// The interval lies below 0: control completes more often.
            case controlBetter = "control_better"
            /// The interval lies below the minimum detectable effect: a lift of that size is ruled out.
            case noLiftOfEffect = "no_lift_of_effect"
        }

        public let kind: Kind
        public let controlOutcomes: Int
        public let treatmentOutcomes: Int
        public let difference: Double
        public let pValue: Double
        public let interval: ProportionStatistics.Interval
    }

    /// The level of the p-value and the confidence sequence.
    public static let alpha = 0.05
    /// Units each arm needs before a look: a variance estimated from fewer users is too noisy to trust.
    public static let defaultMinimumUnitsPerArm = 10

    /// τ: the spread of effects the test is tuned to find (rate points as a fraction).
    public let mixingScale: Double
    public let minimumPerArm: Int
    public let minimumUnitsPerArm: Int
    /// The lift whose absence ends the test for control (the futility rule); nil: no futility rule.
    public let minimumDetectableEffect: Double?
    public private(set) var control = UnitClusteredArm()
    public private(set) var treatment = UnitClusteredArm()
    /// Running minimum of 1/Λ(0) over the looks so far.
    public private(set) var pValue = 1.0
    /// Running intersection of the confidence sequence; nil before the first look.
    public private(set) var interval: ProportionStatistics.Interval?
    /// Set at the first look that reaches a decision, and never changed after.
    public private(set) var decision: Decision?
    public private(set) var looks = 0

    public init(mixingScale: Double, minimumPerArm: Int, minimumUnitsPerArm: Int = defaultMinimumUnitsPerArm,
                minimumDetectableEffect: Double?) {
        precondition(mixingScale > 0)
        self.mixingScale = mixingScale
        self.minimumPerArm = max(1, minimumPerArm)
        self.minimumUnitsPerArm = max(2, minimumUnitsPerArm)
        self.minimumDetectableEffect = minimumDetectableEffect.map(abs)
    }

    /// Adds one outcome of `unit` and looks.
    public mutating func record(unit: String, treatment isTreatment: Bool, completed: Bool) {
        if isTreatment {
            treatment.record(unit: unit, completed: completed)
        } else {
            control.record(unit: unit, completed: completed)
        }
        look()
    }

    /// Whether both arms have enough outcomes and units for a look.
    public var isLooking: Bool {
        control.outcomes >= minimumPerArm && treatment.outcomes >= minimumPerArm
            && control.units >= minimumUnitsPerArm && treatment.units >= minimumUnitsPerArm
    }

    /// V: the variance of d at the current counts (cluster-robust, floored); nil while an arm is empty.
    public var differenceVariance: Double? {
        guard control.outcomes > 0, treatment.outcomes > 0 else { return nil }
        let smoothed = Double(control.completions + treatment.completions + 1)
            / Double(control.outcomes + treatment.outcomes + 2)
        let floor = smoothed * (1 - smoothed)
        let vc = max(control.clusteredVariance ?? 0, floor / Double(control.outcomes))
        let vt = max(treatment.clusteredVariance ?? 0, floor / Double(treatment.outcomes))
        return vc + vt
    }

    /// d = p̂_t − p̂_c.
    public var difference: Double? {
        guard let c = control.rate, let t = treatment.rate else { return nil }
        return t - c
    }

    /// log Λ(θ₀) at the current counts.
    public static func logLikelihoodRatio(difference d: Double, variance v: Double, mixingScale: Double,
                                          null theta: Double = 0) -> Double {
        let tau2 = mixingScale * mixingScale
        return 0.5 * log(v / (v + tau2)) + tau2 * (d - theta) * (d - theta) / (2 * v * (v + tau2))
    }

    /// The half-width of the confidence sequence at one look: Λ(d ± r) = 1/α.
    public static func halfWidth(variance v: Double, mixingScale: Double, alpha: Double = alpha) -> Double {
        let tau2 = mixingScale * mixingScale
        return (2 * v * (v + tau2) / tau2 * (log(1 / alpha) + 0.5 * log((v + tau2) / v))).squareRoot()
    }

    private mutating func look() {
        guard isLooking, let d = difference, let v = differenceVariance, v > 0 else { return }
        looks += 1
        let logRatio = Self.logLikelihoodRatio(difference: d, variance: v, mixingScale: mixingScale)
        pValue = min(pValue, min(1, exp(-min(logRatio, 700))))
        let r = Self.halfWidth(variance: v, mixingScale: mixingScale)
        let lower = max(interval?.lower ?? -1, d - r)
        let upper = min(interval?.upper ?? 1, d + r)
        // An empty intersection (the model's approximation failing) keeps the last non-empty interval.
        if lower <= upper { interval = ProportionStatistics.Interval(lower: lower, upper: upper) }
        guard decision == nil, let interval else { return }
        let kind: Decision.Kind
        if interval.lower > 0 {
            kind = .treatmentBetter
        } else if interval.upper < 0 {
            kind = .controlBetter
        } else if let effect = minimumDetectableEffect, interval.upper < effect {
            kind = .noLiftOfEffect
        } else {
            return
        }
        decision = Decision(kind: kind, controlOutcomes: control.outcomes, treatmentOutcomes: treatment.outcomes,
                            difference: d, pValue: pValue, interval: interval)
    }
}
