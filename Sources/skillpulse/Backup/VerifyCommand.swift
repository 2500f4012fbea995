import ArgumentParser
import SkillPulseCore
import SkillPulseStore

/// `skillpulse verify`
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the database: integrity_check, foreign_key_check and the migration checksums.",
        discussion: "Exits 1 when any check fails, after printing each problem.")

    @OptionGroup var options: CLIOptions

    /// Enough lines to see the pattern without flooding a terminal.
    static let shownProblems = 50

    func run() throws {
        let path = options.paths.databasePath
        let report = try CLI.run(path: path) {
            try DatabaseVerifier.verify(path: path)
        }
        guard report.otherChecksRan else {
            // The damage stops every other check: the page list is the whole report.
            print("database: \(path)")
            print("integrity_check: FAILED (the damage also stops the foreign-key, schema and row checks)")
            for problem in report.integrity.prefix(Self.shownProblems) { print("  problem: \(problem)") }
            if report.integrity.count > Self.shownProblems {
                print("  … and \(report.integrity.count - Self.shownProblems) more")
            }
            throw CLI.fail("\(path) is damaged (\(report.integrity.count) integrity problem(s)); replace it from a "
                           + "backup: `skillpulse restore --db \(ShellQuoting.quote(path)) BACKUP` (the damaged file is kept aside)")
        }
        print("database: \(path) (schema V\(report.schemaVersion), this binary knows V\(report.latestKnownVersion))")
        print("integrity_check: " + (report.integrityOK ? "ok" : "FAILED"))
        let violations = report.foreignKeyViolations.count
        print("foreign_key_check: " + (violations == 0 ? "ok" : "\(violations) violation(s)"))
        // A newer schema is not a failed checksum: say which it is.
        if report.schemaVersion > report.latestKnownVersion {
            print("schema: V\(report.schemaVersion) is newer than this binary (V\(report.latestKnownVersion)): upgrade SkillPulse")
        } else if report.schemaVersion == 0 {
            print("schema: none (no applied SkillPulse migrations)")
        } else {
            print("migration checksums: " + (report.migrationProblem == nil ? "ok" : "FAILED"))
        }
        print("rows: " + DatabaseInspection.summary(report.rowCounts))
        let problems = report.problems
        for problem in problems.prefix(Self.shownProblems) { print("  problem: \(problem)") }
        if problems.count > Self.shownProblems { print("  … and \(problems.count - Self.shownProblems) more") }
        if !report.isHealthy { throw CLI.fail("\(path) failed verification (\(problems.count) problem(s))") }
    }
}
