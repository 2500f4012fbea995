import ServiceLifecycle
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseWire

/// Publishes a compact top-skills update on the `metrics` topic at most once a second, and only when an
/// invocation arrived since the last one (the gateway forwards it to dashboards).
final class MetricsPublisher: Service, Sendable {
    let engine: AnalyticsEngine
    let hub: EventHub<AnalyticsTopic>
    static let limit = 10

    init(engine: AnalyticsEngine, hub: EventHub<AnalyticsTopic>) {
        self.engine = engine
        self.hub = hub
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var published = -1
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                let generation = self.engine.generation
                guard generation != published, self.hub.hasSubscribers(for: .metrics) else { continue }
                published = generation
                let now = UTCTimestamp.now()
                let engine = self.engine
                let top = await engine.interactive.run(for: ObjectIdentifier(self)) {
                    engine.topSkills(limit: Self.limit, windowMillis: 3_600_000, now: now.millisecondsSinceEpoch,
                                     inOneHold: true)
                }
                self.hub.publish(.metrics, data: MetricsEvent(topSkills: top, timestamp: now.normalized))
            }
        }
    }
}
