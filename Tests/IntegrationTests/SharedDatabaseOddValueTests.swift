import Foundation
import SkillPulseCore
import SkillPulseWire
import Testing

/// Other writers may put anything SQLite takes into the shared file: BLOB names, bytes that are not UTF-8
/// (what `.import` of a latin-1 CSV stores), an embedded NUL, text in an INTEGER column. ingest must never
/// crash on them, never fail its clients' batches over them, and keep its own rollups exact.
@Suite(.serialized)
struct SharedDatabaseOddValueTests {
    static let oddInserts = #"""
    import sqlite3, sys
    db = sqlite3.connect(sys.argv[1], timeout=10)
    now = sys.argv[2]
    rows = [
        (b"caf\xe9", now, "odd-s1"),                 # a BLOB skill name, not UTF-8
        ("k1\x00x", now, "odd-s2"),                   # an embedded NUL
        ("blob-time", b"2026-01-01T00:00:00Z", "odd-s3"),  # a BLOB invoked_at
    ]
    for skill, at, session in rows:
        db.execute("INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed) VALUES (?, ?, ?, 1)",
                   (skill, at, session))
    db.execute("INSERT INTO skill_invocation (skill_name, invoked_at, session_id, completed) "
               "VALUES (CAST(X'636166E9' AS TEXT), ?, 'odd-s4', 1)", (now,))
    db.commit()
    db.execute("UPDATE skill_metrics SET total_invocations = 'many', total_duration_seconds = X'01' "
               "WHERE skill_name = 'odd-metrics'")
    db.commit()
    """#

    @Test func foreignRowsIngestCannotNameNeverCrashItOrFailItsClients() async throws {
        let daemon = try await DaemonProcess()
        let client = try await daemon.client()
        for skill in ["k1", "good", "odd-metrics"] {
            #expect(try await IngestTraffic.track(client, session: "s", skill: skill) != nil)
        }
        let now = UTCTimestamp.now().normalized
        let python = try await OutsideTools.python(Self.oddInserts, [daemon.databasePath, now])
        #expect(python.status == 0, "\(python.stderr)")
        for skill in ["k1", "good", "odd-metrics", "k1", "good"] {
            #expect(try await IngestTraffic.track(client, session: "s2", skill: skill) != nil, "track \(skill)")
        }
        let stats = try await client.call("stats").get()
        #expect(stats["batches_failed"]?.intValue == 0, "\(stats)")
        #expect(try await client.call("health").get()["status"]?.stringValue == "healthy")

        // A restart seeds the windows from the same rows.
        await client.close()
        #expect(await daemon.stop() == 0)
        try await daemon.restart()
        let again = try await daemon.client()
        #expect(try await IngestTraffic.track(again, session: "s3", skill: "k1") != nil)
        #expect(try await again.call("stats").get()["batches_failed"]?.intValue == 0)
        await again.close()
        #expect(await daemon.stop() == 0)

        // ingest's own skills: the cache counts exactly what a recount finds ('k1\0x' is not 'k1').
        let cache = try OutsideTools.query(daemon.databasePath, """
            SELECT c.skill_name, c.invocation_count_24h AS cached,
                   (SELECT count(*) FROM skill_invocation i WHERE i.skill_name = c.skill_name) AS counted
            FROM skill_metrics_cache c WHERE c.skill_name IN ('k1', 'good')
            """)
        #expect(cache.count == 2)
        for row in cache { #expect(row["cached"].int != nil && row["cached"].int == row["counted"].int, "\(row)") }
    }
}
