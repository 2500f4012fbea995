import SkillPulseCore
import XCTest
@testable import SkillPulseAnalytics

/// Expected numbers come from outside the code under test: scikit-learn's documented `adjusted_rand_score`
/// examples, modularity worked by hand or with NetworkX 3.6 (`networkx.community.modularity`), and the published
/// optimum for Zachary's karate club (0.4198, Brandes et al. 2008).
final class SkillClusteringTests: XCTestCase {
    /// Two triangles {0,1,2} and {3,4,5} joined by the edge 2–3.
    static let twoTriangles: [(Int, Int, Double)] = [
        (0, 1, 1), (1, 2, 1), (0, 2, 1), (3, 4, 1), (4, 5, 1), (3, 5, 1), (2, 3, 1),
    ]

    /// Zachary's karate club, 34 members and 78 friendships (as in NetworkX's `karate_club_graph`, unweighted).
    static let karateEdges: [(Int, Int)] = [
        (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (0, 6), (0, 7), (0, 8), (0, 10), (0, 11), (0, 12), (0, 13),
        (0, 17), (0, 19), (0, 21), (0, 31), (1, 2), (1, 3), (1, 7), (1, 13), (1, 17), (1, 19), (1, 21), (1, 30),
        (2, 3), (2, 7), (2, 8), (2, 9), (2, 13), (2, 27), (2, 28), (2, 32), (3, 7), (3, 12), (3, 13), (4, 6),
        (4, 10), (5, 6), (5, 10), (5, 16), (6, 16), (8, 30), (8, 32), (8, 33), (9, 33), (13, 33), (14, 32),
        (14, 33), (15, 32), (15, 33), (18, 32), (18, 33), (19, 33), (20, 32), (20, 33), (22, 32), (22, 33),
        (23, 25), (23, 27), (23, 29), (23, 32), (23, 33), (24, 25), (24, 27), (24, 31), (25, 31), (26, 29),
        (26, 33), (27, 33), (28, 31), (28, 33), (29, 32), (29, 33), (30, 32), (30, 33), (31, 32), (31, 33),
        (32, 33),
    ]

    /// The club's actual split after the fission (Mr. Hi = 0, Officer = 1).
    static let karateClubSplit = [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ]

    func testGraphMergesDuplicatesAndDropsSelfLoopsAndNonPositiveWeights() {
        let graph = WeightedGraph(nodeCount: 4, edges: [
            (0, 1, 1), (1, 0, 2.5), (2, 2, 7), (1, 2, 0), (2, 3, -1), (0, 3, .nan), (0, 3, .infinity), (3, 1, 0.5),
        ])
        XCTAssertEqual(graph.nodeCount, 4)
        XCTAssertEqual(graph.edgeCount, 2)
        XCTAssertEqual(graph.totalWeight, 4)
        XCTAssertEqual(graph.neighbors(of: 0).map(\.node), [1])
        XCTAssertEqual(graph.neighbors(of: 0).map(\.weight), [3.5])
        XCTAssertEqual(graph.neighbors(of: 1).map(\.node), [0, 3])
        XCTAssertEqual(graph.neighbors(of: 1).map(\.weight), [3.5, 0.5])
        XCTAssertEqual(graph.neighbors(of: 2).count, 0)
        XCTAssertEqual(graph.weightedDegree(of: 1), 4)
        XCTAssertEqual(graph.weightedDegree(of: 2), 0)
    }

    func testAdjustedRandIndexMatchesScikitLearnExamples() {
        XCTAssertEqual(AdjustedRandIndex.score([0, 0, 1, 1], [0, 0, 1, 1]), 1.0)
        XCTAssertEqual(AdjustedRandIndex.score([0, 0, 1, 1], [1, 1, 0, 0]), 1.0)
        XCTAssertEqual(AdjustedRandIndex.score([0, 0, 1, 2], [0, 0, 1, 1]), 0.5714285714285714, accuracy: 1e-15)
        XCTAssertEqual(AdjustedRandIndex.score([0, 0, 1, 1], [0, 1, 0, 1]), -0.5, accuracy: 1e-15)
        XCTAssertEqual(AdjustedRandIndex.score([0, 0, 0, 0], [0, 1, 2, 3]), 0.0, accuracy: 1e-15)
        // By hand: a = [0,0,0,1,1,1], b = [0,0,1,1,2,2]; contingency [[2,1,0],[0,1,2]]: index 2, row pairs 6,
        // column pairs 3, all pairs 15, expected 6·3/15 = 1.2, maximum 4.5 → (2 − 1.2)/(4.5 − 1.2) = 8/33.
        XCTAssertEqual(AdjustedRandIndex.score([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]), 8.0 / 33.0, accuracy: 1e-15)
        // Labels are names, not numbers.
        XCTAssertEqual(AdjustedRandIndex.score([-7, -7, 42, 42], [3, 3, 9, 9]), 1.0)
        // Degenerate agreements whose chance correction is 0/0.
        XCTAssertEqual(AdjustedRandIndex.score([], []), 1.0)
        XCTAssertEqual(AdjustedRandIndex.score([5], [2]), 1.0)
        XCTAssertEqual(AdjustedRandIndex.score([0, 1, 2], [2, 0, 1]), 1.0)
        XCTAssertEqual(AdjustedRandIndex.score([4, 4, 4], [1, 1, 1]), 1.0)
        // Independent random labellings agree only by chance.
        var random = SplitMix64(seed: 7)
        let a = (0..<2_000).map { _ in Int(random.next() % 5) }
        let b = (0..<2_000).map { _ in Int(random.next() % 5) }
        XCTAssertLessThan(abs(AdjustedRandIndex.score(a, b)), 0.02)
    }

    func testModularityOfTwoTrianglesAndOfTheKarateClubSplit() {
        // m = 7. Each triangle holds 3 edges and degree 2 + 2 + 3 = 7:
        // Q = 2 · (3/7 − (7/14)²) = 6/7 − 1/2 = 5/14 ≈ 0.357142857.
        let triangles = WeightedGraph(nodeCount: 6, edges: Self.twoTriangles)
        XCTAssertEqual(LouvainClustering.modularity(of: triangles, labels: [0, 0, 0, 1, 1, 1]), 5.0 / 14.0,
                       accuracy: 1e-12)
        XCTAssertEqual(LouvainClustering.modularity(of: triangles, labels: [9, 9, 9, -1, -1, -1]), 5.0 / 14.0,
                       accuracy: 1e-12)
        // One block: L/m = 1, minus (14/14)² = 0.
        XCTAssertEqual(LouvainClustering.modularity(of: triangles, labels: [0, 0, 0, 0, 0, 0]), 0, accuracy: 1e-12)
        // Resolution 0.5: 2 · (3/7 − 0.5 · 1/4) = 6/7 − 1/4 = 17/28.
        XCTAssertEqual(LouvainClustering.modularity(of: triangles, labels: [0, 0, 0, 1, 1, 1], resolution: 0.5),
                       17.0 / 28.0, accuracy: 1e-12)
        // NetworkX: modularity(karate_club_graph() unweighted, the 'club' split) = 0.3582347140039448.
        let karate = WeightedGraph(nodeCount: 34, edges: Self.karateEdges.map { ($0.0, $0.1, 1) })
        XCTAssertEqual(LouvainClustering.modularity(of: karate, labels: Self.karateClubSplit), 0.3582347140039448,
                       accuracy: 1e-12)
    }

    func testMembershipScoresOfTwoTriangles() {
        let graph = WeightedGraph(nodeCount: 6, edges: Self.twoTriangles)
        // Nodes 2 and 3 send one of their three edges across the bridge.
        let scores = LouvainClustering.membershipScores(graph: graph, labels: [0, 0, 0, 1, 1, 1])
        XCTAssertEqual(scores.count, 6)
        for (node, expected) in [1, 1, 2.0 / 3.0, 2.0 / 3.0, 1, 1].enumerated() {
            XCTAssertEqual(scores[node], expected, accuracy: 1e-12, "node \(node)")
        }
        // Everything in singletons: nothing is inside.
        XCTAssertEqual(LouvainClustering.membershipScores(graph: graph, labels: [0, 1, 2, 3, 4, 5]), [0, 0, 0, 0, 0, 0])
    }

    func testLouvainSplitsTwoTriangles() {
        let graph = WeightedGraph(nodeCount: 6, edges: Self.twoTriangles)
        XCTAssertEqual(LouvainClustering.communities(of: graph), [0, 0, 0, 1, 1, 1])
        // With no penalty for size every connected node is worth joining.
        XCTAssertEqual(LouvainClustering.communities(of: graph, resolution: 0), [0, 0, 0, 0, 0, 0])
        // A steep penalty makes every merge a loss: joining a neighbour gains at most 1/7 − 10 · 2 · 2/(2 · 49) < 0.
        XCTAssertEqual(LouvainClustering.communities(of: graph, resolution: 10), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(LouvainClustering.communities(of: graph, maxPasses: 0), [0, 1, 2, 3, 4, 5])
    }

    func testLouvainOnZacharysKarateClub() {
        let graph = WeightedGraph(nodeCount: 34, edges: Self.karateEdges.map { ($0.0, $0.1, 1) })
        XCTAssertEqual(graph.edgeCount, 78)
        let labels = LouvainClustering.communities(of: graph)
        let q = LouvainClustering.modularity(of: graph, labels: labels)
        XCTAssertGreaterThanOrEqual(q, 0.41)
        // No partition beats the proven optimum, 0.4197896120973044.
        XCTAssertLessThanOrEqual(q, 0.4197896120973044 + 1e-12)
        XCTAssertEqual(Set(labels), Set(0..<(labels.max()! + 1)))
        // Mr. Hi (0) and the Officer (33) end up apart.
        XCTAssertNotEqual(labels[0], labels[33])
    }

    func testLouvainRecoversPlantedPartition() {
        // 5 groups of 20 nodes; each pair joined with probability 0.5 inside a group and 0.05 across.
        let groups = 5
        let size = 20
        let planted = (0..<(groups * size)).map { $0 / size }
        var random = SplitMix64(seed: 0x5EED)
        var edges: [(Int, Int, Double)] = []
        for u in 0..<planted.count {
            for v in (u + 1)..<planted.count where random.unit() < (planted[u] == planted[v] ? 0.5 : 0.05) {
                edges.append((u, v, 1))
            }
        }
        let graph = WeightedGraph(nodeCount: planted.count, edges: edges)
        let labels = LouvainClustering.communities(of: graph)
        XCTAssertGreaterThanOrEqual(AdjustedRandIndex.score(labels, planted), 0.95)
        let scores = LouvainClustering.membershipScores(graph: graph, labels: labels)
        XCTAssertEqual(scores.count, planted.count)
        XCTAssertTrue(scores.allSatisfy { (0...1).contains($0) })
        XCTAssertGreaterThanOrEqual(scores.reduce(0, +) / Double(scores.count), 0.6)
    }

    func testLouvainIsDeterministicAndNumbersCommunitiesBySmallestNode() {
        // The two triangles again with their nodes interleaved: {1,3,5} and {0,2,4}, bridge 5–4.
        let interleaved: [(Int, Int, Double)] = [(1, 3, 1), (3, 5, 1), (1, 5, 1), (0, 2, 1), (2, 4, 1), (0, 4, 1), (5, 4, 1)]
        let graph = WeightedGraph(nodeCount: 6, edges: interleaved)
        XCTAssertEqual(LouvainClustering.communities(of: graph), [0, 1, 0, 1, 0, 1])

        var random = SplitMix64(seed: 42)
        var edges: [(Int, Int, Double)] = []
        for u in 0..<200 {
            for v in (u + 1)..<200 where random.unit() < ((u / 25 == v / 25) ? 0.3 : 0.02) {
                edges.append((u, v, 1))
            }
        }
        let first = LouvainClustering.communities(of: WeightedGraph(nodeCount: 200, edges: edges))
        let second = LouvainClustering.communities(of: WeightedGraph(nodeCount: 200, edges: edges))
        XCTAssertEqual(first, second)
        // The order the edges arrive in, and which end comes first, does not matter.
        var shuffled = edges.map { ($0.1, $0.0, $0.2) }
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) {
            shuffled.swapAt(i, Int(random.next() % UInt64(i + 1)))
        }
        XCTAssertEqual(LouvainClustering.communities(of: WeightedGraph(nodeCount: 200, edges: shuffled)), first)
        // Community k first appears after communities 0..<k.
        var seen = -1
        for label in first {
            XCTAssertLessThanOrEqual(label, seen + 1)
            seen = max(seen, label)
        }
    }

    func testEmptyGraph() {
        let graph = WeightedGraph(nodeCount: 0, edges: [])
        XCTAssertEqual(graph.edgeCount, 0)
        XCTAssertEqual(graph.totalWeight, 0)
        XCTAssertEqual(LouvainClustering.communities(of: graph), [])
        XCTAssertEqual(LouvainClustering.modularity(of: graph, labels: []), 0)
        XCTAssertEqual(LouvainClustering.membershipScores(graph: graph, labels: []), [])
    }

    func testIsolatedNodesStaySingletons() {
        let graph = WeightedGraph(nodeCount: 4, edges: [(2, 2, 3)])
        XCTAssertEqual(LouvainClustering.communities(of: graph), [0, 1, 2, 3])
        XCTAssertEqual(LouvainClustering.modularity(of: graph, labels: [0, 1, 2, 3]), 0)
        XCTAssertEqual(LouvainClustering.membershipScores(graph: graph, labels: [0, 1, 2, 3]), [1, 1, 1, 1])
        // Isolated nodes beside a component: the component clusters, the loners stay alone.
        let mixed = WeightedGraph(nodeCount: 8, edges: Self.twoTriangles.map { ($0.0 + 1, $0.1 + 1, $0.2) })
        XCTAssertEqual(LouvainClustering.communities(of: mixed), [0, 1, 1, 1, 2, 2, 2, 3])
        XCTAssertEqual(LouvainClustering.membershipScores(graph: mixed, labels: [0, 1, 1, 1, 2, 2, 2, 3])[7], 1)
    }
}
