import ArgumentParser
import Foundation
import SkillPulseStore

/// `skillpulse taxonomy …`: the skill taxonomy (categories, modalities, dependencies).
struct TaxonomyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "taxonomy", abstract: "Manage the skill taxonomy.", subcommands: [TaxonomyInitCommand.self])
}

/// `skillpulse taxonomy init`
struct TaxonomyInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Seed 6 categories, 4 modalities, 4 dependencies and the example skills' category mappings.",
        discussion: "Idempotent: rows already present are kept, a second run inserts nothing.")

    @OptionGroup var options: CLIOptions

    func run() throws {
        let path = options.paths.databasePath
        try CLI.run(path: path) {
            // Opening a missing path would create an empty file only to refuse it.
            guard FileManager.default.fileExists(atPath: path) else {
                throw CLIFailure("no database at \(path); run `skillpulse migrate --db \(path)` first")
            }
            let report = try TaxonomySeeder.seed(path: path)
            print("inserted \(report.categoriesInserted) categories, \(report.modalitiesInserted) modalities, "
                  + "\(report.dependenciesInserted) dependencies, \(report.mappingsInserted) category mappings"
                  + (report.skillsInserted > 0 ? " (and \(report.skillsInserted) not yet invoked skills)" : ""))
            print("present: \(report.categories) categories, \(report.modalities) modalities, "
                  + "\(report.dependencies) dependencies, \(report.mappings) category mappings")
        }
    }
}
