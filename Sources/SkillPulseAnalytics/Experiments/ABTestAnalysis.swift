import Foundation

/// The figures of one arm of an A/B test, kept as outcomes arrive.
public struct ABTestArm: Sendable, Equatable {
    /// Users assigned to the arm.
    public var assignedUsers = 0
    /// Outcomes recorded (the unit of analysis) and how many completed.
    public var outcomes = 0
    public var conversions = 0
    public var durationSum = 0.0
    public var durations = 0
    public var ratingSum = 0.0
    public var ratings = 0

    public init() {}

    public mutating func record(completed: Bool, duration: Double?, rating: Double?) {
        outcomes += 1
        if completed { conversions += 1 }
        if let duration { durationSum += duration; durations += 1 }
        if let rating { ratingSum += rating; ratings += 1 }
    }

    public var rate: Double? { outcomes > 0 ? Double(conversions) / Double(outcomes) : nil }
    public var averageDuration: Double? { durations > 0 ? durationSum / Double(durations) : nil }
    public var averageRating: Double? { ratings > 0 ? ratingSum / Double(ratings) : nil }
}

/// What an A/B test's numbers say: the intervals, the p-values, the power reached and a decision.
public struct ABTestAnalysis: Sendable, Equatable {
    public enum Decision: String, Sendable {
        case shipTreatment = "ship_treatment"
        case keepControl = "keep_control"
        case `continue`
    }

    public let control: ABTestArm
    public let treatment: ABTestArm
    public let controlInterval: ProportionStatistics.Interval?
    public let treatmentInterval: ProportionStatistics.Interval?
    /// treatment rate − control rate, with Newcombe's 95% interval (outcome-level).
    public let difference: Double?
    public let differenceInterval: ProportionStatistics.Interval?
    /// The pooled two-proportion z-test: valid only when read once, at a horizon fixed in advance, with one
    /// outcome per unit.
    public let pValue: Double?
    public let zScore: Double?
    /// The sequential test's: valid whenever read, at the randomisation unit.
    public let alwaysValidPValue: Double
    public let alwaysValidInterval: ProportionStatistics.Interval?
    /// Units (users or sessions) with at least one outcome, per arm.
    public let controlUnits: Int
    public let treatmentUnits: Int
    public let power: Double?
    public let decision: Decision
    /// The sequential test's final decision and the figures it was taken on; nil while `continue`.
    public let finalDecision: SequentialRateTest.Decision?
    public let reason: String

    /// The level both p-values are compared with.
    public static let alpha = SequentialRateTest.alpha

    /// The decision is the sequential test's (`SequentialRateTest`): final once reached, taken on its
    /// always-valid interval, never before both arms have `minimumPerArm` outcomes from enough units.
    public init(control: ABTestArm, treatment: ABTestArm, sequential: SequentialRateTest, unitName: String) {
        self.control = control
        self.treatment = treatment
        controlInterval = ProportionStatistics.wilson(successes: control.conversions, trials: control.outcomes)
        treatmentInterval = ProportionStatistics.wilson(successes: treatment.conversions, trials: treatment.outcomes)
        if let c = control.rate, let t = treatment.rate { difference = t - c } else { difference = nil }
        differenceInterval = ProportionStatistics.differenceInterval(
            successesA: control.conversions, trialsA: control.outcomes,
            successesB: treatment.conversions, trialsB: treatment.outcomes)
        let test = ProportionStatistics.pooledZTest(successesA: control.conversions, trialsA: control.outcomes,
                                                     successesB: treatment.conversions, trialsB: treatment.outcomes)
        pValue = test?.pValue
        zScore = test?.z
        alwaysValidPValue = sequential.pValue
        alwaysValidInterval = sequential.interval
        controlUnits = sequential.control.units
        treatmentUnits = sequential.treatment.units
        let effect = sequential.minimumDetectableEffect
        if let effect {
            power = ProportionStatistics.power(effect: effect, baseRate: control.rate ?? 0.5,
                                               trialsA: control.outcomes, trialsB: treatment.outcomes)
        } else {
            power = nil
        }
        finalDecision = sequential.decision

        let points = { (value: Double) in String(format: "%.1f", value * 100) }
        let p = { (value: Double) in String(format: "%.4g", value) }
        let range = { (interval: ProportionStatistics.Interval) in "[\(points(interval.lower)), \(points(interval.upper))] points" }
        if let final = sequential.decision {
            let at = "Decided at \(final.controlOutcomes) control and \(final.treatmentOutcomes) treatment outcomes"
            let figures = "always-valid p=\(p(final.pValue)), always-valid 95% interval \(range(final.interval))"
            switch final.kind {
            case .treatmentBetter:
                decision = .shipTreatment
                reason = "\(at): treatment completes more often by \(points(final.difference)) points (\(figures)). "
                    + "The decision is final."
            case .controlBetter:
                decision = .keepControl
                reason = "\(at): control completes more often by \(points(-final.difference)) points (\(figures)). "
                    + "The decision is final."
            case .noLiftOfEffect:
                decision = .keepControl
                reason = "\(at): no lift of \(points(effect ?? 0)) points — the always-valid 95% interval ends at "
                    + "\(points(final.interval.upper)) points (always-valid p=\(p(final.pValue))). The decision is final."
            }
        } else if min(control.outcomes, treatment.outcomes) < sequential.minimumPerArm {
            decision = .continue
            reason = "Need \(sequential.minimumPerArm) outcomes per arm before deciding (control \(control.outcomes), "
                + "treatment \(treatment.outcomes))."
        } else if min(controlUnits, treatmentUnits) < sequential.minimumUnitsPerArm {
            decision = .continue
            reason = "Need outcomes from \(sequential.minimumUnitsPerArm) \(unitName)s per arm before deciding "
                + "(control \(controlUnits), treatment \(treatmentUnits))."
        } else {
            decision = .continue
            reason = "No decision yet (always-valid p=\(p(alwaysValidPValue))"
                + (alwaysValidInterval.map { ", always-valid 95% interval \(range($0))" } ?? "") + ")"
                + (power.map { "; power \(String(format: "%.2f", $0)) for the minimum detectable effect." } ?? ".")
        }
    }
}
