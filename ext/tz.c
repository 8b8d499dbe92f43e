/* SPDX-License-Identifier: MIT */
/*
** tz.c: time zone rules from the system's zoneinfo files, for the dialects
** whose servers render times in the session's time zone without saying
** its offset (MySQL/MariaDB TIMESTAMP): the UTC time of such a local time.
**
**   const RemoteTz *pTz = remoteTzFind("Europe/Paris");
**   sqlite3_int64 u = remoteTzLocalToUtc(pTz, tLocal);
**
** A zone is read once per process from $TZDIR or /usr/share/zoneinfo (the
** files MariaDB's zone tables are loaded from): the TZif format of RFC
** 8536, version 2 or later (64-bit transition times), with the POSIX TZ
** string of its footer for the times after the last transition (as in
** "CET-1CEST,M3.5.0,M10.5.0/3"). Zones stay loaded until the process ends.
*/
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "tz.h"
#include "dialect.h"

/* A rule of a POSIX TZ string: when DST starts or ends in a year */
typedef struct TzRule TzRule;
struct TzRule {
  char cKind;             /* 'M' (month.week.day), 'J' (1..365, no Feb 29),
                          ** 'D' (0..365) */
  int m, w, d;            /* M: month 1-12, week 1-5 (5 = last), day 0-6
                          ** (Sunday 0); J and D: the day in d */
  int nTime;              /* seconds after local midnight (may be <0 or >24h) */
};

struct RemoteTz {
  RemoteTz *pNext;        /* next zone loaded */
  char *zName;
  int nTrans;
  sqlite3_int64 *aTrans;  /* UTC times of the transitions, ascending */
  unsigned char *aIdx;    /* the type each transition starts */
  int nType;
  int *aOff;              /* UT offset (seconds east) of each type */
  int bFooter;            /* the footer's rule applies after aTrans */
  int nStdOff, nDstOff;   /* footer: offsets east of UTC */
  int bDst;               /* footer: has daylight saving time */
  TzRule start, end;      /* footer: DST starts and ends (local times) */
};

static pthread_mutex_t tzMutex = PTHREAD_MUTEX_INITIALIZER;
static RemoteTz *pTzList = 0;

/* Big-endian integers of a TZif file */
static sqlite3_int64 tzGet32(const unsigned char *a){
  return (sqlite3_int64)(int)(((unsigned)a[0]<<24) | ((unsigned)a[1]<<16)
                              | ((unsigned)a[2]<<8) | (unsigned)a[3]);
}
static sqlite3_int64 tzGet64(const unsigned char *a){
  sqlite3_uint64 u = 0;
  int i;
  for(i=0; i<8; i++) u = (u<<8) | a[i];
  return (sqlite3_int64)u;
}

/* ---- POSIX TZ strings (the footer) ------------------------------------ */

/* A zone abbreviation: letters, or <...>. The text after it, or NULL. */
static const char *tzSkipName(const char *z){
  if( *z=='<' ){
    while( *z && *z!='>' ) z++;
    return *z=='>' ? z+1 : 0;
  }
  if( !isalpha((unsigned char)*z) ) return 0;
  while( isalpha((unsigned char)*z) ) z++;
  return z;
}

/* [+-]hh[:mm[:ss]] into *pn seconds: the text after it, or NULL */
static const char *tzParseTime(const char *z, int *pn){
  int sign = 1, h = 0, m = 0, s = 0;
  if( *z=='+' ){ z++; }else if( *z=='-' ){ sign = -1; z++; }
  if( !isdigit((unsigned char)*z) ) return 0;
  while( isdigit((unsigned char)*z) ) h = h*10 + (*z++ - '0');
  if( *z==':' ){
    z++;
    while( isdigit((unsigned char)*z) ) m = m*10 + (*z++ - '0');
    if( *z==':' ){
      z++;
      while( isdigit((unsigned char)*z) ) s = s*10 + (*z++ - '0');
    }
  }
  *pn = sign*(h*3600 + m*60 + s);
  return z;
}

/* ",Mm.w.d[/time]" or ",Jn[/time]" or ",n[/time]": the text after it */
static const char *tzParseRule(const char *z, TzRule *p){
  if( *z!=',' ) return 0;
  z++;
  p->nTime = 7200;
  p->m = p->w = p->d = 0;
  if( *z=='M' ){
    p->cKind = 'M';
    z++;
    while( isdigit((unsigned char)*z) ) p->m = p->m*10 + (*z++ - '0');
    if( *z++!='.' ) return 0;
    while( isdigit((unsigned char)*z) ) p->w = p->w*10 + (*z++ - '0');
    if( *z++!='.' ) return 0;
    while( isdigit((unsigned char)*z) ) p->d = p->d*10 + (*z++ - '0');
    if( p->m<1 || p->m>12 || p->w<1 || p->w>5 || p->d>6 ) return 0;
  }else{
    p->cKind = 'D';
    if( *z=='J' ){ p->cKind = 'J'; z++; }
    if( !isdigit((unsigned char)*z) ) return 0;
    while( isdigit((unsigned char)*z) ) p->d = p->d*10 + (*z++ - '0');
    if( p->d>365 ) return 0;
  }
  if( *z=='/' ){
    z = tzParseTime(z+1, &p->nTime);
    if( z==0 ) return 0;
  }
  return z;
}

/* The footer "std offset[dst[offset][,start,end]]" into p: 1 if understood */
static int tzParseFooter(RemoteTz *p, const char *z){
  int n;
  z = tzSkipName(z);
  if( z==0 ) return 0;
  z = tzParseTime(z, &n);
  if( z==0 ) return 0;
  p->nStdOff = p->nDstOff = -n;         /* POSIX offsets are west of UTC */
  p->bDst = 0;
  if( *z ){
    z = tzSkipName(z);
    if( z==0 ) return 0;
    p->nDstOff = p->nStdOff + 3600;
    if( *z && *z!=',' ){
      z = tzParseTime(z, &n);
      if( z==0 ) return 0;
      p->nDstOff = -n;
    }
    if( *z==0 ) return 0;               /* a DST zone without its rules */
    z = tzParseRule(z, &p->start);
    if( z ) z = tzParseRule(z, &p->end);
    if( z==0 || *z ) return 0;
    p->bDst = 1;
  }
  p->bFooter = 1;
  return 1;
}

static int tzLeap(sqlite3_int64 y){
  return (y%4==0 && y%100!=0) || y%400==0;
}

/* Days since 1970-01-01 of rule p's day in year y */
static sqlite3_int64 tzRuleDay(const TzRule *p, sqlite3_int64 y){
  sqlite3_int64 d0 = remoteDaysFromCivil(y, 1, 1);
  if( p->cKind=='J' ){
    /* 1..365, February 29 never counted */
    return d0 + p->d - 1 + (tzLeap(y) && p->d>=60 ? 1 : 0);
  }
  if( p->cKind=='D' ) return d0 + p->d;
  {
    /* day d (0 = Sunday) of week w of month m; week 5 = the last */
    static const int aDays[] = {31,28,31,30,31,30,31,31,30,31,30,31};
    sqlite3_int64 first = remoteDaysFromCivil(y, p->m, 1);
    int nMonth = aDays[p->m-1] + (p->m==2 && tzLeap(y) ? 1 : 0);
    int wd = (int)(((first + 4) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */
    sqlite3_int64 day = first + (p->d - wd + 7) % 7 + 7*(p->w-1);
    while( day>=first+nMonth ) day -= 7;
    return day;
  }
}

/* The footer's offset at UTC time u */
static int tzFooterOffset(const RemoteTz *p, sqlite3_int64 u){
  sqlite3_int64 y, uStart, uEnd;
  int m, d;
  if( !p->bDst ) return p->nStdOff;
  {
    sqlite3_int64 days = u>=0 ? u/86400 : -((-u+86399)/86400);
    remoteCivilFromDays(days, &y, &m, &d);
  }
  /* the rule times are local: standard time at the start, DST at the end */
  uStart = tzRuleDay(&p->start, y)*86400 + p->start.nTime - p->nStdOff;
  uEnd = tzRuleDay(&p->end, y)*86400 + p->end.nTime - p->nDstOff;
  if( uStart<uEnd ){
    return (u>=uStart && u<uEnd) ? p->nDstOff : p->nStdOff;
  }
  /* the southern hemisphere: DST over the new year */
  return (u>=uEnd && u<uStart) ? p->nStdOff : p->nDstOff;
}

/* The UT offset of zone p at UTC time u */
static int tzOffsetAt(const RemoteTz *p, sqlite3_int64 u){
  int lo = 0, hi = p->nTrans;
  if( p->nTrans==0 ){
    return p->bFooter ? tzFooterOffset(p, u) : (p->nType>0 ? p->aOff[0] : 0);
  }
  if( u<p->aTrans[0] ) return p->aOff[0];
  if( u>=p->aTrans[p->nTrans-1] && p->bFooter ) return tzFooterOffset(p, u);
  while( hi-lo>1 ){               /* the last transition at or before u */
    int mid = (lo+hi)/2;
    if( p->aTrans[mid]<=u ) lo = mid; else hi = mid;
  }
  return p->aOff[p->aIdx[lo]];
}

sqlite3_int64 remoteTzLocalToUtc(const RemoteTz *p, sqlite3_int64 t){
  sqlite3_int64 uBest = 0;
  int bFound = 0, i, o;
  /* every offset the zone has: the one that maps back to t; the earlier
  ** instant when two do (the hour repeated when DST ends) */
  for(i=-2; i<p->nType; i++){
    o = i==-2 ? p->nStdOff : i==-1 ? p->nDstOff : p->aOff[i];
    if( (i==-2 || i==-1) && !p->bFooter ) continue;
    if( tzOffsetAt(p, t - o)==o && (!bFound || t - o<uBest) ){
      uBest = t - o;
      bFound = 1;
    }
  }
  if( bFound ) return uBest;
  /* a local time skipped when DST starts: read with the offset before */
  return t - tzOffsetAt(p, t - 86400);
}

/* ---- loading ------------------------------------------------------------ */

/* 1 if zName is a plain zone name (no "..", no leading '/') */
static int tzNameOk(const char *zName){
  const char *z;
  if( zName==0 || zName[0]==0 || zName[0]=='/' || zName[0]=='.' ) return 0;
  if( strlen(zName)>200 || strstr(zName, "..") ) return 0;
  for(z=zName; *z; z++){
    if( !isalnum((unsigned char)*z) && !strchr("/_+-.", *z) ) return 0;
  }
  return 1;
}

/* Parse the TZif bytes a[0..n) into a new zone; NULL if not understood */
static RemoteTz *tzParse(const char *zName, const unsigned char *a, long n){
  const unsigned char *h = a;
  sqlite3_int64 aCnt[6];
  sqlite3_int64 nV1;
  RemoteTz *p;
  int i;
  if( n<44 || memcmp(a, "TZif", 4)!=0 || a[4]<'2' ) return 0;
  for(i=0; i<6; i++) aCnt[i] = tzGet32(&a[20+4*i]);
  /* skip the 32-bit block: isut, isstd, leap, time, type, char counts */
  nV1 = aCnt[3]*5 + aCnt[4]*6 + aCnt[5] + aCnt[2]*8 + aCnt[1] + aCnt[0];
  h = a + 44 + nV1;
  if( h+44>a+n || memcmp(h, "TZif", 4)!=0 ) return 0;
  for(i=0; i<6; i++) aCnt[i] = tzGet32(&h[20+4*i]);
  if( aCnt[3]<0 || aCnt[4]<1 || aCnt[4]>255 || aCnt[3]>1000000 ) return 0;
  {
    const unsigned char *pTimes = h + 44;
    const unsigned char *pIdx = pTimes + 8*aCnt[3];
    const unsigned char *pTypes = pIdx + aCnt[3];
    const unsigned char *pEnd = pTypes + 6*aCnt[4] + aCnt[5] + 12*aCnt[2]
                              + aCnt[1] + aCnt[0];
    size_t nName = strlen(zName);
    if( pEnd>a+n ) return 0;
    p = sqlite3_malloc64(sizeof(*p) + aCnt[3]*(sizeof(sqlite3_int64)+1)
                         + aCnt[4]*sizeof(int) + nName + 1);
    if( p==0 ) return 0;
    memset(p, 0, sizeof(*p));
    p->nTrans = (int)aCnt[3];
    p->nType = (int)aCnt[4];
    p->aTrans = (sqlite3_int64*)&p[1];
    p->aOff = (int*)&p->aTrans[p->nTrans];
    p->aIdx = (unsigned char*)&p->aOff[p->nType];
    p->zName = (char*)&p->aIdx[p->nTrans];
    memcpy(p->zName, zName, nName+1);
    for(i=0; i<p->nTrans; i++){
      p->aTrans[i] = tzGet64(&pTimes[8*i]);
      p->aIdx[i] = pIdx[i]<p->nType ? pIdx[i] : 0;
    }
    for(i=0; i<p->nType; i++) p->aOff[i] = (int)tzGet32(&pTypes[6*i]);
    /* the footer: "\nTZ\n" */
    if( pEnd<a+n && *pEnd=='\n' ){
      const unsigned char *z = pEnd+1;
      const unsigned char *zNl = memchr(z, '\n', (size_t)(a+n-z));
      if( zNl && zNl-z<128 ){
        char zTz[128];
        memcpy(zTz, z, zNl-z);
        zTz[zNl-z] = 0;
        if( zTz[0] && !tzParseFooter(p, zTz) ) p->bFooter = 0;
      }
    }
  }
  return p;
}

const RemoteTz *remoteTzFind(const char *zName){
  RemoteTz *p;
  const char *zDir = getenv("TZDIR");
  char *zPath = 0;
  unsigned char *a = 0;
  long n = 0;
  FILE *pFile = 0;
  if( !tzNameOk(zName) ) return 0;
  pthread_mutex_lock(&tzMutex);
  for(p=pTzList; p; p=p->pNext){
    if( strcmp(p->zName, zName)==0 ) break;
  }
  if( p==0 ){
    zPath = sqlite3_mprintf("%s/%s", zDir && zDir[0] ? zDir : "/usr/share/zoneinfo",
                            zName);
    pFile = zPath ? fopen(zPath, "rb") : 0;
    if( pFile && fseek(pFile, 0, SEEK_END)==0 && (n = ftell(pFile))>0
     && n<4*1024*1024 && fseek(pFile, 0, SEEK_SET)==0 ){
      a = sqlite3_malloc64(n);
      if( a && fread(a, 1, (size_t)n, pFile)==(size_t)n ){
        p = tzParse(zName, a, n);
        if( p ){
          p->pNext = pTzList;
          pTzList = p;
        }
      }
    }
  }
  pthread_mutex_unlock(&tzMutex);
  if( pFile ) fclose(pFile);
  sqlite3_free(a);
  sqlite3_free(zPath);
  return p;
}
