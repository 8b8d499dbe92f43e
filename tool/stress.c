/* SPDX-License-Identifier: MIT */
/*
** tool/stress.c: many threads against one engine's pool, each thread with
** its own sqlite3 connection that loaded the extension.
**
**   cc -O2 -o dist/stress tool/stress.c -lsqlite3 -lpthread
**   dist/stress -ext dist/remote -url URL [-threads 16] [-iterations 2000]
**       [-mode scalar|connect|pid|wake-close|wake-detach|wake-invalidate]
**       [-opt key=value]... [-monitor-url URL -monitor-sql SQL]
**       [-deadline SECONDS]
**
** The engine `e` is made from -url with the -opt options (pool_size=4,
** max_overflow=2 unless given). Modes:
**
**   scalar   each iteration runs SELECT remote_scalar('e', 'SELECT 1')
**   connect  each iteration: remote_connect, remote_scalar on the handle,
**            remote_close
**   pid      like scalar, asking the server for its session id (PIDSQL
**            from -pid-sql); reports how many distinct ids each thread saw
**   wake-*   two threads, pool_size=1, max_overflow=0: one holds the only
**            connection (a handle, or a transaction on the engine name),
**            the other waits for it; after 0.3 s the holder gives it back
**            by remote_close, remote_detach, or remote_invalidate of its
**            transaction. Reports whether the waiter got it, and how long
**            it waited (woken before its pool_timeout, not timed out).
**
** While the threads run, a monitor thread runs -monitor-sql (a count of the
** server's sessions of this engine, e.g. from pg_stat_activity) through
** its own engine on -monitor-url every few milliseconds, and samples
** remote_engines' checked_out. The whole run is under a watchdog: past
** -deadline seconds (default 120) it prints `deadlock: 1` and exits 2.
**
** Output, one `key: value` per line: ok, busy (SQLITE_BUSY results),
** busy_text (of those, how many carried the QueuePool timeout text),
** errors, timeouts_logged (the pool's own count: its echo_pool lines
** "QueuePool limit of size ..."), max_sessions, samples, max_checked_out,
** final_status, distinct_max / distinct_total (pid mode), waited_ms /
** waiter (wake modes), deadlock: 0. Exit status 0 unless setup failed.
*/
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sqlite3.h"
#include "harness.h"

#define MAX_OPT 32
#define MAX_PID 64

static const char *zExt = "dist/remote";
static const char *zUrl = 0;
static const char *zMode = "scalar";
static const char *zMonUrl = 0;
static const char *zMonSql = 0;
static const char *zPidSql = "SELECT 1";
static const char *azOpt[MAX_OPT];
static int nOpt = 0;
static int nThread = 16;
static int nIter = 2000;
static int nDeadline = 120;

static volatile int bDone = 0;
static pthread_mutex_t statMutex = PTHREAD_MUTEX_INITIALIZER;
static long nOk = 0, nBusy = 0, nBusyText = 0, nErr = 0;
static int nErrShown = 0;
static long nMaxSessions = -1, nSamples = 0, nMaxOut = 0;
static int nDistinctMax = 0;
static sqlite3_int64 aAllPid[MAX_PID*4];
static int nAllPid = 0;

/* A new connection with the extension loaded, or exit */
static sqlite3 *openDb(void){
  sqlite3 *db = harnessOpen("stress", zExt);
  sqlite3_busy_timeout(db, 0);
  return db;
}

/* Run SQL that returns one value; *piOut gets it. Returns the result code
** of the step (SQLITE_ROW on success); counts it. */
static int runOne(sqlite3 *db, const char *zSql, sqlite3_int64 iArg, int bArg,
                  sqlite3_int64 *piOut, int bCount){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    if( bArg ) sqlite3_bind_int64(pStmt, 1, iArg);
    rc = sqlite3_step(pStmt);
    if( rc==SQLITE_ROW && piOut ) *piOut = sqlite3_column_int64(pStmt, 0);
  }
  if( rc!=SQLITE_ROW ){
    const char *zMsg = sqlite3_errmsg(db);
    int bTimeoutText = strncmp(zMsg, "QueuePool limit of size ", 24)==0
                    && strstr(zMsg, "connection timed out, timeout ")!=0;
    if( bCount ){
      pthread_mutex_lock(&statMutex);
      if( sqlite3_errcode(db)==SQLITE_BUSY ){
        nBusy++;
        if( bTimeoutText ) nBusyText++;
      }else{
        nErr++;
        if( nErrShown<5 ){
          nErrShown++;
          printf("error: %s\n", zMsg);
        }
      }
      pthread_mutex_unlock(&statMutex);
    }
  }
  sqlite3_finalize(pStmt);
  return rc;
}

static void addPid(sqlite3_int64 *aPid, int *pnPid, sqlite3_int64 iPid, int nMax){
  int i;
  for(i=0; i<*pnPid; i++) if( aPid[i]==iPid ) return;
  if( *pnPid<nMax ) aPid[(*pnPid)++] = iPid;
}

static void *worker(void *pArg){
  sqlite3 *db = openDb();
  sqlite3_int64 aPid[MAX_PID];
  int nPid = 0;
  int i;
  char *zPidQuery = sqlite3_mprintf("SELECT remote_scalar('e', %Q)", zPidSql);
  (void)pArg;
  for(i=0; i<nIter; i++){
    sqlite3_int64 v = 0;
    int rc;
    if( strcmp(zMode, "connect")==0 ){
      sqlite3_int64 h = 0;
      rc = runOne(db, "SELECT remote_connect('e')", 0, 0, &h, 1);
      if( rc==SQLITE_ROW ){
        rc = runOne(db, "SELECT remote_scalar(?1, 'SELECT 1')", h, 1, &v, 1);
        if( runOne(db, "SELECT remote_close(?1)", h, 1, 0, 1)!=SQLITE_ROW ) rc = SQLITE_ERROR;
      }
    }else if( strcmp(zMode, "pid")==0 ){
      rc = runOne(db, zPidQuery, 0, 0, &v, 1);
      if( rc==SQLITE_ROW ){ addPid(aPid, &nPid, v, MAX_PID); v = 1; }
    }else{
      rc = runOne(db, "SELECT remote_scalar('e', 'SELECT 1')", 0, 0, &v, 1);
    }
    if( rc==SQLITE_ROW ){
      pthread_mutex_lock(&statMutex);
      if( v==1 ) nOk++;
      else{ nErr++; if( nErrShown<5 ){ nErrShown++; printf("error: got %lld\n", v); } }
      pthread_mutex_unlock(&statMutex);
    }
  }
  pthread_mutex_lock(&statMutex);
  if( nPid>nDistinctMax ) nDistinctMax = nPid;
  for(i=0; i<nPid; i++){
    addPid(aAllPid, &nAllPid, aPid[i], (int)(sizeof(aAllPid)/sizeof(aAllPid[0])));
  }
  pthread_mutex_unlock(&statMutex);
  sqlite3_free(zPidQuery);
  sqlite3_close(db);
  return 0;
}

static void *monitor(void *pArg){
  sqlite3 *db = openDb();
  char *zSql;
  (void)pArg;
  if( zMonUrl && zMonSql ){
    zSql = sqlite3_mprintf("SELECT remote_engine('stress_mon', %Q, 'pool_size=1')", zMonUrl);
    runOne(db, zSql, 0, 0, 0, 0);
    sqlite3_free(zSql);
  }
  zSql = zMonSql ? sqlite3_mprintf("SELECT remote_scalar('stress_mon', %Q)", zMonSql) : 0;
  while( !bDone ){
    sqlite3_int64 n = 0;
    if( zSql && runOne(db, zSql, 0, 0, &n, 0)==SQLITE_ROW ){
      pthread_mutex_lock(&statMutex);
      if( n>nMaxSessions ) nMaxSessions = n;
      nSamples++;
      pthread_mutex_unlock(&statMutex);
    }
    if( runOne(db, "SELECT checked_out FROM remote_engines WHERE name='e'",
               0, 0, &n, 0)==SQLITE_ROW ){
      pthread_mutex_lock(&statMutex);
      if( n>nMaxOut ) nMaxOut = n;
      pthread_mutex_unlock(&statMutex);
    }
    usleep(2000);
  }
  if( zSql ) runOne(db, "SELECT remote_drop('stress_mon')", 0, 0, 0, 0);
  sqlite3_free(zSql);
  sqlite3_close(db);
  return 0;
}

/* wake-* modes: the holder */
static volatile int bHolding = 0;
static void *holder(void *pArg){
  sqlite3 *db = openDb();
  sqlite3_int64 h = 0;
  (void)pArg;
  if( strcmp(zMode, "wake-invalidate")==0 ){
    runOne(db, "SELECT remote_begin('e')", 0, 0, 0, 1);
    runOne(db, "SELECT remote_scalar('e', 'SELECT 1')", 0, 0, 0, 1);
  }else{
    runOne(db, "SELECT remote_connect('e')", 0, 0, &h, 1);
  }
  bHolding = 1;
  usleep(300000);
  if( strcmp(zMode, "wake-close")==0 ){
    runOne(db, "SELECT remote_close(?1)", h, 1, 0, 1);
  }else if( strcmp(zMode, "wake-detach")==0 ){
    runOne(db, "SELECT remote_detach(?1)", h, 1, 0, 1);
    usleep(200000);                    /* the waiter runs on the pool's slot */
    runOne(db, "SELECT remote_scalar(?1, 'SELECT 1')", h, 1, 0, 1);
    runOne(db, "SELECT remote_close(?1)", h, 1, 0, 1);
  }else{
    /* the transaction's connection is invalidated: the CONN lets go of it */
    runOne(db, "SELECT remote_invalidate('e')", 0, 0, 0, 1);
    usleep(200000);
    runOne(db, "SELECT remote_rollback('e')", 0, 0, 0, 1);
  }
  sqlite3_close(db);
  return 0;
}

static void wakeTest(void){
  pthread_t th;
  sqlite3 *db = openDb();
  sqlite3_int64 v = 0;
  double t0;
  int rc;
  pthread_create(&th, 0, holder, 0);
  while( !bHolding ) usleep(1000);
  t0 = now();
  rc = runOne(db, "SELECT remote_scalar('e', 'SELECT 1')", 0, 0, &v, 1);
  printf("waited_ms: %d\n", (int)((now()-t0)*1000));
  printf("waiter: %s\n", rc==SQLITE_ROW && v==1 ? "ok" : sqlite3_errmsg(db));
  pthread_join(th, 0);
  sqlite3_close(db);
}

/* How many of the pool's own timeout lines remote_log holds for `e` */
static long timeoutsLogged(sqlite3 *db){
  sqlite3_int64 n = 0;
  runOne(db, "SELECT count(*) FROM remote_log WHERE engine='e' AND level='info' "
             "AND message LIKE 'QueuePool limit of size %'", 0, 0, &n, 0);
  return (long)n;
}

int main(int argc, char **argv){
  pthread_t aTh[256], thMon;
  sqlite3 *db;
  sqlite3_str *pStr;
  char *zSql;
  int i, bWake;
  for(i=1; i<argc; i++){
    const char *z = argv[i];
    const char *zVal = i+1<argc ? argv[i+1] : 0;
    if( zVal==0 ){ fprintf(stderr, "stress: %s needs a value\n", z); return 1; }
    if( strcmp(z, "-ext")==0 ) zExt = zVal;
    else if( strcmp(z, "-url")==0 ) zUrl = zVal;
    else if( strcmp(z, "-mode")==0 ) zMode = zVal;
    else if( strcmp(z, "-threads")==0 ) nThread = atoi(zVal);
    else if( strcmp(z, "-iterations")==0 ) nIter = atoi(zVal);
    else if( strcmp(z, "-monitor-url")==0 ) zMonUrl = zVal;
    else if( strcmp(z, "-monitor-sql")==0 ) zMonSql = zVal;
    else if( strcmp(z, "-pid-sql")==0 ) zPidSql = zVal;
    else if( strcmp(z, "-deadline")==0 ) nDeadline = atoi(zVal);
    else if( strcmp(z, "-opt")==0 && nOpt<MAX_OPT ) azOpt[nOpt++] = zVal;
    else{ fprintf(stderr, "stress: unknown option %s\n", z); return 1; }
    i++;
  }
  if( zUrl==0 ){ fprintf(stderr, "stress: -url is required\n"); return 1; }
  if( nThread<1 || nThread>256 ) nThread = 16;
  signal(SIGALRM, onAlarm);
  alarm((unsigned)nDeadline);

  bWake = strncmp(zMode, "wake-", 5)==0;
  db = openDb();
  pStr = sqlite3_str_new(0);
  sqlite3_str_appendf(pStr, "SELECT remote_engine('e', %Q", zUrl);
  if( bWake ){
    sqlite3_str_appendall(pStr, ", 'pool_size=1', 'max_overflow=0', 'pool_timeout=5'");
  }else{
    sqlite3_str_appendall(pStr, ", 'pool_size=4', 'max_overflow=2'");
  }
  for(i=0; i<nOpt; i++) sqlite3_str_appendf(pStr, ", %Q", azOpt[i]);
  sqlite3_str_appendall(pStr, ")");
  zSql = sqlite3_str_finish(pStr);
  if( runOne(db, zSql, 0, 0, 0, 0)!=SQLITE_ROW ){
    fprintf(stderr, "stress: %s\n", sqlite3_errmsg(db));
    return 1;
  }
  sqlite3_free(zSql);

  if( bWake ){
    wakeTest();
  }else{
    pthread_create(&thMon, 0, monitor, 0);
    for(i=0; i<nThread; i++) pthread_create(&aTh[i], 0, worker, 0);
    for(i=0; i<nThread; i++) pthread_join(aTh[i], 0);
    bDone = 1;
    pthread_join(thMon, 0);
  }

  printf("ok: %ld\n", nOk);
  printf("busy: %ld\n", nBusy);
  printf("busy_text: %ld\n", nBusyText);
  printf("errors: %ld\n", nErr);
  printf("timeouts_logged: %ld\n", timeoutsLogged(db));
  printf("max_sessions: %ld\n", nMaxSessions);
  printf("samples: %ld\n", nSamples);
  printf("max_checked_out: %ld\n", nMaxOut);
  printf("distinct_max: %d\n", nDistinctMax);
  printf("distinct_total: %d\n", nAllPid);
  {
    sqlite3_stmt *pStmt = 0;
    sqlite3_prepare_v2(db, "SELECT remote_pool_status('e')", -1, &pStmt, 0);
    if( sqlite3_step(pStmt)==SQLITE_ROW ){
      printf("final_status: %s\n", (const char*)sqlite3_column_text(pStmt, 0));
    }
    sqlite3_finalize(pStmt);
  }
  runOne(db, "SELECT remote_drop('e')", 0, 0, 0, 0);
  sqlite3_close(db);
  printf("deadlock: 0\n");
  return 0;
}
