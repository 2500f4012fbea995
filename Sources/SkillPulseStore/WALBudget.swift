/// How large ingest lets the WAL grow, in frames (one frame per 4 KiB page written).
///
/// The checkpointer asks for a restart past `restartFrames` (16 MiB); past `safetyFrames` (64 MiB) the writer
/// checkpoints by itself, e.g. when no checkpointer runs or readers kept it from catching up.
public enum WALBudget {
    public static let restartFrames = 4_096
    public static let safetyFrames = 16_384
    /// The WAL file is cut back to this size whenever it restarts, so one burst does not pin its disk space.
    public static let journalSizeLimitBytes = 64 << 20
}
