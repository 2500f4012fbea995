import Foundation

/// Fixed-horizon statistics of one or two proportions: Wilson intervals, Newcombe's interval for a
/// difference, the pooled two-proportion z-test and the power it reaches.
public enum ProportionStatistics {
    /// z for a two-sided 95% interval.
    public static let z95 = 1.959963984540054

    /// A closed interval.
    public struct Interval: Sendable, Equatable {
        public let lower: Double
        public let upper: Double
    }

    /// The Wilson score interval of `successes` out of `trials` (no continuity correction); nil without trials.
    /// Unlike the Wald interval it stays inside [0, 1] and does not collapse to a point at 0 or n successes.
    public static func wilson(successes: Int, trials: Int, z: Double = z95) -> Interval? {
        guard trials > 0, successes >= 0, successes <= trials else { return nil }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let denominator = 1 + z2 / n
        let center = (p + z2 / (2 * n)) / denominator
        let half = z / denominator * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()
        return Interval(lower: max(0, center - half), upper: min(1, center + half))
    }

    /// Newcombe's hybrid score interval (his method 10) for p_b − p_a, built from the two Wilson intervals.
    public static func differenceInterval(successesA: Int, trialsA: Int, successesB: Int, trialsB: Int,
                                          z: Double = z95) -> Interval? {
        guard let a = wilson(successes: successesA, trials: trialsA, z: z),
              let b = wilson(successes: successesB, trials: trialsB, z: z) else { return nil }
        let pA = Double(successesA) / Double(trialsA)
        let pB = Double(successesB) / Double(trialsB)
        let difference = pB - pA
        let lower = difference - ((pB - b.lower) * (pB - b.lower) + (a.upper - pA) * (a.upper - pA)).squareRoot()
        let upper = difference + ((b.upper - pB) * (b.upper - pB) + (pA - a.lower) * (pA - a.lower)).squareRoot()
        return Interval(lower: lower, upper: upper)
    }

    /// The pooled two-proportion z statistic for p_b − p_a and its two-sided p-value; nil when an arm is empty.
    /// When every outcome is the same there is no evidence of a difference: z = 0, p = 1.
    public static func pooledZTest(successesA: Int, trialsA: Int, successesB: Int, trialsB: Int)
        -> (z: Double, pValue: Double)?
    {
        guard trialsA > 0, trialsB > 0 else { return nil }
        let nA = Double(trialsA)
        let nB = Double(trialsB)
        let pooled = Double(successesA + successesB) / (nA + nB)
        let variance = pooled * (1 - pooled) * (1 / nA + 1 / nB)
        guard variance > 0 else { return (0, 1) }
        let z = (Double(successesB) / nB - Double(successesA) / nA) / variance.squareRoot()
        return (z, StandardNormal.twoSidedP(z))
    }

    /// The power a two-sided z-test at 5% reaches with these arm sizes for a true difference of `effect`
    /// (absolute, in rate points) from a control rate of `baseRate`: the alternative is base + effect, or base −
    /// effect when that would pass 1; nil when an arm is empty or neither alternative is a rate.
    public static func power(effect: Double, baseRate: Double, trialsA: Int, trialsB: Int, z: Double = z95) -> Double? {
        guard trialsA > 0, trialsB > 0, effect.isFinite, (0...1).contains(baseRate) else { return nil }
        let size = abs(effect)
        let alternative: Double
        if baseRate + size <= 1 {
            alternative = baseRate + size
        } else if baseRate - size >= 0 {
            alternative = baseRate - size
        } else {
            return nil
        }
        let variance = baseRate * (1 - baseRate) / Double(trialsA) + alternative * (1 - alternative) / Double(trialsB)
        // Both rates 0 or 1 and a whole point apart: every outcome shows the difference.
        guard variance > 0 else { return size > 0 ? 1 : 0.05 }
        let shift = size / variance.squareRoot()
        return StandardNormal.cdf(shift - z) + StandardNormal.cdf(-shift - z)
    }
}
