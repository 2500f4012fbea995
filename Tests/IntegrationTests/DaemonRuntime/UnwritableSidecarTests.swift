import Foundation
import SkillPulseWire
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Files another user left beside the database decide the start, not the first write.
@Suite(.serialized)
struct UnwritableSidecarTests {
    /// A reader run as another user leaves `-wal`/`-shm` that ingest cannot write: ingest refuses to start
    /// (before: READY=1, then every write failed "attempt to write a readonly database").
    @Test func unwritableSidecarsFailTheStartNotTheFirstWrite() async throws {
        let (directory, database, runtime) = try StartupFailureTests.layoutForOtherUsers("sidecars")
        chmod(database, 0o644)
        let reader = try BackgroundProcess(URL(fileURLWithPath: "/usr/bin/setpriv"), [
            "--reuid=65534", "--regid=65534", "--clear-groups", try Binaries.forOtherUsers("analytics", in: directory).path,
            "--db", database, "--runtime-dir", runtime,
        ], directory: directory)
        var waited = 0
        while !FileManager.default.fileExists(atPath: database + "-shm") && waited < 200 {
            try await Task.sleep(for: .milliseconds(50))
            waited += 1
        }
        kill(reader.process.processIdentifier, SIGTERM)
        _ = await reader.waitForExit(timeout: .seconds(10))
        try #require(FileManager.default.fileExists(atPath: database + "-shm"), "the reader left no -shm: \(reader.errors)")
        chown(database, 4242, 4242)
        chmod(database, 0o660)
        let (output, messages) = try await StartupFailureTests.failedStart(
            "ingest", ["--db", database, "--runtime-dir", directory.path("run2")], directory: directory,
            prefix: ["/usr/bin/setpriv", "--reuid=4242", "--regid=4242", "--clear-groups"])
        StartupFailureTests.expectOneLineFailure(output, messages, mentions: ["permission denied", database + "-"],
                                                 errno: EACCES)
    }
}
