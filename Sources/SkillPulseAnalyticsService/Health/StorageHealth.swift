import Foundation
import SkillPulseCore
import SkillPulseStore
import Synchronization

/// Analytics' own database reads and writes as `health` sees them: the latest failure of each kind, kept until
/// the next success of that kind. A daemon whose derived tables cannot be written (a full disk) or whose
/// invocation log cannot be read (the file truncated under it) says `degraded`, with the reason, instead of
/// `healthy` while its answers go stale.
public final class StorageHealth: Sendable {
    /// What analytics does with the database.
    public enum Access: String, Sendable, CaseIterable {
        /// Reading the invocation log (start-up, resyncs, the quiet poll).
        case reads
        /// Writing derived tables: baselines, dependencies, anomalies, A/B tables.
        case writes
    }

    private struct Failure: Sendable {
        let what: String
        let cause: String
        let since: String
    }

    private let failures = Mutex<[Access: Failure]>([:])

    public init() {}

    /// Records a failure of `what` (e.g. "write baselines"); the first failure's time is kept while they repeat.
    public func failed(_ access: Access, _ what: String, _ error: any Error) {
        let cause = Self.cause(of: error)
        failures.withLock { failures in
            let since = failures[access]?.since ?? UTCTimestamp.now().normalized
            failures[access] = Failure(what: what, cause: cause, since: since)
        }
    }

    /// A store failure in the store's words (a SQLite failure as `SQLiteFailure` says it, a `StoreError` as it
    /// describes itself), never SQLite's raw message; other errors by their type.
    public static func cause(of error: any Error) -> String {
        SQLiteFailure.describe(error) ?? (error as? StoreError)?.description ?? "\(type(of: error))"
    }

    /// A success of that kind: its problem is over.
    public func succeeded(_ access: Access) {
        failures.withLock { _ = $0.removeValue(forKey: access) }
    }

    /// One sentence per current problem, reads first; empty when all is well.
    public var problems: [String] {
        failures.withLock { failures in
            Access.allCases.compactMap { access in
                failures[access].map { "cannot \($0.what): \($0.cause) (since \($0.since))" }
            }
        }
    }
}
