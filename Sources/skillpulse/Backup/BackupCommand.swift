import ArgumentParser
import Foundation
import SkillPulseCore
import SkillPulseStore

/// `skillpulse backup DEST [--force]`
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database online (consistent while ingest writes) and verify the copy.",
        discussion: "DEST is a standalone SQLite file (no -wal); it is written beside DEST first and moved into "
            + "place only after integrity_check passes.")

    @OptionGroup var options: CLIOptions
    @Argument(help: "The file to write.") var destination: String
    @Flag(help: "Replace DEST if it exists.") var force = false

    func validate() throws {
        // A usage error (exit 64) like every other malformed argument, before anything is opened.
        if destination.isEmpty { throw ValidationError("the backup's destination is empty: give a file path") }
    }

    func run() throws {
        let path = options.paths.databasePath
        try CLI.run(path: path) {
            let destination = PathInput.absoluteOrEmpty(self.destination, environment: ProcessInfo.processInfo.environment,
                                                        workingDirectory: FileManager.default.currentDirectoryPath)
            let report = try DatabaseBackup.backup(path: path, to: destination, overwrite: force)
            print("backup written to \(report.destination) (\(report.bytes) bytes); integrity_check: ok")
            print("rows: " + DatabaseInspection.summary(report.rowCounts))
        }
    }
}
