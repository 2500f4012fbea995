import ArgumentParser
import Foundation
import SkillPulseWire

/// `skillpulse tail`: print ingest's live event stream, one JSON object per line.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail", abstract: "Print committed invocations and session changes as they happen.")

    @OptionGroup var options: CLIOptions
    @Option(help: "Comma-separated topics: invocation, session.") var topics = "invocation,session"
    @Option(help: "Exit after this many events.") var count: Int?

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() async throws {
        let topicList = topics.split(separator: ",").map { JSONValue.string(String($0).trimmingCharacters(in: .whitespaces)) }
        let client = try await DaemonConnection.connect(options)
        _ = try DaemonConnection.result(try await client.call("subscribe", params: .object(["topics": .array(topicList)])))
        var seen = 0
        for await event in client.events {
            try DaemonConnection.printJSON(.object(["event": .string(event.name), "data": event.data]))
            seen += 1
            if let count, seen >= count { break }
        }
        await client.close()
        if count.map({ seen < $0 }) ?? true {
            throw CLI.fail("ingest closed the stream")
        }
    }
}
