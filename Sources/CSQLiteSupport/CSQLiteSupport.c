#include <sqlite3.h>
#include "CSQLiteSupport.h"

int skillpulse_sqlite_set_triggers_enabled(void *db, int enabled) {
    int state = -1;
    if (sqlite3_db_config((sqlite3 *)db, SQLITE_DBCONFIG_ENABLE_TRIGGER, enabled, &state) != SQLITE_OK) {
        return -1;
    }
    return state;
}

static int skillpulse_record_wal_frames(void *frames, sqlite3 *db, const char *schema, int count) {
    (void)db;
    (void)schema;
    *(int *)frames = count;
    return SQLITE_OK;
}

void skillpulse_sqlite_record_wal_frames(void *db, int *frames) {
    sqlite3_wal_hook((sqlite3 *)db, frames ? skillpulse_record_wal_frames : 0, frames);
}
