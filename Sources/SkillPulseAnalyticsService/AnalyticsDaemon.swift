import Foundation
import Logging
import ServiceLifecycle
import SkillPulseAnalytics
import SkillPulseCore
import SkillPulseDaemon
import SkillPulseStore
import SkillPulseWire

/// Assembles `analytics`: the checked database, the state rebuilt from it, the follower of ingest's stream,
/// the derived-table writer, the A/B tests, the model trainer, the cluster refresher, the event hub and the
/// socket server.
public enum AnalyticsDaemon {
    public static let service = "analytics"
    /// Requests one connection may have in flight (ingest allows 4,096: its replies are a few bytes).
    public static let maxInFlightPerConnection = 16

    /// Threads for queries over every skill or user: two, or one on a single core.
    static let queryThreads = min(2, ProcessInfo.processInfo.activeProcessorCount)
    /// Frames one subscriber may have queued: anomaly and metrics events are few (a metrics frame a second at
    /// most), so a full queue means a peer that stopped reading.
    public static let subscriberBuffer = 1024

    public static func run(options: DaemonOptions, settings: AnalyticsSettings, runtime: DaemonRuntime) async throws {
        let logger = runtime.logger
        let (paths, _) = try options.checkedPaths(environment: ProcessInfo.processInfo.environment)
        let reader = try await DaemonBootstrap.openCheckedReader(paths: paths, service: service)
        let schemaVersion = reader.schemaVersion
        let writer = try await DaemonBootstrap.openDerivedWriter(paths: paths, service: service)
        let store = AnalyticsStore(reader: reader, writer: writer)
        let context = try DaemonBootstrap.context(service: service, options: options, schemaVersion: schemaVersion,
                                                  logger: logger)
        let engine = AnalyticsEngine(settings: settings)
        // One record of analytics' own read and write failures, shown by `health`.
        let storage = StorageHealth()
        let follower = IngestFollower(store: store, engine: engine, ingestSocket: paths.socketPath(for: "ingest"),
                                      logger: logger, storage: storage)
        // The state comes from the database alone, before READY: a restart answers as before it.
        let loadStart = ContinuousClock.now
        let notifier = SystemdNotifier()
        let rebuilt = try await follower.catchUp(unless: { runtime.termination.isRequested }) {
            notifier.send("STATUS=rebuilding the state from the database: \(engine.figures().applied) invocations so far")
        }
        guard rebuilt else {
            logger.info("stopped during start-up, before the state was rebuilt")
            try? writer.close()
            return
        }
        engine.prune(now: UTCTimestamp.now().millisecondsSinceEpoch)
        try await follower.refreshSeeds()
        let experiments = ABTestService(store: ABTestStore(reader: reader, writer: writer), storage: storage)
        try await experiments.load()
        let dependencies = DependencyTableWriter(store: store)
        try await dependencies.loadRowIDs(engine: engine)
        let loadSeconds = (ContinuousClock.now - loadStart).seconds

        let database = DatabaseObservation()
        database.record(walEnabled: try await reader.journalIsWAL())
        let counters = WireServerCounters()
        let monitor = LivenessMonitor.reader(reader, database: database, counters: counters)
        let hub = EventHub<AnalyticsTopic>(bufferCapacity: Self.subscriberBuffer)
        let trainer = ModelTrainer(engine: engine, logger: logger)
        let handler = AnalyticsHandler(engine: engine, experiments: experiments, store: store, trainer: trainer, follower: follower, hub: hub, monitor: monitor, database: database,
                                       context: context, counters: counters)
        // Analytics' replies are large (a thousand baselines, every anomaly) and each takes CPU: a peer that
        // pipelines without reading holds at most this many computed replies (4,096 took 800 MB).
        var configuration = context.serverConfiguration
        configuration.maxInFlightPerConnection = Self.maxInFlightPerConnection
        let server = WireServer(listener: context.listener, handler: handler,
                                configuration: configuration, counters: counters, logger: logger)
        // Bound last, once the database is checked: a taken or forbidden socket fails the start before READY
        // (with its one line: nothing is logged before this point).
        try await server.bind()
        let loaded = engine.figures()
        logger.info("state rebuilt from the database", metadata: [
            "invocations": "\(loaded.applied)", "skills": "\(loaded.skills)", "sessions": "\(loaded.sessions)",
            "seconds": "\(loadSeconds)",
        ])
        let status = SystemdService(logger: logger, waitUntilReady: { await server.waitUntilListening() },
                                    liveness: { handler.liveness() }) {
            let figures = engine.figures()
            return "\(figures.applied) invocations, \(figures.skills) skills, last id \(figures.lastID); "
                + (follower.streamProblem == nil ? "following ingest" : "not following ingest")
                + "; \(hub.subscriberCount) subscribers"
        }
        let recorder = AnomalyRecorder(engine: engine, store: store, hub: hub)
        try await runtime.run(services: [
            .init(service: monitor),
            .init(service: follower),
            .init(service: DerivedTableSync(engine: engine, store: store, recorder: recorder,
                                               dependencies: dependencies, logger: logger, storage: storage)),
            .init(service: MetricsPublisher(engine: engine, hub: hub)),
            .init(service: trainer),
            .init(service: ClusterRefresher(engine: engine, store: store, logger: logger)),
            .init(service: AnalyticsServingService(server: server, hub: hub)),
            .init(service: status),
        ])
        try? writer.close()
        logger.info("analytics stopped cleanly")
    }
}

/// Runs the socket server; at shutdown it stops accepting requests and ends the subscribers' streams after
/// what is queued, so their connections can finish.
struct AnalyticsServingService: Service {
    let server: WireServer<AnalyticsHandler>
    let hub: EventHub<AnalyticsTopic>

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await server.run()
        } onGracefulShutdown: {
            server.beginDraining()
            hub.close()
        }
    }
}
