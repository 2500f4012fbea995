import CSQLiteSupport
import GRDB

/// What a checkpoint found: frames in the WAL, and how many of them are now copied into the database file.
public struct WALCheckpointResult: Sendable, Equatable {
    public let walFrameCount: Int
    public let checkpointedFrameCount: Int
}

/// How hard a checkpoint tries (SQLite's checkpoint modes, the two ingest uses).
public enum WALCheckpointKind: Sendable {
    /// Copies what it can without waiting for readers or writers.
    case passive
    /// Copies everything, waits for readers, and truncates the WAL file to zero bytes.
    case truncate
}

/// The connection ingest checkpoints the WAL from, so the batch writer never pays for copying pages back into
/// the database file (SQLite's auto-checkpoint runs inside the committing thread).
public final class WALCheckpointer: Sendable {
    private let queue: DatabaseQueue

    private init(queue: DatabaseQueue) {
        self.queue = queue
    }

    /// Opens a connection of its own to `path` (never creates the file). Blocking: call it off the pool.
    public static func openConnection(path: String, label: String) throws -> WALCheckpointer {
        WALCheckpointer(queue: try DatabaseOpener.openWriter(path: path, label: label, create: false))
    }

    /// One checkpoint; with `thenFlush`, also flushes the database and WAL files' dirty pages to disk afterwards,
    /// and with `lockWait`, waits that long (instead of the busy timeout) for another connection's lock.
    ///
    /// The async API runs the checkpoint on the connection's own queue: its copying and fsyncs must not block a
    /// thread of the cooperative pool, which serves every request.
    ///
    /// Why flush: a WAL restart ends with one checkpoint that the writer runs between two batches, and its
    /// syncs must write whatever is still dirty in the page cache, megabytes under load (10–15 ms of stalled
    /// ingest per restart). The page cache belongs to the file, so syncing here does that work ahead of time.
    /// The sync goes through the descriptors SQLite holds (`skillpulse_sqlite_sync_files`): a descriptor of
    /// our own would drop the process's locks when closed, and another process would then delete the live WAL.
    public func checkpoint(_ kind: WALCheckpointKind, thenFlush: Bool = false, lockWait: Duration? = nil) async throws
        -> WALCheckpointResult
    {
        let mode: Database.CheckpointMode = switch kind {
        case .passive: .passive
        case .truncate: .truncate
        }
        return try await queue.writeWithoutTransaction { db in
            if let lockWait { BusyPolling.install(db, timeout: lockWait) }
            let frames = try db.checkpoint(mode)
            if thenFlush { _ = skillpulse_sqlite_sync_files(UnsafeMutableRawPointer(db.sqliteConnection)) }
            return WALCheckpointResult(walFrameCount: frames.walFrameCount,
                                       checkpointedFrameCount: frames.checkpointedFrameCount)
        }
    }
}
