import Foundation

/// The Mann–Kendall trend test with Sen's slope: a rank test, so one outlying day cannot make a trend.
public struct MannKendall: Sendable, Equatable {
    /// Σ sign(x_j − x_i) over i < j.
    public let s: Int
    /// Var(S) with the tie correction: [n(n−1)(2n+5) − Σ t(t−1)(2t+5)] / 18.
    public let variance: Double
    /// (S − 1)/√Var for S > 0, (S + 1)/√Var for S < 0 (continuity correction), 0 otherwise.
    public let z: Double
    /// Two-sided p-value from the normal approximation.
    public let pValue: Double
    /// Sen's slope: the median of (x_j − x_i)/(t_j − t_i) over i < j, per unit of t.
    public let slope: Double
    /// The median of x_i − slope·t_i: Sen's line at t = 0.
    public let intercept: Double
    public let n: Int

    /// Nil for fewer than three points (no test is possible). `positions` (strictly increasing, default
    /// 0, 1, 2, …) place the values in time: days with no usable value are left out, not closed up.
    public init?(_ values: [Double], positions: [Double]? = nil) {
        let n = values.count
        let t = positions ?? values.indices.map(Double.init)
        guard t.count == n else { return nil }
        guard n >= 3 else { return nil }
        var s = 0
        var slopes: [Double] = []
        slopes.reserveCapacity(n * (n - 1) / 2)
        for i in 0..<(n - 1) {
            for j in (i + 1)..<n {
                let difference = values[j] - values[i]
                s += difference > 0 ? 1 : (difference < 0 ? -1 : 0)
                slopes.append(difference / (t[j] - t[i]))
            }
        }
        var ties: [Double: Int] = [:]
        for value in values { ties[value, default: 0] += 1 }
        let tieTerm = ties.values.reduce(0.0) { total, t in total + Double(t * (t - 1) * (2 * t + 5)) }
        let variance = (Double(n * (n - 1) * (2 * n + 5)) - tieTerm) / 18
        let z: Double
        if variance <= 0 {
            z = 0
        } else if s > 0 {
            z = Double(s - 1) / variance.squareRoot()
        } else if s < 0 {
            z = Double(s + 1) / variance.squareRoot()
        } else {
            z = 0
        }
        let slope = Descriptive.median(slopes) ?? 0
        self.s = s
        self.variance = variance
        self.z = z
        self.pValue = variance <= 0 ? 1 : StandardNormal.twoSidedP(z)
        self.slope = slope
        self.intercept = Descriptive.median(zip(values, t).map { $0 - slope * $1 }) ?? 0
        self.n = n
    }
}
