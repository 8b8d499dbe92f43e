/* SPDX-License-Identifier: MIT */
/*
** capi.c: tests of the C API in ext/remote.h, as an embedding application
** uses it: link dist/remote.so, register it as an auto extension, create
** an engine from C, listen to pool events, and reach the driver's own
** handle of a held connection.
**
**   cc -Iext -DSQLITE_CORE test/capi.c test/capi_dialect.c dist/remote.so \
**      -lsqlite3 -lpq -lmariadb -o capi
**   ./capi DIALECT URL        (DIALECT: pg, mysql or sqlite)
**
** Prints "ok NAME" / "FAIL NAME: why" lines and exits non-zero on failure.
*/
#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "remote.h"
#include "dialect.h"

/* test/capi_dialect.c */
extern const RemoteDialect mirrorDialect;
extern char zMirrorLog[16384];

static int nFail = 0;
static char zEvents[4096];

static void check(int bOk, const char *zName, const char *zWhy){
  if( bOk ){
    printf("ok %s\n", zName);
  }else{
    printf("FAIL %s: %s\n", zName, zWhy);
    nFail++;
  }
}

static void onEvent(void *pArg, const char *zEngine, const char *zEvent,
                    int iConn, const char *zDetail){
  (void)iConn; (void)zDetail;
  if( strcmp(zEngine, (const char*)pArg)!=0 ) return;
  if( strlen(zEvents)+strlen(zEvent)+2<sizeof(zEvents) ){
    strcat(zEvents, zEvent);
    strcat(zEvents, " ");
  }
}

/* First column of the first row of zSql as text (static buffer), or the
** error message */
static const char *textOf(sqlite3 *db, const char *zSql){
  static char zBuf[512];
  sqlite3_stmt *pStmt = 0;
  zBuf[0] = 0;
  if( sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0)==SQLITE_OK ){
    int rc = sqlite3_step(pStmt);
    if( rc==SQLITE_ROW ){
      const char *z = (const char*)sqlite3_column_text(pStmt, 0);
      snprintf(zBuf, sizeof(zBuf), "%s", z ? z : "NULL");
    }else if( rc!=SQLITE_DONE ){
      snprintf(zBuf, sizeof(zBuf), "error: %s", sqlite3_errmsg(db));
    }
  }else{
    snprintf(zBuf, sizeof(zBuf), "error: %s", sqlite3_errmsg(db));
  }
  sqlite3_finalize(pStmt);
  return zBuf;
}

/*
** A dialect of the application's own (test/capi_dialect.c, "mirror": an
** SQLite file): reachable by its URL name, its tables read and written,
** and nothing pushed to it, since the module does not know its SQL.
*/
static void testOwnDialect(sqlite3 *db, const char *zPath){
  char zUrl[600], *zErr = 0;
  const char *z;
  int rc;
  rc = remote_register_dialect("mirror", &mirrorDialect);
  check(rc==SQLITE_OK, "capi-4.0-register-dialect", "remote_register_dialect failed");
  snprintf(zUrl, sizeof(zUrl), "mirror://%s", zPath);
  rc = remote_engine_create("mir", zUrl, 0, 0, &zErr);
  check(rc==SQLITE_OK, "capi-4.1-engine", zErr ? zErr : "failed");
  sqlite3_free(zErr);
  sqlite3_exec(db,
    "SELECT remote_execute('mir', 'DROP TABLE IF EXISTS mt');"
    "SELECT remote_execute('mir', 'CREATE TABLE mt(id INTEGER PRIMARY KEY, "
    "  name TEXT, n INTEGER)');"
    "SELECT remote_execute('mir', 'INSERT INTO mt VALUES (1,''a'',1),(2,''b'',2),"
    "  (3,''b'',3),(4,''B'',4),(5,''b'',5)');"
    "CREATE VIRTUAL TABLE temp.mt USING remote(mir, 'mt');", 0, 0, 0);
  zMirrorLog[0] = 0;
  z = textOf(db, "SELECT group_concat(id) FROM (SELECT id FROM mt "
                 "WHERE n > 1 AND name = 'b' ORDER BY id DESC LIMIT 2)");
  check(strcmp(z, "5,3")==0, "capi-4.2-query", z);
  check(strstr(zMirrorLog, "SELECT")!=0 && strstr(zMirrorLog, "WHERE")==0
        && strstr(zMirrorLog, "ORDER")==0 && strstr(zMirrorLog, "LIMIT")==0,
        "capi-4.3-nothing-pushed", zMirrorLog);
  zMirrorLog[0] = 0;
  z = textOf(db, "SELECT count(*) FROM mt WHERE name LIKE 'b' OR id IN (1, 2)");
  check(strcmp(z, "5")==0 && strstr(zMirrorLog, "WHERE")==0
        && strstr(zMirrorLog, "LIKE")==0, "capi-4.4-like-in", z);
  zMirrorLog[0] = 0;
  rc = sqlite3_exec(db, "INSERT INTO mt VALUES (10, 'x', 5)", 0, 0, 0);
  check(rc==SQLITE_OK && strstr(zMirrorLog, "?")!=0 && strstr(zMirrorLog, "$")==0,
        "capi-4.5-insert-qmark", rc ? sqlite3_errmsg(db) : zMirrorLog);
  rc = sqlite3_exec(db, "UPDATE mt SET n = 7 WHERE id = 10", 0, 0, 0);
  z = textOf(db, "SELECT remote_scalar('mir', 'SELECT n FROM mt WHERE id = 10')");
  check(rc==SQLITE_OK && strcmp(z, "7")==0, "capi-4.6-update", z);
  rc = sqlite3_exec(db, "INSERT OR REPLACE INTO mt VALUES (10, 'y', 1)", 0, 0, 0);
  check(rc!=SQLITE_OK && strstr(sqlite3_errmsg(db), "INSERT OR REPLACE is not "
        "supported")!=0, "capi-4.7-no-upsert", sqlite3_errmsg(db));
  rc = sqlite3_exec(db, "DELETE FROM mt WHERE id = 10", 0, 0, 0);
  z = textOf(db, "SELECT remote_scalar('mir', 'SELECT count(*) FROM mt')");
  check(rc==SQLITE_OK && strcmp(z, "5")==0, "capi-4.8-delete", z);
  sqlite3_exec(db, "DROP TABLE temp.mt", 0, 0, 0);
  check(remote_engine_drop("mir")==1, "capi-4.9-drop", "drop returned 0");
}

/* First column of the first row of zSql as an integer, -1 on error */
static sqlite3_int64 scalar(sqlite3 *db, const char *zSql){
  sqlite3_stmt *pStmt = 0;
  sqlite3_int64 v = -1;
  if( sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0)==SQLITE_OK
   && sqlite3_step(pStmt)==SQLITE_ROW ){
    v = sqlite3_column_int64(pStmt, 0);
  }else{
    fprintf(stderr, "capi: %s: %s\n", zSql, sqlite3_errmsg(db));
  }
  sqlite3_finalize(pStmt);
  return v;
}

int main(int argc, char **argv){
  const char *zDialect, *zUrl;
  const char *azOpt[] = { "pool_size=2", "max_overflow=0" };
  char *zErr = 0;
  char zSql[256];
  sqlite3 *db = 0;
  sqlite3_int64 iHandle, iPid;
  void *pNative;
  int rc;

  if( argc!=3 ){
    fprintf(stderr, "usage: %s DIALECT URL\n", argv[0]);
    return 2;
  }
  zDialect = argv[1];
  zUrl = argv[2];

  /* Before any connection loaded the extension: a clean refusal */
  rc = remote_engine_create("capi", zUrl, 2, azOpt, &zErr);
  check(rc==SQLITE_MISUSE && zErr==0, "capi-1.0-misuse-before-load",
        "expected SQLITE_MISUSE before the extension is loaded");

  sqlite3_auto_extension((void(*)(void))sqlite3_remote_init);
  if( sqlite3_open(":memory:", &db)!=SQLITE_OK ){
    fprintf(stderr, "capi: cannot open\n");
    return 2;
  }

  rc = remote_event_listen(onEvent, (void*)"capi");
  check(rc==SQLITE_OK, "capi-1.1-listen", "remote_event_listen failed");

  rc = remote_engine_create("capi", zUrl, 2, azOpt, &zErr);
  check(rc==SQLITE_OK, "capi-1.2-engine-create", zErr ? zErr : "failed");
  sqlite3_free(zErr);
  zErr = 0;

  rc = remote_engine_create("capi-bad", zUrl, 1, (const char*[]){"bogus=1"}, &zErr);
  check(rc!=SQLITE_OK && zErr && strcmp(zErr, "unknown engine option 'bogus'")==0,
        "capi-1.3-engine-error", zErr ? zErr : "no error text");
  sqlite3_free(zErr);
  zErr = 0;

  /* The engine made in C is visible to SQL */
  check(scalar(db, "SELECT count(*) FROM remote_engines WHERE name='capi'")==1,
        "capi-1.4-visible-in-sql", "remote_engines does not list it");

  iHandle = scalar(db, "SELECT remote_connect('capi')");
  check(iHandle>0, "capi-2.0-connect", "remote_connect failed");
  check(strcmp(zEvents, "first_connect connect checkout ")==0,
        "capi-2.1-events", zEvents);

  /* The native handle is the driver's own, on the same server session */
  pNative = remote_native_handle(db, iHandle);
  check(pNative!=0, "capi-2.2-native", "NULL native handle");
  if( pNative && strcmp(zDialect, "pg")==0 ){
    snprintf(zSql, sizeof(zSql),
             "SELECT remote_scalar(%lld, 'SELECT pg_backend_pid()')", iHandle);
    iPid = scalar(db, zSql);
    check(PQstatus((PGconn*)pNative)==CONNECTION_OK
          && PQbackendPID((PGconn*)pNative)==iPid,
          "capi-2.3-native-pg", "PQbackendPID differs from pg_backend_pid()");
  }else if( pNative && strcmp(zDialect, "mysql")==0 ){
    snprintf(zSql, sizeof(zSql),
             "SELECT remote_scalar(%lld, 'SELECT CONNECTION_ID()')", iHandle);
    iPid = scalar(db, zSql);
    check(mysql_ping((MYSQL*)pNative)==0
          && (sqlite3_int64)mysql_thread_id((MYSQL*)pNative)==iPid,
          "capi-2.3-native-mysql", "mysql_thread_id differs from CONNECTION_ID()");
  }else if( pNative ){
    sqlite3 *pLite = (sqlite3*)pNative;
    sqlite3_exec(pLite, "CREATE TABLE IF NOT EXISTS capi_t(x); "
                        "DELETE FROM capi_t; INSERT INTO capi_t VALUES(42)", 0, 0, 0);
    snprintf(zSql, sizeof(zSql),
             "SELECT remote_scalar(%lld, 'SELECT x FROM capi_t')", iHandle);
    check(scalar(db, zSql)==42, "capi-2.3-native-sqlite",
          "a row written through the native handle is not seen");
  }
  check(remote_native_handle(db, iHandle+1000)==0, "capi-2.4-native-unknown",
        "a handle that does not exist gave a pointer");

  snprintf(zSql, sizeof(zSql), "SELECT remote_close(%lld)", iHandle);
  check(scalar(db, zSql)==1, "capi-2.5-close", "remote_close failed");
  check(remote_native_handle(db, iHandle)==0, "capi-2.6-native-after-close",
        "a closed handle still gives a pointer");
  check(strcmp(zEvents, "first_connect connect checkout reset checkin ")==0,
        "capi-2.7-events-after-close", zEvents);

  rc = remote_event_unlisten(onEvent, (void*)"capi");
  check(rc==SQLITE_OK, "capi-3.0-unlisten", "remote_event_unlisten failed");
  zEvents[0] = 0;
  scalar(db, "SELECT remote_scalar('capi', 'SELECT 1')");
  check(zEvents[0]==0, "capi-3.1-no-events-after-unlisten", zEvents);

  check(remote_engine_drop("capi")==1, "capi-3.2-drop", "drop returned 0");
  check(remote_engine_drop("capi")==0, "capi-3.3-drop-again", "drop returned 1");

  if( strcmp(zDialect, "sqlite")==0 && strncmp(zUrl, "sqlite://", 9)==0 ){
    testOwnDialect(db, zUrl+9);
  }

  sqlite3_close(db);
  printf("%d failed\n", nFail);
  return nFail ? 1 : 0;
}
