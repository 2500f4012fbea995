/// How large ingest lets the WAL grow, in frames (one frame per page written; 4 KiB pages by default).
///
/// The checkpointer asks the writer to start the WAL over once it holds `restartFrames` and a checkpoint has
/// caught up (while the writer is idle, it starts the WAL over itself from half of that: see ingest's
/// `WALRestartPolicy`). That hand-over pauses ingest for one checkpoint of the last frames (two small syncs, 5–10 ms
/// under load), so its frequency is a latency knob: under sustained small commits the WAL grows by ~80 MiB
/// per second, and a 16 MiB budget paused ingest five times a second. Past `safetyFrames` the writer
/// checkpoints by itself, e.g. when no checkpointer runs or readers kept it from catching up.
public struct WALBudget: Sendable, Equatable {
    /// Bytes of one WAL frame with 4 KiB pages: the page and its 24-byte header.
    public static let frameBytes = 4096 + 24
    public static let defaultRestartMiB = 128

    public let restartFrames: Int

    public init(restartMiB: Int = Self.defaultRestartMiB) {
        restartFrames = max(1, restartMiB << 20 / Self.frameBytes)
    }

    public var safetyFrames: Int { restartFrames * 3 }
    /// The WAL file is cut back to this size when it starts over after growing past it (e.g. past the safety
    /// valve), so one stall does not pin its disk space; above the restart size, so normal restarts never pay
    /// for truncating and freeing the file's blocks (which took ~170 ms here).
    public var journalSizeLimitBytes: Int { restartFrames * Self.frameBytes * 5 / 4 }
}
