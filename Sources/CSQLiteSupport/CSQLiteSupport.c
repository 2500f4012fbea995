#include <sqlite3.h>
#include <string.h>
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

/* The WAL-index header (https://sqlite.org/walformat.html, "The WAL-Index Header"): 48 bytes, stored twice at
 * the start of the first shared-memory region; mxFrame at byte 16 (native order), the first salt at byte 32
 * (big-endian, as in the WAL file's header). */
enum { WAL_INDEX_REGION_BYTES = 32768, WAL_INDEX_HEADER_BYTES = 48, WAL_INDEX_VERSION = 3007000 };

int skillpulse_sqlite_wal_index_header(void *db, unsigned int *frames, unsigned int *restarts) {
    sqlite3_file *file = 0;
    if (sqlite3_file_control((sqlite3 *)db, "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || file == 0
        || file->pMethods == 0 || file->pMethods->iVersion < 2 || file->pMethods->xShmMap == 0) {
        return SQLITE_NOTFOUND;
    }
    void volatile *region = 0;
    int rc = file->pMethods->xShmMap(file, 0, WAL_INDEX_REGION_BYTES, 0, &region);
    if (rc != SQLITE_OK) return rc;
    if (region == 0) return SQLITE_NOTFOUND;
    const volatile unsigned char *shared = (const volatile unsigned char *)region;
    for (int attempt = 0; attempt < 1000; attempt++) {
        unsigned char first[WAL_INDEX_HEADER_BYTES];
        unsigned char second[WAL_INDEX_HEADER_BYTES];
        /* The order SQLite reads them in (walIndexTryHdr): a writer updates the second copy first. */
        for (int i = 0; i < WAL_INDEX_HEADER_BYTES; i++) first[i] = shared[i];
        __sync_synchronize();
        for (int i = 0; i < WAL_INDEX_HEADER_BYTES; i++) second[i] = shared[WAL_INDEX_HEADER_BYTES + i];
        unsigned int version;
        memcpy(&version, first, 4);
        if (memcmp(first, second, WAL_INDEX_HEADER_BYTES) != 0 || first[12] != 1 || version != WAL_INDEX_VERSION) {
            continue;
        }
        memcpy(frames, first + 16, 4);
        *restarts = (unsigned int)first[32] << 24 | (unsigned int)first[33] << 16 | (unsigned int)first[34] << 8
            | (unsigned int)first[35];
        return SQLITE_OK;
    }
    return SQLITE_BUSY;
}
