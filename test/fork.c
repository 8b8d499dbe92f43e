/* SPDX-License-Identifier: MIT */
/*
** test/fork.c: connections across fork(). Built and run by threads.test,
** linked with the extension's objects (the storm calls its internal pool
** functions, which the library does not export; dist/obj/LINK lists the
** objects and the options they are linked with):
**
**   cc -Iext -o fork test/fork.c $(head -1 dist/obj/LINK) -lsqlite3 \
**       $(tail -1 dist/obj/LINK) -ldl
**   ./fork URL PIDSQL ALIVESQL [storm]
**
** Every SQLite connection gets the extension (sqlite3_auto_extension).
** URL is the server's URL, PIDSQL the query that returns
** the server's id of the session it runs in (SELECT pg_backend_pid()),
** ALIVESQL a query with one parameter that counts the sessions of that id
** on the server (SELECT count(*) FROM pg_stat_activity WHERE pid=$1).
**
** The parent holds a handle (h1, session P1) and has an idle pooled
** connection (P2), then forks twice:
**
**   child 1 uses h1 and the engine name: it must get new sessions (never
**           P1 or P2: an inherited connection is never reused);
**   child 2 first calls remote_dispose('e', 0): it drops the inherited
**           idle connection (count 1) without a word to the server.
**
** Both children then close everything and exit. The parent's connections
** must keep working afterwards (no child sent a terminate message over
** them): h1 still answers as P1, the engine name still gets P2, and the
** server still has both sessions.
**
** With `storm`, four threads run statements on the engine while the main
** thread forks up to 300 times; each child (under a 10 s alarm) finds the
** inherited engine, checks a connection out of its pool (a new one: the
** inherited ones are dropped), runs one statement through the dialect and
** checks it back in: a lock of the extension held by another thread at
** fork() time must not hang the child. The child does not use SQLite's own
** API: SQLite's global mutexes (the allocator's, and the one Debian's
** unlock-notify build takes at every statement end) are not fork-safe, and
** what is tested is the extension. SQLITE_CONFIG_MEMSTATUS is off so that
** sqlite3_malloc() inside the extension takes no lock.
**
** Output: `key: value` lines; `result: ok` at the end when every check
** held, else `result: FAIL ...`.
*/
#define SQLITE_CORE 1           /* ext/ headers: the plain sqlite3 API names */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sqlite3.h"
#include "pool.h"
#include "remote.h"

static const char *zUrl, *zPidSql, *zAliveSql;
static int nFail = 0;

static void check(int bOk, const char *zWhat){
  if( !bOk ){
    nFail++;
    printf("check failed: %s\n", zWhat);
    fflush(stdout);
  }
}

static sqlite3 *openDb(void){
  sqlite3 *db = 0;
  if( sqlite3_open(":memory:", &db)!=SQLITE_OK ){
    printf("result: FAIL cannot open a database with the extension: %s\n",
           db ? sqlite3_errmsg(db) : "out of memory");
    exit(1);
  }
  return db;
}

/* One integer from SQL with up to two integer/text parameters; -1 on error
** (the message is printed). */
static sqlite3_int64 one(sqlite3 *db, const char *zSql, sqlite3_int64 i1,
                         const char *z2, sqlite3_int64 i3){
  sqlite3_stmt *pStmt = 0;
  sqlite3_int64 v = -1;
  if( sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0)==SQLITE_OK ){
    int n = sqlite3_bind_parameter_count(pStmt);
    if( n>=1 ) sqlite3_bind_int64(pStmt, 1, i1);
    if( n>=2 ) sqlite3_bind_text(pStmt, 2, z2, -1, SQLITE_STATIC);
    if( n>=3 ) sqlite3_bind_int64(pStmt, 3, i3);
    if( sqlite3_step(pStmt)==SQLITE_ROW ) v = sqlite3_column_int64(pStmt, 0);
  }
  if( v==-1 ){
    printf("error (pid %d): %s: %s\n", (int)getpid(), zSql, sqlite3_errmsg(db));
    fflush(stdout);
  }
  sqlite3_finalize(pStmt);
  return v;
}

static sqlite3_int64 pidOf(sqlite3 *db, sqlite3_int64 h){
  if( h ) return one(db, "SELECT remote_scalar(?1, ?2)", h, zPidSql, 0);
  return one(db, "SELECT remote_scalar('e', ?2)", 0, zPidSql, 0);
}

static sqlite3_int64 alive(sqlite3 *db, sqlite3_int64 iPid){
  return one(db, "SELECT remote_scalar('fork_mon', ?2, ?3)", 0, zAliveSql, iPid);
}

/* ---- storm ---- */

/* The storm's child: the engine registry, the pool and the driver, as a
** statement uses them, without SQLite's API. 0 on success. */
static int childStatement(void){
  RemoteEngine *pE = remoteEngineFind("e");
  RemotePool *pPool;
  PoolConn *pc = 0;
  char *zErr = 0;
  sqlite3_int64 n = 0;
  int rc = 1;
  if( pE==0 ) return 1;
  pPool = remoteEnginePool(pE);
  if( remotePoolCheckout(pPool, 0, &pc, &zErr, 0)==SQLITE_OK ){
    RemoteConn *pConn = pc->pConn;
    rc = pConn->pDialect->xExec(pConn, "SELECT 7", 0, 0, &n)!=SQLITE_OK;
    remotePoolCheckin(pc);
  }
  remotePoolRelease(pPool);
  remoteEngineRelease(pE);
  return rc;
}
static volatile int bStop = 0;
static void *hammer(void *pArg){
  sqlite3 *db = openDb();
  (void)pArg;
  while( !bStop ){
    one(db, "SELECT remote_scalar('e', 'SELECT 1')", 0, 0, 0);
  }
  sqlite3_close(db);
  return 0;
}

static void storm(sqlite3 *db){
  pthread_t aTh[4];
  int i, nFork, nHung = 0, nBad = 0;
  (void)db;   /* the children do not use SQLite: see childStatement() */
  for(i=0; i<4; i++) pthread_create(&aTh[i], 0, hammer, 0);
  usleep(100000);
  for(nFork=0; nFork<300 && nHung==0; nFork++){
    pid_t pid = fork();
    if( pid==0 ){
      alarm(10);
      _exit(childStatement());
    }else{
      int st = 0;
      waitpid(pid, &st, 0);
      if( WIFSIGNALED(st) ) nHung++;
      else if( WEXITSTATUS(st)!=0 ) nBad++;
    }
    usleep(5000);
  }
  bStop = 1;
  for(i=0; i<4; i++) pthread_join(aTh[i], 0);
  printf("storm_forks: %d\nstorm_hung: %d\nstorm_failed: %d\n", nFork, nHung, nBad);
  check(nHung==0, "a child hung after fork() (a lock copied held)");
  check(nBad==0, "a child's statement failed after fork()");
}

int main(int argc, char **argv){
  sqlite3 *db;
  sqlite3_int64 h1, h2, p1, p2;
  int k;
  if( argc<4 ){
    fprintf(stderr, "usage: fork URL PIDSQL ALIVESQL [storm]\n");
    return 1;
  }
  zUrl = argv[1]; zPidSql = argv[2]; zAliveSql = argv[3];
  setvbuf(stdout, 0, _IOLBF, 0);
  sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
  sqlite3_auto_extension((void(*)(void))sqlite3_remote_init);
  db = openDb();
  one(db, "SELECT remote_engine('e', ?2, 'pool_size=2') IS NOT NULL", 0, zUrl, 0);
  one(db, "SELECT remote_engine('fork_mon', ?2, 'pool_size=1') IS NOT NULL", 0, zUrl, 0);

  h1 = one(db, "SELECT remote_connect('e')", 0, 0, 0);
  h2 = one(db, "SELECT remote_connect('e')", 0, 0, 0);
  p1 = pidOf(db, h1);
  p2 = pidOf(db, h2);
  one(db, "SELECT remote_close(?1)", h2, 0, 0);     /* P2 idle in the pool */
  printf("parent_p1: %lld\nparent_p2: %lld\n", p1, p2);
  check(p1>0 && p2>0 && p1!=p2, "two sessions in the parent");

  for(k=1; k<=2; k++){
    pid_t pid = fork();
    if( pid==0 ){
      sqlite3_int64 c1, c2, nDrop = -2;
      nFail = 0;
      alarm(30);
      if( k==2 ){
        nDrop = one(db, "SELECT remote_dispose('e', 0)", 0, 0, 0);
        printf("child%d_dropped: %lld\n", k, nDrop);
        check(nDrop==1, "remote_dispose('e', 0) in the child drops the inherited idle connection");
      }
      c1 = pidOf(db, h1);
      c2 = pidOf(db, 0);
      printf("child%d_h1: %lld\nchild%d_e: %lld\n", k, c1, k, c2);
      check(c1>0 && c1!=p1 && c1!=p2, "the child's held handle gets a new session");
      check(c2>0 && c2!=p1 && c2!=p2, "the child's engine name gets a new session");
      one(db, "SELECT remote_close(?1)", h1, 0, 0);
      sqlite3_close(db);
      _exit(nFail ? 1 : 0);
    }else{
      int st = 0;
      waitpid(pid, &st, 0);
      check(WIFEXITED(st) && WEXITSTATUS(st)==0, k==1 ? "child 1" : "child 2");
    }
  }

  /* The parent's connections keep working, as the same sessions */
  {
    sqlite3_int64 q1 = pidOf(db, h1);
    sqlite3_int64 q2 = pidOf(db, 0);
    printf("parent_after_h1: %lld\nparent_after_e: %lld\n", q1, q2);
    check(q1==p1, "the parent's handle is still its session");
    check(q2==p2, "the parent's idle connection is still its session");
    check(alive(db, p1)==1, "the server still has the parent's held session");
    check(alive(db, p2)==1, "the server still has the parent's idle session");
  }
  if( argc>4 && strcmp(argv[4], "storm")==0 ){
    storm(db);
    check(pidOf(db, h1)==p1, "the parent's handle after the storm");
  }
  one(db, "SELECT remote_close(?1)", h1, 0, 0);
  one(db, "SELECT remote_drop('e')", 0, 0, 0);
  one(db, "SELECT remote_drop('fork_mon')", 0, 0, 0);
  sqlite3_close(db);
  if( nFail ) printf("result: FAIL %d check(s)\n", nFail);
  else printf("result: ok\n");
  return nFail ? 1 : 0;
}
