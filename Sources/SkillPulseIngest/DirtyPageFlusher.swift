#if canImport(Glibc)
import Glibc
#endif

/// Flushes the database and WAL files' dirty pages to disk from the checkpointer, off the writer thread.
///
/// A WAL restart needs one checkpoint that the writer runs between two batches, and SQLite's checkpoint
/// syncs both files. That sync has to write whatever is still dirty in the page cache: every WAL frame and
/// every copied page since the last sync, megabytes under load, which stalled ingest for 10–15 ms per
/// restart. The page cache belongs to the file, not to a descriptor, so an `fdatasync` through a descriptor
/// of our own does that work ahead of time, and the writer's own sync finds little left to write. Extra
/// syncs never weaken durability; SQLite still issues every sync it needs.
enum DirtyPageFlusher {
    static func flush(databasePath: String) {
        for path in [databasePath, databasePath + "-wal"] {
            // Opened each time: the WAL file is replaced when every connection closes and a new one starts.
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { continue }
            _ = fdatasync(descriptor)
            close(descriptor)
        }
    }
}
