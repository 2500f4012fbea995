/// Louvain community detection (Blondel et al. 2008), made deterministic so the same graph always yields the same labels.
public enum LouvainClustering {
    /// A move must raise modularity by more than this: rounding noise must not shuttle a node back and forth.
    static let tolerance = 1e-12

    /// One label per node in 0..<k, numbered in order of each community's smallest node, so callers can compare
    /// runs and store labels without a relabelling step. `resolution` above 1 favours smaller communities.
    /// `maxPasses` bounds the number of levels (local moving, then aggregation).
    public static func communities(of graph: WeightedGraph, resolution: Double = 1.0, maxPasses: Int = 20) -> [Int] {
        precondition(resolution.isFinite && resolution >= 0, "resolution must be finite and non-negative")
        var nodeToCommunity = Array(0..<graph.nodeCount)
        var level = graph
        for _ in 0..<max(maxPasses, 0) {
            guard let moved = moveNodes(level, resolution: resolution) else { break }
            let (renumbered, count) = numberByFirstAppearance(moved)
            for node in nodeToCommunity.indices { nodeToCommunity[node] = renumbered[nodeToCommunity[node]] }
            level = aggregate(level, communities: renumbered, count: count)
        }
        return numberByFirstAppearance(nodeToCommunity).labels
    }

    /// Q = Σ_c [ L_c / m − γ (d_c / 2m)² ], with L_c the weight inside c and d_c its total degree. Labels may be
    /// any integers. A graph without edges has no structure to measure and scores 0.
    public static func modularity(of graph: WeightedGraph, labels: [Int], resolution: Double = 1.0) -> Double {
        precondition(labels.count == graph.nodeCount, "one label per node")
        let m = graph.totalWeight
        guard m > 0 else { return 0 }
        let (compact, count) = compactLabels(labels)
        var inside = [Double](repeating: 0, count: count)
        var degree = [Double](repeating: 0, count: count)
        for u in 0..<graph.nodeCount {
            let c = compact[u]
            degree[c] += graph.degrees[u]
            inside[c] += graph.selfLoops[u]
            // Each internal edge is met from both ends.
            for e in graph.offsets[u]..<graph.offsets[u + 1] where compact[graph.targets[e]] == c {
                inside[c] += graph.weights[e] / 2
            }
        }
        var q = 0.0
        for c in 0..<count {
            let share = degree[c] / (2 * m)
            q += inside[c] / m - resolution * share * share
        }
        return q
    }

    /// Phase 1: sweeps the nodes in index order, moving each to the neighbouring community with the best gain,
    /// until a sweep moves nothing. Nil when no node moved, i.e. this level cannot improve.
    static func moveNodes(_ graph: WeightedGraph, resolution: Double) -> [Int]? {
        let n = graph.nodeCount
        let m = graph.totalWeight
        guard m > 0 else { return nil }
        var community = Array(0..<n)
        var total = graph.degrees
        // Weight from the current node to each community, valid where `stamp[c]` is that node: no clearing
        // between nodes, and no dictionary in the hot loop.
        var linkWeight = [Double](repeating: 0, count: n)
        var stamp = [Int](repeating: -1, count: n)
        var candidates: [Int] = []
        var movedAny = false
        var movedInSweep = true
        while movedInSweep {
            movedInSweep = false
            for u in 0..<n {
                let k = graph.degrees[u]
                guard k > 0 else { continue }
                candidates.removeAll(keepingCapacity: true)
                for e in graph.offsets[u]..<graph.offsets[u + 1] {
                    let c = community[graph.targets[e]]
                    if stamp[c] != u {
                        stamp[c] = u
                        linkWeight[c] = 0
                        candidates.append(c)
                    }
                    linkWeight[c] += graph.weights[e]
                }
                let current = community[u]
                total[current] -= k
                // Gain of joining c, times m: k_u,c − γ · Σ_tot(c) · k_u / 2m.
                let penalty = resolution * k / (2 * m)
                let stay = (stamp[current] == u ? linkWeight[current] : 0) - total[current] * penalty
                var best = current
                var bestGain = -Double.infinity
                for c in candidates where c != current {
                    let gain = linkWeight[c] - total[c] * penalty
                    // Equal gains go to the lower community number, whatever order the candidates came in.
                    if gain > bestGain || (gain == bestGain && c < best) {
                        best = c
                        bestGain = gain
                    }
                }
                if best != current && (bestGain - stay) / m > tolerance {
                    community[u] = best
                    total[best] += k
                    movedInSweep = true
                    movedAny = true
                } else {
                    total[current] += k
                }
            }
        }
        return movedAny ? community : nil
    }

    /// Phase 2: one node per community; edges inside a community become its self loop, so modularity of the
    /// coarse graph equals modularity of the partition it stands for.
    static func aggregate(_ graph: WeightedGraph, communities: [Int], count: Int) -> WeightedGraph {
        var memberStart = [Int](repeating: 0, count: count + 1)
        for c in communities { memberStart[c + 1] += 1 }
        for c in 0..<count { memberStart[c + 1] += memberStart[c] }
        var members = [Int](repeating: 0, count: graph.nodeCount)
        var next = memberStart
        for u in 0..<graph.nodeCount {
            members[next[communities[u]]] = u
            next[communities[u]] += 1
        }
        var selfLoops = [Double](repeating: 0, count: count)
        var offsets = [Int](repeating: 0, count: count + 1)
        var targets: [Int] = []
        var weights: [Double] = []
        var linkWeight = [Double](repeating: 0, count: count)
        var stamp = [Int](repeating: -1, count: count)
        var touched: [Int] = []
        for c in 0..<count {
            touched.removeAll(keepingCapacity: true)
            for u in members[memberStart[c]..<memberStart[c + 1]] {
                selfLoops[c] += graph.selfLoops[u]
                for e in graph.offsets[u]..<graph.offsets[u + 1] {
                    let d = communities[graph.targets[e]]
                    if d == c {
                        // Met from both ends.
                        selfLoops[c] += graph.weights[e] / 2
                    } else {
                        if stamp[d] != c {
                            stamp[d] = c
                            linkWeight[d] = 0
                            touched.append(d)
                        }
                        linkWeight[d] += graph.weights[e]
                    }
                }
            }
            touched.sort()
            for d in touched {
                targets.append(d)
                weights.append(linkWeight[d])
            }
            offsets[c + 1] = targets.count
        }
        return WeightedGraph(offsets: offsets, targets: targets, weights: weights, selfLoops: selfLoops)
    }

    /// Renumbers labels that are already in 0..<labels.count by first appearance.
    static func numberByFirstAppearance(_ labels: [Int]) -> (labels: [Int], count: Int) {
        var map = [Int](repeating: -1, count: labels.count)
        var count = 0
        let renumbered = labels.map { label in
            if map[label] < 0 {
                map[label] = count
                count += 1
            }
            return map[label]
        }
        return (renumbered, count)
    }

    /// Renumbers arbitrary integer labels by first appearance; the dictionary is only looked up, never iterated.
    static func compactLabels(_ labels: [Int]) -> (labels: [Int], count: Int) {
        var map: [Int: Int] = [:]
        let compact = labels.map { label in
            if let known = map[label] { return known }
            let fresh = map.count
            map[label] = fresh
            return fresh
        }
        return (compact, map.count)
    }
}
