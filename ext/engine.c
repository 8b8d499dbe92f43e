/* SPDX-License-Identifier: MIT */
/*
** engine.c: the process-wide registry of named engines.
**
**   SELECT remote_engine('pg', 'postgresql://u:p@host/db', 'pool_size=2');
**
** remoteEngineCreate() parses the URL and the `key=value` options (exact
** error texts: README.md, "remote_engine", documents them), checks the URL's query keys against the
** dialect, and installs the engine, replacing one of the same name. Every
** lookup takes a reference (remoteEngineFind/remoteEngineRelease) so an
** engine replaced or dropped while in use lives until its last user is done.
*/
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "engine.h"
#include "pool.h"

#define MAX_EXTRA_DIALECT 16

static pthread_mutex_t engineMutex = PTHREAD_MUTEX_INITIALIZER;

/* A fork while another thread holds engineMutex must not leave it locked in the child */
static pthread_once_t engineForkOnce = PTHREAD_ONCE_INIT;
static void engineForkLock(void){ pthread_mutex_lock(&engineMutex); }
static void engineForkUnlock(void){ pthread_mutex_unlock(&engineMutex); }
static void engineForkInit(void){
  pthread_atfork(engineForkLock, engineForkUnlock, engineForkUnlock);
}
static RemoteEngine **apEngine = 0;      /* registered engines */
static int nEngine = 0;
static sqlite3_int64 iEngineGen = 0;
static struct { char *zName; const RemoteDialect *p; } aExtra[MAX_EXTRA_DIALECT];
static int nExtra = 0;

const RemoteDialect *remoteDialectFind(const char *zName){
  int i;
  const RemoteDialect *p = 0;
  if( zName==0 ) return 0;
  pthread_mutex_lock(&engineMutex);
  for(i=0; i<nExtra; i++){
    if( strcmp(aExtra[i].zName, zName)==0 ){ p = aExtra[i].p; break; }
  }
  pthread_mutex_unlock(&engineMutex);
  if( p ) return p;
#ifndef REMOTE_OMIT_PG
  if( strcmp(zName, "postgresql")==0 ) return &remotePgDialect;
#endif
#ifndef REMOTE_OMIT_MYSQL
  if( strcmp(zName, "mysql")==0 || strcmp(zName, "mariadb")==0 ){
    return &remoteMysqlDialect;
  }
#endif
  if( strcmp(zName, "sqlite")==0 ) return &remoteSqliteDialect;
  return 0;
}

/*
** The bytes of a RemoteDialect that a dialect of version iVersion fills:
** every member up to the first one a later version added.
*/
static size_t dialectSize(int iVersion){
  (void)iVersion;           /* one version so far */
  return sizeof(RemoteDialect);
}

/*
** Register pDialect (the C API's remote_register_dialect) under zName.
** The registry keeps a copy of the struct completed to the core's size,
** the members the dialect's version does not have zeroed (the optional
** features they stand for are then absent), so that the core can read
** every member; pool.c hands that copy to the dialect's connections.
*/
int remoteDialectRegister(const char *zName, const RemoteDialect *pDialect){
  RemoteDialect *pCopy;
  int rc;
  if( zName==0 || pDialect==0 || pDialect->iVersion<1 ) return SQLITE_MISUSE;
  rc = remoteUrlDialectAdd(zName);
  if( rc ) return rc;
  pCopy = sqlite3_malloc(sizeof(RemoteDialect));
  if( pCopy==0 ) return SQLITE_NOMEM;
  memset(pCopy, 0, sizeof(*pCopy));
  memcpy(pCopy, pDialect, dialectSize(pDialect->iVersion));
  rc = SQLITE_FULL;
  pthread_mutex_lock(&engineMutex);
  if( nExtra<MAX_EXTRA_DIALECT ){
    aExtra[nExtra].zName = sqlite3_mprintf("%s", zName);
    aExtra[nExtra].p = pCopy;
    if( aExtra[nExtra].zName ){ nExtra++; rc = SQLITE_OK; pCopy = 0; }
    else rc = SQLITE_NOMEM;
  }
  pthread_mutex_unlock(&engineMutex);
  sqlite3_free(pCopy);   /* the registry's copy lives as long as the process */
  return rc;
}

int remoteParseBool(const char *z){
  if( sqlite3_stricmp(z,"1")==0 || sqlite3_stricmp(z,"true")==0
   || sqlite3_stricmp(z,"yes")==0 || sqlite3_stricmp(z,"on")==0 ) return 1;
  if( sqlite3_stricmp(z,"0")==0 || sqlite3_stricmp(z,"false")==0
   || sqlite3_stricmp(z,"no")==0 || sqlite3_stricmp(z,"off")==0 ) return 0;
  return -1;
}

const char *remoteIsolationNormalize(const char *z){
  static const char *azLevel[] = {
    "SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED", "READ UNCOMMITTED",
    "AUTOCOMMIT"
  };
  char zBuf[32];
  int i, n;
  if( z==0 ) return 0;
  n = (int)strlen(z);
  if( n>=(int)sizeof(zBuf) ) return 0;
  for(i=0; i<n; i++){
    char c = z[i];
    zBuf[i] = (c=='_' || c=='-') ? ' ' : (char)toupper((unsigned char)c);
  }
  zBuf[n] = 0;
  for(i=0; i<(int)(sizeof(azLevel)/sizeof(azLevel[0])); i++){
    if( strcmp(zBuf, azLevel[i])==0 ) return azLevel[i];
  }
  return 0;
}

/* Parse an integer option: 1 on success. */
static int parseInt(const char *z, int *piOut){
  char *zEnd;
  long v;
  if( z[0]==0 || isspace((unsigned char)z[0]) ) return 0;
  v = strtol(z, &zEnd, 10);
  if( *zEnd || v<-2147483647L || v>2147483647L ) return 0;
  *piOut = (int)v;
  return 1;
}

/* Parse a number of seconds (finite, at most a year; the callers check
** the sign): 1 on success. */
static int parseSeconds(const char *z, double *prOut){
  char *zEnd;
  double r;
  if( z[0]==0 || isspace((unsigned char)z[0]) ) return 0;
  r = strtod(z, &zEnd);
  if( *zEnd || r!=r || r>31536000.0 || r<-31536000.0 ) return 0;
  *prOut = r;
  return 1;
}

/* echo / echo_pool: 0, 1 or debug */
static int parseEcho(const char *z){
  if( sqlite3_stricmp(z, "debug")==0 ) return 2;
  return remoteParseBool(z);
}

static void optsDefault(RemoteEngineOpts *p, const RemoteUrl *pUrl){
  memset(p, 0, sizeof(*p));
  p->ePoolClass = POOL_QUEUE;
  if( strcmp(pUrl->zDialect, "sqlite")==0
   && (pUrl->zDatabase==0 || pUrl->zDatabase[0]==0
       || strcmp(pUrl->zDatabase, ":memory:")==0) ){
    p->ePoolClass = POOL_SINGLETON;
  }
  p->nPoolSize = 5;
  p->nMaxOverflow = 10;
  p->rTimeout = 30.0;
  p->rRecycle = -1.0;
  p->eReset = RESET_ROLLBACK;
  p->rRetryInterval = 0.5;
  p->nFetch = 1000;
  p->nStmtCache = 100;
}

/*
** Apply one `key=value` option text to p. Returns SQLITE_OK or SQLITE_ERROR
** with *pzErr set to the documented text (README.md, "remote_engine").
*/
static int optsApply(RemoteEngineOpts *p, const char *zOpt, char **pzErr){
  const char *zEq = strchr(zOpt, '=');
  char *zKey;
  const char *zVal;
  int bOk = 1;
  int rc = SQLITE_OK;
  if( zEq==0 ){
    *pzErr = sqlite3_mprintf("unknown engine option '%s'", zOpt);
    return SQLITE_ERROR;
  }
  zKey = sqlite3_mprintf("%.*s", (int)(zEq-zOpt), zOpt);
  if( zKey==0 ) return SQLITE_NOMEM;
  zVal = zEq+1;
  if( strcmp(zKey, "poolclass")==0 ){
    static const struct { const char *z; int e; } aClass[] = {
      {"queuepool", POOL_QUEUE}, {"queue", POOL_QUEUE},
      {"nullpool", POOL_NULL}, {"null", POOL_NULL},
      {"staticpool", POOL_STATIC}, {"static", POOL_STATIC},
      {"singletonthreadpool", POOL_SINGLETON}, {"singletonthread", POOL_SINGLETON},
      {"singleton", POOL_SINGLETON},
      {"assertionpool", POOL_ASSERTION}, {"assertion", POOL_ASSERTION},
    };
    int i;
    bOk = 0;
    for(i=0; i<(int)(sizeof(aClass)/sizeof(aClass[0])); i++){
      if( sqlite3_stricmp(zVal, aClass[i].z)==0 ){
        p->ePoolClass = aClass[i].e;
        bOk = 1;
        break;
      }
    }
  }else if( strcmp(zKey, "pool_size")==0 ){
    bOk = parseInt(zVal, &p->nPoolSize) && p->nPoolSize>=0;
  }else if( strcmp(zKey, "max_overflow")==0 ){
    bOk = parseInt(zVal, &p->nMaxOverflow) && p->nMaxOverflow>=-1;
  }else if( strcmp(zKey, "pool_timeout")==0 ){
    if( sqlite3_stricmp(zVal, "none")==0 ){
      p->rTimeout = -1.0;
    }else{
      bOk = parseSeconds(zVal, &p->rTimeout) && p->rTimeout>=0.0;
    }
  }else if( strcmp(zKey, "pool_recycle")==0 ){
    bOk = parseSeconds(zVal, &p->rRecycle);
    if( bOk && p->rRecycle<0 ) p->rRecycle = -1.0;
  }else if( strcmp(zKey, "pool_pre_ping")==0 ){
    bOk = (p->bPrePing = remoteParseBool(zVal))>=0;
  }else if( strcmp(zKey, "pool_use_lifo")==0 ){
    bOk = (p->bLifo = remoteParseBool(zVal))>=0;
  }else if( strcmp(zKey, "pool_reset_on_return")==0 ){
    if( sqlite3_stricmp(zVal, "rollback")==0 ) p->eReset = RESET_ROLLBACK;
    else if( sqlite3_stricmp(zVal, "commit")==0 ) p->eReset = RESET_COMMIT;
    else if( sqlite3_stricmp(zVal, "none")==0 ) p->eReset = RESET_NONE;
    else bOk = 0;
  }else if( strcmp(zKey, "isolation_level")==0 ){
    const char *zLevel = remoteIsolationNormalize(zVal);
    if( zLevel ){
      sqlite3_free(p->zIsolation);
      p->zIsolation = sqlite3_mprintf("%s", zLevel);
    }else{
      bOk = 0;
    }
  }else if( strcmp(zKey, "echo")==0 ){
    bOk = (p->eEcho = parseEcho(zVal))>=0;
  }else if( strcmp(zKey, "echo_pool")==0 ){
    bOk = (p->eEchoPool = parseEcho(zVal))>=0;
  }else if( strcmp(zKey, "hide_parameters")==0 ){
    bOk = (p->bHideParams = remoteParseBool(zVal))>=0;
  }else if( strcmp(zKey, "retry_on_disconnect")==0 ){
    int b = remoteParseBool(zVal);
    if( parseInt(zVal, &p->nRetry) && p->nRetry>=0 ){
      bOk = 1;
    }else if( b>=0 ){
      p->nRetry = b;
    }else{
      bOk = 0;
    }
  }else if( strcmp(zKey, "retry_interval")==0 ){
    bOk = parseSeconds(zVal, &p->rRetryInterval) && p->rRetryInterval>=0.0;
  }else if( strcmp(zKey, "fetch_size")==0 ){
    bOk = parseInt(zVal, &p->nFetch) && p->nFetch>0;
  }else if( strcmp(zKey, "statement_cache_size")==0 ){
    bOk = parseInt(zVal, &p->nStmtCache) && p->nStmtCache>=0;
  }else if( strcmp(zKey, "twophase")==0 ){
    if( sqlite3_stricmp(zVal, "auto")==0 ) p->bTwophaseOff = 0;
    else if( sqlite3_stricmp(zVal, "off")==0 ) p->bTwophaseOff = 1;
    else bOk = 0;
  }else if( strcmp(zKey, "io_timeout")==0
         || strcmp(zKey, "statement_timeout")==0 ){
    /* seconds, fractional; "none" or 0 = no limit */
    double *pr = zKey[0]=='i' ? &p->rIoTimeout : &p->rStmtTimeout;
    if( sqlite3_stricmp(zVal, "none")==0 ){
      *pr = 0.0;
    }else{
      bOk = parseSeconds(zVal, pr) && *pr>=0.0;
    }
  }else{
    *pzErr = sqlite3_mprintf("unknown engine option '%s'", zKey);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK && !bOk ){
    *pzErr = sqlite3_mprintf("invalid value '%s' for %s", zVal, zKey);
    rc = SQLITE_ERROR;
  }
  sqlite3_free(zKey);
  return rc;
}

static void engineFree(RemoteEngine *p){
  if( p->xCacheFree && p->pCache ) p->xCacheFree(p->pCache);
  remoteUrlFree(p->pUrl);
  sqlite3_free(p->opts.zIsolation);
  sqlite3_free(p->zName);
  sqlite3_free(p);
}

void remoteEngineRelease(RemoteEngine *p){
  int bFree;
  if( p==0 ) return;
  pthread_mutex_lock(&engineMutex);
  bFree = (--p->nRef==0);
  pthread_mutex_unlock(&engineMutex);
  if( bFree ) engineFree(p);
}

void remoteEngineRef(RemoteEngine *p){
  pthread_mutex_lock(&engineMutex);
  p->nRef++;
  pthread_mutex_unlock(&engineMutex);
}

/* The registered engine named zName (engineMutex held), or NULL */
static RemoteEngine *engineNamed(const char *zName){
  int i;
  for(i=0; zName && i<nEngine; i++){
    if( strcmp(apEngine[i]->zName, zName)==0 ) return apEngine[i];
  }
  return 0;
}

RemoteEngine *remoteEngineFind(const char *zName){
  RemoteEngine *p;
  pthread_mutex_lock(&engineMutex);
  p = engineNamed(zName);
  if( p ) p->nRef++;
  pthread_mutex_unlock(&engineMutex);
  return p;
}

/* Takes the pool's reference under engineMutex (pool mutexes come after
** it, as in remoteEnginePool). NULL for an engine dropped meanwhile: a
** caller may hold a reference on an engine that another thread drops. */
static RemotePool *poolRef(RemoteEngine *p){
  RemotePool *pPool = p->pPool;
  if( pPool==0 ) return 0;
  pthread_mutex_lock(&pPool->mu);
  pPool->nRef++;
  pthread_mutex_unlock(&pPool->mu);
  return pPool;
}

RemotePool *remoteEnginePoolNamed(const char *zName){
  RemotePool *pPool = 0;
  RemoteEngine *p;
  pthread_mutex_lock(&engineMutex);
  p = engineNamed(zName);
  if( p ) pPool = poolRef(p);
  pthread_mutex_unlock(&engineMutex);
  return pPool;
}

RemotePool *remoteEnginePool(RemoteEngine *p){
  RemotePool *pPool;
  pthread_mutex_lock(&engineMutex);
  pPool = poolRef(p);
  pthread_mutex_unlock(&engineMutex);
  return pPool;
}

/* Take engine p out of the registry (engineMutex held); returns its pool
** for the caller to dispose once the mutex is released. */
static RemotePool *engineUnlink(int iEngine){
  RemoteEngine *p = apEngine[iEngine];
  RemotePool *pPool = p->pPool;
  p->pPool = 0;
  p->bDropped = 1;
  memmove(&apEngine[iEngine], &apEngine[iEngine+1],
          (nEngine-iEngine-1)*sizeof(apEngine[0]));
  nEngine--;
  return pPool;
}

/* Dispose and release a pool that left the registry; drops the engine ref
** that the registry held. */
static void retirePool(RemoteEngine *pEngine, RemotePool *pPool){
  if( pPool ){
    remotePoolDispose(pPool, 1);
    remotePoolRelease(pPool);
  }
  remoteEngineRelease(pEngine);
}

int remoteEngineCreate(const char *zName, const char *zUrl, int nOpt,
                       const char **azOpt, char **pzErr){
  RemoteEngine *p = 0;
  RemoteEngine *pOld = 0;
  RemotePool *pOldPool = 0;
  int rc = SQLITE_OK;
  int i;

  if( zName==0 || zName[0]==0 ){
    *pzErr = sqlite3_mprintf("engine name must be a non-empty text");
    return SQLITE_ERROR;
  }
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->nRef = 1;
  p->zName = sqlite3_mprintf("%s", zName);
  if( p->zName==0 ){ rc = SQLITE_NOMEM; goto create_error; }
  if( remoteUrlParse(zUrl ? zUrl : "", &p->pUrl, pzErr) ){
    rc = SQLITE_ERROR;
    goto create_error;
  }
  p->pDialect = remoteDialectFind(p->pUrl->zDialect);
  if( p->pDialect==0 ){
    const char *zBuilt = remoteDialectOmitted(p->pUrl->zDialect);
    if( zBuilt ){
      *pzErr = sqlite3_mprintf("dialect '%s' is not in this build (built with "
          "DIALECTS=%s): rebuild with make DIALECTS=\"postgresql mysql\"",
          p->pUrl->zDialect, zBuilt);
    }else{
      *pzErr = sqlite3_mprintf("unknown dialect '%s'", p->pUrl->zDialect);
    }
    rc = SQLITE_ERROR;
    goto create_error;
  }
  for(i=0; i<p->pUrl->nQuery; i++){
    if( p->pDialect->xIsQueryKey==0 || !p->pDialect->xIsQueryKey(p->pUrl->azKey[i]) ){
      *pzErr = sqlite3_mprintf("unknown URL query key '%s' for dialect '%s'",
                               p->pUrl->azKey[i], p->pUrl->zDialect);
      rc = SQLITE_ERROR;
      goto create_error;
    }
  }
  optsDefault(&p->opts, p->pUrl);
  for(i=0; i<nOpt; i++){
    rc = optsApply(&p->opts, azOpt[i] ? azOpt[i] : "", pzErr);
    if( rc ) goto create_error;
  }
  p->pPool = remotePoolNew(p);
  if( p->pPool==0 ){ rc = SQLITE_NOMEM; goto create_error; }
  /* After the pool's handler: prepare handlers run in reverse order, so
  ** engineMutex is taken before the pools' (the order remoteEnginePool uses) */
  pthread_once(&engineForkOnce, engineForkInit);

  pthread_mutex_lock(&engineMutex);
  p->iGen = ++iEngineGen;
  for(i=0; i<nEngine; i++){
    if( strcmp(apEngine[i]->zName, zName)==0 ){
      pOld = apEngine[i];
      pOldPool = engineUnlink(i);
      break;
    }
  }
  {
    RemoteEngine **apNew = sqlite3_realloc64(apEngine, sizeof(p)*(nEngine+1));
    if( apNew==0 ){
      rc = SQLITE_NOMEM;
    }else{
      apEngine = apNew;
      apEngine[nEngine++] = p;
    }
  }
  pthread_mutex_unlock(&engineMutex);
  if( pOld ) retirePool(pOld, pOldPool);
  if( rc ) goto create_error;
  return SQLITE_OK;

create_error:
  if( p ){
    if( p->pPool ){
      RemotePool *pPool = p->pPool;
      p->pPool = 0;
      remotePoolDispose(pPool, 1);
      remotePoolRelease(pPool);     /* drops the pool's ref on p too */
    }
    remoteEngineRelease(p);
  }
  return rc;
}

int remoteEngineDrop(const char *zName){
  RemoteEngine *pOld = 0;
  RemotePool *pOldPool = 0;
  int i;
  pthread_mutex_lock(&engineMutex);
  for(i=0; i<nEngine; i++){
    if( strcmp(apEngine[i]->zName, zName)==0 ){
      pOld = apEngine[i];
      pOldPool = engineUnlink(i);
      break;
    }
  }
  pthread_mutex_unlock(&engineMutex);
  if( pOld==0 ) return 0;
  retirePool(pOld, pOldPool);
  return 1;
}

int remoteEngineDispose(const char *zName, int bClose, int *pnClosed){
  RemoteEngine *p = remoteEngineFind(zName);
  RemotePool *pOld, *pNew;
  if( p==0 ) return SQLITE_NOTFOUND;
  pNew = remotePoolNew(p);
  if( pNew==0 ){
    remoteEngineRelease(p);
    return SQLITE_NOMEM;
  }
  pthread_mutex_lock(&engineMutex);
  if( p->bDropped ){
    /* dropped by another thread since the lookup: a pool installed in it
    ** now would never be retired */
    pthread_mutex_unlock(&engineMutex);
    remotePoolRelease(pNew);
    remoteEngineRelease(p);
    return SQLITE_NOTFOUND;
  }
  pOld = p->pPool;
  p->pPool = pNew;
  pthread_mutex_unlock(&engineMutex);
  *pnClosed = pOld ? remotePoolDispose(pOld, bClose) : 0;
  if( pOld ) remotePoolRelease(pOld);
  remoteEngineRelease(p);
  return SQLITE_OK;
}

int remoteEngineList(RemoteEngine ***papEngine, int *pnEngine){
  RemoteEngine **a;
  int i;
  pthread_mutex_lock(&engineMutex);
  a = sqlite3_malloc64(sizeof(*a)*(nEngine ? nEngine : 1));
  if( a ){
    for(i=0; i<nEngine; i++){
      a[i] = apEngine[i];
      a[i]->nRef++;
    }
    *pnEngine = nEngine;
  }
  pthread_mutex_unlock(&engineMutex);
  *papEngine = a;
  return a ? SQLITE_OK : SQLITE_NOMEM;
}
