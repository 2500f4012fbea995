import ArgumentParser
import CProcessSupport
import Foundation

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

    /// Line-buffered stdout even into a pipe (`skillpulse demo | tee demo.log`, `bench ingest --json | tail -1`):
    /// every line leaves when it is complete, in the order written, and nothing is lost on Ctrl-C.
    static func main() async {
        skillpulse_line_buffer_stdout()
        await main(nil)
        // A report that never reached its reader (disk full, closed pipe) is a failed command.
        let error = skillpulse_stdout_write_error()
        if error != 0 {
            let cause = error > 0 ? String(cString: strerror(error)) : "a write failed (disk full or output closed?)"
            FileHandle.standardError.write(Data("skillpulse: could not write the output to stdout: \(cause)\n".utf8))
            Foundation.exit(1)
        }
    }
}
