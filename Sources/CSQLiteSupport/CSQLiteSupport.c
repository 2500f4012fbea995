#include <sqlite3.h>
#include "CSQLiteSupport.h"

int skillpulse_sqlite_set_triggers_enabled(void *db, int enabled) {
    int state = -1;
    if (sqlite3_db_config((sqlite3 *)db, SQLITE_DBCONFIG_ENABLE_TRIGGER, enabled, &state) != SQLITE_OK) {
        return -1;
    }
    return state;
}
