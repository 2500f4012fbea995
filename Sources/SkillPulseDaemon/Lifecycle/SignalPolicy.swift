import CProcessSupport
import Dispatch
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// What every SkillPulse daemon does with each signal (docs/operations.md "Signals"):
///
/// - SIGTERM, SIGINT: drain (the service group's graceful shutdown, even when the signal came during
///   start-up) and arm the hard shutdown deadline.
/// - SIGHUP: logged and ignored. Logs go to stderr, which systemd owns, so there is nothing to reopen; a
///   daemon killed by SIGHUP would count as a clean stop and not be restarted.
/// - SIGUSR1, SIGUSR2: logged and ignored (reserved; a stray `kill -USR1` must not kill ingest).
/// - SIGPIPE: ignored; a peer that leaves mid-reply is an error on that connection only.
/// - SIGXFSZ: ignored, so that a file-size limit makes the write fail with EFBIG (a clear error) instead of
///   killing the writer mid-commit.
/// - SIGQUIT, SIGABRT: reset to the kernel's default (terminate with a core dump) at once. They mean "stop
///   now and show me why" — SIGABRT is what systemd's watchdog sends. Swift's backtracer catches both, and
///   when the kernel hands an outside signal to libdispatch's signal thread it prints the backtrace and
///   then never exits (seen with Swift 6.3 on Linux: a daemon hung after `kill -ABRT`), so the watchdog's
///   restart would wait for the unit's SIGKILL. systemd-coredump still records a backtrace from the core.
/// - SIGSEGV, SIGILL, SIGBUS, SIGFPE, SIGTRAP (crashes from inside): Swift's backtracer, then termination.
/// - The rest (SIGALRM, SIGVTALRM, SIGPROF, SIGPOLL, SIGPWR, SIGSYS, SIGSTKFLT): left at their default,
///   terminate. Nothing in SkillPulse uses them.
///
/// Handlers run off the cooperative pool (a private serial queue; for SIGTERM/SIGINT a C handler feeding a
/// thread of its own), so that a wedged pool cannot stop the shutdown deadline from being armed.
public final class SignalPolicy {
    private let queue = DispatchQueue(label: "skillpulse.signals")
    private let sources: [any DispatchSourceSignal]

    /// Installs the policy; keep the returned value alive for the life of the process.
    public init(logger: Logger, onTermination: @escaping @Sendable (Int32) -> Void) {
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        signal(SIGQUIT, SIG_DFL)
        signal(SIGABRT, SIG_DFL)
        var sources: [any DispatchSourceSignal] = []
        let queue = self.queue
        let ignored: [(Int32, String)] = [
            (SIGHUP, "SIGHUP received and ignored: logs go to stderr, there is nothing to reopen or reload; stop with SIGTERM"),
            (SIGUSR1, "SIGUSR1 received and ignored (reserved); stop with SIGTERM"),
            (SIGUSR2, "SIGUSR2 received and ignored (reserved); stop with SIGTERM"),
        ]
        for (number, message) in ignored {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                logger.notice("\(message)")
            }
            source.resume()
            sources.append(source)
        }
        // SIGTERM/SIGINT: a C handler (installed in one sigaction call: before it the default action applies,
        // after it every request is seen — "ignore, then register a dispatch source" lost one that fell in
        // between) writes to a pipe that a thread of its own reads; the caller arms the deadline and drains.
        let pipe = skillpulse_termination_pipe()
        if pipe >= 0 {
            let reader = Thread {
                var byte: UInt8 = 0
                while true {
                    let count = read(pipe, &byte, 1)
                    if count == 1 { onTermination(Int32(byte)) } else if count < 0 && errno == EINTR { continue } else { return }
                }
            }
            reader.name = "signals"
            reader.start()
        }
        self.sources = sources
    }
}
