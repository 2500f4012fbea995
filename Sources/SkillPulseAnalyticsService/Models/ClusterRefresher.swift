import Foundation
import Logging
import ServiceLifecycle
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseStore

/// Recomputes the skill clusters every `clusterInterval` when anything changed and writes them to
/// `skill_clusters` / `skill_cluster_membership` in one transaction.
final class ClusterRefresher: Service, Sendable {
    let engine: AnalyticsEngine
    let store: AnalyticsStore
    let logger: Logger

    init(engine: AnalyticsEngine, store: AnalyticsStore, logger: Logger) {
        self.engine = engine
        self.store = store
        self.logger = logger
    }

    func run() async throws {
        let interval = engine.settings.clusterInterval
        await cancelWhenGracefulShutdown {
            var written: SkillClustering?
            while !Task.isCancelled {
                do {
                    let engine = self.engine
                    let clustering = try await BlockingWork.run("analytics-cluster", niceness: 10) { engine.clusters().clustering }
                    if clustering != written {
                        try await self.write(clustering)
                        written = clustering
                    }
                } catch is CancellationError {
                    // Shutting down.
                } catch {
                    self.logger.warning("could not write the skill clusters; retrying: \(error)")
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    func write(_ clustering: SkillClustering) async throws {
        let rows = clustering.clusters.map { cluster in
            SkillClusterRow(name: cluster.name,
                            description: "\(cluster.members.count) skills used together in sessions "
                                + "(\(SkillClustering.method), modularity \(String(format: "%.3f", clustering.modularity)))",
                            members: cluster.members)
        }
        let now = UTCTimestamp.now().normalized
        try await store.replaceClusters(with: rows, at: now)
    }
}
