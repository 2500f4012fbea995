import ArgumentParser
import Foundation
import SkillPulseStore

/// `skillpulse bench writer`: a second writer beside a running ingest, shaped like analytics' writes.
struct BenchWriterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writer",
        abstract: "Commit one small derived-table transaction every --interval-ms on the database (as analytics "
            + "does beside ingest); print commit latency and errors.",
        discussion: """
            Rows go to skill_clusters as bench-writer-TAG-N and are removed at the end unless --keep is given. \
            Run it beside `skillpulse bench ingest` to see both writers share the file.
            """)

    @OptionGroup var options: CLIOptions
    @Option(name: .customLong("interval-ms"), help: "Pause between two transactions, in milliseconds.")
    var intervalMs: Double = 5
    @Option(help: "How long to run, in seconds.") var duration: Double = 10
    @Option(help: "Marks this run's rows (default: the process id).") var tag: String?
    @Flag(help: "Print each committed sequence number on a line of its own, as it commits.") var printCommits = false
    @Flag(help: "Keep the rows instead of removing them at the end.") var keep = false

    /// Writes one line straight to stdout (no buffer), so each committed number reaches a pipe or file as it
    /// happens and a kill -9 loses none that were printed.
    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    func validate() throws {
        guard intervalMs >= 0, intervalMs <= 60_000 else { throw ValidationError("--interval-ms must be 0…60000") }
        guard duration > 0, duration <= 86_400 else { throw ValidationError("--duration must be > 0 and ≤ 86400") }
        if let tag, tag.isEmpty || tag.count > 64 { throw ValidationError("--tag must be 1…64 characters") }
    }

    func run() async throws {
        let path = options.paths.databasePath
        let printCommits = printCommits
        let load = try CLI.run {
            try BesideIngestLoad(path: path, tag: tag ?? "\(getpid())", withWriter: true,
                                 onCommit: { sequence in if printCommits { Self.emit("\(sequence)") } })
        }
        let start = ContinuousClock.now
        load.startWriter(interval: .microseconds(Int64(intervalMs * 1000)))
        try await Task.sleep(for: .milliseconds(Int64(duration * 1000)))
        let figures = await load.stop(keepRows: keep, readerStarted: false)
        let seconds = (ContinuousClock.now - start).seconds
        for line in BesideIngestLoad.report(figures, seconds: seconds) { Self.emit(line) }
        if figures.writerErrors > 0 {
            throw CLI.fail("bench writer: \(figures.writerErrors) transactions failed; first: \(figures.firstError ?? "")")
        }
    }
}
