import CSQLiteSupport
import Foundation
import GRDB
import GRDBSQLite

/// What a checkpoint found: frames in the WAL, how many of them are now copied into the database file, and
/// the WAL as every connection shares it right after.
public struct WALCheckpointResult: Sendable, Equatable {
    public let walFrameCount: Int
    public let checkpointedFrameCount: Int
    /// The `-wal` file's size in bytes, by `stat` (0 when there is none). It is not the WAL's length: a WAL
    /// that started over is written again from its beginning, and the file keeps its size.
    public let walFileBytes: Int
    /// SQLite's count of WAL restarts (the WAL header's first salt, which SQLite adds one to whenever the WAL
    /// starts over, whichever connection does it), modulo 2³²; nil when the shared header could not be read.
    /// Only differences between two readings mean something.
    public let restartSequence: UInt32?

    public init(walFrameCount: Int, checkpointedFrameCount: Int, walFileBytes: Int, restartSequence: UInt32?) {
        self.walFrameCount = walFrameCount
        self.checkpointedFrameCount = checkpointedFrameCount
        self.walFileBytes = walFileBytes
        self.restartSequence = restartSequence
    }
}

/// How hard a checkpoint tries (SQLite's checkpoint modes, the three ingest uses).
public enum WALCheckpointKind: Sendable {
    /// Copies what it can without waiting for readers or writers.
    case passive
    /// Holds the write lock while it copies every frame, then waits until no reader uses the WAL, so that the
    /// next write transaction, whichever connection runs it, starts the WAL over. The file keeps its size.
    case restart
    /// As `restart`, then starts the WAL over itself and truncates the file to zero bytes.
    case truncate
}

/// The connection ingest checkpoints the WAL from, so the batch writer never pays for copying pages back into
/// the database file (SQLite's auto-checkpoint runs inside the committing thread).
public final class WALCheckpointer: Sendable {
    private let queue: DatabaseQueue
    private let walPath: String

    private init(queue: DatabaseQueue, path: String) {
        self.queue = queue
        walPath = path + "-wal"
    }

    /// Opens a connection of its own to `path` (never creates the file). Blocking: call it off the pool.
    public static func openConnection(path: String, label: String) throws -> WALCheckpointer {
        WALCheckpointer(queue: try DatabaseOpener.openWriter(path: path, label: label, create: false), path: path)
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
        case .restart: .restart
        case .truncate: .truncate
        }
        let walPath = walPath
        return try await queue.writeWithoutTransaction { db in
            BusyPolling.install(db, timeout: lockWait ?? .milliseconds(Int64(DatabaseOpener.busyTimeout * 1000)))
            let frames = try db.checkpoint(mode)
            let connection = UnsafeMutableRawPointer(db.sqliteConnection)
            if thenFlush { _ = skillpulse_sqlite_sync_files(connection) }
            var sharedFrames: CUnsignedInt = 0
            var restarts: CUnsignedInt = 0
            let header = skillpulse_sqlite_wal_index_header(connection, &sharedFrames, &restarts) == SQLITE_OK
            return WALCheckpointResult(walFrameCount: frames.walFrameCount,
                                       checkpointedFrameCount: frames.checkpointedFrameCount,
                                       walFileBytes: Self.fileSize(walPath), restartSequence: header ? restarts : nil)
        }
    }

    /// The size of the file at `path` by `stat` (no descriptor: see `checkpoint`), 0 when there is none.
    private static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}
