import SkillPulseWire

/// The ops `ingest.sock` answers (docs/protocol.md, "ingest").
public enum IngestOp: String, WireOpName {
    case createSession = "create_session"
    case endSession = "end_session"
    case trackInvocation = "track_invocation"
    case trackBatch = "track_batch"
    case subscribe
    case stats
    case health

    public static var answerer: String { "ingest" }
}
