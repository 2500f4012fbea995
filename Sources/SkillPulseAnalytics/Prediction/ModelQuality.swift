/// How good probabilistic predictions of a yes/no outcome are.
public enum ModelQuality {
    /// The area under the ROC curve: the chance that a random success scores above a random failure (ties
    /// count half), by the rank-sum formula; nil without both outcomes.
    public static func auc(scores: [Double], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count)
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            // Tied scores share the average of their ranks (1-based).
            let rank = Double(start + end + 2) / 2
            for position in start...end where labels[order[position]] { rankSum += rank }
            start = end + 1
        }
        let p = Double(positives)
        return (rankSum - p * (p + 1) / 2) / (p * Double(negatives))
    }

    /// The Brier score: the mean squared difference between probability and outcome (lower is better).
    public static func brier(probabilities: [Double], labels: [Bool]) -> Double? {
        precondition(probabilities.count == labels.count)
        guard !labels.isEmpty else { return nil }
        var sum = 0.0
        for (p, label) in zip(probabilities, labels) {
            let d = p - (label ? 1 : 0)
            sum += d * d
        }
        return sum / Double(labels.count)
    }
}
