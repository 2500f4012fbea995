import ArgumentParser

/// `skillpulse`: the operator CLI.
@main
struct SkillPulseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skillpulse",
        abstract: "Operate SkillPulse: schema, backups, sessions, live events and benchmarks.",
        version: "0.1.0",
        subcommands: [
            MigrateCommand.self, RollbackCommand.self, StatusCommand.self,
            TaxonomyCommand.self, BackupCommand.self, VerifyCommand.self, RestoreCommand.self,
            TrackCommand.self, SessionsCommand.self, TailCommand.self, DemoCommand.self, BenchCommand.self,
        ])
}
