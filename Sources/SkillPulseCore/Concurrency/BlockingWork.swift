import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (opening SQLite, a synchronous query, file I/O) on a thread of its own.
///
/// The cooperative pool has one thread per core (two here). A task that blocks one of them on a lock or a
/// connection that another task must release can stall every task in the process — the `health` lock-up of
/// the reader daemons was exactly that. Start-up and other rare blocking work therefore pays for a thread.
public enum BlockingWork {
    /// `niceness` above 0 lowers the thread's scheduling priority (Linux: per thread), for long CPU work that
    /// must not hold up the process's other threads.
    public static func run<T: Sendable>(
        _ label: String, niceness: Int32 = 0, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                Thread.current.name = String(label.prefix(15))
                if niceness != 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
                continuation.resume(with: Result { try body() })
            }
            thread.name = label
            thread.start()
        }
    }
}
