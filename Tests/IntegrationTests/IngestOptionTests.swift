import Foundation
import Testing

/// ingest refuses impossible tuning flags before it opens anything, naming the flag.
struct IngestOptionTests {
    @Test(arguments: [
        (["--wal-restart-mib", "0"], "--wal-restart-mib"),
        (["--wal-restart-mib", "5000"], "--wal-restart-mib"),
        (["--batch-max-rows", "0"], "--batch-max-rows"),
        (["--batch-max-rows", "50", "--queue-capacity", "10"], "--queue-capacity"),
        (["--batch-max-delay-ms", "-1"], "--batch-max-delay-ms"),
        (["--subscriber-buffer", "0"], "--subscriber-buffer"),
    ])
    func impossibleTuningIsRefusedAtStart(arguments: [String], flag: String) throws {
        let directory = try TemporaryDirectory("ingest-options")
        let db = directory.path("skillpulse.db")
        let result = try Binaries.runProcess(Binaries.url("ingest"),
                                             ["--db", db, "--runtime-dir", directory.path("run")] + arguments)
        #expect(result.status != 0)
        #expect(result.stderr.contains(flag), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: db), "a refused start must not create the database")
    }
}
