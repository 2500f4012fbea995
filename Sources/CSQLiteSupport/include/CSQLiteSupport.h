#ifndef SKILLPULSE_CSQLITESUPPORT_H
#define SKILLPULSE_CSQLITESUPPORT_H

/// Turns the connection's triggers on (1) or off (0) with SQLITE_DBCONFIG_ENABLE_TRIGGER and returns the
/// resulting state (1 on, 0 off), or -1 if SQLite refused. sqlite3_db_config is variadic, which Swift
/// cannot call, hence this wrapper. `db` is a `sqlite3 *`; it is untyped here so that this header does not
/// pull <sqlite3.h> into a second Clang module beside GRDB's.
int skillpulse_sqlite_set_triggers_enabled(void *db, int enabled);

/// Makes every commit on `db` store the WAL's frame count in `*frames` (sqlite3_wal_hook), so the writer
/// knows how large the WAL is without a syscall; NULL removes the hook. The hook replaces SQLite's
/// auto-checkpoint, which ingest switches off anyway. `*frames` must outlive the hook.
void skillpulse_sqlite_record_wal_frames(void *db, int *frames);

/// Flushes the dirty pages of `db`'s database file and of its WAL (or rollback journal) to disk with
/// fdatasync, through the descriptors SQLite itself holds (SQLITE_FCNTL_FILE_POINTER / _JOURNAL_POINTER).
///
/// Never sync these files through a descriptor of one's own: closing *any* descriptor of a file drops every
/// POSIX lock the process holds on it, SQLite's included, and another process may then delete the live WAL.
/// Returns SQLITE_OK, or the first error a sync reported.
int skillpulse_sqlite_sync_files(void *db);

/// Reads the WAL-index header of `db`'s main database from the shared memory SQLite itself has mapped (the
/// VFS's xShmMap on the file SQLite holds: no descriptor is opened or closed): `*frames` is the number of valid
/// frames in the WAL whoever wrote them (mxFrame), `*restarts` the header's first salt, which SQLite adds one to
/// each time the WAL starts over from its beginning, whichever connection restarts it. The header is kept twice;
/// a copy is used only when both agree (SQLite's own lock-free read), else the read is retried.
/// Returns SQLITE_OK; SQLITE_BUSY when the copies kept changing; another code when the file is not in WAL mode or
/// the connection has no shared memory mapped yet.
int skillpulse_sqlite_wal_index_header(void *db, unsigned int *frames, unsigned int *restarts);

#endif
