import Foundation

/// A lock that lets any number of readers in at once and a writer alone, writers first.
///
/// Analytics' state is read by long passes (in slices) on several threads while one follower writes: with a
/// plain mutex a dashboard's query waits for every slice ahead of it, on a busy machine each a time slice of
/// a descheduled thread. Here readers wait only for a writer's slice. A waiting writer holds back new readers,
/// so a steady stream of overlapping reads cannot starve the follower.
public final class ReadWriteLock<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is mutated only between `lockForWriting()` and `unlockAfterWriting()`, when no reader
    // and no other writer holds the lock, and read only between `lockForReading()` and `unlockAfterReading()`,
    // when no writer does; the counters below are changed only under `condition`'s mutex, whose lock and unlock
    // order each holder's accesses after those of the holders before it.
    private var value: Value
    private let condition = NSCondition()
    private var readers = 0
    private var writing = false
    private var writersWaiting = 0

    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with the value shared with other readers. `overtakingWaitingWriters`: it waits only for a
    /// writer that holds the lock, not for one that waits — for a few short, latency-critical reads (a dashboard's
    /// query), which would otherwise wait for the writer, and so for every read slice the writer waits for.
    public func withReadLock<T>(overtakingWaitingWriters: Bool = false, _ body: (borrowing Value) throws -> T) rethrows -> T {
        condition.lock()
        while writing || (writersWaiting > 0 && !overtakingWaitingWriters) { condition.wait() }
        readers += 1
        condition.unlock()
        defer {
            condition.lock()
            readers -= 1
            if readers == 0 { condition.broadcast() }
            condition.unlock()
        }
        return try body(value)
    }

    /// Runs `body` with the value alone.
    public func withWriteLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        condition.lock()
        writersWaiting += 1
        while writing || readers > 0 { condition.wait() }
        writersWaiting -= 1
        writing = true
        condition.unlock()
        defer {
            condition.lock()
            writing = false
            condition.broadcast()
            condition.unlock()
        }
        return try body(&value)
    }
}
