/* SPDX-License-Identifier: MIT */
/*
** tablecache.c: the remote table definitions each engine has read from its
** catalog, kept so that connecting a virtual table (every SQLite
** connection that opens the schema, every CREATE) does not ask the server
** again.
**
**   SELECT remote_clear_cache('pg');     -- forget them (remoteClearCache)
**
** The cache hangs off the engine (RemoteEngine.pCache), so it goes with the
** engine when it is dropped or replaced. remoteTableCacheGet() hands out a
** copy; remoteTableCacheDrop() forgets one definition when a statement
** shows it stale (a column that no longer exists).
*/
#include <pthread.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "engine.h"

typedef struct CacheEntry CacheEntry;
struct CacheEntry {
  char *zSchema;            /* remote schema, "" = the connection's default */
  char *zTable;
  RemoteTableInfo *pInfo;
  CacheEntry *pNext;
};
typedef struct InfoCache InfoCache;
struct InfoCache {
  CacheEntry *pFirst;
};
static pthread_mutex_t cacheMutex = PTHREAD_MUTEX_INITIALIZER;

/* cacheMutex is a leaf lock: keep it usable in a forked child */
static pthread_once_t cacheForkOnce = PTHREAD_ONCE_INIT;
static void cacheForkLock(void){ pthread_mutex_lock(&cacheMutex); }
static void cacheForkUnlock(void){ pthread_mutex_unlock(&cacheMutex); }
static void cacheForkInit(void){
  pthread_atfork(cacheForkLock, cacheForkUnlock, cacheForkUnlock);
}

static void entryFree(CacheEntry *p){
  sqlite3_free(p->zSchema);
  sqlite3_free(p->zTable);
  remoteTableInfoFree(p->pInfo);
  sqlite3_free(p);
}

/* Is p the entry of zSchema (NULL = the default) . zTable? */
static int entryIs(CacheEntry *p, const char *zSchema, const char *zTable){
  return strcmp(p->zSchema, zSchema ? zSchema : "")==0 && strcmp(p->zTable, zTable)==0;
}

static void cacheFree(void *p){
  InfoCache *pCache = (InfoCache*)p;
  CacheEntry *pE, *pNext;
  for(pE=pCache->pFirst; pE; pE=pNext){
    pNext = pE->pNext;
    entryFree(pE);
  }
  sqlite3_free(pCache);
}

static RemoteTableInfo *infoDup(const RemoteTableInfo *p){
  RemoteTableInfo *q = sqlite3_malloc(sizeof(*q));
  int i;
  if( q==0 ) return 0;
  *q = *p;
  q->zSchema = p->zSchema ? sqlite3_mprintf("%s", p->zSchema) : 0;
  q->zTable = sqlite3_mprintf("%s", p->zTable);
  q->aCol = sqlite3_malloc64(sizeof(RemoteColumnInfo)*(p->nCol ? p->nCol : 1));
  if( q->aCol==0 ){
    q->nCol = 0;
    remoteTableInfoFree(q);
    return 0;
  }
  for(i=0; i<p->nCol; i++){
    q->aCol[i] = p->aCol[i];
    q->aCol[i].zName = sqlite3_mprintf("%s", p->aCol[i].zName);
    q->aCol[i].zDeclType = sqlite3_mprintf("%s", p->aCol[i].zDeclType);
    q->aCol[i].zRemoteType = sqlite3_mprintf("%s",
        p->aCol[i].zRemoteType ? p->aCol[i].zRemoteType : "");
    q->aCol[i].zCastType = p->aCol[i].zCastType
        ? sqlite3_mprintf("%s", p->aCol[i].zCastType) : 0;
  }
  return q;
}

/* A copy of the cached definition of zSchema.zTable, or NULL */
RemoteTableInfo *remoteTableCacheGet(RemoteEngine *pE, const char *zSchema,
                                     const char *zTable){
  RemoteTableInfo *p = 0;
  CacheEntry *pEnt;
  pthread_mutex_lock(&cacheMutex);
  if( pE->pCache ){
    for(pEnt=((InfoCache*)pE->pCache)->pFirst; pEnt; pEnt=pEnt->pNext){
      if( entryIs(pEnt, zSchema, zTable) ){ p = infoDup(pEnt->pInfo); break; }
    }
  }
  pthread_mutex_unlock(&cacheMutex);
  return p;
}

/* Keep a copy of pInfo as the definition of zSchema.zTable */
void remoteTableCachePut(RemoteEngine *pE, const char *zSchema, const char *zTable,
                         const RemoteTableInfo *pInfo){
  CacheEntry *pEnt;
  pthread_once(&cacheForkOnce, cacheForkInit);
  pEnt = sqlite3_malloc(sizeof(*pEnt));
  if( pEnt==0 ) return;
  pEnt->zSchema = sqlite3_mprintf("%s", zSchema ? zSchema : "");
  pEnt->zTable = sqlite3_mprintf("%s", zTable);
  pEnt->pInfo = infoDup(pInfo);
  if( pEnt->zSchema==0 || pEnt->zTable==0 || pEnt->pInfo==0 ){
    entryFree(pEnt);
    return;
  }
  pthread_mutex_lock(&cacheMutex);
  if( pE->pCache==0 ){
    pE->pCache = sqlite3_malloc(sizeof(InfoCache));
    if( pE->pCache ){
      ((InfoCache*)pE->pCache)->pFirst = 0;
      pE->xCacheFree = cacheFree;
    }
  }
  if( pE->pCache ){
    pEnt->pNext = ((InfoCache*)pE->pCache)->pFirst;
    ((InfoCache*)pE->pCache)->pFirst = pEnt;
    pEnt = 0;
  }
  pthread_mutex_unlock(&cacheMutex);
  if( pEnt ) entryFree(pEnt);
}

static int cacheClear(RemoteEngine *pE){
  int n = 0;
  InfoCache *pCache;
  pthread_mutex_lock(&cacheMutex);
  pCache = (InfoCache*)pE->pCache;
  pE->pCache = 0;
  pthread_mutex_unlock(&cacheMutex);
  if( pCache ){
    CacheEntry *pEnt;
    for(pEnt=pCache->pFirst; pEnt; pEnt=pEnt->pNext) n++;
    cacheFree(pCache);
  }
  return n;
}

/* Forget the cached definition of zSchema.zTable (if any) */
void remoteTableCacheDrop(RemoteEngine *pE, const char *zSchema, const char *zTable){
  CacheEntry **pp, *pDel = 0;
  pthread_mutex_lock(&cacheMutex);
  if( pE->pCache ){
    for(pp=&((InfoCache*)pE->pCache)->pFirst; *pp; pp=&(*pp)->pNext){
      if( entryIs(*pp, zSchema, zTable) ){
        pDel = *pp;
        *pp = pDel->pNext;
        break;
      }
    }
  }
  pthread_mutex_unlock(&cacheMutex);
  if( pDel ) entryFree(pDel);
}

int remoteClearCache(const char *zName){
  int n = 0;
  if( zName ){
    RemoteEngine *pE = remoteEngineFind(zName);
    if( pE ){
      n = cacheClear(pE);
      remoteEngineRelease(pE);
    }
  }else{
    RemoteEngine **ap = 0;
    int nE = 0, i;
    if( remoteEngineList(&ap, &nE)==SQLITE_OK ){
      for(i=0; i<nE; i++){
        n += cacheClear(ap[i]);
        remoteEngineRelease(ap[i]);
      }
      sqlite3_free(ap);
    }
  }
  return n;
}
