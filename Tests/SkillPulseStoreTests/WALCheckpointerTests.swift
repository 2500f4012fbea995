import Foundation
import GRDB
@testable import SkillPulseStore
import Testing

/// What ingest's checkpointer reads of the shared WAL: frames, the file's size by stat, and SQLite's restart
/// counter from the WAL index — whichever connection wrote or restarted the WAL.
struct WALCheckpointerTests {
    /// Another connection (as analytics' `DerivedTableWriter`) commits `count` small transactions.
    static func commit(_ writer: DatabaseQueue, _ count: Int) throws {
        for index in 0..<count {
            try writer.write { db in
                try db.execute(sql: "INSERT INTO wal_probe(payload) VALUES (?)", arguments: [String(repeating: "x", count: 3_000) + "\(index)"])
            }
        }
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }

    @Test func aRestartCheckpointMakesTheOtherWritersNextCommitStartTheWALOverAndTheCounterSeesIt() async throws {
        let path = try MigrationRoundTripTests.temporaryPath()
        defer { MigrationRoundTripTests.removeTemporary(path) }
        let other = try DatabaseOpener.openWriter(path: path)
        try await other.writeWithoutTransaction { db in
            try WALSettings.disableAutoCheckpoint(db)
            try db.execute(sql: "CREATE TABLE wal_probe(id INTEGER PRIMARY KEY, payload TEXT)")
        }
        let checkpointer = try WALCheckpointer.openConnection(path: path, label: "test-checkpointer")
        try Self.commit(other, 50)
        let first = try await checkpointer.checkpoint(.passive)
        #expect(first.walFrameCount > 50 && first.checkpointedFrameCount == first.walFrameCount, "\(first)")
        #expect(first.walFileBytes == Self.fileSize(path + "-wal") && first.walFileBytes >= 32 + first.walFrameCount * 4_120)
        let sequence = try #require(first.restartSequence)

        // With nobody writing while it ran, a PASSIVE checkpoint catches up, and the other writer's next commit
        // begins with every frame copied: it starts the WAL over (SQLite adds one to the counter).
        try Self.commit(other, 1)
        let afterOne = try await checkpointer.checkpoint(.passive)
        #expect(afterOne.restartSequence == sequence &+ 1 && afterOne.walFrameCount < first.walFrameCount, "\(afterOne)")

        // (The first of these commits restarts it again: the pass above caught up.) RESTART copies everything
        // while holding the write lock and leaves the restart to the next commit, anyone's.
        try Self.commit(other, 40)
        let restart = try await checkpointer.checkpoint(.restart, lockWait: .milliseconds(100))
        #expect(restart.checkpointedFrameCount == restart.walFrameCount && restart.restartSequence == sequence &+ 2)
        try Self.commit(other, 1)
        let afterRestart = try await checkpointer.checkpoint(.passive)
        #expect(afterRestart.restartSequence == sequence &+ 3 && afterRestart.walFrameCount < restart.walFrameCount,
                "\(afterRestart)")
        // The file kept its size: a restart writes the WAL again from its beginning.
        #expect(afterRestart.walFileBytes == first.walFileBytes, "\(afterRestart) \(first)")

        // TRUNCATE restarts it itself and cuts the file to zero bytes.
        let truncated = try await checkpointer.checkpoint(.truncate, lockWait: .milliseconds(100))
        #expect(truncated.walFrameCount == 0 && truncated.walFileBytes == 0 && Self.fileSize(path + "-wal") == 0)
        #expect(truncated.restartSequence == sequence &+ 4, "\(truncated)")
        try other.close()
    }
}
