/* SPDX-License-Identifier: MIT */
/*
** test/chaos.c: threads racing on one engine, for the crashes a breaker
** found (issue 15). Built and run by threads.test:
**
**   cc -o chaos test/chaos.c -lsqlite3 -lpthread
**   ./chaos -ext dist/remote -url URL -mode static|replace|kill
**           [-threads 6] [-seconds 4] [-monitor-url URL]
**
** Every worker thread has its own sqlite3 connection with the extension
** loaded. Each checks every answer it gets (a wrong one counts in `wrong`):
**
**   static   engine `e` is a StaticPool: workers run, over and over, a
**            parameterized remote_scalar, a 200-row remote_query scan, a
**            scan and a write through a virtual table inside BEGIN ...
**            COMMIT, and a held handle; all share the pool's one
**            connection concurrently.
**   replace  workers scan and look up on `e` (a QueuePool of 2) while one
**            more thread replaces `e` (remote_engine), disposes its pool
**            and drops it, in a loop. "no such remote engine" is an
**            expected error; nothing else is.
**   kill     like replace, but the extra thread kills the server sessions
**            of the engine's application (pg_terminate_backend / KILL
**            CONNECTION through -monitor-url) instead. Disconnect errors
**            are expected.
**
** Output, one `key: value` per line: ok, errors (unexpected errors),
** expected (expected errors), wrong, rounds (of the extra thread),
** deadlock: 0 (a watchdog prints `deadlock: 1` and exits 2 past 120 s).
*/
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sqlite3.h"
#include "../tool/harness.h"

static const char *zExt = "dist/remote";
static const char *zUrl = 0;
static const char *zMonUrl = 0;
static const char *zMode = "static";
static int nThread = 6;
static double rSeconds = 4.0;
static int nSleepUs = 15000;    /* between two actions of the extra thread */
static int bPg = 0;

static volatile int bStop = 0;
static pthread_mutex_t statMutex = PTHREAD_MUTEX_INITIALIZER;
static long nOk = 0, nErr = 0, nExpected = 0, nWrong = 0, nRounds = 0;
static int nShown = 0;

static sqlite3 *openDb(void){ return harnessOpen("chaos", zExt); }

/* An error message that the mode expects */
static int isExpected(const char *zMsg){
  if( strcmp(zMode, "static")==0 ) return 0;
  if( strstr(zMsg, "no such remote engine") ) return 1;
  if( strcmp(zMode, "kill")==0 ){
    static const char *az[] = {
      "terminating connection", "server closed the connection",
      "no connection to the server", "could not receive data",
      "connection is closed", "ERROR 08", "ERROR 57P01",
      "Lost connection", "gone away", "Connection was killed",
    };
    size_t i;
    for(i=0; i<sizeof(az)/sizeof(az[0]); i++){
      if( strstr(zMsg, az[i]) ) return 1;
    }
  }
  return 0;
}

static void countErr(const char *zWhat, const char *zMsg){
  pthread_mutex_lock(&statMutex);
  if( isExpected(zMsg) ){
    nExpected++;
  }else{
    nErr++;
    if( nShown<8 ){
      nShown++;
      printf("error: %s: %s\n", zWhat, zMsg);
      fflush(stdout);
    }
  }
  pthread_mutex_unlock(&statMutex);
}

static void countResult(int bRight, const char *zWhat, sqlite3_int64 v){
  pthread_mutex_lock(&statMutex);
  if( bRight ){
    nOk++;
  }else{
    nWrong++;
    if( nShown<8 ){
      nShown++;
      printf("wrong: %s: got %lld\n", zWhat, v);
      fflush(stdout);
    }
  }
  pthread_mutex_unlock(&statMutex);
}

/* Run zSql (with iArg bound to ?1 when it has a parameter) and step it to
** the end; *piOut = first column of the first row. SQLITE_OK or the error
** code (counted). */
static int run(sqlite3 *db, const char *zSql, sqlite3_int64 iArg,
               sqlite3_int64 *piOut){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  int bFirst = 1;
  if( rc==SQLITE_OK ){
    if( sqlite3_bind_parameter_count(pStmt)>=1 ) sqlite3_bind_int64(pStmt, 1, iArg);
    while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
      if( bFirst && piOut ) *piOut = sqlite3_column_int64(pStmt, 0);
      bFirst = 0;
    }
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  }
  if( rc!=SQLITE_OK ) countErr(zSql, sqlite3_errmsg(db));
  sqlite3_finalize(pStmt);
  return rc;
}

/* The remote SQL of the checks, in the server's dialect */
static const char *zSeries(void){
  return bPg ? "SELECT g FROM generate_series(1,200) g"
             : "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g+1 FROM s"
               " WHERE g<200) SELECT g FROM s";
}

/* One round of checks on engine `e` by worker iWorker (round iRound) */
static void checks(sqlite3 *db, int iWorker, int iRound, int bVtab){
  char zSql[512];
  sqlite3_int64 v = -1;
  sqlite3_int64 x = iWorker*1000003 + iRound;

  /* a parameterized lookup */
  snprintf(zSql, sizeof(zSql), "SELECT remote_scalar('e', '%s', ?1)",
           bPg ? "SELECT $1::int8 * 2" : "SELECT ? * 2");
  if( run(db, zSql, x, &v)==SQLITE_OK ) countResult(v==2*x, "scalar", v);

  /* a scan, read whole */
  v = -1;
  snprintf(zSql, sizeof(zSql), "SELECT sum(json_extract(row, '$.g')) FROM "
           "remote_query('e', '%s')", zSeries());
  if( run(db, zSql, 0, &v)==SQLITE_OK ) countResult(v==20100, "scan", v);

  /* a scan with a lookup nested in it, on the same engine */
  v = -1;
  snprintf(zSql, sizeof(zSql), "SELECT sum(remote_scalar('e', '%s', "
           "json_extract(row, '$.g'))) FROM remote_query('e', '%s')",
           bPg ? "SELECT $1::int8 + 1" : "SELECT ? + 1", zSeries());
  if( run(db, zSql, 0, &v)==SQLITE_OK ) countResult(v==20300, "nested", v);

  /* the introspection of engines and pools, which another thread may be
  ** replacing or dropping (the row counts vary) */
  run(db, "SELECT remote_pool_status('e')", 0, 0);
  run(db, "SELECT count(*) FROM remote_engines", 0, 0);
  run(db, "SELECT count(*) FROM remote_connections", 0, 0);

  if( bVtab ){
    /* a write and a read inside one SQLite transaction */
    sqlite3_int64 id = (sqlite3_int64)iWorker*100000 + iRound;
    if( run(db, "BEGIN", 0, 0)==SQLITE_OK ){
      int rc = run(db, "INSERT INTO temp.ct(id, v) VALUES (?1, ?1*3)", id, 0);
      v = -1;
      if( rc==SQLITE_OK ) rc = run(db, "SELECT v FROM temp.ct WHERE id=?1", id, &v);
      if( rc==SQLITE_OK ) countResult(v==id*3, "vtab read", v);
      if( rc==SQLITE_OK ) rc = run(db, "DELETE FROM temp.ct WHERE id=?1", id, 0);
      if( rc==SQLITE_OK ){
        run(db, "COMMIT", 0, 0);
      }else{
        sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
      }
    }
    /* a held handle */
    {
      sqlite3_int64 h = 0;
      if( run(db, "SELECT remote_connect('e')", 0, &h)==SQLITE_OK && h>0 ){
        v = -1;
        snprintf(zSql, sizeof(zSql), "SELECT remote_scalar(?1, '%s')",
                 bPg ? "SELECT 7" : "SELECT 7");
        if( run(db, zSql, h, &v)==SQLITE_OK ) countResult(v==7, "handle", v);
        run(db, "SELECT remote_close(?1)", h, 0);
      }
    }
  }
}

static void *worker(void *pArg){
  int iWorker = (int)(size_t)pArg;
  sqlite3 *db = openDb();
  int bVtab = strcmp(zMode, "static")==0;
  int iRound;
  if( bVtab ){
    if( run(db, "CREATE VIRTUAL TABLE temp.ct USING remote(e, 'chaos_t')", 0, 0) ){
      bVtab = 0;
    }
  }
  for(iRound=0; !bStop; iRound++){
    checks(db, iWorker, iRound, bVtab);
  }
  sqlite3_close(db);
  return 0;
}

/* The extra thread of replace mode */
static void *replacer(void *pArg){
  sqlite3 *db = openDb();
  /* a QueuePool, and a NullPool (every return closes its connection, so
  ** that returns race with the pool's end) */
  char *zCreate = sqlite3_mprintf(
      "SELECT remote_engine('e', %Q, 'pool_size=2', 'max_overflow=1')", zUrl);
  char *zCreateNull = sqlite3_mprintf(
      "SELECT remote_engine('e', %Q, 'poolclass=NullPool')", zUrl);
  int i;
  (void)pArg;
  for(i=0; !bStop; i++){
    switch( i%6 ){
      case 0: run(db, zCreate, 0, 0); break;
      case 1: run(db, "SELECT remote_dispose('e')", 0, 0); break;
      case 2: run(db, "SELECT remote_drop('e')", 0, 0); break;
      case 3: run(db, zCreateNull, 0, 0); break;
      case 4: run(db, zCreateNull, 0, 0); break;
      default: run(db, "SELECT remote_dispose('e')", 0, 0); break;
    }
    pthread_mutex_lock(&statMutex);
    nRounds++;
    pthread_mutex_unlock(&statMutex);
    usleep(nSleepUs);
  }
  run(db, zCreate, 0, 0);
  sqlite3_free(zCreate);
  sqlite3_free(zCreateNull);
  sqlite3_close(db);
  return 0;
}

/* The extra thread of kill mode: ends the engine's server sessions */
static void *killer(void *pArg){
  sqlite3 *db = openDb();
  char *zSql;
  (void)pArg;
  zSql = sqlite3_mprintf("SELECT remote_engine('chaos_mon', %Q, 'pool_size=1')",
                         zMonUrl);
  run(db, zSql, 0, 0);
  sqlite3_free(zSql);
  while( !bStop ){
    if( bPg ){
      run(db, "SELECT remote_scalar('chaos_mon', 'SELECT count(pg_terminate_backend(pid))"
              " FROM pg_stat_activity WHERE application_name=''chaos''')", 0, 0);
    }else{
      /* the victims run as their own user (see threads.test) */
      sqlite3_stmt *pStmt = 0;
      sqlite3_prepare_v2(db, "SELECT json_extract(row, '$.id') FROM remote_query("
          "'chaos_mon', 'SELECT id FROM information_schema.processlist"
          " WHERE user=''chaos_user''')", -1, &pStmt, 0);
      while( pStmt && sqlite3_step(pStmt)==SQLITE_ROW ){
        char *zKill = sqlite3_mprintf("SELECT remote_execute('chaos_mon', "
            "'KILL CONNECTION %lld')", sqlite3_column_int64(pStmt, 0));
        sqlite3_exec(db, zKill, 0, 0, 0);   /* it may be gone already */
        sqlite3_free(zKill);
      }
      sqlite3_finalize(pStmt);
    }
    pthread_mutex_lock(&statMutex);
    nRounds++;
    pthread_mutex_unlock(&statMutex);
    usleep(20000);
  }
  run(db, "SELECT remote_drop('chaos_mon')", 0, 0);
  sqlite3_close(db);
  return 0;
}

int main(int argc, char **argv){
  pthread_t aTh[64], thExtra;
  sqlite3 *db;
  char *zSql;
  double t0;
  int i, bExtra = 0;
  for(i=1; i<argc; i++){
    const char *z = argv[i];
    const char *zVal = i+1<argc ? argv[i+1] : 0;
    if( zVal==0 ){ fprintf(stderr, "chaos: %s needs a value\n", z); return 1; }
    if( strcmp(z, "-ext")==0 ) zExt = zVal;
    else if( strcmp(z, "-url")==0 ) zUrl = zVal;
    else if( strcmp(z, "-mode")==0 ) zMode = zVal;
    else if( strcmp(z, "-threads")==0 ) nThread = atoi(zVal);
    else if( strcmp(z, "-seconds")==0 ) rSeconds = atof(zVal);
    else if( strcmp(z, "-monitor-url")==0 ) zMonUrl = zVal;
    else if( strcmp(z, "-sleep-us")==0 ) nSleepUs = atoi(zVal);
    else{ fprintf(stderr, "chaos: unknown option %s\n", z); return 1; }
    i++;
  }
  if( zUrl==0 ){ fprintf(stderr, "chaos: -url is required\n"); return 1; }
  if( nThread<1 || nThread>64 ) nThread = 6;
  bPg = strncmp(zUrl, "postgres", 8)==0;
  signal(SIGALRM, onAlarm);
  alarm(120);

  db = openDb();
  if( strcmp(zMode, "static")==0 ){
    zSql = sqlite3_mprintf("SELECT remote_engine('e', %Q, 'poolclass=StaticPool')", zUrl);
  }else{
    zSql = sqlite3_mprintf("SELECT remote_engine('e', %Q, 'pool_size=2', "
                           "'max_overflow=1')", zUrl);
  }
  if( run(db, zSql, 0, 0)!=SQLITE_OK ) return 1;
  sqlite3_free(zSql);
  if( strcmp(zMode, "static")==0 ){
    run(db, "SELECT remote_execute('e', 'DROP TABLE IF EXISTS chaos_t')", 0, 0);
    run(db, "SELECT remote_execute('e', 'CREATE TABLE chaos_t (id bigint "
            "PRIMARY KEY, v bigint)')", 0, 0);
  }

  for(i=0; i<nThread; i++) pthread_create(&aTh[i], 0, worker, (void*)(size_t)i);
  if( strcmp(zMode, "replace")==0 ){
    pthread_create(&thExtra, 0, replacer, 0);
    bExtra = 1;
  }else if( strcmp(zMode, "kill")==0 && zMonUrl ){
    pthread_create(&thExtra, 0, killer, 0);
    bExtra = 1;
  }
  t0 = now();
  while( now()-t0<rSeconds ) usleep(50000);
  bStop = 1;
  for(i=0; i<nThread; i++) pthread_join(aTh[i], 0);
  if( bExtra ) pthread_join(thExtra, 0);

  if( strcmp(zMode, "static")==0 ){
    sqlite3_int64 n = -1;
    /* every transaction deleted what it wrote */
    if( run(db, "SELECT remote_scalar('e', 'SELECT count(*) FROM chaos_t')", 0, &n)==SQLITE_OK ){
      countResult(n==0, "rows left", n);
    }
    run(db, "SELECT remote_execute('e', 'DROP TABLE IF EXISTS chaos_t')", 0, 0);
  }
  run(db, "SELECT remote_drop('e')", 0, 0);
  sqlite3_close(db);
  printf("ok: %ld\n", nOk);
  printf("errors: %ld\n", nErr);
  printf("expected: %ld\n", nExpected);
  printf("wrong: %ld\n", nWrong);
  printf("rounds: %ld\n", nRounds);
  printf("deadlock: 0\n");
  return 0;
}
