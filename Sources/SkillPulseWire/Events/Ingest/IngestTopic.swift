/// The kinds of event `ingest.sock` streams; `subscribe` names them. `commit` is one event per committed batch
/// (its invocation ids), for followers that read the rows from the database rather than one event each.
public enum IngestTopic: String, EventTopic {
    case invocation, session, commit
}
