import GRDB
import GRDBSQLite
#if canImport(Glibc)
import Glibc
#endif

/// How every SkillPulse connection waits for another connection's lock: it retries every `poll` until
/// `timeout`, instead of SQLite's default busy handler, which backs off to 100 ms sleeps.
///
/// Why: ingest at full load holds the write lock for batch after batch with gaps of well under a millisecond
/// between them. A writer that sleeps 25–100 ms between tries almost never lands in a gap (a second writer
/// managed 17 commits a second beside a full-speed load) and can starve past its busy timeout; one that polls
/// every millisecond gets the lock at the next gap. Ingest polls faster still, so that a few-millisecond
/// transaction of analytics costs its batch no more than that.
enum BusyPolling {
    /// Poll interval of ordinary connections (the CLI, analytics, readers).
    static let defaultPoll: Duration = .milliseconds(1)

    /// Replaces the connection's busy handler.
    static func install(_ db: Database, timeout: Duration, poll: Duration = defaultPoll) {
        let pollMicroseconds = max(50, Int(poll.components.attoseconds / 1_000_000_000_000) + Int(poll.components.seconds) * 1_000_000)
        let timeoutMicroseconds = Int(timeout.components.seconds) * 1_000_000
            + Int(timeout.components.attoseconds / 1_000_000_000_000)
        let tries = max(1, timeoutMicroseconds / pollMicroseconds)
        // The limit and the interval travel in the context pointer, so the handler needs no state to free.
        let packed = tries << 20 | pollMicroseconds & 0xFFFFF
        sqlite3_busy_handler(db.sqliteConnection, { context, count in
            let packed = Int(bitPattern: context)
            guard Int(count) < packed >> 20 else { return 0 }
            usleep(useconds_t(packed & 0xFFFFF))
            return 1
        }, UnsafeMutableRawPointer(bitPattern: packed))
    }
}
