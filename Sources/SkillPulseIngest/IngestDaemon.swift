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
                           walBudget: WALBudget = WALBudget(), runtime: DaemonRuntime) async throws {
        let logger = runtime.logger
        let (paths, _) = try options.checkedPaths(environment: ProcessInfo.processInfo.environment)
        let database = try await DaemonBootstrap.openCheckedWriter(paths: paths, service: service)
        let schemaVersion = database.schemaVersion
        // Checkpoints run in WALCheckpointService, off the writer thread.
        try await database.applyWALSettings(walBudget)
        let walEnabled = try await database.journalIsWAL()
        let walRestart = WALRestartRequest()
        let walGauge = WALGauge()
        let context = try DaemonBootstrap.context(service: service, options: options, schemaVersion: schemaVersion,
                                                  logger: logger)
        let broadcaster = EventHub<IngestTopic>(bufferCapacity: subscriberBuffer)
        let publisher = CommittedBatchPublisher(broadcaster: broadcaster)
        let writer = InvocationBatchWriter(store: InvocationBatchStore(database), walRestart: walRestart,
                                           walBudget: walBudget, policy: policy,
                                           publisher: publisher, logger: logger)
        let databasePath = paths.databasePath
        try await BlockingWork.run("ingest-seed") {
            try DatabaseOpener.mapOpenErrors(path: databasePath) { try writer.seedWindows(now: .now()) }
        }
        let counters = WireServerCounters()
        let monitor = LivenessMonitor(activity: { counters.repliesWritten },
                                      probes: [LivenessProbe(name: "event loop") { try await EventLoopProbe.check() }])
        let handler = IngestHandler(writer: writer, broadcaster: broadcaster, context: context, counters: counters,
                                    walEnabled: walEnabled, policy: policy, monitor: monitor, walGauge: walGauge)
        let server = WireServer(listener: context.listener, handler: handler,
                                configuration: context.serverConfiguration, counters: counters, logger: logger)
        // Bound last, once the database is checked: a taken or forbidden socket fails the start before READY.
        try await server.bind()
        let rate = RateMeter()
        let status = SystemdService(logger: logger, waitUntilReady: { await server.waitUntilListening() },
                                    liveness: { handler.liveness() }) {
            let figures = writer.currentFigures
            let perSecond = rate.sample(total: figures.committedInvocations)
            return String(format: "%.0f inv/s, %d committed in %d transactions (%d failed batches), queue %d, "
                              + "%d subscribers",
                          perSecond, figures.committedInvocations, figures.committedBatches, figures.failedBatches,
                          figures.queuedRows, broadcaster.subscriberCount)
        }
        // Shutdown runs in reverse order: systemd hears STOPPING=1, then IngestServingService stops reading
        // requests, commits and answers what it has read, hands every committed event to the subscribers and
        // waits for them to be written; the checkpointer stops last.
        try await runtime.run(services: [
            .init(service: WALCheckpointService(path: paths.databasePath, interval: .milliseconds(50),
                                                budget: walBudget, restart: walRestart,
                                                writerIsIdle: { writer.isIdle }, gauge: walGauge, logger: logger)),
            .init(service: monitor),
            .init(service: IngestServingService(server: server, writer: writer, publisher: publisher,
                                                broadcaster: broadcaster, drainTimeout: context.drainTimeout)),
            .init(service: status),
        ])
        logger.info("ingest stopped cleanly")
    }
}

/// Runs the socket server, the batch writer's thread and the event publisher as one service, because their
/// shutdown interleaves: the server stops reading, the writer commits what was read (so every request read
/// gets its answer), the publisher hands every committed event to the subscribers, their streams end, and
/// the server returns once each connection has written what it owes (or the drain timeout cut it off).
struct IngestServingService: Service {
    let server: WireServer<IngestHandler>
    let writer: InvocationBatchWriter
    let publisher: CommittedBatchPublisher
    let broadcaster: EventHub<IngestTopic>
    /// The whole drain's budget; the writer gets most of it, so that its last answers are still written
    /// before the server cuts the remaining connections at the full budget.
    let drainTimeout: Duration

    func run() async throws {
        publisher.start()
        writer.start()
        do {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await server.run()
                    return true
                }
                group.addTask {
                    try? await gracefulShutdown()
                    server.beginDraining()
                    await stopWriting()
                    return false
                }
                // The server may end first only by failing (or being cancelled): then nothing waits for a signal.
                while let serverEnded = try await group.next() {
                    if serverEnded { group.cancelAll() }
                }
            }
        } catch {
            await stopWriting()
            throw error
        }
    }

    /// Commits what is queued, publishes every committed event and ends the subscribers' streams after them.
    private func stopWriting() async {
        await writer.drain(within: max(drainTimeout - .seconds(1), drainTimeout / 2))
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
