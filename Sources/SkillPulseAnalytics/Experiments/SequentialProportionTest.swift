import Foundation

/// A mixture sequential probability ratio test (mSPRT) on the difference of two proportions, after Johari,
/// Pekelis and Walsh, "Always valid inference" (2017): its p-value may be read after every outcome without
/// inflating the false-positive rate, unlike the fixed-horizon z-test's.
///
/// The difference's estimate is treated as normal with the pooled variance; the mixing distribution over the
/// true difference is N(0, τ²). After each look the likelihood ratio is
/// Λ = √(s²/(s²+τ²)) · exp(τ²·d² / (2·s²·(s²+τ²))), with d = p̂_b − p̂_a and s² = p̄(1−p̄)(1/n_a + 1/n_b), and
/// the always-valid p-value is the running minimum of 1/Λ.
public struct SequentialProportionTest: Sendable, Equatable {
    /// τ: the spread of effects the test is tuned to find (rate points).
    public let mixingScale: Double
    /// Looks before both arms have this many outcomes are skipped: the normal approximation is poor there.
    public let minimumPerArm: Int
    public private(set) var successesA = 0
    public private(set) var trialsA = 0
    public private(set) var successesB = 0
    public private(set) var trialsB = 0
    public private(set) var pValue = 1.0

    public init(mixingScale: Double = 0.05, minimumPerArm: Int = 10) {
        precondition(mixingScale > 0)
        self.mixingScale = mixingScale
        self.minimumPerArm = minimumPerArm
    }

    /// Adds one outcome and looks.
    public mutating func record(armB: Bool, success: Bool) {
        if armB {
            trialsB += 1
            if success { successesB += 1 }
        } else {
            trialsA += 1
            if success { successesA += 1 }
        }
        look()
    }

    /// Adds several outcomes of both arms at once, then looks once (a batch is one look).
    public mutating func record(successesA sa: Int, trialsA ta: Int, successesB sb: Int, trialsB tb: Int) {
        successesA += sa
        trialsA += ta
        successesB += sb
        trialsB += tb
        look()
    }

    /// The mixture likelihood ratio at the current counts; nil before both arms reach the minimum.
    public var likelihoodRatio: Double? {
        guard trialsA >= minimumPerArm, trialsB >= minimumPerArm, trialsA > 0, trialsB > 0 else { return nil }
        let nA = Double(trialsA)
        let nB = Double(trialsB)
        let pooled = Double(successesA + successesB) / (nA + nB)
        let variance = pooled * (1 - pooled) * (1 / nA + 1 / nB)
        guard variance > 0 else { return 1 }
        let difference = Double(successesB) / nB - Double(successesA) / nA
        let tau2 = mixingScale * mixingScale
        let logRatio = 0.5 * log(variance / (variance + tau2))
            + tau2 * difference * difference / (2 * variance * (variance + tau2))
        return exp(min(logRatio, 700))
    }

    private mutating func look() {
        guard let ratio = likelihoodRatio, ratio > 0 else { return }
        pValue = min(pValue, min(1, 1 / ratio))
    }
}
