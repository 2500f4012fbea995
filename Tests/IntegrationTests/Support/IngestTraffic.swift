import Foundation
import SkillPulseWire

/// Request builders and database checks shared by the ingest tests.
enum IngestTraffic {
    static func invocation(session: String, skill: String = "pytest-run", completed: Bool = true,
                           key: String? = nil, extra: [String: JSONValue] = [:]) -> JSONValue {
        var params: [String: JSONValue] = [
            "session_id": .string(session), "skill_name": .string(skill), "completed": .bool(completed),
            "duration_seconds": .number(0.5),
        ]
        if let key { params["idempotency_key"] = .string(key) }
        for (name, value) in extra { params[name] = value }
        return .object(params)
    }

    /// Sends `track_invocation` and returns the acknowledged id (nil when refused).
    static func track(_ client: WireClient, session: String, key: String? = nil, skill: String = "pytest-run")
        async throws -> Int64?
    {
        let response = try await client.call("track_invocation",
                                             params: invocation(session: session, skill: skill, key: key))
        return (try? response.get())?["invocation_id"]?.intValue
    }

    /// Idempotency key → invocation id, read from the daemon's database as a second reader would.
    static func invocationIDs(_ path: String) throws -> [String: Int64] {
        let rows = try OutsideTools.query(path, """
            SELECT idempotency_key, id FROM skill_invocation WHERE idempotency_key IS NOT NULL
            """)
        return Dictionary(rows.map { ($0["idempotency_key"].string ?? "", $0["id"].int64 ?? 0) },
                          uniquingKeysWith: { first, _ in first })
    }

    /// The first column of the first row of `sql` as an integer (0 when there is none or it is NULL).
    static func count(_ path: String, _ sql: String = "SELECT count(*) FROM skill_invocation") throws -> Int {
        try OutsideTools.query(path, sql).first?[0].int ?? 0
    }
}
