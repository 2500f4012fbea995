/// Agreement between two partitions, corrected for chance (Hubert & Arabie 1985), to judge a clustering against a reference.
public enum AdjustedRandIndex {
    /// 1 for the same partition under any relabelling, about 0 for independent ones, negative for worse than
    /// chance. Identical partitions score 1 even where the chance correction is 0/0 (fewer than two items, both
    /// all singletons, both one block), as scikit-learn does.
    public static func score(_ a: [Int], _ b: [Int]) -> Double {
        precondition(a.count == b.count, "both partitions must label the same items")
        let n = a.count
        let (left, leftCount) = LouvainClustering.compactLabels(a)
        let (right, rightCount) = LouvainClustering.compactLabels(b)
        // The contingency table is sparse (at most n non-zero cells), so count equal pairs after sorting.
        let cells = (0..<n).map { left[$0] * rightCount + right[$0] }.sorted()
        func pairs(_ count: Int) -> Int { count * (count - 1) / 2 }
        var together = 0
        var start = 0
        while start < n {
            var end = start + 1
            while end < n && cells[end] == cells[start] { end += 1 }
            together += pairs(end - start)
            start = end
        }
        var rowSizes = [Int](repeating: 0, count: leftCount)
        var columnSizes = [Int](repeating: 0, count: rightCount)
        for i in 0..<n {
            rowSizes[left[i]] += 1
            columnSizes[right[i]] += 1
        }
        let rowPairs = rowSizes.reduce(0) { $0 + pairs($1) }
        let columnPairs = columnSizes.reduce(0) { $0 + pairs($1) }
        // Every pair together in one partition is together in the other: the same partition. This is also the
        // only case in which the denominator below is 0, and it is decided in exact integers.
        if together == rowPairs && together == columnPairs { return 1 }
        let expected = Double(rowPairs) * Double(columnPairs) / Double(pairs(n))
        let maximum = Double(rowPairs + columnPairs) / 2
        return (Double(together) - expected) / (maximum - expected)
    }
}
