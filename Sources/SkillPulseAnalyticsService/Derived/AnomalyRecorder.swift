import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseStore
import SkillPulseWire

/// The background anomaly pass: what `detect_anomalies` finds with the pass's criteria (`--anomaly-threshold`,
/// `--anomaly-method`, a 24-hour baseline) is recorded in
/// `skill_anomalies` once (keyed by skill and type while it stays open), resolved when it clears, and
/// published as `anomaly` events with `state` open or resolved.
final class AnomalyRecorder: Sendable {
    private struct Key: Hashable {
        let skill: String
        let type: String
    }

    let engine: AnalyticsEngine
    let store: AnalyticsStore
    let hub: EventHub<AnalyticsTopic>

    init(engine: AnalyticsEngine, store: AnalyticsStore, hub: EventHub<AnalyticsTopic>) {
        self.engine = engine
        self.store = store
        self.hub = hub
    }

    /// One pass at `now`; returns the events it published.
    @discardableResult
    func pass(now: UTCTimestamp) async throws -> [AnomalyEvent] {
        let settings = engine.settings
        let criteria = engine.anomalyCriteria(threshold: settings.anomalyThreshold, method: settings.anomalyMethod)
        let engine = engine
        let found = await engine.workers.run(for: ObjectIdentifier(self)) {
            engine.anomalyReport(criteria, now: now.millisecondsSinceEpoch).anomalies
        }
        let stamp = now.normalized
        let events = try await store.updateAnomalies { anomalies -> [AnomalyEvent] in
            // The table is the record of what is open (another analytics run, or this one before a restart,
            // may have opened rows): read it inside the same transaction that changes it.
            let open = try anomalies.openAnomalies()
            let openKeys = Dictionary(open.map { (Key(skill: $0.skillName, type: $0.anomalyType), $0) },
                                      uniquingKeysWith: { first, _ in first })
            let current = Set(found.map { Key(skill: $0.skillName, type: $0.anomalyType.rawValue) })
            var events: [AnomalyEvent] = []
            for anomaly in found where openKeys[Key(skill: anomaly.skillName, type: anomaly.anomalyType.rawValue)] == nil {
                let id = try anomalies.insertAnomaly(
                    skillName: anomaly.skillName, anomalyType: anomaly.anomalyType.rawValue, detectedAt: stamp,
                    baselineValue: anomaly.baselineValue, observedValue: anomaly.observedValue,
                    deviationScore: anomaly.deviationScore)
                events.append(AnomalyEvent(id: id, skillName: anomaly.skillName, metric: anomaly.metric,
                                    anomalyType: anomaly.anomalyType.rawValue, baselineValue: anomaly.baselineValue,
                                    observedValue: anomaly.observedValue, deviationScore: anomaly.deviationScore,
                                    detectedAt: stamp, resolvedAt: nil, state: .open))
            }
            for (key, row) in openKeys where !current.contains(key) {
                try anomalies.resolveAnomaly(id: row.id, at: stamp)
                let metric = Anomaly.Kind(rawValue: key.type)?.metric ?? "unknown"
                events.append(AnomalyEvent(id: row.id, skillName: key.skill, metric: metric, anomalyType: key.type,
                                    baselineValue: nil, observedValue: nil, deviationScore: nil,
                                    detectedAt: row.detectedAt, resolvedAt: stamp, state: .resolved))
            }
            return events
        }
        for event in events { hub.publish(.anomaly, data: event) }
        return events
    }
}
