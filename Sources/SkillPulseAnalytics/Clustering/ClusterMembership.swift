extension LouvainClustering {
    /// How firmly each node sits in its community: the share of its weighted degree that stays inside, in [0, 1].
    /// A node with no edges is trivially all inside its own singleton and scores 1. Labels may be any integers.
    public static func membershipScores(graph: WeightedGraph, labels: [Int]) -> [Double] {
        precondition(labels.count == graph.nodeCount, "one label per node")
        return (0..<graph.nodeCount).map { u in
            let k = graph.degrees[u]
            guard k > 0 else { return 1 }
            var inside = 2 * graph.selfLoops[u]
            for e in graph.offsets[u]..<graph.offsets[u + 1] where labels[graph.targets[e]] == labels[u] {
                inside += graph.weights[e]
            }
            // Summation order can push a fully internal node a hair past 1.
            return min(max(inside / k, 0), 1)
        }
    }
}
