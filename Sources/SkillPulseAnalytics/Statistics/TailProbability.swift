import Foundation

/// Tail probabilities of the distributions the anomaly pass judges an hour with, as natural logarithms so that
/// an outage far out in the tail keeps its size instead of underflowing to 0.
///
/// The discrete tails are exact sums: a skill with 10 calls an hour at a 99 % completion rate is nowhere near
/// normal, and a normal approximation there called one failure in ten a ten-sigma event.
public enum TailProbability {
    /// Which end of the distribution: P(X ≤ x) or P(X ≥ x).
    public enum Side: Sendable {
        case lower, upper
    }

    /// ln P(K ≤ k) or ln P(K ≥ k) for K ~ BetaBinomial(n, α = p·κ, β = (1 − p)·κ): the completions of n calls
    /// whose rate is about p, varying from hour to hour (smaller κ: more variation). κ = ∞ is the binomial.
    /// Requires 0 < p < 1, 0 ≤ k ≤ n, κ > 0.
    public static func betaBinomial(_ k: Int, n: Int, p: Double, concentration kappa: Double, side: Side) -> Double {
        let alpha = p * kappa
        let beta = (1 - p) * kappa
        let binomial = !kappa.isFinite
        func logMass(_ j: Int) -> Double {
            let choose = LogGamma.of(Double(n) + 1) - LogGamma.of(Double(j) + 1) - LogGamma.of(Double(n - j) + 1)
            if binomial { return choose + Double(j) * Foundation.log(p) + Double(n - j) * Foundation.log1p(-p) }
            return choose + LogGamma.beta(Double(j) + alpha, Double(n - j) + beta) - LogGamma.beta(alpha, beta)
        }
        // mass(j + 1) / mass(j)
        func ratioUp(_ j: Int) -> Double {
            let base = Double(n - j) / Double(j + 1)
            if binomial { return base * p / (1 - p) }
            return base * (Double(j) + alpha) / (Double(n - j - 1) + beta)
        }
        switch side {
        case .lower:
            return sumTail(start: logMass(k), steps: k) { step in 1 / ratioUp(k - step - 1) }
        case .upper:
            return sumTail(start: logMass(k), steps: n - k) { step in ratioUp(k + step) }
        }
    }

    /// ln P(X ≤ x) or ln P(X ≥ x) for X ~ NegativeBinomial with the given mean and variance mean + mean²/r (a
    /// Poisson count whose rate varies between hours as a gamma distribution); r = ∞ is the Poisson. Requires
    /// mean > 0, x ≥ 0, r > 0.
    public static func negativeBinomial(_ x: Int, mean: Double, shape r: Double, side: Side) -> Double {
        let poisson = !r.isFinite
        let logMass: Double
        let ratioFactor: Double
        if poisson {
            logMass = Double(x) * Foundation.log(mean) - mean - LogGamma.of(Double(x) + 1)
            ratioFactor = mean
        } else {
            // q = r / (r + mean): the chance of a "success" in the usual parametrisation.
            let logQ = Foundation.log(r) - Foundation.log(r + mean)
            let logOneMinusQ = Foundation.log(mean) - Foundation.log(r + mean)
            logMass = LogGamma.of(Double(x) + r) - LogGamma.of(r) - LogGamma.of(Double(x) + 1) + r * logQ
                + Double(x) * logOneMinusQ
            ratioFactor = mean / (r + mean)
        }
        // mass(j + 1) / mass(j)
        func ratioUp(_ j: Int) -> Double {
            poisson ? ratioFactor / Double(j + 1) : (Double(j) + r) / Double(j + 1) * ratioFactor
        }
        switch side {
        case .lower:
            return sumTail(start: logMass, steps: x) { step in 1 / ratioUp(x - step - 1) }
        case .upper:
            return sumTail(start: logMass, steps: .max) { step in ratioUp(x + step) }
        }
    }

    /// ln P(T ≥ t) for Student's t with `degrees` degrees of freedom.
    public static func studentUpper(_ t: Double, degrees: Double) -> Double {
        guard t.isFinite else { return t > 0 ? -.infinity : 0 }
        // P(T ≥ |t|) = ½ · I_{ν/(ν+t²)}(ν/2, ½)
        let x = degrees / (degrees + t * t)
        let logHalfTail = Foundation.log(0.5) + IncompleteBeta.logRegularized(x, degrees / 2, 0.5)
        if t >= 0 { return logHalfTail }
        return Foundation.log1p(-Foundation.exp(logHalfTail))
    }

    /// ln(mass(start) · Σ Π ratios): the terms walk away from the start point until they no longer count.
    private static func sumTail(start: Double, steps: Int, ratio: (Int) -> Double) -> Double {
        var term = 1.0
        var sum = 1.0
        // ln of the factor `term` and `sum` were divided by: a start on the far side of the mode (its mass
        // tiny) first climbs towards the mode, and the partial sums must stay finite.
        var scale = 0.0
        var step = 0
        while step < steps {
            let next = term * ratio(step)
            // Past the mode the terms only shrink: stop once they are below the sum's last digit.
            if next < term && next < sum * 1e-17 { break }
            term = next
            sum += term
            step += 1
            if sum > 1e200 {
                scale += Foundation.log(sum)
                term /= sum
                sum = 1
            }
        }
        return Swift.min(0, start + scale + Foundation.log(sum))
    }
}

/// ln Γ(x) for x > 0 by the Lanczos approximation (g = 7, nine terms; relative error below 10⁻¹⁴). Written
/// here rather than taken from libm: glibc's `lgamma` sets the global `signgam`, a data race under
/// concurrent queries.
public enum LogGamma {
    private static let coefficients: [Double] = [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ]

    public static func of(_ x: Double) -> Double {
        if x < 0.5 {
            // Reflection: Γ(x)Γ(1 − x) = π / sin(πx).
            return Foundation.log(Double.pi / abs(Foundation.sin(Double.pi * x))) - of(1 - x)
        }
        let z = x - 1
        var sum = coefficients[0]
        for index in 1..<coefficients.count { sum += coefficients[index] / (z + Double(index)) }
        let t = z + 7.5
        return 0.5 * Foundation.log(2 * Double.pi) + (z + 0.5) * Foundation.log(t) - t + Foundation.log(sum)
    }

    /// ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b).
    public static func beta(_ a: Double, _ b: Double) -> Double {
        of(a) + of(b) - of(a + b)
    }
}

/// The regularized incomplete beta function I_x(a, b), by its continued fraction (modified Lentz).
public enum IncompleteBeta {
    /// ln I_x(a, b) for 0 ≤ x ≤ 1, a, b > 0.
    public static func logRegularized(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return -.infinity }
        if x >= 1 { return 0 }
        let logFront = a * Foundation.log(x) + b * Foundation.log1p(-x) - LogGamma.beta(a, b)
        if x < (a + 1) / (a + b + 2) {
            return logFront + Foundation.log(continuedFraction(x, a, b)) - Foundation.log(a)
        }
        // I_x(a, b) = 1 − I_{1−x}(b, a), where the fraction converges.
        let other = logFront + Foundation.log(continuedFraction(1 - x, b, a)) - Foundation.log(b)
        return Foundation.log1p(-Swift.min(1, Foundation.exp(other)))
    }

    private static func continuedFraction(_ x: Double, _ a: Double, _ b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var result = d
        for m in 1...300 {
            let m = Double(m)
            let even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            d = 1 + even * d
            if abs(d) < tiny { d = tiny }
            c = 1 + even / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            result *= d * c
            let odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
            d = 1 + odd * d
            if abs(d) < tiny { d = tiny }
            c = 1 + odd / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let change = d * c
            result *= change
            if abs(change - 1) < 1e-15 { break }
        }
        return result
    }
}
