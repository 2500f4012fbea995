import ArgumentParser
import Foundation
import SkillPulseCore
import SkillPulseStore

/// `skillpulse migrate [--to N] [--dry-run]`
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply pending schema migrations, each in one transaction.")

    @OptionGroup var options: CLIOptions
    @Option(help: "Stop at this version (default: the newest this binary knows).") var to: Int?
    @Flag(name: .customLong("dry-run"), help: "Print what would be applied; change nothing.") var dryRun = false
    @Flag(name: .customLong("create-dir"), help: "Create the database's directory if it is missing.") var createDirectory = false

    static func nothingToApply(current: Int, to: Int?) -> String {
        guard let to, to < current else { return "nothing to apply; schema is at V\(current)" }
        return "nothing to apply; schema is at V\(current), above --to \(to) (`skillpulse rollback --to \(to)` goes down)"
    }

    func validate() throws {
        try CLI.checkTargetVersion(to)
    }

    func run() throws {
        let paths = options.paths
        let path = paths.databasePath
        try CLI.run(path: path) {
            if createDirectory { try CLI.ensureDirectory(for: path) }
            let migrator = SchemaMigrator()
            try DatabaseOpener.refuseSidecarPath(path)
            if !dryRun, FileManager.default.fileExists(atPath: path) {
                // Decided first through a read-only connection: a database that is newer, tampered with or
                // already current is answered without taking it over (or touching a byte of it).
                // A hot journal needs the read-write open below to roll it back first.
                var current: Int?
                do {
                    let reader = try SchemaAdministration.openReadOnly(path: path, migrator: migrator)
                    current = try reader.currentVersionIfNothingToApply(to: to)
                    try? reader.close()
                } catch StoreError.hotJournal {
                    current = nil
                }
                if let current {
                    print(Self.nothingToApply(current: current, to: to))
                    return
                }
            }
            if !dryRun {
                try DatabaseRestorer.refuseIfDaemonListens(
                    DatabaseRestorer.daemonNames.map { paths.socketPath(for: $0) }, target: path)
            }
            if dryRun && !FileManager.default.fileExists(atPath: path) {
                // A dry run creates nothing: it says what a real run would do to a new file.
                print("no database at \(path) yet; `skillpulse migrate` would create it")
                for migration in migrator.migrations where migration.version <= (to ?? migrator.latestVersion) {
                    print("would apply \(migration.identifier)")
                }
                return
            }
            // Dry runs read through a read-only connection: no journal-mode switch, no checkpoint, no new file.
            let (schema, applied) = dryRun
                ? try { () throws -> (SchemaAdministration, [Migration]) in
                    let schema = try SchemaAdministration.openReadOnly(path: path, migrator: migrator)
                    return (schema, try schema.migrate(to: to, dryRun: true))
                }()
                : try SchemaAdministration.exclusiveChange(path: path, migrator: migrator) { schema in
                    (schema, try schema.migrate(to: to))
                }
            let verb = dryRun ? "would apply" : "applied"
            if applied.isEmpty {
                print(Self.nothingToApply(current: try schema.status().current, to: to))
            }
            for migration in applied {
                print("\(verb) \(migration.identifier)")
            }
            if !dryRun, !applied.isEmpty {
                print("schema is at V\(try schema.status().current)")
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
    @Flag(name: .customLong("dry-run"), help: "Print what would be rolled back and the rows it would drop; change nothing.")
    var dryRun = false
    @Flag(help: "Drop rows without asking (scripts); on a terminal the command asks.") var yes = false

    func validate() throws {
        if to != nil && steps != nil { throw ValidationError("give --to or --steps, not both") }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
        try CLI.checkTargetVersion(to)
    }

    func run() throws {
        let paths = options.paths
        let path = paths.databasePath
        try CLI.run(path: path) {
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIFailure("no database at \(path)")
            }
            if !dryRun {
                try DatabaseRestorer.refuseIfDaemonListens(
                    DatabaseRestorer.daemonNames.map { paths.socketPath(for: $0) }, target: path)
            }
            let migrator = SchemaMigrator()
            // The rows at stake, measured on an in-memory copy through a read-only connection.
            let reader = try SchemaAdministration.openReadOnly(path: path, migrator: migrator)
            let impact = try reader.rollbackImpact(to: to, steps: steps)
            if dryRun {
                let plan = try reader.rollback(to: to, steps: steps, dryRun: true)
                if plan.isEmpty { print("nothing to roll back") }
                for migration in plan { print("would roll back \(migration.identifier)") }
                print("rows it would drop: \(impact.summary)")
                print("schema is at V\(try reader.status().current) (unchanged: dry run)")
                return
            }
            try? reader.close()
            if impact.totalRows > 0 && !yes { try confirm(impact, path: path) }
            let (schema, rolledBack) = try SchemaAdministration.exclusiveChange(path: path, migrator: migrator) {
                schema in (schema, try schema.rollback(to: to, steps: steps))
            }
            if rolledBack.isEmpty { print("nothing to roll back") }
            for migration in rolledBack { print("rolled back \(migration.identifier)") }
            if impact.totalRows > 0 { print("dropped rows: \(impact.summary)") }
            print("schema is at V\(try schema.status().current)")
        }
    }

    /// Data loss needs a yes: typed on a terminal, or `--yes` in a script.
    private func confirm(_ impact: RollbackImpact, path: String) throws {
        let what = "this rollback drops \(impact.totalRows) rows (\(impact.summary)) from \(path)"
        guard isatty(STDIN_FILENO) == 1 else {
            throw CLIFailure("\(what); pass --yes to confirm, or --dry-run to see the plan (take a backup first: "
                             + "`skillpulse backup`)")
        }
        print("\(what). Continue? [y/N] ", terminator: "")
        fflush(nil)
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
        guard answer == "y" || answer == "yes" else { throw CLIFailure("rollback cancelled; nothing changed") }
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
        guard json else {
            try CLI.run(path: path) { try report(path) }
            return
        }
        // Scripts that asked for JSON get a failure as JSON on stdout too (the line on stderr stays).
        do {
            try report(path)
        } catch let error as StoreError {
            Self.printJSON(["error": ["message": error.description], "database": path])
            throw CLI.fail(error.description)
        } catch let error as CLIFailure {
            Self.printJSON(["error": ["message": error.description], "database": path])
            throw CLI.fail(error.description)
        }
    }

    static func printJSON(_ object: [String: Any]) {
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) {
            print(String(decoding: data, as: UTF8.self))
        }
    }

    private func report(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CLIFailure("no database at \(path); `skillpulse migrate --db \(ShellQuoting.quote(path))` creates one")
        }
        // Looking must not change the file: a read-only connection (no WAL switch, no checkpoint).
        let schema = try SchemaAdministration.openReadOnly(path: path)
        let status = try schema.status()
        if json {
            var problem: String?
            var checksumsOK = true
            do {
                try schema.validate()
            } catch let error as StoreError {
                problem = error.description
                if case .checksumMismatch = error { checksumsOK = false }
            }
            var object: [String: Any] = [
                "database": path,
                "current": status.current,
                "version_number": status.current,
                "version": status.applied.last?.identifier as Any,
                "latest": status.latestKnown,
                "checksums_ok": checksumsOK,
                "applied": status.applied.map { [
                    "version": $0.identifier, "version_number": $0.version, "applied_at": $0.appliedAt,
                    "checksum": $0.checksum as Any, "applied_by": $0.appliedBy as Any,
                ] },
                "pending": status.pending.map { $0.identifier },
            ]
            if let problem { object["problem"] = problem }
            Self.printJSON(object)
            if let problem { throw CLI.fail(problem) }
            return
        }
        try schema.validate()
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

extension CLI {
    /// `--to` of migrate and rollback: a version this binary knows (0 is the empty schema).
    static func checkTargetVersion(_ to: Int?) throws {
        let latest = SchemaMigrator().latestVersion
        if let to, to < 0 || to > latest {
            throw ValidationError("--to must be between 0 and \(latest): this binary knows V1…V\(latest)")
        }
    }
}
