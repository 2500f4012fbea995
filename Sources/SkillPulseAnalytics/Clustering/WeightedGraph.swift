/// An undirected weighted graph kept as flat sorted adjacency arrays, so clustering walks memory in order.
public struct WeightedGraph: Sendable {
    public let nodeCount: Int
    /// Node `u`'s neighbours are `targets[offsets[u]..<offsets[u + 1]]`, ascending: a fixed order makes every
    /// sweep over them, and so the clustering, independent of the order the edges were given in.
    let offsets: [Int]
    let targets: [Int]
    let weights: [Double]
    /// Only aggregated graphs (communities collapsed into nodes) have self loops; the public initializer drops them.
    let selfLoops: [Double]
    /// k_u counts a self loop twice, as modularity does: both of its ends are at u.
    let degrees: [Double]
    /// m, each edge counted once.
    public let totalWeight: Double

    /// Self loops, weights that are not finite and positive, and duplicates (summed) are dealt with here so the
    /// algorithms can assume a simple graph with strictly positive weights.
    public init(nodeCount: Int, edges: [(Int, Int, Double)]) {
        precondition(nodeCount >= 0, "nodeCount must not be negative")
        func keeps(_ u: Int, _ v: Int, _ w: Double) -> Bool { u != v && w.isFinite && w > 0 }
        var kept = 0
        for (u, v, w) in edges {
            precondition(u >= 0 && u < nodeCount && v >= 0 && v < nodeCount, "edge endpoint out of range")
            if keeps(u, v, w) { kept += 1 }
        }
        // Two counting sorts, by target and then (stably) by source, leave every adjacency list ascending
        // in O(n + E); duplicates end up adjacent and are merged in one walk.
        var byTarget = [Int](repeating: 0, count: nodeCount + 1)
        for (u, v, w) in edges where keeps(u, v, w) {
            byTarget[u + 1] += 1
            byTarget[v + 1] += 1
        }
        for i in 0..<nodeCount { byTarget[i + 1] += byTarget[i] }
        var sortedSources = [Int](repeating: 0, count: 2 * kept)
        var sortedWeights = [Double](repeating: 0, count: 2 * kept)
        var targetOf = [Int](repeating: 0, count: 2 * kept)
        var next = byTarget
        func place(_ source: Int, _ target: Int, _ weight: Double) {
            sortedSources[next[target]] = source
            sortedWeights[next[target]] = weight
            targetOf[next[target]] = target
            next[target] += 1
        }
        for (u, v, w) in edges where keeps(u, v, w) {
            place(u, v, w)
            place(v, u, w)
        }
        var bySource = [Int](repeating: 0, count: nodeCount + 1)
        for s in sortedSources { bySource[s + 1] += 1 }
        for i in 0..<nodeCount { bySource[i + 1] += bySource[i] }
        var rawNeighbors = [Int](repeating: 0, count: 2 * kept)
        var rawWeights = [Double](repeating: 0, count: 2 * kept)
        next = bySource
        for e in 0..<(2 * kept) {
            let s = sortedSources[e]
            rawNeighbors[next[s]] = targetOf[e]
            rawWeights[next[s]] = sortedWeights[e]
            next[s] += 1
        }
        var offsets = [Int](repeating: 0, count: nodeCount + 1)
        var targets: [Int] = []
        var weights: [Double] = []
        targets.reserveCapacity(2 * kept)
        weights.reserveCapacity(2 * kept)
        for u in 0..<nodeCount {
            for e in bySource[u]..<bySource[u + 1] {
                if targets.count > offsets[u] && targets[targets.count - 1] == rawNeighbors[e] {
                    weights[weights.count - 1] += rawWeights[e]
                } else {
                    targets.append(rawNeighbors[e])
                    weights.append(rawWeights[e])
                }
            }
            offsets[u + 1] = targets.count
        }
        self.init(offsets: offsets, targets: targets, weights: weights,
                  selfLoops: [Double](repeating: 0, count: nodeCount))
    }

    /// For graphs whose adjacency lists are already ascending, merged and symmetric (the aggregation step).
    init(offsets: [Int], targets: [Int], weights: [Double], selfLoops: [Double]) {
        nodeCount = selfLoops.count
        self.offsets = offsets
        self.targets = targets
        self.weights = weights
        self.selfLoops = selfLoops
        var degrees = [Double](repeating: 0, count: nodeCount)
        var total = 0.0
        for u in 0..<nodeCount {
            var k = 2 * selfLoops[u]
            for e in offsets[u]..<offsets[u + 1] { k += weights[e] }
            degrees[u] = k
            total += k
        }
        self.degrees = degrees
        totalWeight = total / 2
    }

    /// Distinct undirected edges between different nodes.
    public var edgeCount: Int { targets.count / 2 }

    public func weightedDegree(of node: Int) -> Double { degrees[node] }

    /// Ascending by neighbour.
    public func neighbors(of node: Int) -> [(node: Int, weight: Double)] {
        (offsets[node]..<offsets[node + 1]).map { (targets[$0], weights[$0]) }
    }
}
