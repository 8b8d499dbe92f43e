/* SPDX-License-Identifier: MIT */
/*
** tz_test.c: unit tests of ext/tz.c (zone rules from zoneinfo files, local
** time to UTC), against glibc's own reading of the same files. It includes
** util.c and tz.c, to reach tz.c's offset function:
**
**   cc -std=c11 -D_GNU_SOURCE -DSQLITE_CORE -Iext test/tz_test.c \
**      -lsqlite3 -lm -lpthread -o tz_test
**
** For each zone, at some 30000 instants from 1850 to 2200 (random steps of
** up to 4 days, and every hour around each DST change found): tz.c's
** offset equals glibc's tm_gmtoff, and remoteTzLocalToUtc() of the local
** wall time gives an instant that shows that wall time (the instant
** itself, or the earlier one of a repeated hour). Zones: both hemispheres,
** half-hour and 45-minute offsets, a 30-minute DST (Lord Howe), negative
** DST (Dublin), a zone that skipped a day (Apia), and far-future dates
** that only the footer's POSIX rule covers.
**
** Prints "ok NAME" or "FAIL NAME: what differed" per case, then
** "N passed, N failed"; exits 1 on any failure. test/timezone.test runs it.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.c"
#include "tz.c"

static int nPass = 0, nFail = 0;

static void result(const char *zName, const char *zWhy){
  if( zWhy ){
    printf("FAIL %s: %s\n", zName, zWhy);
    nFail++;
  }else{
    printf("ok %s\n", zName);
    nPass++;
  }
}

/* glibc's offset of the TZ zone at u */
static long glibcOffset(sqlite3_int64 u){
  time_t t = (time_t)u;
  struct tm tm;
  localtime_r(&t, &tm);
  return tm.tm_gmtoff;
}

static unsigned int rnd = 12345;
static unsigned int nextRand(void){
  rnd = rnd*1103515245u + 12345u;
  return (rnd>>8) & 0xffffff;
}

/* One instant: "" if fine, else a description in zBuf */
static const char *checkAt(const RemoteTz *p, sqlite3_int64 u, char *zBuf){
  long off = glibcOffset(u);
  long ours = tzOffsetAt(p, u);
  sqlite3_int64 local = u + off;
  sqlite3_int64 r = remoteTzLocalToUtc(p, local);
  if( ours!=off ){
    snprintf(zBuf, 200, "offset at %lld: ours %ld, glibc %ld", (long long)u, ours, off);
    return zBuf;
  }
  if( r + glibcOffset(r)!=local || r>u ){
    snprintf(zBuf, 200, "local %lld (of %lld): ours %lld", (long long)local,
             (long long)u, (long long)r);
    return zBuf;
  }
  return 0;
}

static void testZone(const char *zZone){
  const RemoteTz *p;
  char zBuf[200];
  const char *zErr = 0;
  sqlite3_int64 u, uEnd;
  setenv("TZ", zZone, 1);
  tzset();
  p = remoteTzFind(zZone);
  if( p==0 ){
    result(zZone, "not loaded");
    return;
  }
  if( remoteTzFind(zZone)!=p ){
    result(zZone, "loaded twice");
    return;
  }
  u = -3786825600LL;                 /* 1850-01-01 */
  uEnd = 7258118400LL;               /* 2200-01-01 */
  while( u<uEnd && zErr==0 ){
    sqlite3_int64 step = 1 + (sqlite3_int64)(nextRand() % (4*86400));
    zErr = checkAt(p, u, zBuf);
    if( zErr==0 && glibcOffset(u)!=glibcOffset(u+step) ){
      /* a change in between: every hour around it, and its edges */
      sqlite3_int64 v;
      for(v=u; v<=u+step && zErr==0; v+=1800){
        zErr = checkAt(p, v, zBuf);
      }
      for(v=u+step-7200; v<=u+step && zErr==0; v+=1){
        if( glibcOffset(v)!=glibcOffset(u) ){
          zErr = checkAt(p, v-1, zBuf);
          if( zErr==0 ) zErr = checkAt(p, v, zBuf);
          break;
        }
      }
    }
    u += step;
  }
  result(zZone, zErr);
}

int main(void){
  static const char *azZone[] = {
    "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe",
    "America/Sao_Paulo", "Pacific/Apia", "Europe/Dublin", "Asia/Kathmandu",
    "America/St_Johns", "Australia/Sydney", "Asia/Tokyo", "UTC"
  };
  size_t i;
  for(i=0; i<sizeof(azZone)/sizeof(azZone[0]); i++) testZone(azZone[i]);
  /* names that are not zone files */
  result("bad-names", (remoteTzFind("../etc/passwd") || remoteTzFind("/etc/localtime")
                       || remoteTzFind("No/Such_Zone") || remoteTzFind(""))
                      ? "a bad name gave rules" : 0);
  printf("%d passed, %d failed\n", nPass, nFail);
  return nFail>0;
}
