import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseDaemon
import SkillPulseWire

/// Answers `analytics.sock`: queries run off the event loop against the engine's in-memory state (never a
/// scan of the event log), subscriptions stream from the event hub.
public struct AnalyticsHandler: WireHandler {
    let engine: AnalyticsEngine
    let follower: IngestFollower
    let hub: AnalyticsEventHub
    let monitor: LivenessMonitor
    let database: DatabaseObservation
    let context: DaemonContext
    let counters: WireServerCounters

    public func handle(_ operation: AnalyticsOperation) -> PendingOutcome {
        handle(operation, on: WireConnection())
    }

    public func handle(_ operation: AnalyticsOperation, on connection: WireConnection) -> PendingOutcome {
        switch operation {
        case .subscribe(let topics):
            if let existing = connection.eventSource as? AnalyticsSubscriber {
                return .ready(.result(["topics": existing.subscribe(to: topics).sorted().map(\.rawValue)]))
            }
            let subscriber = hub.subscribe(topics: topics)
            _ = connection.adopt(subscriber)
            return .ready(.stream(result: ["topics": topics.sorted().map(\.rawValue)], events: subscriber))
        case .health:
            return .ready(.result(context.healthReport(liveness(), walEnabled: database.walEnabled, figures: figures())))
        case .stats:
            return .ready(.result(figures()))
        case .realTimeMetrics:
            // Dashboards poll this one: two binary searches per skill under the engine's lock (well under a
            // millisecond) cost less here than two thread hops to the cooperative pool and back.
            return .ready(Self.answer(operation, engine: engine))
        default:
            let engine = engine
            return .later { Self.answer(operation, engine: engine) }
        }
    }

    /// Healthy only while it follows ingest; answering from the database alone is `degraded`.
    func liveness() -> Liveness {
        let current = monitor.current
        guard let problem = follower.streamProblem else { return current }
        return current.combined(with: Liveness(status: .degraded, reason: problem + "; answering from the database",
                                               progressing: true))
    }

    func figures() -> [String: JSONValue] {
        let figures = engine.figures()
        return [
            "last_invocation_id": .integer(figures.lastID),
            "invocations_applied": .integer(Int64(figures.applied)),
            "skills": .integer(Int64(figures.skills)),
            "sessions": .integer(Int64(figures.sessions)),
            "following_ingest": .bool(follower.streamProblem == nil),
            "resyncs": .integer(Int64(follower.resyncs)),
            "subscribers": .integer(Int64(hub.subscriberCount)),
            "connections_active": .integer(Int64(counters.activeConnections)),
            "requests_handled": .integer(Int64(counters.requestsHandled)),
        ]
    }

    static func answer(_ operation: AnalyticsOperation, engine: AnalyticsEngine) -> WireOutcome {
        let now = UTCTimestamp.now()
        let millis = now.millisecondsSinceEpoch
        let stamp = ["timestamp": now.normalized]
        switch operation {
        case .skillMetrics(let skill):
            guard let report = engine.query({ $0.skillMetrics(skill, now: millis) }) else { return unknown(skill) }
            return .result(Stamped(body: report, extra: stamp))
        case .realTimeMetrics(let limit, let hours):
            let top = engine.query { $0.topSkills(limit: limit, windowMillis: Int64(hours * 3_600_000), now: millis) }
            return .result(TopSkillsResult(topSkills: top, timeWindowHours: hours, timestamp: now.normalized))
        case .detectAnomalies(let threshold, let hours, let method):
            let criteria = engine.anomalyCriteria(threshold: threshold, windowHours: hours, method: method)
            let found = engine.query { $0.anomalies(criteria, now: millis) }
            return .result(Stamped(body: AnomaliesResult(anomalies: found, method: method.rawValue, threshold: threshold,
                                                         timeWindowHours: hours), extra: stamp))
        case .skillTrend(let skill, let metric, let days):
            let criteria = engine.trendCriteria
            guard let trend = engine.query({ $0.trend(skill, metric: metric, days: days, now: millis, criteria: criteria) })
            else { return unknown(skill) }
            return .result(Stamped(body: trend, extra: stamp.merging(["skill_name": skill, "metric": metric.rawValue]) { $1 }))
        case .communityBaselines(let limit):
            let all = engine.query { $0.communityBaselines() }
            return .result(Stamped(body: BaselinesResult(baselines: Array(all.prefix(limit)), totalSkills: all.count),
                                   extra: stamp))
        case .compareToBaseline(let user, let skill):
            if let skill, !engine.query({ $0.knows(skill: skill) }) { return unknown(skill) }
            guard let comparisons = engine.query({ $0.compareToBaseline(user: user, skill: skill) }) else {
                let scope = skill.map { " for \($0)" } ?? ""
                return .failure(.notFound("user \"\(user.prefix(128))\" has no invocations\(scope)"))
            }
            return .result(Stamped(body: ComparisonResult(userID: user, comparisons: comparisons), extra: stamp))
        case .skillDependencies(let skill, let limit, let minimumLift):
            guard let found = engine.dependencies(of: skill, limit: limit, minimumLift: minimumLift) else {
                return unknown(skill)
            }
            let sessions = engine.figures().sessions
            return .result(Stamped(body: DependenciesResult(skillName: skill, dependencies: found, sessions: sessions),
                                   extra: stamp))
        case .subscribe, .health, .stats:
            return .failure(WireError(.internal, "handled on the event loop"))
        }
    }

    static func unknown(_ skill: String) -> WireOutcome {
        .failure(.notFound("skill \"\(skill.prefix(128))\" has never been invoked"))
    }
}
