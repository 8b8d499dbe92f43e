/* SPDX-License-Identifier: MIT */
/*
** tool/harness.h: what the thread programs tool/stress.c and test/chaos.c
** share: a monotonic clock, the watchdog's SIGALRM handler (prints
** `deadlock: 1`, exits 2), and a new in-memory SQLite connection with the
** extension loaded. Include after <sqlite3.h> and the C headers it uses.
*/
#ifndef SQLITE_REMOTE_HARNESS_H
#define SQLITE_REMOTE_HARNESS_H

static double now(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec/1e9;
}

static void onAlarm(int sig){
  static const char z[] = "deadlock: 1\n";
  (void)sig;
  if( write(1, z, sizeof(z)-1)<0 ){ /* nothing to do */ }
  _exit(2);
}

/* A new connection with extension zExt loaded, or exit(1) with a message
** that names program zProg */
static sqlite3 *harnessOpen(const char *zProg, const char *zExt){
  sqlite3 *db = 0;
  char *zErr = 0;
  if( sqlite3_open(":memory:", &db)!=SQLITE_OK ){
    fprintf(stderr, "%s: cannot open sqlite3\n", zProg);
    exit(1);
  }
  sqlite3_enable_load_extension(db, 1);
  if( sqlite3_load_extension(db, zExt, 0, &zErr)!=SQLITE_OK ){
    fprintf(stderr, "%s: cannot load %s: %s\n", zProg, zExt, zErr ? zErr : "?");
    exit(1);
  }
  return db;
}

#endif
