import SkillPulseStore
import SkillPulseWire
import Synchronization

/// What a reader daemon's probes last saw of the database, for `health`.
public final class DatabaseObservation: Sendable {
    private let wal = Atomic<Bool>(true)

    public init() {}

    public var walEnabled: Bool { wal.load(ordering: .relaxed) }
    public func record(walEnabled: Bool) { wal.store(walEnabled, ordering: .relaxed) }
}

extension LivenessMonitor {
    /// The monitor of a daemon that reads the database: a journal-mode query (recorded for `health`) and the
    /// event loop, with replies written as its activity.
    public static func reader(_ reader: StoreReader, database: DatabaseObservation,
                              counters: WireServerCounters) -> LivenessMonitor {
        LivenessMonitor(activity: { counters.repliesWritten }, probes: [
            LivenessProbe(name: "database") { database.record(walEnabled: try await reader.journalIsWAL()) },
            LivenessProbe(name: "event loop") { try await EventLoopProbe.check() },
        ])
    }
}

/// Answers `health` from the liveness monitor's latest verdict: no query per request, so a burst of
/// `health` requests costs nothing and can never starve the daemon.
public struct ReaderHealthHandler: WireHandler {
    let monitor: LivenessMonitor
    let database: DatabaseObservation
    let context: DaemonContext
    let counters: WireServerCounters

    public func handle(_ operation: CommonOperation) -> PendingOutcome {
        switch operation {
        case .health:
            return .ready(.result(context.healthReport(monitor.current, walEnabled: database.walEnabled, figures: [
                "connections_active": .integer(Int64(counters.activeConnections)),
                "requests_handled": .integer(Int64(counters.requestsHandled)),
            ])))
        }
    }
}
