/* SPDX-License-Identifier: MIT */
/*
** capi.c: the C API declared in remote.h, a thin layer over engine.c,
** log.c and the per-connection sessions. remoteCapiRemember() (called
** when a connection loads the extension) and remoteCapiForget() (when its
** session is freed) keep the db -> session map behind
** remote_native_handle().
*/
#include <pthread.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "func.h"
#include "log.h"
#include "remote.h"

typedef struct CapiEntry CapiEntry;
struct CapiEntry {
  sqlite3 *db;
  RemoteSession *pSess;
  CapiEntry *pNext;
};
static pthread_mutex_t capiMutex = PTHREAD_MUTEX_INITIALIZER;

/* capiMutex is a leaf lock: keep it usable in a forked child */
static pthread_once_t capiForkOnce = PTHREAD_ONCE_INIT;
static void capiForkLock(void){ pthread_mutex_lock(&capiMutex); }
static void capiForkUnlock(void){ pthread_mutex_unlock(&capiMutex); }
static void capiForkInit(void){
  pthread_atfork(capiForkLock, capiForkUnlock, capiForkUnlock);
}
static CapiEntry *pCapiFirst = 0;

int remoteCapiRemember(sqlite3 *db, RemoteSession *pSess){
  CapiEntry *p;
  pthread_once(&capiForkOnce, capiForkInit);
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  p->db = db;
  p->pSess = pSess;
  pthread_mutex_lock(&capiMutex);
  p->pNext = pCapiFirst;
  pCapiFirst = p;
  pthread_mutex_unlock(&capiMutex);
  return SQLITE_OK;
}

void remoteCapiForget(RemoteSession *pSess){
  CapiEntry **pp;
  pthread_mutex_lock(&capiMutex);
  for(pp=&pCapiFirst; *pp; pp=&(*pp)->pNext){
    if( (*pp)->pSess==pSess ){
      CapiEntry *p = *pp;
      *pp = p->pNext;
      sqlite3_free(p);
      break;
    }
  }
  pthread_mutex_unlock(&capiMutex);
}

/* Linked as a shared library, the extension reaches SQLite through the
** routines handed to sqlite3_remote_init(): until some connection has
** loaded it, nothing here can allocate. */
static int notReady(void){
#ifndef SQLITE_CORE
  return sqlite3_api==0;
#else
  return 0;
#endif
}

int remote_engine_create(const char *zName, const char *zUrl, int nOpt,
                         const char **azOpt, char **pzErr){
  char *zErr = 0;
  int rc;
  if( pzErr ) *pzErr = 0;
  if( notReady() ) return SQLITE_MISUSE;
  rc = remoteEngineCreate(zName, zUrl, nOpt, azOpt, &zErr);
  if( pzErr ) *pzErr = zErr;
  else sqlite3_free(zErr);
  return rc;
}

int remote_engine_drop(const char *zName){
  return (zName && !notReady()) ? remoteEngineDrop(zName) : 0;
}

int remote_register_dialect(const char *zName, const struct RemoteDialect *p){
  if( zName==0 || p==0 || notReady() ) return SQLITE_MISUSE;
  return remoteDialectRegister(zName, p);
}

int remote_event_listen(RemoteEventListener xEvent, void *pArg){
  return remoteEventListen(xEvent, pArg) ? SQLITE_FULL : SQLITE_OK;
}

int remote_event_unlisten(RemoteEventListener xEvent, void *pArg){
  return remoteEventUnlisten(xEvent, pArg) ? SQLITE_NOTFOUND : SQLITE_OK;
}

void *remote_native_handle(sqlite3 *db, sqlite3_int64 iHandle){
  CapiEntry *p;
  void *pNative = 0;
  pthread_mutex_lock(&capiMutex);
  for(p=pCapiFirst; p; p=p->pNext){
    if( p->db==db ){
      SessConn *pSc;
      for(pSc=p->pSess->pConns; pSc; pSc=pSc->pNext){
        if( pSc->iHandle==iHandle && pSc->pHeld && pSc->pHeld->pConn ){
          RemoteConn *pConn = pSc->pHeld->pConn;
          if( pConn->pDialect->xNativeHandle ){
            pNative = pConn->pDialect->xNativeHandle(pConn);
          }
        }
      }
      break;
    }
  }
  pthread_mutex_unlock(&capiMutex);
  return pNative;
}
