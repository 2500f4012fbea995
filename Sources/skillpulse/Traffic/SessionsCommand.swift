import ArgumentParser
import SkillPulseWire

/// `skillpulse sessions start|end`
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions", abstract: "Start and end sessions.",
        subcommands: [Start.self, End.self])

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a session; prints its id.")
        @OptionGroup var options: CLIOptions
        @Option(help: "The project the session works on.") var project: String
        @Option(help: "User id.") var user: String?
        @Option(name: .customLong("session-id"), help: "Choose the id (default: a new UUID).") var sessionID: String?
        @Option(name: .customLong("started-at"), help: "ISO-8601 time with zone (default: now).") var startedAt: String?

        func run() async throws {
            var params: [String: JSONValue] = ["project_path": .string(project)]
            params["user_id"] = user.map(JSONValue.string)
            params["session_id"] = sessionID.map(JSONValue.string)
            params["started_at"] = startedAt.map(JSONValue.string)
            let client = try await DaemonConnection.connect(options)
            defer { Task { await client.close() } }
            let result = try DaemonConnection.result(try await client.call("create_session", params: .object(params)))
            print(result["session_id"]?.stringValue ?? "")
        }
    }

    struct End: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a session.")
        @OptionGroup var options: CLIOptions
        @Argument(help: "The session id.") var sessionID: String

        func run() async throws {
            let client = try await DaemonConnection.connect(options)
            defer { Task { await client.close() } }
            let result = try DaemonConnection.result(
                try await client.call("end_session", params: .object(["session_id": .string(sessionID)])))
            let endedAt = result["ended_at"]?.stringValue ?? "?"
            print(result["already_ended"]?.boolValue == true
                  ? "session \(sessionID) had already ended at \(endedAt)" : "session \(sessionID) ended at \(endedAt)")
        }
    }
}
