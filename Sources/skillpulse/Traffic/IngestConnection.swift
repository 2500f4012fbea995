import ArgumentParser
import Foundation
import SkillPulseCore
import SkillPulseWire

/// Connecting the CLI to a daemon socket, with the message an operator needs when it is not there.
enum DaemonConnection {
    static func connect(_ options: CLIOptions, service: String = "ingest") async throws -> WireClient {
        let path = options.socketPath(service)
        let client: WireClient
        do {
            client = try await WireClient.connect(path: path)
        } catch {
            throw CLI.fail("cannot connect to \(service) at \(path): \(Self.cause(path)) "
                           + "(--runtime-dir / SKILLPULSE_RUNTIME_DIR choose the socket directory)")
        }
        if options.db != nil { try await refuseAnotherDatabase(client, options: options, service: service, socket: path) }
        return client
    }

    /// Why connecting failed, in words: what the socket file says when probed.
    static func cause(_ path: String) -> String {
        guard path.utf8.count <= UnixSocketAddress.maxPathBytes else {
            return "the path is \(path.utf8.count) bytes; Unix sockets allow at most \(UnixSocketAddress.maxPathBytes)"
        }
        switch UnixSocketAddress.probe(path) {
        case .absent: return "no socket there; is the daemon running?"
        case .stale: return "nobody listens there (a socket left by a stopped daemon); start the daemon"
        case .listening: return "it accepted, then the connection failed; retry"
        case .unreachable(let code) where code == EACCES:
            return "permission denied (operators join the daemons' group, e.g. `skillpulse`)"
        case .unreachable(let code): return String(cString: strerror(code))
        }
    }

    /// These commands write through the daemon, into the daemon's database: an explicit `--db` naming another
    /// file would be silently ignored, so it is refused instead.
    private static func refuseAnotherDatabase(_ client: WireClient, options: CLIOptions, service: String,
                                              socket: String) async throws {
        let wanted = options.paths.databasePath
        guard let served = try? await client.call("health").get()["db"]?["path"]?.stringValue else { return }
        guard served != wanted, !sameFile(served, wanted) else { return }
        await client.close()
        throw CLI.fail("\(service) at \(socket) serves \(served), not --db \(wanted): this command works through "
                       + "the daemon, on the daemon's database; drop --db, or pass the --runtime-dir of the daemon that serves \(wanted)")
    }

    private static func sameFile(_ first: String, _ second: String) -> Bool {
        var a = stat(), b = stat()
        return stat(first, &a) == 0 && stat(second, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino
    }

    /// Unwraps a reply, turning a server error into a one-line message and exit status 1.
    static func result(_ response: WireResponse) throws -> JSONValue {
        switch response.result {
        case .success(let value): return value
        case .failure(let error): throw CLI.fail("\(error.code.rawValue): \(error.message)")
        }
    }

    /// Writes one JSON line straight to the descriptor (a piped `tail` must show each event when it happens).
    /// A reader that went away (`| head -2`) ends the command quietly, like any Unix filter; any other write
    /// failure (a full disk) is one line on stderr and exit 1 — never a trap.
    static func printJSON(_ value: JSONValue) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return }
        do {
            try FileHandle.standardOutput.write(contentsOf: data + Data("\n".utf8))
        } catch {
            let code = ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError)?.code ?? (error as NSError).code
            if code == Int(EPIPE) { throw ExitCode.success }
            throw CLI.fail("cannot write to stdout: \(String(cString: strerror(Int32(code))))")
        }
    }
}
