import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseDaemon
import SkillPulseStore
import SkillPulseWire

/// Answers `analytics.sock`: queries run off the event loop against the engine's in-memory state (never a
/// scan of the event log), subscriptions stream from the event hub.
public struct AnalyticsHandler: WireHandler {
    let engine: AnalyticsEngine
    let experiments: ABTestService
    /// `list_anomalies` reads `skill_anomalies` through it.
    let store: AnalyticsStore
    /// `get_real_time_metrics` up to these is answered where it arrives; larger ones go to the workers.
    static let inlineRealTimeLimit = 100
    static let inlineRealTimeHours = 24.0

    /// A/B requests run in arrival order (see `RequestOrderTurns`).
    let turns = RequestOrderTurns()
    let trainer: ModelTrainer
    let follower: IngestFollower
    let hub: EventHub<AnalyticsTopic>
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
            if let existing = connection.eventSource as? SubscriberQueue<AnalyticsTopic> {
                return .ready(.result(["topics": existing.subscribe(to: topics).sorted().map(\.rawValue)]))
            }
            let subscriber = hub.subscribe(topics: topics)
            _ = connection.adopt(subscriber)
            return .ready(.stream(result: ["topics": topics.sorted().map(\.rawValue)], events: subscriber))
        case .health:
            return .ready(.result(context.healthReport(liveness(), walEnabled: database.walEnabled, figures: figures())))
        case .stats:
            return .ready(.result(figures()))
        case .query(let query):
            if case .realTimeMetrics(let limit, let hours) = query, limit <= Self.inlineRealTimeLimit,
               hours <= Self.inlineRealTimeHours {
                // Dashboards poll this one: a skip per idle skill and two binary searches per active one (about
                // a millisecond at 10,000 skills) under one hold of the lock, on the lane of small reads.
                let engine = engine
                let key = ObjectIdentifier(connection)
                return .later { await engine.interactive.run(for: key) { Self.answer(query, engine: engine, inline: true) } }
            }
            // On the engine's workers, in this connection's turn, reply encoded there too: a thousand baselines
            // cost as much to encode as to compute.
            let engine = engine
            let key = ObjectIdentifier(connection)
            return .later {
                await engine.workers.runUnlessCancelled(for: key) { Self.answer(query, engine: engine).preEncoded() }
                    ?? .failure(WireError(.unavailable, "the connection closed"))
            }
        case .model(.predictSuccess(let query)):
            // A dot product over ten features, on the lane of small reads (the names' numbers need the lock).
            let key = ObjectIdentifier(connection)
            return .later { [self] in await engine.interactive.run(for: key) { prediction(query) } }
        case .model(let model):
            let key = ObjectIdentifier(connection)
            return .later { [self] in await answer(model, connection: key) }
        case .listAnomalies(let request):
            let store = store
            return .later { [self] in await replying { .result(try await AnomalyListResult.page(request, from: store)) } }
        case .experiment(.assign(let testID, let unit)):
            if let known = experiments.existingAssignment(testID: testID, unit: unit) {
                return .ready(.result(AnalyticsReplies.stamped(Self.assignment(testID, known.unitID, known.unit, known.group))))
            }
            return inArrivalOrder(.assign(testID: testID, unit: unit))
        case .experiment(.record(let request)):
            // The turn ends once the outcome is queued, so pipelined outcomes share one commit; the answer
            // comes after that commit.
            let turn = turns.take()
            return .later { [self] in
                let answer = await turn.run { experiments.enqueue(request) }
                return Self.recorded(request, await answer.value)
            }
        case .experiment(let experiment):
            return inArrivalOrder(experiment)
        }
    }

    /// A/B requests run in arrival order (see `RequestOrderTurns`): a pipelined assign then record sees the
    /// assignment.
    private func inArrivalOrder(_ experiment: ExperimentOperation) -> PendingOutcome {
        let turn = turns.take()
        return .later { [self] in await turn.run { await answer(experiment) } }
    }

    private func prediction(_ query: PredictionQuery) -> WireOutcome {
        let known = engine.smallQuery { $0.knows(skill: query.skillName) }
        return .result(AnalyticsReplies.stamped(AnalyticsReplies.prediction(engine.predict(query), skill: query.skillName,
                                                                            known: known)))
    }

    /// Healthy only while it follows ingest and its own reads and writes succeed; answering from the database
    /// alone, or with derived tables that cannot be written, is `degraded`.
    func liveness() -> Liveness {
        var current = monitor.current
        if let problem = follower.streamProblem {
            current = current.combined(with: Liveness(status: .degraded, reason: problem + "; answering from the database",
                                                      progressing: true))
        }
        let storageProblems = follower.storage.problems
        if !storageProblems.isEmpty {
            current = current.combined(with: Liveness(status: .degraded, reason: storageProblems.joined(separator: "; "),
                                                      progressing: true))
        }
        return current
    }

    func figures() -> [String: JSONValue] {
        let figures = engine.figures()
        let predictor = engine.predictorFigures()
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
            "model_version": .string(predictor.version),
            "training_rows": .integer(Int64(predictor.kept)),
            "connections_active": .integer(Int64(counters.activeConnections)),
            "requests_handled": .integer(Int64(counters.requestsHandled)),
        ]
    }

    /// `inline`: answered where the request arrived (see `inlineRealTimeLimit`), under one hold of the lock.
    static func answer(_ query: AnalyticsQuery, engine: AnalyticsEngine, inline: Bool = false) -> WireOutcome {
        let now = UTCTimestamp.now()
        let millis = now.millisecondsSinceEpoch
        let stamp = ["timestamp": now.normalized]
        switch query {
        case .skillMetrics(let skill):
            guard let report = engine.query({ $0.skillMetrics(skill, now: millis) }) else { return unknown(skill) }
            return .result(Stamped(body: report, extra: stamp))
        case .realTimeMetrics(let limit, let hours):
            let top = engine.topSkills(limit: limit, windowMillis: Self.windowMillis(hours: hours), now: millis,
                                       inOneHold: inline)
            let reason = top.isEmpty
                ? (engine.figures().lastID == 0 ? "no invocations yet"
                    : "no invocations in the last \(String(format: "%g", hours)) hours") : nil
            return .result(TopSkillsResult(topSkills: top, timeWindowHours: hours, timestamp: now.normalized,
                                           reason: reason))
        case .detectAnomalies(let threshold, let hours, let method):
            let criteria = engine.anomalyCriteria(threshold: threshold, windowHours: hours, method: method)
            let report = engine.anomalyReport(criteria, now: millis)
            return .result(Stamped(body: AnomaliesResult(anomalies: report.anomalies, reason: report.reason,
                                                         method: method.rawValue, threshold: threshold,
                                                         timeWindowHours: hours), extra: stamp))
        case .skillTrend(let skill, let metric, let days):
            let criteria = engine.trendCriteria
            guard let trend = engine.query({ $0.trend(skill, metric: metric, days: days, now: millis, criteria: criteria) })
            else { return unknown(skill) }
            return .result(Stamped(body: trend, extra: stamp.merging(["skill_name": skill, "metric": metric.rawValue]) { $1 }))
        case .communityBaselines(let limit):
            let all = engine.communityBaselines()
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
            let reason = found.isEmpty
                ? "no skill shares \(engine.settings.minimumCoOccurrence) or more sessions with \(skill.prefix(128)) "
                    + "at a lift of \(String(format: "%g", minimumLift)) or more" : nil
            return .result(Stamped(body: DependenciesResult(skillName: skill, dependencies: found, sessions: sessions,
                                                            reason: reason), extra: stamp))
        case .recommendations(let user, let limit):
            let answer = engine.query { $0.recommendationAnswer(for: user, limit: limit) }
            return .result(AnalyticsReplies.recommendations(answer, user: user, timestamp: now.normalized))
        }
    }

    /// The model ops that leave the event loop: their own errors are their answers.
    func answer(_ model: ModelOperation, connection: ObjectIdentifier) async -> WireOutcome {
        await replying {
            switch model {
            case .predictSuccess(let query):
                return await engine.interactive.run(for: connection) { prediction(query) }
            case .train(let days):
                return .result(AnalyticsReplies.stamped(AnalyticsReplies.training(try await trainer.train(days: days))))
            case .clusters(let limit):
                let engine = engine
                return await engine.workers.runUnlessCancelled(for: connection) {
                    WireOutcome.result(AnalyticsReplies.clusters(engine.clusters().clustering, limit: limit,
                                                                 timestamp: UTCTimestamp.now().normalized)).preEncoded()
                } ?? .failure(WireError(.unavailable, "the connection closed"))
            }
        }
    }

    /// The A/B ops, each in its turn: their own errors are their answers.
    func answer(_ experiment: ExperimentOperation) async -> WireOutcome {
        await replying {
            switch experiment {
            case .create(let request):
                let test = try await experiments.create(request)
                return .result(AnalyticsReplies.stamped(AnalyticsReplies.compact(AnalyticsReplies.testFields(test))))
            case .assign(let testID, let unit):
                let assigned = try await experiments.assign(testID: testID, unit: unit)
                return .result(AnalyticsReplies.stamped(Self.assignment(testID, assigned.unitID, assigned.unit,
                                                                        assigned.group)))
            case .record(let request):
                return Self.recorded(request, await experiments.enqueue(request).value)
            case .summary(let testID):
                return .result(AnalyticsReplies.stamped(AnalyticsReplies.summary(try experiments.test(testID))))
            case .stop(let testID):
                return .result(AnalyticsReplies.stamped(AnalyticsReplies.summary(try await experiments.stop(testID))))
            case .list(let limit):
                let all = experiments.all()
                var fields: [String: JSONValue] = ["tests": .array(all.prefix(limit).map(AnalyticsReplies.listing)),
                                                   "total_tests": .integer(Int64(all.count)),
                                                   "timestamp": .string(UTCTimestamp.now().normalized)]
                if all.isEmpty { fields["reason"] = "no A/B tests yet: create_ab_test makes one" }
                return .result(JSONValue.object(fields))
            }
        }
    }

    /// A `WireError` thrown by `body` is the reply; anything else is `internal` with what failed.
    private func replying(_ body: () async throws -> WireOutcome) async -> WireOutcome {
        do {
            return try await body()
        } catch let error as WireError {
            return .failure(error)
        } catch {
            return .failure(WireError(.internal, "\(error)"))
        }
    }

    /// `user_id` or `session_id` (the test's unit) and the group.
    static func assignment(_ testID: Int64, _ unitID: String, _ unit: RandomizationUnit,
                           _ group: ABTestAssignment.Group) -> JSONValue {
        .object(["test_id": .integer(testID), unit.idKey: .string(unitID), "group_name": .string(group.rawValue),
                 "randomization_unit": .string(unit.rawValue)])
    }

    static func recorded(_ request: ABOutcomeRequest, _ answer: Result<RecordedOutcome, WireError>) -> WireOutcome {
        switch answer {
        case .failure(let error):
            return .failure(error)
        case .success(let outcome):
            var fields: [String: JSONValue] = [
                "test_id": .integer(request.testID), outcome.unit.idKey: .string(outcome.unitID),
                "outcome_id": .integer(outcome.outcomeID), "recorded": .bool(!outcome.duplicate),
                "duplicate": .bool(outcome.duplicate),
            ]
            if let group = outcome.group { fields["group_name"] = .string(group.rawValue) }
            if outcome.unit == .session, let user = request.unit.user { fields["user_id"] = .string(user) }
            return .result(AnalyticsReplies.stamped(.object(fields)))
        }
    }

    /// A window in hours as milliseconds, rounded: 65/60 h is 3,899,999.9999… ms in binary, and truncating lost
    /// the window's inclusive edge.
    static func windowMillis(hours: Double) -> Int64 { Int64((hours * 3_600_000).rounded()) }

    static func unknown(_ skill: String) -> WireOutcome {
        .failure(.notFound("skill \"\(skill.prefix(128))\" has never been invoked"))
    }
}
