import ArgumentParser
import Foundation
import SkillPulseCore
import SkillPulseStore

/// `skillpulse restore SRC [--yes]`
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the database with a backup; refused while any SkillPulse daemon holds the database.",
        discussion: "SRC must be an intact SQLite file with a SkillPulse schema no newer than this binary. "
            + "Without --yes, asks for confirmation on a terminal and refuses otherwise.")

    @OptionGroup var options: CLIOptions
    @Argument(help: "The backup to restore.") var source: String
    @Flag(help: "Replace the database without asking.") var yes = false

    func validate() throws {
        if source.isEmpty { throw ValidationError("the backup to restore from is empty: give a file path") }
    }

    func run() throws {
        let paths = options.paths
        let target = paths.databasePath
        let sockets = DatabaseRestorer.daemonNames.map { paths.socketPath(for: $0) }
        let source = PathInput.absoluteOrEmpty(self.source, environment: ProcessInfo.processInfo.environment,
                                               workingDirectory: FileManager.default.currentDirectoryPath)
        try CLI.run(path: target) {
            // Everything that can be checked without touching the target comes before the question.
            let checked = try DatabaseRestorer.checkSource(source)
            try DatabaseRestorer.refuseIfDaemonListens(sockets, target: target)
            if !yes { try confirm(checked, target: target) }
            let report = try DatabaseRestorer.restore(source: source, target: target, daemonSockets: sockets)
            if let damaged = report.damagedCopy { print("the damaged database was kept as \(damaged)") }
            print("restored \(target) from \(source) (schema V\(report.source.schemaVersion))")
            print("rows: " + DatabaseInspection.summary(report.rowCounts))
            let latest = SchemaMigrator().latestVersion
            if report.source.schemaVersion < latest {
                print("note: the backup is at V\(report.source.schemaVersion); run `skillpulse migrate --db \(target)` "
                      + "before starting the daemons")
            }
        }
    }

    private func confirm(_ checked: RestoreSource, target: String) throws {
        guard isatty(STDIN_FILENO) == 1 else {
            throw CLIFailure("restore replaces \(target); pass --yes to confirm")
        }
        print("replace \(target) with \(source) (\(DatabaseInspection.summary(checked.rowCounts)))? [y/N] ",
              terminator: "")
        fflush(nil)  // the question has no newline; nil flushes every stream without touching the global
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
        guard answer == "y" || answer == "yes" else { throw CLIFailure("restore cancelled; nothing changed") }
    }
}
