/* SPDX-License-Identifier: MIT */
/*
** log.c: process-wide ring buffers of pool events and echo lines.
**
** remoteEvent() is called by the pool at each SQLAlchemy event; remoteLog()
** by anything that echoes. remote_events and remote_log (introspect.c) read
** snapshots of them. One mutex guards both rings and the C API's
** listeners (called with it held, in seq order); it is held across fork().
*/
#include <pthread.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "log.h"

#define MAX_LISTENER 16

/* logMutex guards both rings and the listeners; it is held across fork()
** so that the child's copy is consistent. Listeners (C API) are called
** with it held, so they see events in seq order and must not call back
** into the extension. Nothing else is locked while it is held. */
static pthread_mutex_t logMutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t logOnce = PTHREAD_ONCE_INIT;
static RemoteEventRow aEvent[REMOTE_EVENT_RING];
static unsigned char aEventOwned[REMOTE_EVENT_RING]; /* zEvent malloc'd */
static sqlite3_int64 nEventSeq = 0;           /* events ever recorded */
static RemoteLogRow aLog[REMOTE_LOG_RING];
static sqlite3_int64 nLogSeq = 0;
static struct { RemoteEventListener x; void *pArg; } aListen[MAX_LISTENER];
static int nListen = 0;                       /* read without a lock first */

/* The event names the pool uses: ring rows point at these, not copies */
static const char *const azEventName[] = {
  "first_connect", "connect", "checkout", "checkin", "reset", "invalidate",
  "soft_invalidate", "close", "detach", "close_detached",
};

static void logForkPrepare(void){ pthread_mutex_lock(&logMutex); }
static void logForkParent(void){ pthread_mutex_unlock(&logMutex); }
static void logForkChild(void){ pthread_mutex_unlock(&logMutex); }
static void logInit(void){
  pthread_atfork(logForkPrepare, logForkParent, logForkChild);
}

double remoteNow(void){
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + ts.tv_nsec/1e9;
}

double remoteMonotonic(void){
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec/1e9;
}

static char *dupText(const char *z){
  return z ? sqlite3_mprintf("%s", z) : 0;
}

/* Put text z into *pz, reusing the old copy when it is the same text
** (the level of nearly every log line). */
static void setText(char **pz, const char *z){
  if( z && *pz && strcmp(*pz, z)==0 ) return;
  sqlite3_free(*pz);
  *pz = dupText(z);
}

/*
** The engine names of ring rows, each distinct name stored once and
** counted by the rows that point at its text (logMutex held): recording
** an event copies nothing, also while the ring first fills.
*/
typedef struct LogName LogName;
struct LogName {
  LogName *pNext;
  int nRef;                 /* ring rows using it */
  char z[8];                /* the name; allocated as long as it needs */
};
static LogName *pLogNames = 0;

static LogName *nameOf(char *z){
  return (LogName*)(z - offsetof(LogName, z));
}

/* Point *pz (NULL or a name's text) at the name z, counted */
static void setName(char **pz, const char *z){
  LogName *pOld = *pz ? nameOf(*pz) : 0;
  LogName *pNew, **pp;
  if( pOld && z && strcmp(pOld->z, z)==0 ) return;
  pNew = 0;
  for(pp=&pLogNames; z && *pp; pp=&(*pp)->pNext){
    if( strcmp((*pp)->z, z)==0 ){ pNew = *pp; break; }
  }
  if( pNew==0 && z ){
    size_t n = strlen(z);
    pNew = sqlite3_malloc64(sizeof(LogName) + n);
    if( pNew ){
      memcpy(pNew->z, z, n+1);
      pNew->nRef = 0;
      pNew->pNext = pLogNames;
      pLogNames = pNew;
    }
  }
  if( pNew ) pNew->nRef++;
  if( pOld && --pOld->nRef==0 ){
    for(pp=&pLogNames; *pp; pp=&(*pp)->pNext){
      if( *pp==pOld ){ *pp = pOld->pNext; break; }
    }
    sqlite3_free(pOld);
  }
  *pz = pNew ? pNew->z : 0;
}

/* The ring's copy of an event name: the pool's names are static */
static const char *staticEventName(const char *zEvent){
  const int nName = (int)(sizeof(azEventName)/sizeof(azEventName[0]));
  int i;
  if( zEvent==0 ) return 0;
  for(i=0; i<nName; i++){
    if( zEvent==azEventName[i] ) return zEvent;
  }
  for(i=0; i<nName; i++){
    if( strcmp(zEvent, azEventName[i])==0 ) return azEventName[i];
  }
  return 0;
}

/* Fill the next ring row (logMutex held) */
static void eventRow(const char *zEngine, const char *zEvent, int iConn,
                     const char *zDetail, double rTime){
  int iRow = (int)(nEventSeq % REMOTE_EVENT_RING);
  RemoteEventRow *p = &aEvent[iRow];
  const char *zStatic = staticEventName(zEvent);
  if( aEventOwned[iRow] ) sqlite3_free(p->zEvent);
  if( p->zDetail ){ sqlite3_free(p->zDetail); p->zDetail = 0; }
  p->iSeq = ++nEventSeq;
  p->rTime = rTime;
  setName(&p->zEngine, zEngine);
  p->zEvent = zStatic ? (char*)zStatic : dupText(zEvent);
  aEventOwned[iRow] = zStatic==0;
  p->iConn = iConn;
  if( zDetail ) p->zDetail = dupText(zDetail);
}

void remoteEvent(const char *zEngine, const char *zEvent, int iConn,
                 const char *zDetail){
  remoteEventAt(zEngine, zEvent, iConn, zDetail, remoteNow());
}

void remoteEventAt(const char *zEngine, const char *zEvent, int iConn,
                   const char *zDetail, double rTime){
  int i;
  pthread_once(&logOnce, logInit);
  pthread_mutex_lock(&logMutex);
  eventRow(zEngine, zEvent, iConn, zDetail, rTime);
  for(i=0; i<nListen; i++){
    aListen[i].x(aListen[i].pArg, zEngine, zEvent, iConn, zDetail);
  }
  pthread_mutex_unlock(&logMutex);
}

void remoteEvent2(const char *zEngine, const char *zEvent1,
                  const char *zEvent2, int iConn, double rTime){
  if( __atomic_load_n(&nListen, __ATOMIC_ACQUIRE)>0 ){
    remoteEventAt(zEngine, zEvent1, iConn, 0, rTime);
    remoteEventAt(zEngine, zEvent2, iConn, 0, rTime);
  }else{
    pthread_once(&logOnce, logInit);
    pthread_mutex_lock(&logMutex);
    eventRow(zEngine, zEvent1, iConn, 0, rTime);
    eventRow(zEngine, zEvent2, iConn, 0, rTime);
    pthread_mutex_unlock(&logMutex);
  }
}

void remoteLog(const char *zEngine, const char *zLevel, int bStderr,
               const char *zFmt, ...){
  RemoteLogRow *p;
  char *zMsg;
  va_list ap;
  va_start(ap, zFmt);
  zMsg = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  if( zMsg==0 ) return;
  pthread_once(&logOnce, logInit);
  pthread_mutex_lock(&logMutex);
  p = &aLog[nLogSeq % REMOTE_LOG_RING];
  sqlite3_free(p->zMessage);
  p->iSeq = ++nLogSeq;
  p->rTime = remoteNow();
  setName(&p->zEngine, zEngine);
  setText(&p->zLevel, zLevel);
  p->zMessage = zMsg;
  if( bStderr ){
    fprintf(stderr, "remote %s %s: %s\n", zEngine ? zEngine : "-", zLevel, zMsg);
  }
  pthread_mutex_unlock(&logMutex);
}

int remoteEventListen(RemoteEventListener x, void *pArg){
  int rc = 1;
  pthread_once(&logOnce, logInit);
  pthread_mutex_lock(&logMutex);
  if( nListen<MAX_LISTENER ){
    aListen[nListen].x = x;
    aListen[nListen].pArg = pArg;
    __atomic_store_n(&nListen, nListen+1, __ATOMIC_RELEASE);
    rc = 0;
  }
  pthread_mutex_unlock(&logMutex);
  return rc;
}

/* After this returns, x is never called again with pArg */
int remoteEventUnlisten(RemoteEventListener x, void *pArg){
  int i, rc = 1;
  pthread_once(&logOnce, logInit);
  pthread_mutex_lock(&logMutex);
  for(i=0; i<nListen; i++){
    if( aListen[i].x==x && aListen[i].pArg==pArg ){
      memmove(&aListen[i], &aListen[i+1], (nListen-i-1)*sizeof(aListen[0]));
      __atomic_store_n(&nListen, nListen-1, __ATOMIC_RELEASE);
      rc = 0;
      break;
    }
  }
  pthread_mutex_unlock(&logMutex);
  return rc;
}

int remoteEventSnapshot(RemoteEventRow **paRow, int *pnRow){
  RemoteEventRow *a;
  sqlite3_int64 iFirst, i;
  int n;
  pthread_mutex_lock(&logMutex);
  iFirst = nEventSeq>REMOTE_EVENT_RING ? nEventSeq-REMOTE_EVENT_RING : 0;
  n = (int)(nEventSeq - iFirst);
  a = sqlite3_malloc64(sizeof(*a)*(n ? n : 1));
  if( a ){
    for(i=iFirst; i<nEventSeq; i++){
      RemoteEventRow *pSrc = &aEvent[i % REMOTE_EVENT_RING];
      RemoteEventRow *pDst = &a[i-iFirst];
      *pDst = *pSrc;
      pDst->zEngine = dupText(pSrc->zEngine);
      pDst->zEvent = dupText(pSrc->zEvent);
      pDst->zDetail = dupText(pSrc->zDetail);
    }
  }
  pthread_mutex_unlock(&logMutex);
  *paRow = a;
  *pnRow = a ? n : 0;
  return a ? SQLITE_OK : SQLITE_NOMEM;
}

void remoteEventSnapshotFree(RemoteEventRow *aRow, int nRow){
  int i;
  for(i=0; i<nRow; i++){
    sqlite3_free(aRow[i].zEngine);
    sqlite3_free(aRow[i].zEvent);
    sqlite3_free(aRow[i].zDetail);
  }
  sqlite3_free(aRow);
}

int remoteLogSnapshot(RemoteLogRow **paRow, int *pnRow){
  RemoteLogRow *a;
  sqlite3_int64 iFirst, i;
  int n;
  pthread_mutex_lock(&logMutex);
  iFirst = nLogSeq>REMOTE_LOG_RING ? nLogSeq-REMOTE_LOG_RING : 0;
  n = (int)(nLogSeq - iFirst);
  a = sqlite3_malloc64(sizeof(*a)*(n ? n : 1));
  if( a ){
    for(i=iFirst; i<nLogSeq; i++){
      RemoteLogRow *pSrc = &aLog[i % REMOTE_LOG_RING];
      RemoteLogRow *pDst = &a[i-iFirst];
      *pDst = *pSrc;
      pDst->zEngine = dupText(pSrc->zEngine);
      pDst->zLevel = dupText(pSrc->zLevel);
      pDst->zMessage = dupText(pSrc->zMessage);
    }
  }
  pthread_mutex_unlock(&logMutex);
  *paRow = a;
  *pnRow = a ? n : 0;
  return a ? SQLITE_OK : SQLITE_NOMEM;
}

void remoteLogSnapshotFree(RemoteLogRow *aRow, int nRow){
  int i;
  for(i=0; i<nRow; i++){
    sqlite3_free(aRow[i].zEngine);
    sqlite3_free(aRow[i].zLevel);
    sqlite3_free(aRow[i].zMessage);
  }
  sqlite3_free(aRow);
}
