import ServiceLifecycle
import Synchronization

/// Connects SIGTERM/SIGINT to the daemon's `ServiceGroup`, whenever the signal arrives: a signal during
/// start-up (opening the database may wait seconds for a lock) is remembered and drains the group as soon as
/// it runs, instead of being lost between two handlers.
public final class TerminationRequest: Sendable {
    private struct State {
        var requested = false
        var group: ServiceGroup?
    }
    private let state = Mutex(State())

    public init() {}

    public var isRequested: Bool { state.withLock { $0.requested } }

    /// Called by the signal policy (off the cooperative pool).
    func request() {
        let group = state.withLock { state -> ServiceGroup? in
            state.requested = true
            return state.group
        }
        if let group { Task { await group.triggerGracefulShutdown() } }
    }

    /// Runs `group` until it ends; a termination requested before or while it runs drains it.
    public func run(_ group: ServiceGroup) async throws {
        let requestedAlready = state.withLock { state -> Bool in
            state.group = group
            return state.requested
        }
        if requestedAlready { Task { await group.triggerGracefulShutdown() } }
        try await group.run()
    }
}
