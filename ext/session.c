/* SPDX-License-Identifier: MIT */
/*
** session.c: per-SQLite-connection state: CONNs, held connections,
** transactions, savepoints and execution options.
**
** remoteSessAcquire()/remoteSessRelease() decide which pooled connection a
** statement runs on; remoteSessBegin/Commit/Rollback implement SQLAlchemy
** 1.x's counter nesting (only the outermost commit commits, any rollback
** rolls everything back and leaves the outer levels inactive) plus 2.0's
** savepoints. The transaction error texts README.md quotes ("Transactions")
** are made here.
*/
#include <stdlib.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "log.h"
#include "session.h"

#define MSG_INVALID  "Can't reconnect until invalid transaction is rolled back"
#define MSG_INACTIVE "This connection is on an inactive transaction. " \
                     "Please rollback() fully before proceeding"
#define MSG_TXN_INACTIVE "This transaction is inactive"
#define MSG_ISO_IN_TXN "isolation_level may not be altered while a " \
                       "transaction is in progress"
#define MSG_PREPARED "the two-phase transaction is prepared: commit or " \
                     "roll it back"

static sqlite3_int64 iHandleSeq = 0;   /* handles are unique process-wide */
static pthread_mutex_t handleMutex = PTHREAD_MUTEX_INITIALIZER;

/* handleMutex is a leaf lock: held across fork() it would stay locked in the child */
static pthread_once_t handleForkOnce = PTHREAD_ONCE_INIT;
static void handleForkLock(void){ pthread_mutex_lock(&handleMutex); }
static void handleForkUnlock(void){ pthread_mutex_unlock(&handleMutex); }
static void handleForkInit(void){
  pthread_atfork(handleForkLock, handleForkUnlock, handleForkUnlock);
}

RemoteSession *remoteSessionNew(sqlite3 *db){
  RemoteSession *p;
  pthread_once(&handleForkOnce, handleForkInit);
  p = sqlite3_malloc(sizeof(*p));
  if( p ){
    memset(p, 0, sizeof(*p));
    p->db = db;
  }
  return p;
}

/* Forget pSc's schema_translate_map */
static void clearSchemaMap(SessConn *pSc){
  int i;
  for(i=0; i<pSc->nMap*2; i++) sqlite3_free(pSc->azMap[i]);
  sqlite3_free(pSc->azMap);
  sqlite3_free(pSc->zSchemaMap);
  pSc->azMap = 0;
  pSc->zSchemaMap = 0;
  pSc->nMap = 0;
}

/* Forget pSc's savepoints (no SQL) */
static void clearSavepoints(SessConn *pSc){
  int i;
  for(i=0; i<pSc->nSave; i++) sqlite3_free(pSc->azSave[i]);
  pSc->nSave = 0;
}

static void sessUnhold(SessConn*);

static void sessConnFree(SessConn *pSc){
  int i;
  remoteBatchDiscard(pSc);
  sqlite3_free(pSc->pSpareRes);
  for(i=0; i<pSc->nSave; i++) sqlite3_free(pSc->azSave[i]);
  sqlite3_free(pSc->azSave);
  sqlite3_free(pSc->zEngine);
  sqlite3_free(pSc->zIsolation);
  clearSchemaMap(pSc);
  sqlite3_free(pSc->zToken);
  sqlite3_free(pSc->zXid);
  sqlite3_free(pSc->zLastId);
  sqlite3_free(pSc);
}

static SessConn *sessConnNew(RemoteSession *pSess, const char *zEngine,
                             sqlite3_int64 iHandle){
  SessConn *pSc = sqlite3_malloc(sizeof(*pSc));
  if( pSc==0 ) return 0;
  memset(pSc, 0, sizeof(*pSc));
  pSc->pSess = pSess;
  pSc->iHandle = iHandle;
  pSc->lastId.eType = SQLITE_NULL;
  pSc->zEngine = sqlite3_mprintf("%s", zEngine);
  if( pSc->zEngine==0 ){
    sqlite3_free(pSc);
    return 0;
  }
  pSc->pNext = pSess->pConns;
  pSess->pConns = pSc;
  return pSc;
}

static void sessConnUnlink(RemoteSession *pSess, SessConn *pSc){
  SessConn **pp;
  for(pp=&pSess->pConns; *pp; pp=&(*pp)->pNext){
    if( *pp==pSc ){ *pp = pSc->pNext; break; }
  }
}

SessConn *remoteSessConnByName(RemoteSession *pSess, const char *zEngine,
                               char **pzErr){
  SessConn *pSc;
  RemoteEngine *pE;
  for(pSc=pSess->pConns; pSc; pSc=pSc->pNext){
    if( pSc->iHandle==0 && strcmp(pSc->zEngine, zEngine)==0 ) return pSc;
  }
  pE = remoteEngineFind(zEngine);
  if( pE==0 ){
    *pzErr = sqlite3_mprintf("no such remote engine: %s", zEngine);
    return 0;
  }
  remoteEngineRelease(pE);
  pSc = sessConnNew(pSess, zEngine, 0);
  if( pSc==0 ) *pzErr = sqlite3_mprintf("out of memory");
  return pSc;
}

SessConn *remoteSessConn(RemoteSession *pSess, sqlite3_value *pVal,
                         char **pzErr){
  if( sqlite3_value_type(pVal)==SQLITE_INTEGER ){
    sqlite3_int64 iHandle = sqlite3_value_int64(pVal);
    SessConn *pSc;
    for(pSc=pSess->pConns; pSc; pSc=pSc->pNext){
      if( pSc->iHandle==iHandle ) return pSc;
    }
    *pzErr = sqlite3_mprintf("no such connection handle: %lld", iHandle);
    return 0;
  }
  if( sqlite3_value_type(pVal)!=SQLITE_TEXT ){
    *pzErr = sqlite3_mprintf("CONN must be an engine name or a connection handle");
    return 0;
  }
  return remoteSessConnByName(pSess, (const char*)sqlite3_value_text(pVal), pzErr);
}

RemoteEngine *remoteSessEngine(SessConn *pSc, char **pzErr){
  RemoteEngine *pE = remoteEngineFind(pSc->zEngine);
  if( pE==0 ) *pzErr = sqlite3_mprintf("no such remote engine: %s", pSc->zEngine);
  return pE;
}

int remoteSessFetchSize(SessConn *pSc, RemoteEngine *pE){
  if( pSc->nFetch>0 ) return pSc->nFetch;
  return pE->opts.nFetch;
}

/* ------------------------------------------------------------------ */
/* Uses: this session's checked-out connections                       */

static SessUse *findUse(RemoteSession *pSess, PoolConn *pc){
  SessUse *pU;
  for(pU=pSess->pUses; pU; pU=pU->pNext){
    if( pU->pPc==pc ) return pU;
  }
  return 0;
}

/* 1 if pc is the connection a CONN of pSess holds (transaction or handle) */
static int isHeld(RemoteSession *pSess, PoolConn *pc){
  SessConn *pSc;
  for(pSc=pSess->pConns; pSc; pSc=pSc->pNext){
    if( pSc->pHeld==pc ) return 1;
  }
  return 0;
}

/* A connection of pPool that this session's own autocommit statements and
** cursors are using, to share when the pool has none free. A connection a
** CONN holds is never shared: a statement on it would join that CONN's
** transaction and take its execution options. */
static SessUse *findUseOfPool(RemoteSession *pSess, RemotePool *pPool){
  SessUse *pU;
  for(pU=pSess->pUses; pU; pU=pU->pNext){
    if( pU->pPc->pPool==pPool && pU->pPc->eState!=PC_DETACHED
     && pU->pPc->pConn!=0 && !isHeld(pSess, pU->pPc) ){
      return pU;
    }
  }
  return 0;
}

static int addUse(RemoteSession *pSess, PoolConn *pc){
  SessUse *pU = pSess->pSpareUse;
  if( pU ){
    pSess->pSpareUse = 0;
  }else{
    pU = sqlite3_malloc(sizeof(*pU));
    if( pU==0 ) return SQLITE_NOMEM;
  }
  pU->pPc = pc;
  pU->nRef = 1;
  pU->pNext = pSess->pUses;
  pSess->pUses = pU;
  return SQLITE_OK;
}

static void resetSchema(PoolConn *pc);

/*
** The xStop hook of the connections this session's statements run on
** (pArg is the sqlite3*): 1 when sqlite3_interrupt() was called on it
** while a statement runs. SQLite 3.41+ answers sqlite3_is_interrupted().
** Before that, preparing (or stepping) a statement fails with
** SQLITE_INTERRUPT while the flag is set and a statement of the
** connection runs, which is the case whenever a remote statement waits
** (it is called from inside a function or virtual table method): about
** 1.4 us, asked at most every REMOTE_CHECK_INTERVAL of a wait. Only the
** thread that holds the connection's mutex (or none) may prepare on it:
** from any other thread the answer is 0, never a wait on that mutex.
*/
static int sessStop(void *pArg){
  sqlite3 *db = (sqlite3*)pArg;
  sqlite3_mutex *pMutex;
  sqlite3_stmt *pStmt = 0;
  int rc;
#if SQLITE_VERSION_NUMBER>=3041000
  if( sqlite3_libversion_number()>=3041000 ) return sqlite3_is_interrupted(db);
#endif
  pMutex = sqlite3_db_mutex(db);
  if( pMutex && sqlite3_mutex_try(pMutex)!=SQLITE_OK ) return 0;
  rc = sqlite3_prepare_v2(db, "SELECT 1", -1, &pStmt, 0);
  if( rc==SQLITE_OK ) rc = sqlite3_step(pStmt);
  sqlite3_finalize(pStmt);
  if( pMutex ) sqlite3_mutex_leave(pMutex);
  return rc==SQLITE_INTERRUPT;
}

/* Point pc's connection's xStop hook at pSess's SQLite connection (or,
** bSet==0, take it off again if it is pSess's) */
static void stopHook(RemoteSession *pSess, PoolConn *pc, int bSet){
  RemoteConn *pConn = pc->pConn;
  if( pConn==0 ) return;
  if( bSet ){
    pConn->xStop = sessStop;
    pConn->pStopArg = pSess->db;
  }else if( pConn->pStopArg==(void*)pSess->db ){
    pConn->xStop = 0;
    pConn->pStopArg = 0;
  }
}

static void dropUse(RemoteSession *pSess, PoolConn *pc){
  SessUse **pp;
  for(pp=&pSess->pUses; *pp; pp=&(*pp)->pNext){
    SessUse *pU = *pp;
    if( pU->pPc==pc ){
      if( --pU->nRef==0 ){
        *pp = pU->pNext;
        if( pSess->pSpareUse==0 ){
          pSess->pSpareUse = pU;
        }else{
          sqlite3_free(pU);
        }
        stopHook(pSess, pc, 0);
        resetSchema(pc);
        remotePoolCheckin(pc);
      }
      return;
    }
  }
}

/* Error text of a failed checkout: pool timeouts are SQLAlchemy's text */
static int checkoutError(SessConn *pSc, int rc, char *zErr, char **pzErr){
  if( rc==SQLITE_BUSY ){
    *pzErr = zErr;
  }else{
    *pzErr = sqlite3_mprintf("remote: %s: %s", pSc->zEngine, zErr ? zErr : "cannot connect");
    sqlite3_free(zErr);
  }
  return rc;
}

/* Check a fresh connection out of pSc's engine's pool, sharing one of this
** session's own when the pool has none free. */
static int checkoutShared(SessConn *pSc, int bShare, PoolConn **ppPc,
                          char **pzErr){
  RemoteSession *pSess = pSc->pSess;
  RemotePool *pPool = remoteEnginePoolNamed(pSc->zEngine);
  PoolConn *pc = 0;
  char *zErr = 0;
  int rc;
  if( pPool==0 ){
    *pzErr = sqlite3_mprintf("no such remote engine: %s", pSc->zEngine);
    return SQLITE_ERROR;
  }
  rc = remotePoolCheckoutFor(pPool, pSess, bShare, &pc, &zErr, 0);
  if( rc==SQLITE_BUSY && bShare ){
    SessUse *pU = findUseOfPool(pSess, pPool);
    if( pU ){
      sqlite3_free(zErr);
      pU->nRef++;
      remotePoolRelease(pPool);
      *ppPc = pU->pPc;
      return SQLITE_OK;
    }
    sqlite3_free(zErr);
    zErr = 0;
    rc = remotePoolCheckoutFor(pPool, pSess, 0, &pc, &zErr, 0);
  }
  remotePoolRelease(pPool);
  if( rc ) return checkoutError(pSc, rc, zErr, pzErr);
  if( addUse(pSess, pc) ){
    remotePoolCheckin(pc);
    *pzErr = sqlite3_mprintf("out of memory");
    return SQLITE_NOMEM;
  }
  *ppPc = pc;
  return SQLITE_OK;
}

/* The level pSc wants on its connection's session, apart from the
** engine's: its isolation_level option, NULL for the engine's (also under
** AUTOCOMMIT, which sends no BEGIN but keeps the session's level). */
static const char *wantedIsolation(SessConn *pSc){
  const char *z = pSc->zIsolation;
  return (z && strcmp(z, "AUTOCOMMIT")!=0) ? z : 0;
}

/*
** Set the session isolation level of pc to zWant (NULL = the engine's
** level, or the server's default when the engine sets none) unless
** pc->zIsolation says it is there already; pc->zIsolation records a level
** other than the engine's so that checkin puts the engine's back.
*/
static int setConnIsolation(SessConn *pSc, PoolConn *pc, const char *zWant,
                            int bForce, char **pzErr){
  RemoteConn *pConn = pc->pConn;
  RemoteEngine *pE = pc->pPool->pEngine;
  const char *zLevel = zWant;
  char *zNew = 0;
  if( !bForce ){
    if( zWant==0 && pc->zIsolation==0 ) return SQLITE_OK;
    if( zWant && pc->zIsolation && strcmp(zWant, pc->zIsolation)==0 ){
      return SQLITE_OK;
    }
  }
  if( zLevel==0 ){
    zLevel = pE->opts.zIsolation;
    if( zLevel && strcmp(zLevel, "AUTOCOMMIT")==0 ) zLevel = 0;
  }
  if( zWant ){
    zNew = sqlite3_mprintf("%s", zWant);
    if( zNew==0 ){
      *pzErr = sqlite3_mprintf("out of memory");
      return SQLITE_NOMEM;
    }
  }
  if( pConn->pDialect->xSetIsolation(pConn, zLevel)!=SQLITE_OK ){
    sqlite3_free(zNew);
    return remoteSessError(pSc, pc, pzErr);
  }
  sqlite3_free(pc->zIsolation);
  pc->zIsolation = zNew;
  return SQLITE_OK;
}

/* Apply the CONN's execution options to connection pc. Inside the CONN's
** own transaction the level is left alone: it cannot change there, and a
** per-transaction level (remote_begin's) is in force. */
/* Make the schema_translate_map's "" entry the default schema of pConn
** (remote_query's unqualified names resolve through it) */
static int applySchema(SessConn *pSc, PoolConn *pc, char **pzErr){
  RemoteConn *pConn = pc->pConn;
  const char *zWant = remoteSessMapSchema(pSc, 0);
  if( pConn->pDialect->xSetSchema==0 ) return SQLITE_OK;
  if( strcmp(zWant ? zWant : "", pConn->zSchemaSet)==0 ) return SQLITE_OK;
  if( pConn->pDialect->xSetSchema(pConn, zWant)!=SQLITE_OK ){
    return remoteSessError(pSc, pc, pzErr);
  }
  if( zWant && strlen(zWant)>=sizeof(pConn->zSchemaSet) ){
    memcpy(pConn->zSchemaSet, "\001", 2);
  }else{
    strcpy(pConn->zSchemaSet, zWant ? zWant : "");
  }
  return SQLITE_OK;
}

/* Put a connection's default schema back before it goes to the pool */
static void resetSchema(PoolConn *pc){
  RemoteConn *pConn = pc->pConn;
  if( pConn && pConn->zSchemaSet[0] && pConn->pDialect->xSetSchema ){
    if( pConn->pDialect->xSetSchema(pConn, 0)==SQLITE_OK ){
      pConn->zSchemaSet[0] = 0;
    }else{
      remotePoolInvalidate(pc, 0, pConn->eErr==REMOTE_ERR_DISCONNECT,
                           "cannot reset the default schema");
    }
  }
}

static int applyOptions(SessConn *pSc, PoolConn *pc, char **pzErr){
  RemoteConn *pConn = pc->pConn;
  RemoteEngine *pE = pc->pPool->pEngine;
  int rc;
  pConn->nStmtCache = pSc->bNoCompiledCache ? 0 : pE->opts.nStmtCache;
  rc = applySchema(pSc, pc, pzErr);
  if( rc ) return rc;
  if( pSc->nDepth>0 && pc==pSc->pHeld ) return SQLITE_OK;
  return setConnIsolation(pSc, pc, wantedIsolation(pSc), 0, pzErr);
}

/* 1 with *pzErr set when pSc's transaction is invalid (a disconnect) or
** inactive (rolled back): it takes no work until remote_rollback */
static int txnRefused(SessConn *pSc, char **pzErr){
  if( pSc->eTxn==TXN_INVALID ){
    *pzErr = sqlite3_mprintf(MSG_INVALID);
    return 1;
  }
  if( pSc->eTxn==TXN_INACTIVE ){
    *pzErr = sqlite3_mprintf(MSG_INACTIVE);
    return 1;
  }
  if( pSc->bPrepared ){
    *pzErr = sqlite3_mprintf(MSG_PREPARED);
    return 1;
  }
  return 0;
}

int remoteSessAcquire(SessConn *pSc, PoolConn **ppPc, char **pzErr){
  PoolConn *pc;
  int rc;
  *ppPc = 0;
  if( pSc->pSess->bCommitting && pSc->iHandle==0 ){
    /* twophase.c: the remote part is committed or prepared, SQLite's own
    ** commit has not ended */
    *pzErr = sqlite3_mprintf("remote: %s: the COMMIT of this transaction is "
                             "under way: retry the COMMIT, or ROLLBACK",
                             pSc->zEngine);
    return SQLITE_ERROR;
  }
  if( txnRefused(pSc, pzErr) ) return SQLITE_ERROR;
  if( remoteBatchUnsent(pSc) ){
    /* the rows a statement queued on this CONN go before anything else it
    ** runs, so that it reads its own writes (as SQLite would) */
    rc = remoteBatchFlush(pSc, pzErr);
    if( rc ) return rc;
  }
  if( pSc->pHeld ){
    SessUse *pU;
    pc = pSc->pHeld;
    if( pc->pConn==0 && pSc->nDepth>0 && pSc->bBegun ){
      /* The connection went away under an open transaction */
      pSc->eTxn = TXN_INVALID;
      clearSavepoints(pSc);
      if( pSc->iHandle==0 ) sessUnhold(pSc);
      *pzErr = sqlite3_mprintf(MSG_INVALID);
      return SQLITE_ERROR;
    }
    if( pc->pConn==0 ){
      char *zErr = 0;
      rc = remotePoolReconnect(pc, &zErr, 0);
      if( rc ) return checkoutError(pSc, rc, zErr, pzErr);
    }
    pU = findUse(pSc->pSess, pc);
    if( pU ) pU->nRef++;
  }else{
    rc = checkoutShared(pSc, 1, &pc, pzErr);
    if( rc ) return rc;
  }
  if( pc->pActiveResult ) remoteResultDrain((RemoteResult*)pc->pActiveResult);
  if( pc->pOpenCopy ){
    /* a batched INSERT's COPY is open on it: its rows go first */
    rc = remoteBatchFlushCopy(pc->pOpenCopy, pzErr);
    if( rc ){
      remoteSessRelease(pSc, pc);
      return rc;
    }
  }
  rc = applyOptions(pSc, pc, pzErr);
  if( rc ){
    remoteSessRelease(pSc, pc);
    return rc;
  }
  stopHook(pSc->pSess, pc, 1);
  *ppPc = pc;
  return SQLITE_OK;
}

void remoteSessRelease(SessConn *pSc, PoolConn *pc){
  if( pc ) dropUse(pSc->pSess, pc);
}

int remoteSessMustShare(SessConn *pSc, PoolConn *pc){
  SessUse *pU;
  int nUse = 0;
  if( pc==pSc->pHeld || isHeld(pSc->pSess, pc) ) return 1;
  for(pU=pSc->pSess->pUses; pU; pU=pU->pNext){
    if( pU->pPc==pc ) nUse += pU->nRef;
  }
  if( nUse>1 ) return 1;
  return !remotePoolCanGrow(pc->pPool);
}

/* Hold a live connection for a transaction (or handle) on pSc: check one
** out, or make sure the held one is connected (a handle's connection may
** have been invalidated since) with the CONN's options applied. */
static int sessHold(SessConn *pSc, char **pzErr){
  PoolConn *pc;
  int rc = remoteSessAcquire(pSc, &pc, pzErr);
  if( rc ) return rc;
  if( pSc->pHeld==0 ){
    pSc->pHeld = pc;
  }else{
    remoteSessRelease(pSc, pc);
  }
  return SQLITE_OK;
}

static void sessUnhold(SessConn *pSc){
  PoolConn *pc = pSc->pHeld;
  if( pc ){
    pSc->pHeld = 0;
    remoteSessRelease(pSc, pc);
  }
}

/* ------------------------------------------------------------------ */
/* Errors and echo                                                    */

int remoteSessError(SessConn *pSc, PoolConn *pc, char **pzErr){
  RemoteConn *pConn = pc->pConn;
  int eErr = pConn ? pConn->eErr : REMOTE_ERR_DISCONNECT;
  int bStopped = pConn && pConn->bStopped;
  sqlite3_free(*pzErr);
  if( bStopped ){
    /* cancelled on sqlite3_interrupt(): SQLite's own code and text */
    *pzErr = sqlite3_mprintf("interrupted");
  }else{
    *pzErr = sqlite3_mprintf("remote: %s: %s", pSc->zEngine,
        pConn && pConn->zErr ? pConn->zErr : "connection is closed");
  }
  if( eErr==REMOTE_ERR_DISCONNECT ){
    remoteResultOrphanShared(pc);
    remotePoolInvalidate(pc, 0, 1, pConn && pConn->zErr ? pConn->zErr : "disconnect");
    if( pSc->nDepth>0 && pc==pSc->pHeld ){
      pSc->eTxn = TXN_INVALID;
      clearSavepoints(pSc);
      if( pSc->iHandle==0 ) sessUnhold(pSc);
    }
  }
  if( bStopped ) return SQLITE_INTERRUPT;
  return eErr==REMOTE_ERR_CONSTRAINT ? SQLITE_CONSTRAINT : SQLITE_ERROR;
}

/* Render parameters for a log line: sqlite3_malloc'd "(1, 'x', NULL)" */
static char *renderParams(int nParam, const RemoteValue *aParam){
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i;
  sqlite3_str_appendchar(pStr, 1, '(');
  for(i=0; i<nParam; i++){
    const RemoteValue *v = &aParam[i];
    if( i ) sqlite3_str_appendall(pStr, ", ");
    switch( v->eType ){
      case SQLITE_INTEGER: sqlite3_str_appendf(pStr, "%lld", v->i); break;
      case SQLITE_FLOAT:   sqlite3_str_appendf(pStr, "%!.15g", v->r); break;
      case SQLITE_TEXT:    sqlite3_str_appendf(pStr, "%.*Q", v->n, v->z); break;
      case SQLITE_BLOB:    sqlite3_str_appendf(pStr, "<%d bytes>", v->n); break;
      default:             sqlite3_str_appendall(pStr, "NULL"); break;
    }
  }
  sqlite3_str_appendchar(pStr, 1, ')');
  return sqlite3_str_finish(pStr);
}

void remoteSessEcho(SessConn *pSc, RemoteEngine *pE, const char *zSql,
                    int nParam, const RemoteValue *aParam){
  const char *zTok = pSc->zToken;
  if( pE->opts.eEcho==0 ) return;
  remoteLog(pE->zName, "info", 1, "%s%s%s%s", zTok ? "[" : "", zTok ? zTok : "",
            zTok ? "] " : "", zSql);
  if( nParam>0 ){
    if( pE->opts.bHideParams ){
      remoteLog(pE->zName, "info", 1, "%s%s%s[SQL parameters hidden due to "
                "hide_parameters=True]", zTok ? "[" : "", zTok ? zTok : "",
                zTok ? "] " : "");
    }else{
      char *z = renderParams(nParam, aParam);
      remoteLog(pE->zName, "info", 1, "%s%s%s[parameters: %s]",
                zTok ? "[" : "", zTok ? zTok : "", zTok ? "] " : "", z ? z : "");
      sqlite3_free(z);
    }
  }
}

/* Run SQL on the acquired connection pc, with echo and error handling */
static int execOn(SessConn *pSc, PoolConn *pc, const char *zSql, int nParam,
                  const RemoteValue *aParam, sqlite3_int64 *pnChange,
                  char **pzErr){
  RemoteConn *pConn = pc->pConn;
  sqlite3_int64 nDummy;
  int rc;
  remoteSessEcho(pSc, pc->pPool->pEngine, zSql, nParam, aParam);
  /* SQL the core built (pSc->mQuery): the dialect's times in UTC */
  pConn->mFlags = pSc->mQuery & REMOTE_QUERY_UTC;
  rc = pConn->pDialect->xExec(pConn, zSql, nParam, aParam,
                              pnChange ? pnChange : &nDummy);
  pConn->mFlags = 0;
  if( rc!=SQLITE_OK ) return remoteSessError(pSc, pc, pzErr);
  return SQLITE_OK;
}

int remoteSessExec(SessConn *pSc, const char *zSql, int nParam,
                   const RemoteValue *aParam, sqlite3_int64 *pnChange,
                   char **pzErr){
  PoolConn *pc;
  int rc = remoteSessAcquire(pSc, &pc, pzErr);
  if( rc ) return rc;
  rc = execOn(pSc, pc, zSql, nParam, aParam, pnChange, pzErr);
  remoteSessRelease(pSc, pc);
  return rc;
}

int remoteSessExecBatch(SessConn *pSc, const char *zSql, int nParam, int nSet,
                        const RemoteValue *aParam, sqlite3_int64 *pnChange,
                        char **pzErr){
  PoolConn *pc;
  sqlite3_int64 nTotal = 0;
  int i, rc = remoteSessAcquire(pSc, &pc, pzErr);
  *pnChange = 0;
  if( rc ) return rc;
  rc = SQLITE_NOTFOUND;
  if( pc->pConn->pDialect->xExecBatch && nSet>1 ){
    RemoteEngine *pE = pc->pPool->pEngine;
    if( pE->opts.eEcho ){
      char *z = sqlite3_mprintf("%s (%d parameter sets)", zSql, nSet);
      /* shown with the first set's values, as a sample */
      remoteSessEcho(pSc, pE, z ? z : zSql, nParam, aParam);
      sqlite3_free(z);
    }
    pc->pConn->mFlags = pSc->mQuery & REMOTE_QUERY_UTC;
    rc = pc->pConn->pDialect->xExecBatch(pc->pConn, zSql, nParam, nSet,
                                         aParam, &nTotal);
    pc->pConn->mFlags = 0;
    if( rc!=SQLITE_OK && rc!=SQLITE_NOTFOUND ) rc = remoteSessError(pSc, pc, pzErr);
  }
  if( rc==SQLITE_NOTFOUND ){
    rc = SQLITE_OK;
    for(i=0; rc==SQLITE_OK && i<nSet; i++){
      sqlite3_int64 nChange = 0;
      rc = execOn(pSc, pc, zSql, nParam, &aParam[(sqlite3_int64)i*nParam],
                  &nChange, pzErr);
      nTotal += nChange;
    }
  }
  remoteSessRelease(pSc, pc);
  if( rc==SQLITE_OK ) *pnChange = nTotal;
  return rc;
}

int remoteSessExecLastId(SessConn *pSc, const char *zSql, int nParam,
                         const RemoteValue *aParam, int nRow,
                         RemoteValue *pId, char **pzErr){
  PoolConn *pc;
  int rc = remoteSessAcquire(pSc, &pc, pzErr);
  memset(pId, 0, sizeof(*pId));
  pId->eType = SQLITE_NULL;
  if( rc ) return rc;
  rc = execOn(pSc, pc, zSql, nParam, aParam, 0, pzErr);
  if( rc==SQLITE_OK && pc->pConn->pDialect->xLastInsertId ){
    sqlite3_int64 iId = 0;
    if( pc->pConn->pDialect->xLastInsertId(pc->pConn, nRow, &iId)!=SQLITE_OK ){
      rc = remoteSessError(pSc, pc, pzErr);
    }else if( iId!=0 ){
      pId->eType = SQLITE_INTEGER;
      pId->i = iId;
    }
  }
  remoteSessRelease(pSc, pc);
  return rc;
}

/* Run a transaction-control statement on the held connection */
static int execHeld(SessConn *pSc, const char *zSql, char **pzErr){
  PoolConn *pc = pSc->pHeld;
  if( pc==0 || pc->pConn==0 ){
    *pzErr = sqlite3_mprintf(MSG_INVALID);
    return SQLITE_ERROR;
  }
  if( pc->pActiveResult ) remoteResultDrain((RemoteResult*)pc->pActiveResult);
  if( pc->pOpenCopy ){
    int rc = remoteBatchFlushCopy(pc->pOpenCopy, pzErr);
    if( rc ) return rc;
  }
  return execOn(pSc, pc, zSql, 0, 0, 0, pzErr);
}

/* ------------------------------------------------------------------ */
/* Transactions                                                       */

/* Level in force for a new transaction on pSc */
static const char *effectiveIsolation(SessConn *pSc, const char *zBegin){
  RemoteEngine *pE;
  if( zBegin ) return zBegin;
  if( pSc->zIsolation ) return pSc->zIsolation;
  pE = pSc->pHeld ? pSc->pHeld->pPool->pEngine : 0;
  return pE ? pE->opts.zIsolation : 0;
}

/* The transaction is over: savepoints gone, per-transaction isolation put
** back, the connection released (an engine-name CONN). */
static void endTxn(SessConn *pSc){
  PoolConn *pc = pSc->pHeld;
  clearSavepoints(pSc);
  if( pSc->bTxnIsolation && pc && pc->pConn ){
    /* Put the CONN's own level back; on failure pc->zIsolation still
    ** names the transaction's level, so checkin resets it */
    char *zErr = 0;
    setConnIsolation(pSc, pc, wantedIsolation(pSc), 1, &zErr);
    sqlite3_free(zErr);
  }
  pSc->bTxnIsolation = 0;
  pSc->nDepth = 0;
  pSc->bBegun = 0;
  pSc->bStmtTxn = 0;
  pSc->bVtabTxn = 0;
  pSc->eTxn = TXN_OK;
  sqlite3_free(pSc->zXid);
  pSc->zXid = 0;
  pSc->bPrepared = 0;
  pSc->iBranch = 0;
  if( pSc->iHandle==0 ) sessUnhold(pSc);
}

/* remoteSessBegin(), and remoteSessBeginXid() when zXid is not NULL */
static int sessBegin(SessConn *pSc, const char *zIsolation, const char *zXid,
                     char **pzErr);

int remoteSessBegin(SessConn *pSc, const char *zIsolation, char **pzErr){
  return sessBegin(pSc, zIsolation, 0, pzErr);
}

int remoteSessBeginXid(SessConn *pSc, const char *zXid, char **pzErr){
  if( pSc->nDepth>0 ){
    *pzErr = sqlite3_mprintf("Cannot start a two phase transaction when a "
                             "transaction is already in progress.");
    return SQLITE_ERROR;
  }
  return sessBegin(pSc, 0, zXid, pzErr);
}

static int sessBegin(SessConn *pSc, const char *zIsolation, const char *zXid,
                     char **pzErr){
  const char *zLevel;
  PoolConn *pc;
  int rc;
  if( txnRefused(pSc, pzErr) ) return SQLITE_ERROR;
  if( pSc->nDepth>0 ){
    if( zIsolation ){
      *pzErr = sqlite3_mprintf(MSG_ISO_IN_TXN);
      return SQLITE_ERROR;
    }
    pSc->nDepth++;
    return SQLITE_OK;
  }
  rc = sessHold(pSc, pzErr);
  if( rc ) return rc;
  pc = pSc->pHeld;
  zLevel = effectiveIsolation(pSc, zIsolation);
  if( zLevel && strcmp(zLevel, "AUTOCOMMIT")==0 ){
    pSc->bBegun = 0;
  }else{
    const RemoteDialect *pD = pc->pConn->pDialect;
    char *zSql;
    if( zXid ){
      zSql = pD->xTpcSql ? pD->xTpcSql(REMOTE_TPC_BEGIN, zXid) : 0;
      pSc->zXid = sqlite3_mprintf("%s", zXid);
      if( pSc->zXid==0 ){
        sqlite3_free(zSql);
        zSql = 0;
      }
    }else{
      if( zIsolation ){
        /* Per-transaction level: set on the session so the server reports
        ** it inside the transaction (MySQL's SET TRANSACTION would not
        ** show in @@transaction_isolation); endTxn() puts the CONN's back */
        rc = setConnIsolation(pSc, pc, zIsolation, 1, pzErr);
        if( rc ){
          if( pSc->iHandle==0 ) sessUnhold(pSc);
          return rc;
        }
        pSc->bTxnIsolation = 1;
      }
      zSql = pD->xBeginSql(0);
    }
    rc = zSql ? execHeld(pSc, zSql, pzErr) : SQLITE_NOMEM;
    sqlite3_free(zSql);
    if( rc ){
      pSc->nDepth = 1;
      endTxn(pSc);
      return rc;
    }
    pSc->bBegun = 1;
  }
  pSc->nDepth = 1;
  pSc->eTxn = TXN_OK;
  return SQLITE_OK;
}

/* ROLLBACK on the held connection: always when bForce (a transaction we
** began and did not end), else only if the server still has one open (a
** failed COMMIT leaves it open on some servers, closed on others) */
static void rollbackHeld(SessConn *pSc, int bForce){
  PoolConn *pc = pSc->pHeld;
  char *zErr = 0;
  if( pc && pc->pConn ){
    const RemoteDialect *pD = pc->pConn->pDialect;
    if( pSc->zXid && pD->xTpcSql ){
      /* A two-phase transaction: a prepared one is rolled back always (the
      ** server shows no transaction open in its session); if that fails,
      ** the connection is closed, which rolls an unprepared XA transaction
      ** back and lets go of a prepared one (remote_recover's job then) */
      if( pSc->bPrepared || bForce || pD->xInTransaction(pc->pConn) ){
        char *zSql = pD->xTpcSql(pSc->bPrepared ? REMOTE_TPC_ROLLBACK_PREPARED
                                                : REMOTE_TPC_ROLLBACK_ONE,
                                 pSc->zXid);
        if( zSql==0 || execHeld(pSc, zSql, &zErr)!=SQLITE_OK ){
          if( pSc->pHeld && pSc->pHeld->pConn ){
            remotePoolInvalidate(pSc->pHeld, 0, 0, "two-phase rollback failed");
          }
        }
        sqlite3_free(zSql);
        sqlite3_free(zErr);
      }
      /* Over on the server: nothing two-phase is left to undo */
      sqlite3_free(pSc->zXid);
      pSc->zXid = 0;
      pSc->bPrepared = 0;
      return;
    }
    if( bForce || pD->xInTransaction(pc->pConn) ){
      execHeld(pSc, pD->zRollbackSql, &zErr);
      sqlite3_free(zErr);
    }
  }
}

/* The dialect of the live held connection of pSc's open transaction, or
** NULL (the transaction is then invalid, *pzErr set) */
static const RemoteDialect *heldDialect(SessConn *pSc, char **pzErr){
  PoolConn *pc = pSc->pHeld;
  if( pc && pc->pConn ) return pc->pConn->pDialect;
  pSc->eTxn = TXN_INVALID;
  clearSavepoints(pSc);
  if( pSc->iHandle==0 ) sessUnhold(pSc);
  *pzErr = sqlite3_mprintf(MSG_INVALID);
  return 0;
}

int remoteSessCommit(SessConn *pSc, char **pzErr){
  int rc;
  if( pSc->nDepth==0 ) return SQLITE_OK;
  if( pSc->eTxn==TXN_INVALID ){
    *pzErr = sqlite3_mprintf(MSG_INVALID);
    return SQLITE_ERROR;
  }
  if( pSc->eTxn==TXN_INACTIVE ){
    if( --pSc->nDepth==0 ){
      rollbackHeld(pSc, 0);
      endTxn(pSc);
    }
    *pzErr = sqlite3_mprintf(MSG_TXN_INACTIVE);
    return SQLITE_ERROR;
  }
  if( pSc->nDepth>1 ){
    pSc->nDepth--;
    return SQLITE_OK;
  }
  if( pSc->bBegun ){
    const RemoteDialect *pD = heldDialect(pSc, pzErr);
    if( pD==0 ) return SQLITE_ERROR;
    if( pSc->zXid && pD->xTpcSql ){
      char *zSql = pD->xTpcSql(pSc->bPrepared ? REMOTE_TPC_COMMIT_PREPARED
                                              : REMOTE_TPC_COMMIT_ONE, pSc->zXid);
      rc = zSql ? execHeld(pSc, zSql, pzErr) : SQLITE_NOMEM;
      sqlite3_free(zSql);
    }else{
      rc = execHeld(pSc, pD->zCommitSql, pzErr);
    }
    if( rc ){
      /* A disconnect made the transaction invalid; any other failure
      ** leaves it inactive until rollback (a prepared one stays as it is:
      ** commit may be tried again) */
      if( pSc->eTxn==TXN_OK && !pSc->bPrepared ) pSc->eTxn = TXN_INACTIVE;
      return rc;
    }
  }
  endTxn(pSc);
  return SQLITE_OK;
}

int remoteSessPrepare(SessConn *pSc, char **pzErr){
  const RemoteDialect *pD;
  char *zSql;
  int rc;
  if( pSc->nDepth==0 || pSc->zXid==0 ){
    *pzErr = sqlite3_mprintf("no two-phase transaction is open");
    return SQLITE_ERROR;
  }
  if( txnRefused(pSc, pzErr) ) return SQLITE_ERROR;
  if( !pSc->bBegun ){
    /* isolation_level=AUTOCOMMIT: every statement committed by itself */
    pSc->bPrepared = 1;
    return SQLITE_OK;
  }
  pD = heldDialect(pSc, pzErr);
  if( pD==0 ) return SQLITE_ERROR;
  zSql = pD->xTpcSql(REMOTE_TPC_PREPARE, pSc->zXid);
  rc = zSql ? execHeld(pSc, zSql, pzErr) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if( rc==SQLITE_OK ){
    pSc->bPrepared = 1;
    return SQLITE_OK;
  }
  if( pSc->pHeld && pSc->pHeld->pConn && pD->xTpcError
   && pD->xTpcError(pSc->pHeld->pConn)==REMOTE_TPC_ERR_DISABLED ){
    char *z = sqlite3_mprintf("%s (a two-phase commit needs the server's "
        "max_prepared_transactions above 0; the engine option twophase=off "
        "commits the engines one after another instead)", *pzErr);
    if( z ){
      sqlite3_free(*pzErr);
      *pzErr = z;
    }
  }
  /* The server has rolled the transaction back (PostgreSQL) or left it
  ** unprepared (XA): it only takes a rollback now */
  if( pSc->eTxn==TXN_OK ) pSc->eTxn = TXN_INACTIVE;
  return rc;
}

int remoteSessTpcEnd(SessConn *pSc, int bCommit, char **pzErr){
  PoolConn *pc = pSc->pHeld;
  int rc = SQLITE_OK;
  if( pSc->nDepth>0 && pSc->bPrepared && pSc->bBegun ){
    if( pc && pc->pConn ){
      const RemoteDialect *pD = pc->pConn->pDialect;
      char *zSql = pD->xTpcSql(bCommit ? REMOTE_TPC_COMMIT_PREPARED
                                       : REMOTE_TPC_ROLLBACK_PREPARED, pSc->zXid);
      rc = zSql ? execHeld(pSc, zSql, pzErr) : SQLITE_NOMEM;
      sqlite3_free(zSql);
      pc = pSc->pHeld;            /* a disconnect let go of it */
      if( rc && pc && pc->pConn ){
        if( pD->xTpcError && pD->xTpcError(pc->pConn)==REMOTE_TPC_ERR_NOTFOUND ){
          rc = SQLITE_NOTFOUND;
        }else{
          remotePoolInvalidate(pc, 0, 0, "two-phase commit step failed");
        }
      }
    }else{
      *pzErr = sqlite3_mprintf(MSG_INVALID);
      rc = SQLITE_ERROR;
    }
  }
  if( pSc->nDepth>0 ) endTxn(pSc);
  return rc;
}

void remoteSessForget(SessConn *pSc){
  if( pSc->nDepth>0 ) endTxn(pSc);
}

int remoteSessRollback(SessConn *pSc, char **pzErr){
  (void)pzErr;
  if( pSc->nDepth==0 ) return SQLITE_OK;
  if( pSc->eTxn==TXN_OK ){
    if( pSc->bBegun ) rollbackHeld(pSc, 1);
    clearSavepoints(pSc);
  }else if( pSc->eTxn==TXN_INACTIVE ){
    rollbackHeld(pSc, 0);
  }
  if( --pSc->nDepth==0 ){
    endTxn(pSc);
  }else if( pSc->eTxn!=TXN_INVALID ){
    /* Outer levels stay, inactive; an invalid transaction stays invalid
    ** (statements keep failing with MSG_INVALID) until depth 0 */
    pSc->eTxn = TXN_INACTIVE;
  }
  return SQLITE_OK;
}

int remoteSessSavepoint(SessConn *pSc, const char *zName, char **pzOut,
                        char **pzErr){
  const RemoteDialect *pD;
  char *zSp, *zSql;
  char **azNew;
  int rc;
  if( pSc->nDepth==0 ){
    rc = remoteSessBegin(pSc, 0, pzErr);
    if( rc ) return rc;
  }else if( txnRefused(pSc, pzErr) ){
    return SQLITE_ERROR;
  }
  pD = heldDialect(pSc, pzErr);
  if( pD==0 ) return SQLITE_ERROR;
  zSp = zName ? sqlite3_mprintf("%s", zName)
              : sqlite3_mprintf("sa_savepoint_%d", ++pSc->iSaveSeq);
  if( zSp==0 ) return SQLITE_NOMEM;
  zSql = pD->xSavepointSql(zSp);
  rc = zSql ? execHeld(pSc, zSql, pzErr) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if( rc==SQLITE_OK ){
    azNew = sqlite3_realloc64(pSc->azSave, sizeof(char*)*(pSc->nSave+1));
    if( azNew==0 ){
      rc = SQLITE_NOMEM;
    }else{
      pSc->azSave = azNew;
      pSc->azSave[pSc->nSave++] = zSp;
      *pzOut = sqlite3_mprintf("%s", zSp);
      return SQLITE_OK;
    }
  }
  sqlite3_free(zSp);
  return rc;
}

int remoteSessRelease2(SessConn *pSc, const char *zName, int bRollback,
                       char **pzOut, char **pzErr){
  const RemoteDialect *pD;
  char *zSql;
  int i, iSave = -1, rc;
  if( pSc->nDepth>0 && txnRefused(pSc, pzErr) ) return SQLITE_ERROR;
  if( pSc->nSave==0 ){
    *pzErr = sqlite3_mprintf("no savepoint is open");
    return SQLITE_ERROR;
  }
  if( zName==0 ){
    iSave = pSc->nSave-1;
  }else{
    for(i=pSc->nSave-1; i>=0; i--){
      if( strcmp(pSc->azSave[i], zName)==0 ){ iSave = i; break; }
    }
    if( iSave<0 ){
      *pzErr = sqlite3_mprintf("no such savepoint: %s", zName);
      return SQLITE_ERROR;
    }
  }
  pD = heldDialect(pSc, pzErr);
  if( pD==0 ) return SQLITE_ERROR;
  zSql = bRollback ? pD->xRollbackToSql(pSc->azSave[iSave])
                   : pD->xReleaseSql(pSc->azSave[iSave]);
  rc = zSql ? execHeld(pSc, zSql, pzErr) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if( rc ) return rc;
  *pzOut = sqlite3_mprintf("%s", pSc->azSave[iSave]);
  for(i=iSave; i<pSc->nSave; i++) sqlite3_free(pSc->azSave[i]);
  pSc->nSave = iSave;
  return SQLITE_OK;
}

int remoteSessStmtBegin(SessConn *pSc, char **pzErr){
  const RemoteDialect *pD;
  char *zSql;
  int rc;
  if( pSc->nDepth==0 || pSc->bBegun || pSc->eTxn!=TXN_OK ) return SQLITE_OK;
  pD = heldDialect(pSc, pzErr);
  if( pD==0 ) return SQLITE_ERROR;
  zSql = pD->xBeginSql(0);
  rc = zSql ? execHeld(pSc, zSql, pzErr) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if( rc==SQLITE_OK ){
    pSc->bBegun = 1;
    pSc->bStmtTxn = 1;
  }
  return rc;
}

int remoteSessStmtEnd(SessConn *pSc, int bRollback, char **pzErr){
  int rc = SQLITE_OK;
  if( !pSc->bStmtTxn ) return SQLITE_OK;
  pSc->bStmtTxn = 0;
  pSc->bBegun = 0;
  if( pSc->nDepth==0 || pSc->pHeld==0 || pSc->pHeld->pConn==0 ) return SQLITE_OK;
  if( !bRollback ){
    rc = execHeld(pSc, pSc->pHeld->pConn->pDialect->zCommitSql, pzErr);
  }
  if( (bRollback || rc) && pSc->pHeld && pSc->pHeld->pConn ){
    char *zErr = 0;
    const RemoteDialect *pD = pSc->pHeld->pConn->pDialect;
    if( bRollback || pD->xInTransaction(pSc->pHeld->pConn) ){
      execHeld(pSc, pD->zRollbackSql, &zErr);
    }
    sqlite3_free(zErr);
  }
  return rc;
}

int remoteSessSetLastId(SessConn *pSc, const RemoteValue *v){
  char *z = 0;
  if( v->eType==SQLITE_TEXT || v->eType==SQLITE_BLOB ){
    z = sqlite3_malloc64(v->n+1);
    if( z==0 ) return SQLITE_NOMEM;
    if( v->n>0 ) memcpy(z, v->z, v->n);
    z[v->n] = 0;
  }
  sqlite3_free(pSc->zLastId);
  pSc->zLastId = z;
  pSc->lastId = *v;
  if( z ) pSc->lastId.z = z;
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* Execution options                                                  */

/*
** Parse a schema_translate_map value into pSc: a JSON object whose keys
** are schema names ("" = no schema) and whose values are schema names
** (null or "" = no schema). An empty value or "{}" clears the map. On a
** bad value pSc keeps its old map and *pzErr is set.
*/
static int parseSchemaMap(SessConn *pSc, const char *zJson, char **pzErr){
  sqlite3 *db = pSc->pSess->db;
  sqlite3_stmt *pStmt = 0;
  char **azMap = 0;
  int nMap = 0, nAlloc = 0, rc;
  char *zCopy = 0;
  if( zJson[0]==0 ){
    clearSchemaMap(pSc);
    return SQLITE_OK;
  }
  /* Row 0 says whether zJson is an object at all (malformed JSON fails
  ** the step), then one row per entry */
  rc = sqlite3_prepare_v2(db,
      "SELECT NULL, NULL, json_type(?1) IS NOT 'object' "
      "UNION ALL "
      "SELECT key, CASE type WHEN 'text' THEN value END, "
      "type NOT IN ('text','null') "
      "FROM json_each(?1) WHERE json_type(?1)='object'", -1, &pStmt, 0);
  if( rc ) goto map_error;
  sqlite3_bind_text(pStmt, 1, zJson, -1, SQLITE_STATIC);
  if( sqlite3_step(pStmt)!=SQLITE_ROW || sqlite3_column_int(pStmt, 2) ){
    rc = SQLITE_ERROR;
    goto map_error;
  }
  while( sqlite3_step(pStmt)==SQLITE_ROW ){
    const char *zFrom = (const char*)sqlite3_column_text(pStmt, 0);
    const char *zTo = (const char*)sqlite3_column_text(pStmt, 1);
    if( sqlite3_column_int(pStmt, 2) ){ rc = SQLITE_ERROR; goto map_error; }
    if( nMap>=nAlloc ){
      char **aNew;
      nAlloc = nAlloc ? nAlloc*2 : 4;
      aNew = sqlite3_realloc64(azMap, sizeof(char*)*nAlloc*2);
      if( aNew==0 ){ rc = SQLITE_NOMEM; goto map_error; }
      azMap = aNew;
    }
    azMap[nMap*2] = sqlite3_mprintf("%s", zFrom ? zFrom : "");
    azMap[nMap*2+1] = (zTo && zTo[0]) ? sqlite3_mprintf("%s", zTo) : 0;
    nMap++;
    if( azMap[nMap*2-2]==0 || (zTo && zTo[0] && azMap[nMap*2-1]==0) ){
      rc = SQLITE_NOMEM;
      goto map_error;
    }
  }
  rc = sqlite3_finalize(pStmt);
  pStmt = 0;
  if( rc ) goto map_error;
  zCopy = sqlite3_mprintf("%s", zJson);
  if( zCopy==0 ){ rc = SQLITE_NOMEM; goto map_error; }
  clearSchemaMap(pSc);
  pSc->zSchemaMap = zCopy;
  pSc->nMap = nMap;
  pSc->azMap = azMap;
  return SQLITE_OK;

map_error:
  sqlite3_finalize(pStmt);
  while( nMap>0 ){
    nMap--;
    sqlite3_free(azMap[nMap*2]);
    sqlite3_free(azMap[nMap*2+1]);
  }
  sqlite3_free(azMap);
  if( rc==SQLITE_NOMEM ){
    *pzErr = sqlite3_mprintf("out of memory");
  }else{
    *pzErr = sqlite3_mprintf("invalid value '%s' for schema_translate_map: "
        "expected a JSON object of schema names", zJson);
  }
  return rc==SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

const char *remoteSessMapSchema(SessConn *pSc, const char *zSchema){
  const char *zKey = zSchema ? zSchema : "";
  int i;
  for(i=0; i<pSc->nMap; i++){
    if( strcmp(pSc->azMap[i*2], zKey)==0 ) return pSc->azMap[i*2+1];
  }
  return (zSchema && zSchema[0]) ? zSchema : 0;
}

int remoteSessOptions(SessConn *pSc, int nOpt, const char **azOpt,
                      char **pzErr){
  int i;
  for(i=0; i<nOpt; i++){
    const char *zOpt = azOpt[i] ? azOpt[i] : "";
    const char *zEq = strchr(zOpt, '=');
    const char *zVal = zEq ? zEq+1 : "";
    int nKey = zEq ? (int)(zEq-zOpt) : (int)strlen(zOpt);
#define IS_KEY(K) (nKey==(int)sizeof(K)-1 && strncmp(zOpt, K, nKey)==0)
    if( IS_KEY("isolation_level") ){
      const char *zLevel = remoteIsolationNormalize(zVal);
      if( zLevel==0 ){
        *pzErr = sqlite3_mprintf("invalid value '%s' for isolation_level: "
            "expected one of SERIALIZABLE, REPEATABLE READ, READ COMMITTED, "
            "READ UNCOMMITTED, AUTOCOMMIT", zVal);
        return SQLITE_ERROR;
      }
      if( pSc->nDepth>0 ){
        *pzErr = sqlite3_mprintf(MSG_ISO_IN_TXN);
        return SQLITE_ERROR;
      }
      sqlite3_free(pSc->zIsolation);
      pSc->zIsolation = sqlite3_mprintf("%s", zLevel);
      if( pSc->pHeld && pSc->pHeld->pConn ){
        int rc = applyOptions(pSc, pSc->pHeld, pzErr);
        if( rc ) return rc;
      }
    }else if( IS_KEY("stream_results") ){
      int b = remoteParseBool(zVal);
      if( b<0 ) goto bad_value;
      pSc->bStream = b;
    }else if( IS_KEY("fetch_size") ){
      char *zEnd = 0;
      long n = strtol(zVal, &zEnd, 10);
      if( zVal[0]==0 || *zEnd || n<=0 || n>2147483647L ) goto bad_value;
      pSc->nFetch = (int)n;
    }else if( IS_KEY("schema_translate_map") ){
      int rc = parseSchemaMap(pSc, zVal, pzErr);
      if( rc ) return rc;
    }else if( IS_KEY("compiled_cache") ){
      int b = remoteParseBool(zVal);
      if( b<0 ) goto bad_value;
      pSc->bNoCompiledCache = !b;
    }else if( IS_KEY("logging_token") ){
      sqlite3_free(pSc->zToken);
      pSc->zToken = zVal[0] ? sqlite3_mprintf("%s", zVal) : 0;
    }else{
      *pzErr = sqlite3_mprintf("unknown execution option '%.*s'", nKey, zOpt);
      return SQLITE_ERROR;
    }
    continue;
bad_value:
    *pzErr = sqlite3_mprintf("invalid value '%s' for %.*s", zVal, nKey, zOpt);
    return SQLITE_ERROR;
#undef IS_KEY
  }
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* Handles, invalidation, detach                                      */

int remoteSessConnect(RemoteSession *pSess, const char *zEngine,
                      sqlite3_int64 *piHandle, char **pzErr){
  SessConn *pSc;
  PoolConn *pc;
  RemoteEngine *pE = remoteEngineFind(zEngine);
  sqlite3_int64 iHandle;
  int rc;
  if( pE==0 ){
    *pzErr = sqlite3_mprintf("no such remote engine: %s", zEngine);
    return SQLITE_ERROR;
  }
  remoteEngineRelease(pE);
  pthread_mutex_lock(&handleMutex);
  iHandle = ++iHandleSeq;
  pthread_mutex_unlock(&handleMutex);
  pSc = sessConnNew(pSess, zEngine, iHandle);
  if( pSc==0 ) return SQLITE_NOMEM;
  rc = checkoutShared(pSc, 0, &pc, pzErr);
  if( rc==SQLITE_OK ) rc = applyOptions(pSc, pc, pzErr);
  if( rc ){
    sessConnUnlink(pSess, pSc);
    sessConnFree(pSc);
    return rc;
  }
  pSc->pHeld = pc;
  *piHandle = iHandle;
  return SQLITE_OK;
}

/* Give back everything pSc holds, rolling back an open transaction */
static void sessConnClose(SessConn *pSc){
  if( pSc->nDepth>0 && pSc->bPrepared && pSc->pHeld && pSc->pHeld->pConn ){
    /* A prepared transaction outlives its connection: the connection
    ** closes (an XA branch stays bound to a session that goes on) and
    ** the transaction waits on the server for remote_commit_prepared */
    remotePoolInvalidate(pSc->pHeld, 0, 0, "prepared transaction left open");
  }else if( pSc->nDepth>0 && pSc->eTxn!=TXN_INVALID ){
    rollbackHeld(pSc, pSc->eTxn==TXN_OK && pSc->bBegun);
  }
  pSc->nDepth = 0;
  pSc->eTxn = TXN_OK;
  sqlite3_free(pSc->zXid);
  pSc->zXid = 0;
  pSc->bPrepared = 0;
  clearSavepoints(pSc);
  sessUnhold(pSc);
}

int remoteSessClose(RemoteSession *pSess, sqlite3_int64 iHandle, char **pzErr){
  SessConn *pSc;
  SessUse *pU;
  int bInUse;
  for(pSc=pSess->pConns; pSc; pSc=pSc->pNext){
    if( pSc->iHandle==iHandle && iHandle!=0 ) break;
  }
  if( pSc==0 ){
    *pzErr = sqlite3_mprintf("no such connection handle: %lld", iHandle);
    return SQLITE_ERROR;
  }
  /* A cursor still open on the handle (remote_close called from inside
  ** its own query) keeps a pointer to pSc: park pSc on pClosed until the
  ** session ends instead of freeing it under the cursor */
  pU = pSc->pHeld ? findUse(pSess, pSc->pHeld) : 0;
  bInUse = pU && pU->nRef>1;
  sessConnClose(pSc);
  sessConnUnlink(pSess, pSc);
  if( bInUse ){
    pSc->iHandle = -1;
    pSc->pNext = pSess->pClosed;
    pSess->pClosed = pSc;
  }else{
    sessConnFree(pSc);
  }
  return SQLITE_OK;
}

int remoteSessInvalidate(SessConn *pSc, int bSoft){
  PoolConn *pc = pSc->pHeld;
  if( pc==0 || (pc->pConn==0 && !bSoft) ) return 0;
  if( pc->pActiveResult ) remoteResultDrain((RemoteResult*)pc->pActiveResult);
  if( pc->pOpenCopy ) remoteBatchDiscardCopy(pc->pOpenCopy);
  if( !bSoft ) remoteResultOrphanShared(pc);
  remotePoolInvalidate(pc, bSoft, 0, "remote_invalidate");
  if( !bSoft && pSc->nDepth>0 ){
    pSc->eTxn = TXN_INVALID;
    clearSavepoints(pSc);
    if( pSc->iHandle==0 ) sessUnhold(pSc);
  }
  return 1;
}

int remoteSessDetach(SessConn *pSc){
  if( pSc->pHeld==0 ) return 0;
  remotePoolDetach(pSc->pHeld);
  return 1;
}

void remoteSessionFree(void *pArg){
  RemoteSession *pSess = (RemoteSession*)pArg;
  SessConn *pSc;
  if( pSess==0 ) return;
  while( (pSc = pSess->pConns)!=0 ){
    pSess->pConns = pSc->pNext;
    remoteBatchDiscard(pSc);
    sessConnClose(pSc);
    sessConnFree(pSc);
  }
  while( (pSc = pSess->pClosed)!=0 ){
    pSess->pClosed = pSc->pNext;
    sessConnFree(pSc);
  }
  while( pSess->pUses ){
    SessUse *pU = pSess->pUses;
    pSess->pUses = pU->pNext;
    resetSchema(pU->pPc);
    remotePoolCheckin(pU->pPc);
    sqlite3_free(pU);
  }
  sqlite3_free(pSess->pSpareUse);
  remoteTpcFree(pSess);
  sqlite3_free(pSess);
}
