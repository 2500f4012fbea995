import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseDaemon
import SkillPulseWire

/// Answers `analytics.sock`: queries run off the event loop against the engine's in-memory state (never a
/// scan of the event log), subscriptions stream from the event hub.
public struct AnalyticsHandler: WireHandler {
    let engine: AnalyticsEngine
    let experiments: ABTestService
    /// A/B requests run in arrival order (see `RequestOrderTurns`).
    let turns = RequestOrderTurns()
    let trainer: ModelTrainer
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
        case .predictSuccess(let query):
            // A dot product over eleven features: cheaper than leaving the event loop.
            let known = engine.query { $0.knows(skill: query.skillName) }
            return .ready(.result(ModelAnswers.stamped(ModelAnswers.prediction(engine.predict(query), skill: query.skillName,
                                                                              known: known))))
        case .assignABTest(let testID, let user):
            if let group = experiments.existingGroup(testID: testID, user: user) {
                return .ready(.result(ModelAnswers.stamped(Self.assignment(testID, user, group))))
            }
            let turn = turns.take()
            return .later { [experiments] in
                await turn.run {
                    do throws(WireError) {
                        let group = try await experiments.assign(testID: testID, user: user)
                        return .result(ModelAnswers.stamped(Self.assignment(testID, user, group)))
                    } catch {
                        return .failure(error)
                    }
                }
            }
        case .createABTest, .recordABOutcome, .abTestSummary, .stopABTest, .listABTests:
            let turn = turns.take()
            return .later { [self] in await turn.run { await modelAnswer(operation) } }
        case .trainModel, .skillClusters:
            return .later { [self] in await modelAnswer(operation) }
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
            "dependency_rows_pending": .integer(Int64(engine.pendingDependencyRows)),
            "subscribers": .integer(Int64(hub.subscriberCount)),
            "ab_tests": .integer(Int64(experiments.testCount)),
            "model_version": .string(engine.predictorFigures().version),
            "training_rows": .integer(Int64(engine.predictorFigures().taken)),
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
        case .recommendations(let user, let limit):
            let items = engine.query { $0.recommendations(for: user, limit: limit) }
            return .result(ModelAnswers.recommendations(items, user: user, timestamp: now.normalized))
        default:
            return .failure(WireError(.internal, "handled elsewhere"))
        }
    }

    /// The ops that write the A/B tables or train: their own errors are their answers.
    func modelAnswer(_ operation: AnalyticsOperation) async -> WireOutcome {
        let timestamp = UTCTimestamp.now().normalized
        do {
            switch operation {
            case .trainModel(let days):
                let (report, version) = try await trainer.train(days: days)
                return .result(ModelAnswers.stamped(ModelAnswers.training(report, version: version, days: days)))
            case .createABTest(let request):
                let test = try await experiments.create(request)
                return .result(ModelAnswers.stamped(ModelAnswers.compact(ModelAnswers.testFields(test))))
            case .recordABOutcome(let request):
                let (id, group) = try await experiments.record(request)
                return .result(ModelAnswers.stamped(["test_id": .integer(request.testID), "user_id": .string(request.user),
                                                 "group_name": .string(group.rawValue), "outcome_id": .integer(id),
                                                 "recorded": .bool(true)]))
            case .abTestSummary(let testID):
                return .result(ModelAnswers.stamped(ModelAnswers.summary(try experiments.test(testID))))
            case .stopABTest(let testID):
                return .result(ModelAnswers.stamped(ModelAnswers.summary(try await experiments.stop(testID))))
            case .listABTests(let limit):
                let all = experiments.all()
                return .result(JSONValue.object(["tests": .array(all.prefix(limit).map(ModelAnswers.listing)),
                                                 "total_tests": .integer(Int64(all.count)),
                                                 "timestamp": .string(timestamp)]))
            case .skillClusters(let limit):
                let engine = engine
                let clustering = try await BlockingWork.run("analytics-cluster") { engine.clusters().clustering }
                return .result(ModelAnswers.clusters(clustering, limit: limit, timestamp: timestamp))
            default:
                return .failure(WireError(.internal, "not a model op"))
            }
        } catch let error as WireError {
            return .failure(error)
        } catch {
            return .failure(WireError(.internal, "\(error)"))
        }
    }

    static func assignment(_ testID: Int64, _ user: String, _ group: ABTestAssignment.Group) -> JSONValue {
        .object(["test_id": .integer(testID), "user_id": .string(user), "group_name": .string(group.rawValue)])
    }

    static func unknown(_ skill: String) -> WireOutcome {
        .failure(.notFound("skill \"\(skill.prefix(128))\" has never been invoked"))
    }
}
