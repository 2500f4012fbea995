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

static int skillpulse_sync_file_pointer(sqlite3 *db, int op) {
    sqlite3_file *file = 0;
    if (sqlite3_file_control(db, "main", op, &file) != SQLITE_OK || file == 0 || file->pMethods == 0) {
        return SQLITE_OK;
    }
    return file->pMethods->xSync(file, SQLITE_SYNC_NORMAL | SQLITE_SYNC_DATAONLY);
}

int skillpulse_sqlite_sync_files(void *db) {
    int database = skillpulse_sync_file_pointer((sqlite3 *)db, SQLITE_FCNTL_FILE_POINTER);
    int journal = skillpulse_sync_file_pointer((sqlite3 *)db, SQLITE_FCNTL_JOURNAL_POINTER);
    return database != SQLITE_OK ? database : journal;
}
