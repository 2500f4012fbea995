import Synchronization

/// The checkpointer's request that the writer finish a WAL restart at its next batch boundary.
///
/// SQLite restarts the WAL from its beginning only when a write transaction begins with every frame already
/// copied back into the database. Under steady load the checkpointer never sees that moment: the writer
/// commits while it copies. So the checkpointer copies the bulk, then asks; the writer, between two batches,
/// copies the few frames written since (a PASSIVE checkpoint that never waits) and its next transaction starts
/// the WAL over. The writer's pause is that short tail, instead of a TRUNCATE checkpoint that copies, syncs,
/// frees the file's blocks and may wait on readers.
public final class WALRestartRequest: Sendable {
    private let pending = Atomic<Bool>(false)

    public init() {}

    /// Called by the checkpointer once it has caught up with a WAL past its size limit.
    public func request() {
        pending.store(true, ordering: .releasing)
    }

    /// Called by the writer after each batch: true once per request.
    public func take() -> Bool {
        pending.load(ordering: .acquiring) && pending.exchange(false, ordering: .acquiringAndReleasing)
    }
}
