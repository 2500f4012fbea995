#ifndef SKILLPULSE_CSQLITESUPPORT_H
#define SKILLPULSE_CSQLITESUPPORT_H

/// Turns the connection's triggers on (1) or off (0) with SQLITE_DBCONFIG_ENABLE_TRIGGER and returns the
/// resulting state (1 on, 0 off), or -1 if SQLite refused. sqlite3_db_config is variadic, which Swift
/// cannot call, hence this wrapper. `db` is a `sqlite3 *`; it is untyped here so that this header does not
/// pull <sqlite3.h> into a second Clang module beside GRDB's.
int skillpulse_sqlite_set_triggers_enabled(void *db, int enabled);

#endif
