import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import SkillPulseAnalytics
import SkillPulseStore
import SkillPulseWire
import Synchronization

/// Keeps the engine level with the invocation log: ingest's event stream while it is there, the database
/// (by invocation id) at start-up, after a `lagged` event, across any gap in ids and whenever ingest is down.
/// Reading by id means a restart neither loses nor double-counts anything: the state is rebuilt from the
/// database and the stream is applied only past the last id already applied.
public final class IngestFollower: Service, Sendable {
    let store: AnalyticsStore
    let engine: AnalyticsEngine
    let ingestSocket: String
    let logger: Logger
    private let following = Atomic<Bool>(false)
    private let lastProblem = Mutex<String?>("not connected yet")
    private let resyncCount = Atomic<Int>(0)
    /// Nanoseconds (ContinuousClock, since `started`) of the last applied event: a quiet stream is checked
    /// against the database, since rows written by another process bring no event until ingest writes again.
    private let lastEventNanos = Atomic<Int64>(0)
    private let started = ContinuousClock.now
    private let connections = Atomic<Int>(0)
    /// Rows per database read: big enough to load a million rows quickly, small enough that no read
    /// transaction holds the WAL back for long.
    static let pageSize = 20_000

    /// Where a failed read of the invocation log shows (`health`).
    let storage: StorageHealth

    public init(store: AnalyticsStore, engine: AnalyticsEngine, ingestSocket: String, logger: Logger,
                storage: StorageHealth = StorageHealth()) {
        self.storage = storage
        self.store = store
        self.engine = engine
        self.ingestSocket = ingestSocket
        self.logger = logger
    }

    /// Whether events arrive from ingest now; if not, why (for `health`).
    public var streamProblem: String? { following.load(ordering: .relaxed) ? nil : lastProblem.withLock { $0 } }
    public var resyncs: Int { resyncCount.load(ordering: .relaxed) }

    /// Reads every invocation past the last applied one, page by page.
    public func catchUp() async throws {
        _ = try await catchUp(unless: { false })
    }

    /// `catchUp()` that gives up between two pages once `stop()` says so (a SIGTERM during the start-up
    /// rebuild, which takes seconds on millions of rows) and reports each page applied; false if it gave up.
    public func catchUp(unless stop: () -> Bool, afterPage: () -> Void = {}) async throws -> Bool {
        var firstPage = true
        while !stop() {
            if !firstPage { afterPage() }
            firstPage = false
            let after = engine.lastInvocationID
            let rows: [StoredInvocation]
            do {
                rows = try await store.invocations(after: after, limit: Self.pageSize)
                storage.succeeded(.reads)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                storage.failed(.reads, "read the invocation log", error)
                throw error
            }
            guard let last = rows.last else { return true }
            await engine.applyOffPool(page: rows.compactMap(InvocationRecord.init), through: last.id)
            if rows.count < Self.pageSize { return true }
        }
        return false
    }

    /// Reloads the stored dependency rows analytics did not derive (the taxonomy's seeds), which
    /// `get_skill_dependencies` shows beside observed pairs.
    public func refreshSeeds() async throws {
        let minimum = engine.settings.minimumCoOccurrence
        let stored = try await store.dependencies(coOccurrenceBelow: minimum)
        engine.setSeeds(await engine.backgroundQuery(for: self) { state in
            stored.filter { state.association($0.skillA, $0.skillB) == nil }.map {
                SeededDependency(skillA: $0.skillA, skillB: $0.skillB, coOccurrenceCount: $0.coOccurrenceCount,
                                 liftScore: $0.liftScore ?? 0)
            }
        })
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await self.followLoop() }
                group.addTask { await self.quietPoll() }
            }
        }
    }

    /// Every second: if no event came for a second, read past the last id (another process's rows); every
    /// 5 s, the seeds again (`skillpulse taxonomy init` may have run).
    private func quietPoll() async {
        var ticks = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            ticks += 1
            let idle = Self.nanoseconds(ContinuousClock.now - started) - lastEventNanos.load(ordering: .relaxed)
            if following.load(ordering: .relaxed), idle >= 1_000_000_000 {
                do { try await catchUp() } catch is CancellationError {
                    break  // a clean stop, not a read failure
                } catch { logger.warning("cannot read the invocation log: \(error)") }
            }
            if ticks % 5 == 0 { try? await refreshSeeds() }
        }
    }

    private func followLoop() async {
        var announcedDown = false
        while !Task.isCancelled {
            do {
                try await follow()
                lastProblem.withLock { $0 = "ingest closed the event stream" }
            } catch {
                lastProblem.withLock { $0 = "not following ingest (\(ingestSocket)): \(Self.describe(error))" }
            }
            let wasFollowing = following.exchange(false, ordering: .relaxed)
            if Task.isCancelled { break }
            if wasFollowing { announcedDown = false }
            if !announcedDown {
                logger.warning("not following ingest; answering from the database, polled every second",
                               metadata: ["reason": "\(lastProblem.withLock { $0 } ?? "")"])
                announcedDown = true
            }
            do { try await catchUp() } catch is CancellationError {
                break  // a clean stop, not a read failure
            } catch {
                logger.error("cannot read the invocation log: \(error)")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    /// An error in words: a refused or missing socket says so without NIO's syscall spelling.
    static func describe(_ error: any Error) -> String {
        switch (error as? IOError)?.errnoCode {
        case ENOENT?: "ingest's socket does not exist (is ingest running?)"
        case ECONNREFUSED?: "nothing listens on ingest's socket (is ingest running?)"
        case EACCES?: "permission denied on ingest's socket"
        default: "\(error)"
        }
    }

    /// One connection's life: subscribe, close the gap since the last id, then apply events as they come.
    private func follow() async throws {
        let client = try await WireClient.connect(path: ingestSocket, rawEvents: true)
        do {
            try await stream(from: client)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    private func stream(from client: WireClient) async throws {
        // `commit` (one event per committed batch) lets analytics read each batch's rows from the database in
        // pages — several times cheaper per row than decoding one event frame per invocation, which capped
        // it near 30,000 rows per CPU second. An ingest that predates the topic gets per-invocation events.
        let byCommit: Bool
        switch try await client.call("subscribe", params: ["topics": [.string(IngestTopic.commit.rawValue)]]).result {
        case .success:
            byCommit = true
        case .failure(let error) where error.code == .badRequest:
            _ = try await client.call("subscribe", params: ["topics": [.string(IngestTopic.invocation.rawValue)]]).get()
            byCommit = false
        case .failure(let error):
            throw error
        }
        // Every connection after the first closes a gap from the database: a resync.
        if connections.add(1, ordering: .relaxed).newValue > 1 { resyncCount.add(1, ordering: .relaxed) }
        try await catchUp()
        following.store(true, ordering: .relaxed)
        logger.info("following ingest's event stream", metadata: [
            "last_invocation_id": "\(engine.lastInvocationID)",
            "topic": "\(byCommit ? IngestTopic.commit.rawValue : IngestTopic.invocation.rawValue)",
        ])
        for await event in client.events {
            if event.name == LaggedEvent.name {
                try await resync()
                continue
            }
            switch IngestTopic(rawValue: event.name) {
            case .commit?:
                // Batches that came while the last read ran are already applied: they cost nothing.
                if let last = Self.lastInvocationID(of: event), last <= engine.lastInvocationID { continue }
                try await catchUp()
                lastEventNanos.store(Self.nanoseconds(ContinuousClock.now - started), ordering: .relaxed)
            case .invocation?:
                guard let record = (try? event.decode(InvocationEvent.self)).flatMap(InvocationRecord.init(event:)) else {
                    try await resync()
                    continue
                }
                // A gap (a foreign writer's rows, events dropped before this subscription): read it first.
                if record.id > engine.lastInvocationID + 1 { try await resync() }
                engine.apply(CollectionOfOne(record))
                lastEventNanos.store(Self.nanoseconds(ContinuousClock.now - started), ordering: .relaxed)
            case .session?, nil:
                break
            }
        }
    }

    /// A `commit` event's last invocation id; nil for a batch of session changes only (or an unreadable frame,
    /// which the read that follows covers anyway).
    static func lastInvocationID(of event: WireEvent) -> Int64? {
        if let payload = event.payload, let last = CommitEvent.lastInvocationID(inFrame: payload) { return last }
        return (try? event.decode(CommitEvent.self))?.lastInvocationID
    }

    private func resync() async throws {
        resyncCount.add(1, ordering: .relaxed)
        try await catchUp()
    }
}
