import GRDB

// The writer's own checkpoint: the end of a WAL restart, and the safety valve when no checkpointer keeps up.
extension InvocationBatchStore {
    /// Copies the WAL frames no checkpoint has copied yet, so that the next batch's transaction starts the WAL
    /// over from its beginning. PASSIVE: it neither waits for readers nor for another checkpointer (it then
    /// fails with SQLITE_BUSY and returns nil), so the writer never stalls behind them.
    @discardableResult
    public func checkpointWAL() -> (walFrameCount: Int, checkpointedFrameCount: Int)? {
        try? queue.writeWithoutTransaction { db in try db.checkpoint(.passive) }
    }
}
