import ArgumentParser
import Foundation
import GRDB
import SkillPulseStore

/// `skillpulse migrate [--to N] [--dry-run]`
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending schema migrations, each in one transaction.")

    @OptionGroup var options: CLIOptions
    @Option(help: "Stop at this version (default: the newest this binary knows).") var to: Int?
    @Flag(name: .customLong("dry-run"), help: "Print what would be applied; change nothing.") var dryRun = false
    @Flag(name: .customLong("create-dir"), help: "Create the database's directory if it is missing.") var createDirectory = false

    func run() throws {
        let paths = options.paths
        let path = paths.databasePath
        try CLI.run {
            if createDirectory { try CLI.ensureDirectory(for: path) }
            if !dryRun {
                try DatabaseRestorer.refuseIfDaemonListens(
                    DatabaseRestorer.daemonNames.map { paths.socketPath(for: $0) }, target: path)
            }
            let migrator = SchemaMigrator()
            let (queue, applied) = dryRun
                ? try { () throws -> (DatabaseQueue, [Migration]) in
                    let queue = try DatabaseOpener.openWriter(path: path)
                    return (queue, try migrator.migrate(queue, path: path, to: to, dryRun: true))
                }()
                : try ExclusiveSchemaChange.run(path: path, open: { try CLI.openForSchemaChange(path) }) { queue in
                    (queue, try migrator.migrate(queue, path: path, to: to))
                }
            let verb = dryRun ? "would apply" : "applied"
            if applied.isEmpty {
                print("nothing to apply; schema is at V\(try queue.read { try migrator.status($0).current })")
            }
            for migration in applied {
                print("\(verb) \(migration.identifier)")
            }
            if !dryRun, !applied.isEmpty {
                print("schema is at V\(try queue.read { try migrator.status($0).current })")
            }
        }
    }
}

/// `skillpulse rollback [--to N | --steps K] [--dry-run]`
struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Roll back applied migrations newest first, each in one transaction.")

    @OptionGroup var options: CLIOptions
    @Option(help: "Roll back every migration above this version.") var to: Int?
    @Option(help: "Roll back this many migrations (default 1).") var steps: Int?
    @Flag(name: .customLong("dry-run"), help: "Print what would be rolled back; change nothing.") var dryRun = false

    func validate() throws {
        if to != nil && steps != nil { throw ValidationError("give --to or --steps, not both") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        if let to, to < 0 { throw ValidationError("--to must be 0 or more") }
    }

    func run() throws {
        let paths = options.paths
        let path = paths.databasePath
        try CLI.run {
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIFailure("no database at \(path)")
            }
            if !dryRun {
                try DatabaseRestorer.refuseIfDaemonListens(
                    DatabaseRestorer.daemonNames.map { paths.socketPath(for: $0) }, target: path)
            }
            let migrator = SchemaMigrator()
            let (queue, rolledBack) = dryRun
                ? try { () throws -> (DatabaseQueue, [AppliedMigration]) in
                    let queue = try DatabaseOpener.openWriter(path: path)
                    return (queue, try migrator.rollback(queue, path: path, to: to, steps: steps, dryRun: true))
                }()
                : try ExclusiveSchemaChange.run(path: path, open: { try CLI.openForSchemaChange(path) }) { queue in
                    (queue, try migrator.rollback(queue, path: path, to: to, steps: steps))
                }
            let verb = dryRun ? "would roll back" : "rolled back"
            if rolledBack.isEmpty { print("nothing to roll back") }
            for migration in rolledBack { print("\(verb) \(migration.identifier)") }
            print("schema is at V\(try queue.read { try migrator.status($0).current })"
                  + (dryRun ? " (unchanged: dry run)" : ""))
        }
    }
}

/// `skillpulse status`
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show applied and pending migrations and the current schema version.")

    @OptionGroup var options: CLIOptions
    @Flag(help: "Print JSON instead of text.") var json = false

    func run() throws {
        let path = options.paths.databasePath
        try CLI.run {
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIFailure("no database at \(path); `skillpulse migrate --create-dir` creates one")
            }
            let queue = try DatabaseOpener.openWriter(path: path)
            let migrator = SchemaMigrator()
            let status = try queue.read { db in try migrator.status(db) }
            try queue.read { db in try migrator.validate(db, path: path) }
            if json {
                let object: [String: Any] = [
                    "current": status.current,
                    "latest": status.latestKnown,
                    "applied": status.applied.map { [
                        "version": $0.identifier, "applied_at": $0.appliedAt,
                        "checksum": $0.checksum as Any, "applied_by": $0.appliedBy as Any,
                    ] },
                    "pending": status.pending.map(\.identifier),
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("database: \(path)")
            print("current:  V\(status.current) (this binary knows up to V\(status.latestKnown))")
            print("applied:")
            for row in status.applied {
                let origin = row.appliedBy ?? "unknown"
                let checksum = row.checksum == nil ? "no checksum (adopted)" : "checksum ok"
                print("  \(row.identifier)  \(row.appliedAt)  by \(origin), \(checksum)")
            }
            if status.applied.isEmpty { print("  (none)") }
            print("pending:")
            for migration in status.pending { print("  \(migration.identifier)") }
            if status.pending.isEmpty { print("  (none)") }
        }
    }
}
