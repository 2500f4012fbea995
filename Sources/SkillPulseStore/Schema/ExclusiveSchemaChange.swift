import Foundation
import GRDB

/// Runs a schema change (`migrate`, `rollback`) only while no other connection, in any process, has the
/// database open — whatever `--runtime-dir` says. A daemon writing into a schema it was not built for is how
/// acknowledged rows end up in dropped tables.
///
/// Proof of exclusivity is the one restore uses: SQLite leaves WAL mode only when no other connection has the
/// file open. The file stays in rollback-journal mode while the change runs (a daemon starting meanwhile must
/// first switch it back to WAL, which waits for the change's transactions), and returns to WAL at the end.
enum ExclusiveSchemaChange {
    /// Another connection is waited for up to `wait`: it may be a second `migrate` (the unit and a hand-run one
    /// overlap), which this run then follows — finding nothing left to apply — instead of failing. Between
    /// attempts this run closes its own connection (after a random pause), or two waiting runs would each
    /// keep the other from ever having the file alone.
    static func run<T>(path: String, wait: Duration = .seconds(10), connect: () throws -> DatabaseQueue,
                       _ body: (DatabaseQueue) throws -> T) throws -> T {
        let deadline = ContinuousClock.now + wait
        while true {
            let queue = try connect()
            do {
                try DatabaseOpener.mapOpenErrors(path: path) {
                    try queue.writeWithoutTransaction { db in
                        try DatabaseRestorer.takeExclusiveAccess(db, target: path)
                        // Hold the file's lock for the whole change, not only for the proof: in rollback-journal
                        // mode another process could otherwise open it between two migrations (a second
                        // `migrate` on a new file, which was never in WAL mode, would interleave with this one).
                        try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE")
                        do {
                            try db.execute(sql: "BEGIN EXCLUSIVE; COMMIT")
                        } catch let error as DatabaseError where DatabaseRestorer.isBusy(error) {
                            try? db.execute(sql: "PRAGMA locking_mode = NORMAL")
                            throw StoreError.databaseInUse(path: path, detail: "another process has it open")
                        }
                    }
                }
            } catch StoreError.databaseInUse(let path, let detail) {
                try? queue.close()
                guard ContinuousClock.now < deadline else {
                    throw StoreError.databaseInUse(path: path, detail: detail + " (waited \(wait) for it to close)")
                }
                Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.25))
                continue
            }
            defer {
                _ = try? queue.writeWithoutTransaction { db in
                    try db.execute(sql: "PRAGMA locking_mode = NORMAL")
                    try db.execute(sql: "PRAGMA journal_mode = WAL")
                }
            }
            return try body(queue)
        }
    }
}
