import ArgumentParser
import SkillPulseWire

/// `skillpulse track`: record one invocation through ingest.
struct TrackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "track", abstract: "Record one skill invocation (acknowledged once committed).")

    @OptionGroup var options: CLIOptions
    @Option(help: "Session id (created on the fly if new).") var session: String
    @Option(help: "Skill (tool) name.") var skill: String
    @Flag(inversion: .prefixedNo, help: "Whether the invocation completed.") var completed = true
    @Option(help: "Duration in seconds.") var duration: Double?
    @Option(name: .customLong("invoked-at"), help: "ISO-8601 time with zone (default: now).") var invokedAt: String?
    @Option(help: "The user's query.") var query: String?
    @Option(name: .customLong("workflow-path")) var workflowPath: String?
    @Option(help: "setup, execution, verification, cleanup or rollback.") var phase: String?
    @Option(name: .customLong("step")) var workflowStep: String?
    @Option(name: .customLong("error-type")) var errorType: String?
    @Option(name: .customLong("alternative"), help: "A skill considered instead (repeatable).") var alternatives: [String] = []
    @Option(help: "Selection rank (1 = first choice).") var rank: Int?
    @Option(name: .customLong("follow-up"), help: "A follow-up action (repeatable).") var followUps: [String] = []
    @Option(help: "User id.") var user: String?
    @Option(name: .customLong("idempotency-key"), help: "Retries with the same key are stored once.") var idempotencyKey: String?

    func validate() throws {
        // JSON has no NaN or infinity; ingest's own rules (≥ 0, at most a day…) answer the rest.
        if let duration, !duration.isFinite { throw ValidationError("--duration must be a finite number of seconds") }
    }

    func run() async throws {
        var params: [String: JSONValue] = [
            "session_id": .string(session), "skill_name": .string(skill), "completed": .bool(completed),
        ]
        params["duration_seconds"] = duration.map(JSONValue.number)
        params["invoked_at"] = invokedAt.map(JSONValue.string)
        params["user_query"] = query.map(JSONValue.string)
        params["workflow_path"] = workflowPath.map(JSONValue.string)
        params["workflow_phase"] = phase.map(JSONValue.string)
        params["workflow_step_id"] = workflowStep.map(JSONValue.string)
        params["error_type"] = errorType.map(JSONValue.string)
        params["selection_rank"] = rank.map { .integer(Int64($0)) }
        params["user_id"] = user.map(JSONValue.string)
        params["idempotency_key"] = idempotencyKey.map(JSONValue.string)
        if !alternatives.isEmpty { params["alternatives_considered"] = .array(alternatives.map(JSONValue.string)) }
        if !followUps.isEmpty { params["follow_up_actions"] = .array(followUps.map(JSONValue.string)) }
        let client = try await DaemonConnection.connect(options)
        defer { Task { await client.close() } }
        let result = try DaemonConnection.result(try await client.call("track_invocation", params: .object(params)))
        let id = result["invocation_id"]?.intValue.map(String.init) ?? "?"
        print(result["duplicate"]?.boolValue == true ? "invocation \(id) (already recorded)" : "invocation \(id)")
    }
}
