/*
** log.c: process-wide ring buffers of pool events and echo lines.
**
** remoteEvent() is called by the pool at each SQLAlchemy event; remoteLog()
** by anything that echoes. remote_events and remote_log (introspect.c) read
** snapshots of them. One mutex guards both rings and the listener list.
*/
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "log.h"

#define MAX_LISTENER 16

static pthread_mutex_t logMutex = PTHREAD_MUTEX_INITIALIZER;
static RemoteEventRow aEvent[REMOTE_EVENT_RING];
static sqlite3_int64 nEventSeq = 0;           /* events ever recorded */
static RemoteLogRow aLog[REMOTE_LOG_RING];
static sqlite3_int64 nLogSeq = 0;
static struct { RemoteEventListener x; void *pArg; } aListen[MAX_LISTENER];
static int nListen = 0;

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

void remoteEvent(const char *zEngine, const char *zEvent, int iConn,
                 const char *zDetail){
  RemoteEventRow *p;
  int i;
  pthread_mutex_lock(&logMutex);
  p = &aEvent[nEventSeq % REMOTE_EVENT_RING];
  sqlite3_free(p->zEngine);
  sqlite3_free(p->zEvent);
  sqlite3_free(p->zDetail);
  p->iSeq = ++nEventSeq;
  p->rTime = remoteNow();
  p->zEngine = dupText(zEngine);
  p->zEvent = dupText(zEvent);
  p->iConn = iConn;
  p->zDetail = dupText(zDetail);
  for(i=0; i<nListen; i++){
    aListen[i].x(aListen[i].pArg, zEngine, zEvent, iConn, zDetail);
  }
  pthread_mutex_unlock(&logMutex);
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
  pthread_mutex_lock(&logMutex);
  p = &aLog[nLogSeq % REMOTE_LOG_RING];
  sqlite3_free(p->zEngine);
  sqlite3_free(p->zLevel);
  sqlite3_free(p->zMessage);
  p->iSeq = ++nLogSeq;
  p->rTime = remoteNow();
  p->zEngine = dupText(zEngine);
  p->zLevel = dupText(zLevel);
  p->zMessage = zMsg;
  if( bStderr ){
    fprintf(stderr, "remote %s %s: %s\n", zEngine ? zEngine : "-", zLevel, zMsg);
  }
  pthread_mutex_unlock(&logMutex);
}

int remoteEventListen(RemoteEventListener x, void *pArg){
  int rc = 1;
  pthread_mutex_lock(&logMutex);
  if( nListen<MAX_LISTENER ){
    aListen[nListen].x = x;
    aListen[nListen].pArg = pArg;
    nListen++;
    rc = 0;
  }
  pthread_mutex_unlock(&logMutex);
  return rc;
}

int remoteEventUnlisten(RemoteEventListener x, void *pArg){
  int i, rc = 1;
  pthread_mutex_lock(&logMutex);
  for(i=0; i<nListen; i++){
    if( aListen[i].x==x && aListen[i].pArg==pArg ){
      memmove(&aListen[i], &aListen[i+1], (nListen-i-1)*sizeof(aListen[0]));
      nListen--;
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
