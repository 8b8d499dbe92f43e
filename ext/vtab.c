/*
** vtab.c: the `remote` virtual-table module.
**
**   CREATE VIRTUAL TABLE temp.t USING remote(pg, 'public.items');
**
** (Being written: this first version registers the module so that it owns
** the session's lifetime.)
*/
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "func.h"

static sqlite3_module remoteModule = {
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
};

int remoteClearCache(const char *zName){
  (void)zName;
  return 0;
}

int remoteVtabRegister(sqlite3 *db, RemoteSession *pSess){
  return sqlite3_create_module_v2(db, "remote", &remoteModule, pSess,
                                  remoteSessionFree);
}
