import SkillPulseWire
import Synchronization

/// Runs A/B requests one after another in the order they arrived, whichever connection they came on.
///
/// The server starts each request on the connection's reader, in order, but runs its work on the cooperative
/// pool, where two tasks may start in either order: a pipelined `record_ab_outcome` sometimes ran before the
/// `assign_ab_test` just ahead of it and found no assignment. A turn is taken while the request is started
/// (synchronously, in order) and its work waits for the previous turn to end.
final class RequestOrderTurns: Sendable {
    private let tail = Mutex<AsyncPromise<Void>?>(nil)

    /// The next turn; take it where requests are started in order.
    func take() -> Turn {
        let mine = AsyncPromise<Void>()
        let previous = tail.withLock { tail -> AsyncPromise<Void>? in
            defer { tail = mine }
            return tail
        }
        return Turn(previous: previous, mine: mine)
    }

    /// One request's place in line. It ends when its work ends — or when it is released unused (the server
    /// drops the work of a peer that went away), so a dropped request never holds up the ones behind it.
    final class Turn: Sendable {
        private let previous: AsyncPromise<Void>?
        private let mine: AsyncPromise<Void>

        init(previous: AsyncPromise<Void>?, mine: AsyncPromise<Void>) {
            self.previous = previous
            self.mine = mine
        }

        deinit { mine.resolve(()) }

        func run<T: Sendable>(_ body: () async -> T) async -> T {
            await previous?.value
            let result = await body()
            mine.resolve(())
            return result
        }
    }
}
