/// One arm's outcomes grouped by randomisation unit (a user or a session), kept as running sums so the
/// cluster-robust variance of the arm's rate costs O(1) per outcome.
///
/// Units, not outcomes, are randomised: a user who sends forty outcomes at their own rate is one draw, not
/// forty. The arm's rate p̂ = S/N (outcomes completed over outcomes) is a ratio of unit totals; its variance is
/// the delta-method (cluster-robust, CR1) estimate m/(m−1) · Σᵢ(yᵢ − p̂·nᵢ)² / N², where unit i sent nᵢ
/// outcomes of which yᵢ completed (Deng, Knoblich & Lu, "Applying the Delta Method in Metric Analytics", 2018;
/// Liang & Zeger 1986). With one outcome per unit it is the binomial p̂(1−p̂)/N, up to m/(m−1).
public struct UnitClusteredArm: Sendable, Equatable {
    /// Outcomes and completions of one unit.
    public struct UnitCounts: Sendable, Equatable {
        public var outcomes = 0
        public var completions = 0
    }

    public private(set) var perUnit: [String: UnitCounts] = [:]
    /// N: outcomes; S: completions.
    public private(set) var outcomes = 0
    public private(set) var completions = 0
    // Σn², Σy², Σn·y over units: with S and N they give Σ(y − p·n)² for any p without a pass over the units.
    private var sumOutcomesSquared = 0.0
    private var sumCompletionsSquared = 0.0
    private var sumCross = 0.0

    public init() {}

    /// Units that sent at least one outcome.
    public var units: Int { perUnit.count }

    public var rate: Double? { outcomes > 0 ? Double(completions) / Double(outcomes) : nil }

    public mutating func record(unit: String, completed: Bool) {
        let old = perUnit[unit] ?? UnitCounts()
        var new = old
        new.outcomes += 1
        if completed { new.completions += 1 }
        perUnit[unit] = new
        outcomes += 1
        if completed { completions += 1 }
        let (n0, y0, n1, y1) = (Double(old.outcomes), Double(old.completions), Double(new.outcomes), Double(new.completions))
        sumOutcomesSquared += n1 * n1 - n0 * n0
        sumCompletionsSquared += y1 * y1 - y0 * y0
        sumCross += n1 * y1 - n0 * y0
    }

    /// The cluster-robust variance of the arm's rate; nil below two units (no spread between units to see).
    public var clusteredVariance: Double? {
        guard units >= 2, outcomes > 0 else { return nil }
        let n = Double(outcomes)
        let p = Double(completions) / n
        // Σ(y − p·n)² = Σy² − 2p·Σny + p²·Σn²; rounding can leave a hair below zero.
        let residual = max(0, sumCompletionsSquared - 2 * p * sumCross + p * p * sumOutcomesSquared)
        let m = Double(units)
        return m / (m - 1) * residual / (n * n)
    }
}
