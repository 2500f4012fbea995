import Foundation
import GRDB
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

    /// Opens the daemon's database read-only from the test process, as a second reader would.
    static func database(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    static func invocationIDs(_ path: String) throws -> [String: Int64] {
        try database(path).read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT idempotency_key, id FROM skill_invocation WHERE idempotency_key IS NOT NULL
                """)
            return Dictionary(rows.map { ($0["idempotency_key"], $0["id"]) }, uniquingKeysWith: { first, _ in first })
        }
    }

    static func count(_ path: String, _ sql: String = "SELECT count(*) FROM skill_invocation") throws -> Int {
        try database(path).read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }
}
