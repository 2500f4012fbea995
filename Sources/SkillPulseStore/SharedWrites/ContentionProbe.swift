import GRDB
import SkillPulseCore

/// The transactions `skillpulse bench` runs beside ingest to measure and test how other processes share the
/// file: a writer shaped like analytics' (one small derived-table row per transaction) and a reader shaped like
/// an operator's tool (open, read, close).
///
/// The writer's rows go to `skill_clusters` (no foreign keys, owned by analytics) named `bench-writer-TAG-N`,
/// so they are easy to tell apart and to remove.
public enum ContentionProbe {
    /// The `cluster_name` of the writer's `sequence`-th row.
    public static func markerName(tag: String, sequence: Int) -> String { "bench-writer-\(tag)-\(sequence)" }

    /// Commits one marker row in a transaction of `writer`'s: the bench's second writer, shaped like analytics'.
    public static func insertMarker(using writer: DerivedTableWriter, tag: String, sequence: Int) async throws {
        try await writer.write { db in try insertMarker(db, tag: tag, sequence: sequence) }
    }

    /// Removes every marker row of `tag` in a transaction of `writer`'s; returns how many there were.
    public static func removeMarkers(using writer: DerivedTableWriter, tag: String) async throws -> Int {
        try await writer.write { db in try removeMarkers(db, tag: tag) }
    }

    /// Inserts one marker row (call inside a write transaction).
    static func insertMarker(_ db: Database, tag: String, sequence: Int) throws {
        try db.execute(sql: "INSERT INTO skill_clusters (cluster_name, description, created_at) VALUES (?, ?, ?)",
                       arguments: [markerName(tag: tag, sequence: sequence), "skillpulse bench writer",
                                   UTCTimestamp.now().normalized])
    }

    /// Removes every marker row of `tag`; returns how many there were.
    static func removeMarkers(_ db: Database, tag: String) throws -> Int {
        try db.execute(sql: "DELETE FROM skill_clusters WHERE cluster_name LIKE ? ESCAPE '\\'",
                       arguments: [markerName(tag: escapeLike(tag), sequence: 0).dropLast() + "%"])
        return db.changesCount
    }

    /// Opens `path` read-only, counts the invocations, and closes the connection again, as `sqlite3 -readonly`
    /// or a dashboard's SQLite source does. Blocking: call it off the cooperative pool.
    public static func readOnce(path: String) throws -> Int {
        let reader = try DatabaseOpener.openReadOnlyQueue(path: path, label: "bench-reader")
        defer { try? reader.close() }
        return try reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM skill_metrics") ?? 0 }
    }

    private static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
