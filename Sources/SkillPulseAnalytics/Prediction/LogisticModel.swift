import Foundation

/// A fitted logistic regression over standardised features: P(success) = σ(b + o + Σ wᵢ·(xᵢ − μᵢ)/sᵢ), where
/// the offset o is the raw value of one feature (the prior's log-odds, `offsetFeature`) or 0.
///
/// With an offset the penalty pulls the weights towards "the prior is right" rather than towards "nothing is
/// known": a model fitted on little or uninformative data answers close to the prior (the smoothed rates), and
/// only data that contradicts the prior moves it.
///
/// Two guards keep a model trained on a narrow slice of history from extrapolating wildly: a feature that
/// barely varied in training (standard deviation below `minimumSpread`, e.g. the hour of day when every row
/// came within a few minutes) is left out, and a prediction's features are clamped to the range training saw.
public struct LogisticModel: Sendable, Equatable {
    public let means: [Double]
    public let scales: [Double]
    public let weights: [Double]
    public let intercept: Double
    /// The smallest and largest value of each feature in training.
    public let lower: [Double]
    public let upper: [Double]
    /// Features that varied enough in training to be used.
    public let active: [Bool]
    /// The feature whose raw value enters the log-odds with weight 1 (beside its own fitted weight), if any.
    public let offsetFeature: Int?
    /// The L2 penalty the weights were fitted with.
    public let penalty: Double

    /// Features are logits, log counts and sines: all of order 1, so one absolute threshold serves them all.
    public static let minimumSpread = 0.01

    public func probability(_ features: [Double]) -> Double {
        Self.sigmoid(logOdds(features))
    }

    public func logOdds(_ features: [Double]) -> Double {
        contributions(features).reduce(intercept + (offsetFeature.map { means[$0] } ?? 0), +)
    }

    /// Each feature's share of this prediction's log-odds, relative to an average row (the offset feature's
    /// share includes its raw deviation from its mean: the prior's own say).
    public func contributions(_ features: [Double]) -> [Double] {
        weights.indices.map { index in
            // The offset is the prior's belief, not an extrapolated weight: it is not clamped.
            let prior = index == offsetFeature ? features[index] - means[index] : 0
            guard active[index] else { return prior }
            let value = min(max(features[index], lower[index]), upper[index])
            return prior + weights[index] * (value - means[index]) / scales[index]
        }
    }

    static func sigmoid(_ x: Double) -> Double {
        x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x))
    }

    /// Fits by Newton–Raphson (iteratively reweighted least squares) with an L2 penalty on the weights (not on
    /// the intercept): a dozen features converge in a few iterations, and the penalty keeps a perfectly
    /// separable feature from running to infinity. `rows` holds `count` rows of `width` values, row-major.
    /// `offsetFeature` names the feature whose raw value is added to every row's log-odds (see the type);
    /// `excluded` features are left out as if they had not varied.
    public static func fit(rows: [Double], width: Int, labels: [Bool], penalty: Double = 1.0, offsetFeature: Int? = nil,
                           excluded: Set<Int> = [], maxIterations: Int = 30) -> LogisticModel {
        let count = labels.count
        precondition(rows.count == count * width && count > 0)
        var means = [Double](repeating: 0, count: width)
        var scales = [Double](repeating: 0, count: width)
        var lower = [Double](repeating: .infinity, count: width)
        var upper = [Double](repeating: -.infinity, count: width)
        for row in 0..<count {
            for j in 0..<width {
                let value = rows[row * width + j]
                means[j] += value
                lower[j] = min(lower[j], value)
                upper[j] = max(upper[j], value)
            }
        }
        for j in 0..<width { means[j] /= Double(count) }
        for row in 0..<count {
            for j in 0..<width {
                let d = rows[row * width + j] - means[j]
                scales[j] += d * d
            }
        }
        for j in 0..<width { scales[j] = (scales[j] / Double(count)).squareRoot() }
        // A (nearly) constant feature enters as 0: its weight stays at 0.
        let active = scales.indices.map { scales[$0] >= minimumSpread && !excluded.contains($0) }
        for j in 0..<width where !active[j] { scales[j] = 1 }

        let p = width + 1  // the intercept is parameter 0
        var beta = [Double](repeating: 0, count: p)
        let positives = Double(labels.filter { $0 }.count)
        let prior = min(max(positives / Double(count), 1e-6), 1 - 1e-6)
        beta[0] = log(prior / (1 - prior)) - (offsetFeature.map { means[$0] } ?? 0)
        var x = [Double](repeating: 0, count: p)
        for _ in 0..<maxIterations {
            var gradient = [Double](repeating: 0, count: p)
            var hessian = [Double](repeating: 0, count: p * p)
            for row in 0..<count {
                x[0] = 1
                for j in 0..<width { x[j + 1] = active[j] ? (rows[row * width + j] - means[j]) / scales[j] : 0 }
                var eta = offsetFeature.map { rows[row * width + $0] } ?? 0
                for j in 0..<p { eta += beta[j] * x[j] }
                let mu = sigmoid(eta)
                let residual = (labels[row] ? 1 : 0) - mu
                let w = max(mu * (1 - mu), 1e-10)
                for j in 0..<p {
                    gradient[j] += residual * x[j]
                    let wx = w * x[j]
                    for k in j..<p { hessian[j * p + k] += wx * x[k] }
                }
            }
            for j in 1..<p {
                gradient[j] -= penalty * beta[j]
                hessian[j * p + j] += penalty
            }
            for j in 0..<p { for k in 0..<j { hessian[j * p + k] = hessian[k * p + j] } }
            guard let step = solveSymmetric(hessian, gradient, size: p) else { break }
            var largest = 0.0
            for j in 0..<p {
                beta[j] += step[j]
                largest = max(largest, abs(step[j]))
            }
            if largest < 1e-8 { break }
        }
        return LogisticModel(means: means, scales: scales, weights: Array(beta[1...]), intercept: beta[0], lower: lower,
                             upper: upper, active: active, offsetFeature: offsetFeature, penalty: penalty)
    }

    /// Solves A·x = b for a symmetric positive-definite A by Cholesky; nil if A is not.
    static func solveSymmetric(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard sum > 0 else { return nil }
                    l[i * n + i] = sum.squareRoot()
                } else {
                    l[i * n + j] = sum / l[j * n + j]
                }
            }
        }
        var y = [Double](repeating: 0, count: n)
        for i in 0..<n {
            var sum = b[i]
            for k in 0..<i { sum -= l[i * n + k] * y[k] }
            y[i] = sum / l[i * n + i]
        }
        var x = [Double](repeating: 0, count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
            x[i] = sum / l[i * n + i]
        }
        return x
    }
}
