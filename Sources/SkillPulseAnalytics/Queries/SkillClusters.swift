/// A group of skills used together in sessions, with how firmly each member belongs (0–1).
public struct SkillCluster: Sendable, Equatable {
    public let name: String
    /// (skill, membership score), firmest first.
    public let members: [(skill: String, score: Double)]

    public static func == (lhs: SkillCluster, rhs: SkillCluster) -> Bool {
        lhs.name == rhs.name && lhs.members.map(\.skill) == rhs.members.map(\.skill)
            && lhs.members.map(\.score) == rhs.members.map(\.score)
    }
}

/// Every cluster of one computation, largest first, and the partition's modularity.
public struct SkillClustering: Sendable, Equatable {
    public static let method = "louvain_session_jaccard"
    public let clusters: [SkillCluster]
    public let modularity: Double
    /// Skills with at least one qualifying pair (the graph's nodes with an edge).
    public let clusteredSkills: Int
}

/// The co-usage counts clustering needs, copied out of `AnalyticsState` in O(1) (the arrays are copy-on-write),
/// so the clustering runs without holding the state's lock.
public struct CoUsageSnapshot: Sendable {
    let skillNames: [String]
    /// `AnalyticsState.pairCounts`: together(a, b) by pair key, the top bit a change mark.
    let pairCounts: [UInt64: UInt32]
    let sessionsWithSkill: [Int]
}

extension AnalyticsState {
    public var coUsage: CoUsageSnapshot {
        CoUsageSnapshot(skillNames: skillNames, pairCounts: pairCounts, sessionsWithSkill: sessionsWithSkill)
    }

    public func skillClusters(minimumTogether: Int) -> SkillClustering {
        coUsage.skillClusters(minimumTogether: minimumTogether)
    }
}

extension CoUsageSnapshot {
    /// Louvain community detection on the skill co-usage graph: an edge for each pair seen together in at least
    /// `minimumTogether` sessions, weighted by the Jaccard index of the two skills' session sets,
    /// together / (n_a + n_b − together) — so two skills that everyone uses are not tied by popularity alone.
    /// A member's score is the share of its edge weight that stays inside its cluster. Skills with no
    /// qualifying pair form no cluster.
    public func skillClusters(minimumTogether: Int) -> SkillClustering {
        var edges: [(Int, Int, Double)] = []
        for (key, value) in pairCounts {
            let count = Int(value & AnalyticsState.pairCountMask)
            guard count >= max(1, minimumTogether) else { continue }
            let (a, b) = AnalyticsState.skills(of: key)
            let union = sessionsWithSkill[Int(a)] + sessionsWithSkill[Int(b)] - count
            if union > 0 { edges.append((Int(a), Int(b), Double(count) / Double(union))) }
        }
        // The table's order differs from run to run; Louvain's result depends on the order of its edges.
        edges.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        let graph = WeightedGraph(nodeCount: skillNames.count, edges: edges)
        let labels = LouvainClustering.communities(of: graph)
        let scores = LouvainClustering.membershipScores(graph: graph, labels: labels)
        var groups: [Int: [Int]] = [:]
        for node in 0..<skillNames.count where graph.weightedDegree(of: node) > 0 {
            groups[labels[node], default: []].append(node)
        }
        var clusters: [SkillCluster] = []
        for nodes in groups.values where nodes.count >= 2 {
            let ranked = nodes.sorted { left, right in
                if scores[left] != scores[right] { return scores[left] > scores[right] }
                if graph.weightedDegree(of: left) != graph.weightedDegree(of: right) {
                    return graph.weightedDegree(of: left) > graph.weightedDegree(of: right)
                }
                return skillNames[left] < skillNames[right]
            }
            // The most central member names the cluster; a skill is in one cluster only, so names are unique.
            let hub = nodes.max { left, right in
                graph.weightedDegree(of: left) < graph.weightedDegree(of: right)
                    || (graph.weightedDegree(of: left) == graph.weightedDegree(of: right) && skillNames[left] > skillNames[right])
            }!
            let name = "\(skillNames[hub]) +\(nodes.count - 1)"
            clusters.append(SkillCluster(name: name, members: ranked.map { (skillNames[$0], min(1, max(0, scores[$0]))) }))
        }
        clusters.sort { $0.members.count > $1.members.count || ($0.members.count == $1.members.count && $0.name < $1.name) }
        let modularity = edges.isEmpty ? 0 : LouvainClustering.modularity(of: graph, labels: labels)
        return SkillClustering(clusters: clusters, modularity: modularity,
                               clusteredSkills: (0..<skillNames.count).filter { graph.weightedDegree(of: $0) > 0 }.count)
    }
}
