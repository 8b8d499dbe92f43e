/* SPDX-License-Identifier: MIT */
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
** milliseconds, and "%PORT TEXT" none either: TEXT and a newline are sent
** to 127.0.0.1:PORT (test/proxy.tcl's control port) and a line is read
** back (rc=1 when that fails). For each argument one line:
**
**   stmt N: rc=CODE ms=ELAPSED rows=ROWS value=LAST msg=MESSAGE
**
** CODE is the final result code's number (0 = done), ELAPSED the wall
** time of the statement, LAST the first column of its last row (or
** empty), MESSAGE sqlite3_errmsg() on failure (empty otherwise).
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

static sqlite3 *db;
static int msDelay;

static double now(void){
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + t.tv_nsec/1e9;
}

/* Send zText and a newline to 127.0.0.1:iPort, read one line back: 0 on
** success */
static int control(int iPort, const char *zText){
  struct sockaddr_in sa;
  char c;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int rc = 1;
  if( fd<0 ) return 1;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)iPort);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if( connect(fd, (struct sockaddr*)&sa, sizeof(sa))==0
   && write(fd, zText, strlen(zText))==(ssize_t)strlen(zText)
   && write(fd, "\n", 1)==1 ){
    while( read(fd, &c, 1)==1 ){
      if( c=='\n' ){ rc = 0; break; }
    }
  }
  close(fd);
  return rc;
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
    if( zSql[0]=='%' ){
      char *zEnd = 0;
      int iPort = (int)strtol(&zSql[1], &zEnd, 10);
      rc = control(iPort, zEnd && *zEnd==' ' ? zEnd+1 : "");
      printf("stmt %d: rc=%d ms=%d rows=0 value= msg=\n", i-2, rc,
             (int)((now()-t0)*1000.0));
      fflush(stdout);
      continue;
    }
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
