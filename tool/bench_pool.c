/* SPDX-License-Identifier: MIT */
/*
** tool/bench_pool.c: checkout+checkin pairs per second of the pool, on one
** thread, with no network round trip (workload 5 of tool/bench).
**
**   cc -O2 -Iext -o bench_pool tool/bench_pool.c $(head -1 dist/obj/LINK) \
**       -lsqlite3 $(tail -1 dist/obj/LINK) -ldl -lpthread
**   ./bench_pool [SECONDS]                             (default 1)
**
** The program is linked with the extension's objects (dist/remote.so does
** not export the pool's internal functions): every in-process sqlite3
** connection gets the extension (sqlite3_auto_extension), the engines are
** made with SQL, and then remotePoolCheckout() / remotePoolCheckin() are
** called directly: the figure is the pool's own
** cost (locks, events, counters), not SQL's. The engines are on a SQLite
** file whose connection is already open, so a checkout never talks to a
** server (no pre-ping, no recycle) and a return without a transaction
** sends nothing. Measured: QueuePool (FIFO and LIFO), StaticPool,
** SingletonThreadPool, and for comparison the same pair through SQL
** (SELECT remote_close(remote_connect(E))).
**
** Output: one `bench-pool CASE: N pairs/s` line per case, then
** `pairs per second: N`, QueuePool's figure (the default pool), which is
** what tool/bench reports. Exit status 1 when something fails.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sqlite3.h"

/* The extension's own functions (engine.h, pool.h, remote.h), linked in;
** the structs stay opaque here. */
typedef struct RemoteEngine RemoteEngine;
typedef struct RemotePool RemotePool;
typedef struct PoolConn PoolConn;
RemoteEngine *remoteEngineFind(const char*);
void remoteEngineRelease(RemoteEngine*);
RemotePool *remoteEnginePool(RemoteEngine*);
void remotePoolRelease(RemotePool*);
int remotePoolCheckout(RemotePool*, int, PoolConn**, char**, int*);
void remotePoolCheckin(PoolConn*);
int sqlite3_remote_init(sqlite3*, char**, const sqlite3_api_routines*);

static double now(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec/1e9;
}

/* Pairs per second on engine zName for about rSeconds, or -1 */
static double benchEngine(const char *zName, double rSeconds){
  RemoteEngine *pE = remoteEngineFind(zName);
  RemotePool *pPool;
  PoolConn *pc = 0;
  char *zErr = 0;
  double t0, t1;
  long long n = 0;
  int i;
  if( pE==0 ){ fprintf(stderr, "bench-pool: no engine %s\n", zName); return -1; }
  pPool = remoteEnginePool(pE);
  if( remotePoolCheckout(pPool, 0, &pc, &zErr, 0) ){     /* opens the connection */
    fprintf(stderr, "bench-pool: checkout failed: %s\n", zErr ? zErr : "?");
    return -1;
  }
  remotePoolCheckin(pc);
  t0 = now();
  do{
    for(i=0; i<100000; i++){
      if( remotePoolCheckout(pPool, 0, &pc, &zErr, 0) ){
        fprintf(stderr, "bench-pool: checkout failed: %s\n", zErr ? zErr : "?");
        return -1;
      }
      remotePoolCheckin(pc);
    }
    n += i;
    t1 = now();
  }while( t1-t0<rSeconds );
  remotePoolRelease(pPool);
  remoteEngineRelease(pE);
  return (double)n/(t1-t0);
}

/* The same pair through SQL */
static double benchSql(sqlite3 *db, const char *zName, double rSeconds){
  sqlite3_stmt *pStmt = 0;
  char *zSql = sqlite3_mprintf("SELECT remote_close(remote_connect(%Q))", zName);
  double t0, t1;
  long long n = 0;
  int i;
  if( sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0) ){
    fprintf(stderr, "bench-pool: %s\n", sqlite3_errmsg(db));
    return -1;
  }
  sqlite3_free(zSql);
  t0 = now();
  do{
    for(i=0; i<10000; i++){
      if( sqlite3_step(pStmt)!=SQLITE_ROW ){
        fprintf(stderr, "bench-pool: %s\n", sqlite3_errmsg(db));
        return -1;
      }
      sqlite3_reset(pStmt);
    }
    n += i;
    t1 = now();
  }while( t1-t0<rSeconds );
  sqlite3_finalize(pStmt);
  return (double)n/(t1-t0);
}

static int exec(sqlite3 *db, const char *zSql){
  char *zErr = 0;
  if( sqlite3_exec(db, zSql, 0, 0, &zErr) ){
    fprintf(stderr, "bench-pool: %s: %s\n", zSql, zErr ? zErr : "?");
    sqlite3_free(zErr);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv){
  static const struct { const char *zCase; const char *zOpt; } aCase[] = {
    { "QueuePool",                "poolclass=QueuePool" },
    { "QueuePool pool_use_lifo",  "pool_use_lifo=1" },
    { "StaticPool",               "poolclass=StaticPool" },
    { "SingletonThreadPool",      "poolclass=SingletonThreadPool" },
  };
  double rSeconds = argc>1 ? atof(argv[1]) : 1.0;
  double rQueue = -1, r;
  char zDb[300];
  char *zSql;
  sqlite3 *db = 0;
  int i, rcExit = 0;

  if( rSeconds<=0 ) rSeconds = 1.0;
  snprintf(zDb, sizeof(zDb), "/tmp/bench_pool.%d.db", (int)getpid());

  sqlite3_auto_extension((void(*)(void))sqlite3_remote_init);
  if( sqlite3_open(":memory:", &db)!=SQLITE_OK ){
    fprintf(stderr, "bench-pool: cannot open a database with the extension: %s\n",
            db ? sqlite3_errmsg(db) : "out of memory");
    return 1;
  }

  for(i=0; i<(int)(sizeof(aCase)/sizeof(aCase[0])); i++){
    char zName[16];
    snprintf(zName, sizeof(zName), "bench_pool%d", i);
    zSql = sqlite3_mprintf("SELECT remote_engine(%Q, 'sqlite:///%q', %Q)",
                           zName, zDb, aCase[i].zOpt);
    if( exec(db, zSql) ){ sqlite3_free(zSql); return 1; }
    sqlite3_free(zSql);
    r = benchEngine(zName, rSeconds);
    if( r<0 ){ rcExit = 1; continue; }
    if( i==0 ) rQueue = r;
    printf("bench-pool %s: %.0f pairs/s\n", aCase[i].zCase, r);
    fflush(stdout);
    if( i==2 ){
      r = benchSql(db, zName, rSeconds);
      if( r<0 ) rcExit = 1;
      else printf("bench-pool StaticPool through SQL (remote_close(remote_connect())): "
                  "%.0f pairs/s\n", r);
    }
    zSql = sqlite3_mprintf("SELECT remote_drop(%Q)", zName);
    exec(db, zSql);
    sqlite3_free(zSql);
  }
  sqlite3_close(db);
  unlink(zDb);
  if( rQueue<0 ) return 1;
  printf("pairs per second: %.0f\n", rQueue);
  return rcExit;
}
