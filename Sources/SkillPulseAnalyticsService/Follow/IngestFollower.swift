import GRDB
import Logging
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
    let reader: DatabasePool
    let engine: AnalyticsEngine
    let ingestSocket: String
    let logger: Logger
    private let following = Atomic<Bool>(false)
    private let lastProblem = Mutex<String?>("not connected yet")
    private let resyncCount = Atomic<Int>(0)
    /// Rows per database read: big enough to load a million rows quickly, small enough that no read
    /// transaction holds the WAL back for long.
    static let pageSize = 20_000

    public init(reader: DatabasePool, engine: AnalyticsEngine, ingestSocket: String, logger: Logger) {
        self.reader = reader
        self.engine = engine
        self.ingestSocket = ingestSocket
        self.logger = logger
    }

    /// Whether events arrive from ingest now; if not, why (for `health`).
    public var streamProblem: String? { following.load(ordering: .relaxed) ? nil : lastProblem.withLock { $0 } }
    public var resyncs: Int { resyncCount.load(ordering: .relaxed) }

    /// Reads every invocation past the last applied one, page by page.
    public func catchUp() async throws {
        while true {
            let after = engine.lastInvocationID
            let rows = try await reader.read { db in try InvocationFeed.page(after: after, limit: Self.pageSize, in: db) }
            guard let last = rows.last else { return }
            engine.apply(page: rows.compactMap(InvocationRecord.init), through: last.id)
            if rows.count < Self.pageSize { return }
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var announcedDown = false
            while !Task.isCancelled {
                do {
                    try await self.follow()
                    self.lastProblem.withLock { $0 = "ingest closed the event stream" }
                } catch {
                    self.lastProblem.withLock { $0 = "cannot follow ingest at \(self.ingestSocket): \(error)" }
                }
                self.following.store(false, ordering: .relaxed)
                if Task.isCancelled { break }
                if !announcedDown {
                    self.logger.warning("not following ingest; answering from the database, polled every second",
                                        metadata: ["reason": "\(self.lastProblem.withLock { $0 } ?? "")"])
                    announcedDown = true
                }
                do { try await self.catchUp() } catch {
                    self.logger.error("cannot read the invocation log: \(error)")
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// One connection's life: subscribe, close the gap since the last id, then apply events as they come.
    private func follow() async throws {
        let client = try await WireClient.connect(path: ingestSocket)
        do {
            try await stream(from: client)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    private func stream(from client: WireClient) async throws {
        _ = try await client.call("subscribe", params: ["topics": ["invocation", "session"]]).get()
        try await catchUp()
        following.store(true, ordering: .relaxed)
        logger.info("following ingest's event stream", metadata: ["last_invocation_id": "\(engine.lastInvocationID)"])
        for await event in client.events {
            switch event.name {
            case "invocation":
                guard let record = InvocationRecord(event: event.data) else {
                    try await resync()
                    continue
                }
                // A gap (a foreign writer's rows, events dropped before this subscription): read it first.
                if record.id > engine.lastInvocationID + 1 { try await resync() }
                engine.apply(CollectionOfOne(record))
            case "lagged":
                try await resync()
            default:
                break
            }
        }
    }

    private func resync() async throws {
        resyncCount.add(1, ordering: .relaxed)
        try await catchUp()
    }
}
