import Foundation
import SkillPulseWire

/// Connecting the CLI to a daemon socket, with the message an operator needs when it is not there.
enum DaemonConnection {
    static func connect(_ options: CLIOptions, service: String = "ingest") async throws -> WireClient {
        let path = options.socketPath(service)
        do {
            return try await WireClient.connect(path: path)
        } catch {
            throw CLI.fail("cannot connect to \(service) at \(path) (\(error)); is \(service) running? "
                           + "(--runtime-dir / SKILLPULSE_RUNTIME_DIR choose the socket directory)")
        }
    }

    /// Unwraps a reply, turning a server error into a one-line message and exit status 1.
    static func result(_ response: WireResponse) throws -> JSONValue {
        switch response.result {
        case .success(let value): return value
        case .failure(let error): throw CLI.fail("\(error.code.rawValue): \(error.message)")
        }
    }

    static func printJSON(_ value: JSONValue) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Written straight to the descriptor: a piped `tail` must show each event when it happens.
        if let data = try? encoder.encode(value) { FileHandle.standardOutput.write(data + Data("\n".utf8)) }
    }
}
