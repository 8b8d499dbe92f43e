/* SPDX-License-Identifier: MIT */
/*
** remote.c: entry point of the sqlite-remote extension.
**
**   .load ./dist/remote
**   SELECT remote_engine('pg', 'postgresql://user:pw@host/db');
**   CREATE VIRTUAL TABLE temp.t USING remote(pg, 'public.items');
**
** sqlite3_remote_init() makes this SQLite connection's session (session.h)
** and registers the functions (func.c), the remote_query table (query.c),
** the introspection tables (introspect.c), the `remote` module
** (vtab.c) and remote_import (import.c). The session is freed with the `remote` module, when the
** connection closes.
*/
#include <dlfcn.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

#include "func.h"
#include "twophase.h"
#include "remote.h"

/*
** Engines are process-wide, but SQLite unloads an extension when the last
** connection that loaded it closes: the engines, their pools and the idle
** server sessions would go with it. Pin the library in memory once.
*/

static void pinLibrary(void){
#ifndef SQLITE_CORE
  static int bPinned = 0;
  Dl_info info;
  if( bPinned ) return;
  if( dladdr((void*)sqlite3_remote_init, &info) && info.dli_fname ){
    /* RTLD_NOLOAD: the copy already loaded; RTLD_NODELETE: never unmapped.
    ** The handle is deliberately never closed. */
    if( dlopen(info.dli_fname, RTLD_NOW|RTLD_NOLOAD|RTLD_NODELETE) ) bPinned = 1;
  }
#endif
}

/* The session's destructor: the `remote` module frees it with the
** connection, and remote_native_handle() forgets the connection first */
static void sessionDestroy(void *pSess){
  remoteCapiForget((RemoteSession*)pSess);
  remoteSessionFree(pSess);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_remote_init(sqlite3 *db, char **pzErrMsg,
                        const sqlite3_api_routines *pApi){
  RemoteSession *pSess;
  int rc;
  SQLITE_EXTENSION_INIT2(pApi);
  pinLibrary();
  if( sqlite3_libversion_number()<3038000 ){
    *pzErrMsg = sqlite3_mprintf("sqlite-remote needs SQLite 3.38.0 or later, "
                                "this is %s", sqlite3_libversion());
    return SQLITE_ERROR;
  }
  pSess = remoteSessionNew(db);
  if( pSess==0 ) return SQLITE_NOMEM;
  /* The module owns the session: registered first, so that a failure below
  ** still frees it with the connection */
  rc = remoteVtabRegister(db, pSess, sessionDestroy);
  if( rc==SQLITE_OK ) rc = remoteImportRegister(db, pSess);
  if( rc==SQLITE_OK ) rc = remoteFuncRegister(db, pSess);
  if( rc==SQLITE_OK ) rc = remoteQueryRegister(db, pSess);
  if( rc==SQLITE_OK ) rc = remoteIntrospectRegister(db, pSess);
  if( rc==SQLITE_OK ) rc = remoteTpcRegister(db, pSess);
  if( rc==SQLITE_OK ) rc = remoteCapiRemember(db, pSess);
  if( rc!=SQLITE_OK ){
    *pzErrMsg = sqlite3_mprintf("sqlite-remote: cannot register: %s",
                                sqlite3_errstr(rc));
  }
  return rc;
}

/*
** The same entry point under the name SQLite derives from the installed
** file name: `.load libsqlite_remote` (or load_extension() of a path to
** libsqlite_remote.so or sqlite_remote.so) looks for
** sqlite3_sqliteremote_init (the letters of the name after "lib", up to
** the first dot).
*/
#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_sqliteremote_init(sqlite3 *db, char **pzErrMsg,
                              const sqlite3_api_routines *pApi){
  return sqlite3_remote_init(db, pzErrMsg, pApi);
}
