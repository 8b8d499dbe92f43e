/*
** test/interrupt.c: runs SQL statements on one SQLite connection with the
** extension loaded, and calls sqlite3_interrupt() from another thread
** into the ones marked with '!', for test/robust.test.
**
**   interrupt EXTENSION DELAY_MS SQL ...
**
** Each SQL argument is prepared and stepped to its end. One starting
** with '!' (the '!' removed) gets sqlite3_interrupt() DELAY_MS
** milliseconds after it starts; "@MS" is no statement but a pause of MS
** milliseconds. For each argument one line:
**
**   stmt N: rc=CODE ms=ELAPSED rows=ROWS value=LAST msg=MESSAGE
**
** CODE is the final result code's number (0 = done), ELAPSED the wall
** time of the statement, LAST the first column of its last row (or
** empty), MESSAGE sqlite3_errmsg() on failure (empty otherwise).
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>

static sqlite3 *db;
static int msDelay;

static double now(void){
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec/1e9;
}

static void *interrupter(void *pArg){
  struct timespec t;
  (void)pArg;
  t.tv_sec = msDelay/1000;
  t.tv_nsec = (long)(msDelay%1000)*1000000L;
  nanosleep(&t, 0);
  sqlite3_interrupt(db);
  return 0;
}

int main(int argc, char **argv){
  char *zErr = 0;
  int i;
  if( argc<4 ){
    fprintf(stderr, "usage: %s EXTENSION DELAY_MS SQL ...\n", argv[0]);
    return 2;
  }
  msDelay = atoi(argv[2]);
  if( sqlite3_open(":memory:", &db)!=SQLITE_OK ) return 1;
  sqlite3_enable_load_extension(db, 1);
  if( sqlite3_load_extension(db, argv[1], 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "cannot load %s: %s\n", argv[1], zErr ? zErr : "?");
    return 1;
  }
  for(i=3; i<argc; i++){
    const char *zSql = argv[i];
    sqlite3_stmt *pStmt = 0;
    pthread_t thr;
    int bInterrupt = zSql[0]=='!';
    char *zLast = 0;
    long nRow = 0;
    double t0;
    int rc;
    if( bInterrupt ) zSql++;
    t0 = now();
    if( zSql[0]=='@' ){
      int ms = atoi(&zSql[1]);
      struct timespec t;
      t.tv_sec = ms/1000;
      t.tv_nsec = (long)(ms%1000)*1000000L;
      nanosleep(&t, 0);
      printf("stmt %d: rc=0 ms=%d rows=0 value= msg=\n", i-2, ms);
      fflush(stdout);
      continue;
    }
    if( bInterrupt ) pthread_create(&thr, 0, interrupter, 0);
    rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
    while( rc==SQLITE_OK && (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
      const unsigned char *z = sqlite3_column_text(pStmt, 0);
      nRow++;
      sqlite3_free(zLast);
      zLast = sqlite3_mprintf("%s", z ? (const char*)z : "");
      rc = SQLITE_OK;
    }
    if( rc==SQLITE_DONE ) rc = SQLITE_OK;
    printf("stmt %d: rc=%d ms=%d rows=%ld value=%s msg=%s\n", i-2, rc,
           (int)((now()-t0)*1000.0), nRow, zLast ? zLast : "",
           rc ? sqlite3_errmsg(db) : "");
    fflush(stdout);
    sqlite3_finalize(pStmt);
    sqlite3_free(zLast);
    if( bInterrupt ) pthread_join(thr, 0);
  }
  sqlite3_close(db);
  return 0;
}
