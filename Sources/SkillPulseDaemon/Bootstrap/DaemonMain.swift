import ArgumentParser
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif
import ServiceLifecycle
import SkillPulseStore
import SkillPulseWire

/// What a daemon's body gets from `DaemonMain`: its logger, and the way to run its service group so that
/// SIGTERM/SIGINT drain it.
public struct DaemonRuntime: Sendable {
    public let logger: Logger
    public let termination: TerminationRequest

    /// Runs the daemon's services; SIGTERM/SIGINT (even one that arrived during start-up) drain them.
    public func run(services: [ServiceGroupConfiguration.ServiceConfiguration]) async throws {
        let group = ServiceGroup(configuration: .init(services: services, logger: logger))
        try await termination.run(group)
    }
}

/// The body of every daemon's `main`: installs the signal policy and the shutdown deadline, runs the
/// daemon, and turns a start-up failure into one line on stderr, `STATUS=`/`ERRNO=` for systemd and exit 1.
public enum DaemonMain {
    public static func run(
        service: String, options: DaemonOptions,
        _ body: @escaping @Sendable (DaemonRuntime) async throws -> Void
    ) async throws {
        let logger = DaemonBootstrap.makeLogger(service: service, options: options)
        let deadline = ShutdownDeadline(drainTimeout: options.drainTimeout, logger: logger)
        let termination = TerminationRequest()
        let signals = SignalPolicy(logger: logger) { signal in
            logger.notice("\(signal == SIGINT ? "SIGINT" : "SIGTERM") received: draining")
            deadline.arm()
            termination.request()
        }
        defer { withExtendedLifetime(signals) {} }
        do {
            try await body(DaemonRuntime(logger: logger, termination: termination))
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
