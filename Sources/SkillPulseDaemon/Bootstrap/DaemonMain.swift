import ArgumentParser
import Foundation
import Logging
import SkillPulseStore
import SkillPulseWire

/// The body of every daemon's `main`: installs the signal policy and the shutdown deadline, runs the
/// daemon, and turns a start-up failure into one line on stderr, `STATUS=`/`ERRNO=` for systemd and exit 1.
public enum DaemonMain {
    public static func run(
        service: String, options: DaemonOptions,
        _ body: @escaping @Sendable (Logger) async throws -> Void
    ) async throws {
        let logger = DaemonBootstrap.makeLogger(service: service, options: options)
        let deadline = ShutdownDeadline(drainTimeout: options.drainTimeout, logger: logger)
        let signals = SignalPolicy(logger: logger) { _ in deadline.arm() }
        defer { withExtendedLifetime(signals) {} }
        do {
            try await body(logger)
        } catch {
            guard let failure = startupFailure(error) else { throw error }
            // In the journal the line is filed as an error (`<3>`); on a terminal it is the line alone.
            let journal = DaemonLogHandler.stderrIsJournal(environment: ProcessInfo.processInfo.environment)
            FileHandle.standardError.write(Data("\(journal ? "<3>" : "")\(service): \(failure.description)\n".utf8))
            SystemdNotifier().send("STATUS=\(service) failed to start: \(failure.description)\nERRNO=\(failure.errno)")
            throw ExitCode(1)
        }
    }

    /// The errors that mean "this daemon could not start", told in the daemon's words.
    static func startupFailure(_ error: any Error) -> DaemonStartupError? {
        switch error {
        case let error as DaemonStartupError: return error
        case let error as ListenerError: return DaemonStartupError(error.description, errno: error.errno)
        case let error as StoreError: return DaemonStartupError(error.description, errno: error.errno)
        default: return nil
        }
    }
}
