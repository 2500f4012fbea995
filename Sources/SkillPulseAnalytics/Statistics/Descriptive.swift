import Foundation

/// Summary statistics of a sample; every function returns nil where the statistic is undefined.
public enum Descriptive {
    public static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// The sample standard deviation (n − 1 in the denominator): baselines are samples of a process.
    public static func standardDeviation(_ values: [Double]) -> Double? {
        guard values.count >= 2, let mean = mean(values) else { return nil }
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (squares / Double(values.count - 1)).squareRoot()
    }

    public static func median(_ values: [Double]) -> Double? {
        quantile(values, 0.5)
    }

    /// The median absolute deviation from the median (unscaled).
    public static func medianAbsoluteDeviation(_ values: [Double]) -> Double? {
        guard let center = median(values) else { return nil }
        return median(values.map { abs($0 - center) })
    }

    /// The quantile by linear interpolation between closest ranks (NumPy's default, "type 7").
    public static func quantile(_ values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        return quantile(sorted: values.sorted(), q)
    }

    public static func quantile(sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let position = Swift.min(Swift.max(q, 0), 1) * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down))
        let upper = Swift.min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    /// `percentileRank` against a population sorted ascending, in O(log n).
    public static func percentileRank(_ value: Double, sorted population: [Double]) -> Double? {
        guard !population.isEmpty else { return nil }
        func bound(_ includeEqual: Bool) -> Int {
            var low = 0
            var high = population.count
            while low < high {
                let middle = (low + high) / 2
                if population[middle] < value || (includeEqual && population[middle] == value) {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            return low
        }
        let below = bound(false)
        let equal = bound(true) - below
        return 100 * (Double(below) + 0.5 * Double(equal)) / Double(population.count)
    }

    /// The percentile rank of `value` among `population` (0–100): the share below it plus half the share equal
    /// to it, so the middle of a tie ranks in the middle.
    public static func percentileRank(_ value: Double, among population: [Double]) -> Double? {
        guard !population.isEmpty else { return nil }
        var below = 0
        var equal = 0
        for other in population {
            if other < value { below += 1 } else if other == value { equal += 1 }
        }
        return 100 * (Double(below) + 0.5 * Double(equal)) / Double(population.count)
    }
}

/// The standard normal distribution.
public enum StandardNormal {
    public static func cdf(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// The two-sided tail probability of |Z| ≥ |z|.
    public static func twoSidedP(_ z: Double) -> Double {
        Swift.min(1, erfc(abs(z) / 2.0.squareRoot()))
    }
}
