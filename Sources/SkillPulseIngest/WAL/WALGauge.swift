import SkillPulseStore
import Synchronization

/// What ingest's `stats` says of the WAL: its length, its file's size and how often it started over, as the
/// checkpointer saw them at its last pass (every 50 ms), whoever wrote or restarted it.
///
/// ingest's own writer is not the only one: analytics writes its derived tables and A/B rows into the same WAL.
/// A gauge fed by the writer's commits alone said "20 frames, 0 restarts" while another writer had grown the file
/// to a gigabyte, so every figure here comes from the shared state (SQLite's WAL index, the file's size by stat).
public final class WALGauge: Sendable {
    /// One reading of the gauge.
    public struct Figures: Sendable, Equatable {
        /// Valid frames in the WAL (4 KiB pages plus a 24-byte header each).
        public var frames = 0
        /// The `-wal` file's size by stat: the disk it takes. A WAL that starts over is written again from its
        /// beginning, so the file keeps the size of its longest run (unless a truncation cuts it).
        public var fileBytes = 0
        /// Times the WAL started over from its beginning since ingest started, by any connection.
        public var restarts = 0
        /// Restarts the checkpointer had to run itself (RESTART/TRUNCATE checkpoints), because the writer was idle
        /// or its hand-over did not complete; part of `restarts` once the WAL started over.
        public var checkpointerRestarts = 0
    }

    private struct Reading {
        let frames: Int
        let sequence: UInt32?
    }

    private struct State {
        var figures = Figures()
        var last: Reading?
    }

    private let state = Mutex(State())

    public init() {}

    public var current: Figures { state.withLock { $0.figures } }

    /// Takes in what a checkpoint saw; call in the order the checkpoints ran (the checkpointer's loop).
    public func record(_ result: WALCheckpointResult) {
        state.withLock { state in
            let reading = Reading(frames: result.walFrameCount, sequence: result.restartSequence)
            if let last = state.last {
                state.figures.restarts += Self.restarts(fromFrames: last.frames, sequence: last.sequence,
                                                        toFrames: reading.frames, sequence: reading.sequence)
            }
            state.last = reading
            state.figures.frames = reading.frames
            state.figures.fileBytes = result.walFileBytes
        }
    }

    /// Counts a RESTART/TRUNCATE checkpoint the checkpointer ran itself.
    public func recordCheckpointerRestart() {
        state.withLock { $0.figures.checkpointerRestarts += 1 }
    }

    /// How many times the WAL started over between two readings.
    ///
    /// SQLite adds one to the WAL header's first salt at every restart, so a small difference counts them
    /// exactly. The one other change: when a connection writes the first frame into an empty WAL (after a
    /// TRUNCATE, or the first write after the file was deleted) and has never restarted a WAL itself, it
    /// draws new random salts — a restart only if the WAL held frames at the earlier reading (the truncation
    /// then happened in between). Without the salts (the shared header could not be read), a WAL that got
    /// shorter started over at least once.
    static func restarts(fromFrames before: Int, sequence earlier: UInt32?, toFrames after: Int, sequence later: UInt32?)
        -> Int
    {
        guard let earlier, let later else { return after < before ? 1 : 0 }
        guard earlier != later else { return 0 }
        let difference = later &- earlier
        if difference <= maximumRestartsBetweenReadings { return Int(difference) }
        return before > 0 ? 1 : 0
    }

    /// More restarts than this between two readings 50 ms apart would need thousands of restarts a second:
    /// such a difference is a fresh random salt.
    static let maximumRestartsBetweenReadings: UInt32 = 1_024
}
