import ArgumentParser
import Foundation
import SkillPulseDaemon
import SkillPulseIngest
import SkillPulseStore

/// `ingest`: the only writer of invocation data.
@main
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Accepts sessions and invocations on ingest.sock and commits them in groups.")

    @OptionGroup var options: DaemonOptions

    @Option(name: .customLong("batch-max-rows"), help: "A group-commit batch closes at this many rows.")
    var batchMaxRows: Int = GroupCommitPolicy().maxRows

    @Option(name: .customLong("batch-max-delay-ms"), help: "…or this many milliseconds after its first request.")
    var batchMaxDelayMs: Double = 2

    @Option(name: .customLong("queue-capacity"), help: "Rows that may wait for a batch before requests get `unavailable`.")
    var queueCapacity: Int = GroupCommitPolicy().queueCapacity

    @Option(name: .customLong("subscriber-buffer"), help: "Events buffered per subscriber before it is told it lagged.")
    var subscriberBuffer: Int = 25_000

    @Option(name: .customLong("wal-restart-mib"),
            help: "Start the WAL over once it holds this many MiB (from half of it while ingest is idle beside other writers): each restart pauses writes for one small checkpoint.")
    var walRestartMiB: Int = WALBudget.defaultRestartMiB

    @Option(name: .customLong("lock-wait-ms"),
            help: "Answer `unavailable` to requests that waited this long for another process's write lock.")
    var lockWaitMs: Int = 10_000

    func validate() throws {
        guard batchMaxRows >= 1 else { throw ValidationError("--batch-max-rows must be at least 1") }
        guard batchMaxDelayMs >= 0, batchMaxDelayMs <= 1000 else {
            throw ValidationError("--batch-max-delay-ms must be between 0 and 1000")
        }
        guard queueCapacity >= batchMaxRows else { throw ValidationError("--queue-capacity must be ≥ --batch-max-rows") }
        guard subscriberBuffer >= 1 else { throw ValidationError("--subscriber-buffer must be at least 1") }
        guard lockWaitMs >= 100, lockWaitMs <= 600_000 else {
            throw ValidationError("--lock-wait-ms must be between 100 and 600000")
        }
        guard walRestartMiB >= 1, walRestartMiB <= 4096 else {
            throw ValidationError("--wal-restart-mib must be between 1 and 4096")
        }
    }

    func run() async throws {
        let policy = GroupCommitPolicy(maxRows: batchMaxRows, maxDelay: .microseconds(Int64(batchMaxDelayMs * 1000)),
                                       queueCapacity: queueCapacity, lockWait: .milliseconds(lockWaitMs))
        try await DaemonMain.run(service: IngestDaemon.service, options: options) { runtime in
            try await IngestDaemon.run(options: options, policy: policy, subscriberBuffer: subscriberBuffer,
                                       walBudget: WALBudget(restartMiB: walRestartMiB), runtime: runtime)
        }
    }
}
