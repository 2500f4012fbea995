import SkillPulseAnalytics
import SkillPulseWire
import Synchronization

/// What `record_ab_outcome` answers: the stored outcome (the first one, for a retry of its idempotency key).
public struct RecordedOutcome: Sendable, Equatable {
    public let outcomeID: Int64
    /// The randomization unit's id (a user id, or a session id for a session-randomized test).
    public let unitID: String
    public let unit: RandomizationUnit
    /// nil only for a retry whose first outcome's unit is no longer assigned (a hand edit).
    public let group: ABTestAssignment.Group?
    /// A retry of a stored `idempotency_key`: nothing was counted.
    public let duplicate: Bool
}

/// Outcomes waiting for the next group commit, in arrival order, and whether a drain is running.
final class OutcomeQueue: Sendable {
    struct Item: Sendable {
        let request: ABOutcomeRequest
        let promise: AsyncPromise<Result<RecordedOutcome, WireError>>
    }

    private struct State {
        var pending: [Item] = []
        var draining = false
        var idle: AsyncPromise<Void>?
    }

    /// At most this many outcomes per transaction: a group's answers wait for its commit.
    static let maximumGroup = 512

    private let state = Mutex(State())

    /// Appends an outcome; `startDrain` is true when no drain is running (the caller starts one).
    func enqueue(_ request: ABOutcomeRequest) -> (AsyncPromise<Result<RecordedOutcome, WireError>>, startDrain: Bool) {
        let item = Item(request: request, promise: AsyncPromise())
        let start = state.withLock { state -> Bool in
            state.pending.append(item)
            defer { state.draining = true }
            return !state.draining
        }
        return (item.promise, start)
    }

    /// The next group in arrival order; nil (and the drain ends) when nothing is pending.
    func nextGroup() -> [Item]? {
        let (group, idle) = state.withLock { state -> ([Item]?, AsyncPromise<Void>?) in
            guard !state.pending.isEmpty else {
                state.draining = false
                defer { state.idle = nil }
                return (nil, state.idle)
            }
            let count = min(state.pending.count, Self.maximumGroup)
            defer { state.pending.removeFirst(count) }
            return (Array(state.pending.prefix(count)), nil)
        }
        idle?.resolve(())
        return group
    }

    /// Resolved when the running drain ends; nil when none runs.
    func idlePromise() -> AsyncPromise<Void>? {
        state.withLock { state in
            guard state.draining || !state.pending.isEmpty else { return nil }
            if state.idle == nil { state.idle = AsyncPromise() }
            return state.idle
        }
    }
}

extension RandomizationUnit {
    /// The request and reply key that carries this unit's id.
    var idKey: String {
        switch self {
        case .user: "user_id"
        case .session: "session_id"
        }
    }
}
