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

/// What an A/B test's numbers say: the intervals, both p-values, the power reached and a decision.
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
    /// treatment rate − control rate, with Newcombe's 95% interval.
    public let difference: Double?
    public let differenceInterval: ProportionStatistics.Interval?
    /// The pooled two-proportion z-test: valid only when read once, at a horizon fixed in advance.
    public let pValue: Double?
    public let zScore: Double?
    /// The mSPRT's: valid whenever it is read.
    public let alwaysValidPValue: Double
    public let power: Double?
    public let decision: Decision
    public let reason: String

    /// The level both p-values are compared with.
    public static let alpha = 0.05
    /// The power at which "no effect of the minimum detectable size" may be concluded.
    public static let targetPower = 0.8

    /// Decides only on the always-valid p-value (users look at any time), never before both arms have
    /// `minimumSampleSize` outcomes; with a minimum detectable effect and enough power, a difference interval
    /// that excludes that effect ends the test for control.
    public init(control: ABTestArm, treatment: ABTestArm, sequential: SequentialProportionTest, minimumSampleSize: Int,
                minimumDetectableEffect: Double?) {
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
        if let effect = minimumDetectableEffect {
            power = ProportionStatistics.power(effect: effect, baseRate: control.rate ?? 0.5,
                                               trialsA: control.outcomes, trialsB: treatment.outcomes)
        } else {
            power = nil
        }

        let smaller = min(control.outcomes, treatment.outcomes)
        let points = { (value: Double) in String(format: "%.1f", value * 100) }
        if smaller < minimumSampleSize {
            decision = .continue
            reason = "Need \(minimumSampleSize) outcomes per arm before deciding (control \(control.outcomes), "
                + "treatment \(treatment.outcomes))."
        } else if alwaysValidPValue < Self.alpha, let difference {
            decision = difference > 0 ? .shipTreatment : .keepControl
            reason = (difference > 0 ? "Treatment" : "Control") + " completes more often: "
                + "\(points(abs(difference))) points (always-valid p=\(String(format: "%.4g", alwaysValidPValue)))."
        } else if let effect = minimumDetectableEffect, let power, power >= Self.targetPower,
                  let interval = differenceInterval, interval.upper < abs(effect) {
            decision = .keepControl
            reason = "No lift of \(points(abs(effect))) points: the 95% interval of the difference ends at "
                + "\(points(interval.upper)) points with power \(String(format: "%.2f", power))."
        } else {
            decision = .continue
            reason = "No significant difference yet (always-valid p=\(String(format: "%.4g", alwaysValidPValue)))"
                + (power.map { "; power \(String(format: "%.2f", $0)) for the minimum detectable effect." } ?? ".")
        }
    }
}
