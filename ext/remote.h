/* SPDX-License-Identifier: MIT */
/*
** remote.h: the C API of sqlite-remote for applications that embed SQLite.
**
** Link dist/remote.so, or once installed (make install) the library
** libsqlite_remote.so (`cc app.c $(pkg-config --cflags --libs sqlite-remote)`,
** this header being <remote.h> there), or compile the ext/ sources into the
** application with -DSQLITE_CORE; register the extension, open a
** connection, and create the engines before any SQL runs:
**
**   sqlite3_auto_extension((void(*)(void))sqlite3_remote_init);
**   sqlite3_open(":memory:", &db);
**   char *zErr = 0;
**   const char *azOpt[] = { "pool_size=4", "pool_pre_ping=1" };
**   if( remote_engine_create("pg", getenv("PG_URL"), 2, azOpt, &zErr) ) ...
**
** Linked as a shared library, the API works once a connection has loaded
** the extension (it reaches SQLite through that); before, it returns
** SQLITE_MISUSE.
**
** Every function returns an SQLite result code; error texts are the ones
** the SQL functions give, sqlite3_malloc'd (free with sqlite3_free).
*/
#ifndef SQLITE_REMOTE_H
#define SQLITE_REMOTE_H

#include <sqlite3.h>

#ifdef __cplusplus
extern "C" {
#endif

struct RemoteDialect;     /* ext/dialect.h: the driver interface */

/* The library is built with -fvisibility=hidden: only what this header
** declares is exported (calls inside it then go straight, not through the
** PLT) */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* The extension's entry point (what .load and load_extension() call for
** dist/remote.so), and the same under the name SQLite derives from the
** installed libsqlite_remote.so */
int sqlite3_remote_init(sqlite3 *db, char **pzErrMsg,
                        const sqlite3_api_routines *pApi);
int sqlite3_sqliteremote_init(sqlite3 *db, char **pzErrMsg,
                              const sqlite3_api_routines *pApi);

/* Create or replace engine zName, as remote_engine(NAME, URL, OPTION...) */
int remote_engine_create(const char *zName, const char *zUrl, int nOpt,
                         const char **azOpt, char **pzErr);

/* Remove engine zName: 1 if it existed, else 0 */
int remote_engine_drop(const char *zName);

/* Register a dialect of your own under URL dialect name zName; the struct
** must outlive the process's use of it (see ext/dialect.h) */
int remote_register_dialect(const char *zName, const struct RemoteDialect *p);

/* Pool events (first_connect, connect, checkout, checkin, reset,
** invalidate, soft_invalidate, close, detach, close_detached), in order.
** The callback runs on the thread that caused the event, with an internal
** lock held: it must not call back into sqlite-remote. */
typedef void (*remote_event_callback)(void *pArg, const char *zEngine,
                                      const char *zEvent, int iConn,
                                      const char *zDetail);
int remote_event_listen(remote_event_callback xEvent, void *pArg);
int remote_event_unlisten(remote_event_callback xEvent, void *pArg);

/* The driver's own handle (PGconn*, MYSQL*, or sqlite3*) of the connection
** held by handle iHandle (from remote_connect) in db, or NULL when there is
** none. Valid until that handle is closed or invalidated. */
void *remote_native_handle(sqlite3 *db, sqlite3_int64 iHandle);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif
#endif /* SQLITE_REMOTE_H */
