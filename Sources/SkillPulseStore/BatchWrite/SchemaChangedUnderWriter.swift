/// Another process changed the database's schema (a migrate or rollback, a hand-run DDL) while ingest was
/// writing: every write is refused until ingest is restarted and checks the schema again.
public struct SchemaChangedUnderWriter: Error, CustomStringConvertible {
    /// The migration the schema was at when ingest started, and the one it is at now.
    public let before: Int
    public let now: Int

    public var description: String {
        "the database schema changed under ingest (V\(before) → V\(now): another process ran migrate or rollback); "
            + "nothing more is written: restart ingest so that it checks the schema again"
    }
}
