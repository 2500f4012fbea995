import Foundation
import GRDB

/// The CLI's schema commands (`migrate`, `rollback`, `status`) on one connection to the database at `path`:
/// either read-only (looking, planning, dry runs) or with the file to itself (`exclusiveChange`). Answers are
/// plain values; blocking, for one-shot commands.
public final class SchemaAdministration {
    private let queue: DatabaseQueue
    public let path: String
    public let migrator: SchemaMigrator

    private init(queue: DatabaseQueue, path: String, migrator: SchemaMigrator) {
        self.queue = queue
        self.path = path
        self.migrator = migrator
    }

    /// A read-only connection (SQLITE_OPEN_READONLY): looking must not change the file (no WAL switch, no
    /// checkpoint, no new file).
    public static func openReadOnly(path: String, migrator: SchemaMigrator = SchemaMigrator()) throws
        -> SchemaAdministration
    {
        SchemaAdministration(queue: try DatabaseOpener.openReadOnlyQueue(path: path), path: path, migrator: migrator)
    }

    /// Runs `body` while no other connection, in any process, has the database open (see
    /// `ExclusiveSchemaChange`); the connection stays usable after it returns (the file is back in WAL mode).
    public static func exclusiveChange<T>(path: String, migrator: SchemaMigrator = SchemaMigrator(),
                                          _ body: (SchemaAdministration) throws -> T) throws -> T {
        try ExclusiveSchemaChange.run(path: path, connect: { try openForSchemaChange(path) }) { queue in
            try body(SchemaAdministration(queue: queue, path: path, migrator: migrator))
        }
    }

    /// Opens the database for a schema change, waiting up to 10 s for another process's lock: two `migrate`
    /// runs that overlap (the unit and a hand-run one) then follow each other instead of failing.
    private static func openForSchemaChange(_ path: String) throws -> DatabaseQueue {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                return try DatabaseOpener.openWriter(path: path)
            } catch StoreError.databaseBusy where ContinuousClock.now < deadline {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    /// Applied and pending migrations and the current version.
    public func status() throws -> MigrationStatus {
        try queue.read { db in try migrator.status(db) }
    }

    /// Throws when the applied migrations do not match this binary's (checksums, a newer schema).
    public func validate() throws {
        try queue.read { db in try migrator.validate(db, path: path) }
    }

    /// The current version when `migrate(to:)` would apply nothing, else nil (decided in one read).
    public func currentVersionIfNothingToApply(to target: Int?) throws -> Int? {
        try queue.read { db -> Int? in
            try migrator.plan(db, path: path, to: target).isEmpty ? try migrator.status(db).current : nil
        }
    }

    /// Applies pending migrations up to `target` (see `SchemaMigrator.migrate`); a dry run only plans.
    @discardableResult
    public func migrate(to target: Int? = nil, dryRun: Bool = false) throws -> [Migration] {
        try migrator.migrate(queue, path: path, to: target, dryRun: dryRun)
    }

    /// Rolls back newest first (see `SchemaMigrator.rollback`); a dry run only plans.
    @discardableResult
    public func rollback(to target: Int? = nil, steps: Int? = nil, dryRun: Bool = false) throws -> [AppliedMigration] {
        try migrator.rollback(queue, path: path, to: target, steps: steps, dryRun: dryRun)
    }

    /// The rows the rollback would drop, measured on an in-memory copy (the file is only read).
    public func rollbackImpact(to target: Int?, steps: Int?) throws -> RollbackImpact {
        try RollbackImpact.measure(queue, path: path, to: target, steps: steps, migrator: migrator)
    }

    /// Closes the connection.
    public func close() throws {
        try queue.close()
    }
}
