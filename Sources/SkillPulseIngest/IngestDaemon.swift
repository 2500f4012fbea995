import Foundation
import Logging
import ServiceLifecycle
import SkillPulseCore
import SkillPulseDaemon
import SkillPulseStore
import SkillPulseWire
import Synchronization

/// Assembles `ingest`: checked database, batch writer, broadcaster, socket server and systemd reporting.
public enum IngestDaemon {
    public static let service = "ingest"

    public static func run(options: DaemonOptions, policy: GroupCommitPolicy, subscriberBuffer: Int,
                           walBudget: WALBudget = WALBudget()) async throws {
        let logger = DaemonBootstrap.makeLogger(service: service, options: options)
        let paths = options.paths(environment: ProcessInfo.processInfo.environment)
        let (queue, schemaVersion) = try DaemonBootstrap.openCheckedWriter(paths: paths, service: service)
        // Checkpoints run in WALCheckpointService, off the writer thread.
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            try db.execute(sql: "PRAGMA journal_size_limit = \(walBudget.journalSizeLimitBytes)")
        }
        let walRestart = WALRestartRequest()
        let context = try DaemonBootstrap.context(service: service, options: options, schemaVersion: schemaVersion,
                                                  logger: logger)
        let broadcaster = EventBroadcaster(bufferCapacity: subscriberBuffer)
        let publisher = CommittedBatchPublisher(broadcaster: broadcaster)
        let writer = InvocationBatchWriter(store: InvocationBatchStore(queue: queue), walRestart: walRestart,
                                           walBudget: walBudget, policy: policy,
                                           publisher: publisher, logger: logger)
        try writer.seedWindows(now: .now())
        let counters = WireServerCounters()
        let handler = IngestHandler(writer: writer, broadcaster: broadcaster, context: context, counters: counters,
                                    walEnabled: DaemonBootstrap.walEnabled(queue), policy: policy)
        let server = WireServer(listener: context.listener, handler: handler,
                                configuration: context.serverConfiguration, counters: counters, logger: logger)
        let rate = RateMeter()
        let status = SystemdService(logger: logger, waitUntilReady: { await server.waitUntilListening() }) {
            let figures = writer.currentFigures
            let perSecond = rate.sample(total: figures.committedInvocations)
            return String(format: "%.0f inv/s, %d committed in %d transactions, queue %d, %d subscribers",
                          perSecond, figures.committedInvocations, figures.committedBatches, figures.queuedRows,
                          broadcaster.subscriberCount)
        }
        // Shutdown runs in reverse order: systemd hears STOPPING=1, the server stops reading and answers what
        // it has read (the writer still runs), then the writer commits what is queued and stops.
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: WALCheckpointService(path: paths.databasePath, interval: .milliseconds(50),
                                                    restartFrames: walBudget.restartFrames, restart: walRestart,
                                                    logger: logger)),
                .init(service: WriterService(writer: writer, publisher: publisher, broadcaster: broadcaster)),
                .init(service: WireServerService(server: server)),
                .init(service: status),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
        logger.info("ingest stopped cleanly")
    }
}

/// Runs the batch writer's thread for the life of the service group.
struct WriterService: Service {
    let writer: InvocationBatchWriter
    let publisher: CommittedBatchPublisher
    let broadcaster: EventBroadcaster

    func run() async throws {
        publisher.start()
        writer.start()
        try? await gracefulShutdown()
        await writer.drain()
        // Every committed batch reaches the subscribers before their streams end.
        await publisher.finish()
        broadcaster.close()
    }
}

/// Turns a growing total into a per-second rate between samples.
final class RateMeter: Sendable {
    private let last = Mutex<(total: Int, at: ContinuousClock.Instant)?>(nil)

    func sample(total: Int) -> Double {
        let now = ContinuousClock.now
        return last.withLock { last in
            defer { last = (total, now) }
            guard let previous = last else { return 0 }
            let elapsed = (now - previous.at).seconds
            return elapsed > 0 ? Double(total - previous.total) / elapsed : 0
        }
    }
}
