/*
** session.c: per-SQLite-connection state: CONNs, held connections,
** transactions, savepoints and execution options.
**
** remoteSessAcquire()/remoteSessRelease() decide which pooled connection a
** statement runs on; remoteSessBegin/Commit/Rollback implement SQLAlchemy
** 1.x's counter nesting (only the outermost commit commits, any rollback
** rolls everything back and leaves the outer levels inactive) plus 2.0's
** savepoints. Error texts quoted in API.md are produced here.
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

static sqlite3_int64 iHandleSeq = 0;   /* handles are unique process-wide */
static pthread_mutex_t handleMutex = PTHREAD_MUTEX_INITIALIZER;

RemoteSession *remoteSessionNew(sqlite3 *db){
  RemoteSession *p = sqlite3_malloc(sizeof(*p));
  if( p ){
    memset(p, 0, sizeof(*p));
    p->db = db;
  }
  return p;
}

static void sessConnFree(SessConn *pSc){
  int i;
  for(i=0; i<pSc->nSave; i++) sqlite3_free(pSc->azSave[i]);
  sqlite3_free(pSc->azSave);
  sqlite3_free(pSc->zEngine);
  sqlite3_free(pSc->zIsolation);
  sqlite3_free(pSc->zSchemaMap);
  sqlite3_free(pSc->zToken);
  sqlite3_free(pSc);
}

static SessConn *sessConnNew(RemoteSession *pSess, const char *zEngine,
                             sqlite3_int64 iHandle){
  SessConn *pSc = sqlite3_malloc(sizeof(*pSc));
  if( pSc==0 ) return 0;
  memset(pSc, 0, sizeof(*pSc));
  pSc->pSess = pSess;
  pSc->iHandle = iHandle;
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

static SessUse *findUseOfPool(RemoteSession *pSess, RemotePool *pPool){
  SessUse *pU;
  for(pU=pSess->pUses; pU; pU=pU->pNext){
    if( pU->pPc->pPool==pPool && pU->pPc->eState!=PC_DETACHED ) return pU;
  }
  return 0;
}

static int addUse(RemoteSession *pSess, PoolConn *pc){
  SessUse *pU = sqlite3_malloc(sizeof(*pU));
  if( pU==0 ) return SQLITE_NOMEM;
  pU->pPc = pc;
  pU->nRef = 1;
  pU->pNext = pSess->pUses;
  pSess->pUses = pU;
  return SQLITE_OK;
}

static void dropUse(RemoteSession *pSess, PoolConn *pc){
  SessUse **pp;
  for(pp=&pSess->pUses; *pp; pp=&(*pp)->pNext){
    SessUse *pU = *pp;
    if( pU->pPc==pc ){
      if( --pU->nRef==0 ){
        *pp = pU->pNext;
        sqlite3_free(pU);
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
  RemoteEngine *pE = remoteSessEngine(pSc, pzErr);
  RemotePool *pPool;
  PoolConn *pc = 0;
  char *zErr = 0;
  int rc;
  if( pE==0 ) return SQLITE_ERROR;
  pPool = remoteEnginePool(pE);
  remoteEngineRelease(pE);
  rc = remotePoolCheckout(pPool, bShare, &pc, &zErr, 0);
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
    rc = remotePoolCheckout(pPool, 0, &pc, &zErr, 0);
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

/* Apply the CONN's execution options to connection pc */
static int applyOptions(SessConn *pSc, PoolConn *pc, char **pzErr){
  RemoteConn *pConn = pc->pConn;
  RemoteEngine *pE = pc->pPool->pEngine;
  pConn->nStmtCache = pSc->bNoCompiledCache ? 0 : pE->opts.nStmtCache;
  if( pSc->zIsolation && strcmp(pSc->zIsolation, "AUTOCOMMIT")!=0
   && (pc->zIsolation==0 || strcmp(pc->zIsolation, pSc->zIsolation)!=0) ){
    if( pConn->pDialect->xSetIsolation(pConn, pSc->zIsolation)!=SQLITE_OK ){
      return remoteSessError(pSc, pc, pzErr);
    }
    sqlite3_free(pc->zIsolation);
    pc->zIsolation = sqlite3_mprintf("%s", pSc->zIsolation);
  }
  return SQLITE_OK;
}

int remoteSessAcquire(SessConn *pSc, PoolConn **ppPc, char **pzErr){
  PoolConn *pc;
  int rc;
  *ppPc = 0;
  if( pSc->eTxn==TXN_INVALID ){
    *pzErr = sqlite3_mprintf(MSG_INVALID);
    return SQLITE_ERROR;
  }
  if( pSc->eTxn==TXN_INACTIVE ){
    *pzErr = sqlite3_mprintf(MSG_INACTIVE);
    return SQLITE_ERROR;
  }
  if( pSc->pHeld ){
    SessUse *pU;
    pc = pSc->pHeld;
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
  rc = applyOptions(pSc, pc, pzErr);
  if( rc ){
    remoteSessRelease(pSc, pc);
    return rc;
  }
  *ppPc = pc;
  return SQLITE_OK;
}

void remoteSessRelease(SessConn *pSc, PoolConn *pc){
  if( pc ) dropUse(pSc->pSess, pc);
}

/* Hold a connection for a transaction (or handle) on pSc */
static int sessHold(SessConn *pSc, char **pzErr){
  PoolConn *pc;
  int rc;
  if( pSc->pHeld ) return SQLITE_OK;
  rc = remoteSessAcquire(pSc, &pc, pzErr);
  if( rc ) return rc;
  pSc->pHeld = pc;
  return SQLITE_OK;
}

static void sessUnhold(SessConn *pSc){
  PoolConn *pc = pSc->pHeld;
  if( pc ){
    pSc->pHeld = 0;
    remoteSessRelease(pSc, pc);
  }
}

static void clearSavepoints(SessConn *pSc){
  int i;
  for(i=0; i<pSc->nSave; i++) sqlite3_free(pSc->azSave[i]);
  pSc->nSave = 0;
}

/* ------------------------------------------------------------------ */
/* Errors and echo                                                    */

int remoteSessError(SessConn *pSc, PoolConn *pc, char **pzErr){
  RemoteConn *pConn = pc->pConn;
  int eErr = pConn ? pConn->eErr : REMOTE_ERR_DISCONNECT;
  sqlite3_free(*pzErr);
  *pzErr = sqlite3_mprintf("remote: %s: %s", pSc->zEngine,
      pConn && pConn->zErr ? pConn->zErr : "connection is closed");
  if( eErr==REMOTE_ERR_DISCONNECT ){
    remotePoolInvalidate(pc, 0, 1, pConn && pConn->zErr ? pConn->zErr : "disconnect");
    if( pSc->nDepth>0 && pc==pSc->pHeld ){
      pSc->eTxn = TXN_INVALID;
      clearSavepoints(pSc);
      if( pSc->iHandle==0 ) sessUnhold(pSc);
    }
  }
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
  remoteSessEcho(pSc, pc->pPool->pEngine, zSql, nParam, aParam);
  if( pConn->pDialect->xExec(pConn, zSql, nParam, aParam,
                             pnChange ? pnChange : &nDummy)!=SQLITE_OK ){
    return remoteSessError(pSc, pc, pzErr);
  }
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

/* Run a transaction-control statement on the held connection */
static int execHeld(SessConn *pSc, const char *zSql, char **pzErr){
  PoolConn *pc = pSc->pHeld;
  if( pc==0 || pc->pConn==0 ){
    *pzErr = sqlite3_mprintf(MSG_INVALID);
    return SQLITE_ERROR;
  }
  if( pc->pActiveResult ) remoteResultDrain((RemoteResult*)pc->pActiveResult);
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
    RemoteEngine *pE = pc->pPool->pEngine;
    const char *zLevel = pSc->zIsolation ? pSc->zIsolation : pE->opts.zIsolation;
    if( zLevel && strcmp(zLevel, "AUTOCOMMIT")==0 ) zLevel = 0;
    if( pc->pConn->pDialect->xSetIsolation(pc->pConn, zLevel)==SQLITE_OK ){
      sqlite3_free(pc->zIsolation);
      pc->zIsolation = pSc->zIsolation ? sqlite3_mprintf("%s", pSc->zIsolation) : 0;
    }
  }
  pSc->bTxnIsolation = 0;
  pSc->nDepth = 0;
  pSc->bBegun = 0;
  pSc->bVtabTxn = 0;
  pSc->eTxn = TXN_OK;
  if( pSc->iHandle==0 ) sessUnhold(pSc);
}

int remoteSessBegin(SessConn *pSc, const char *zIsolation, char **pzErr){
  const char *zLevel;
  PoolConn *pc;
  int rc;
  if( pSc->eTxn==TXN_INVALID ){
    *pzErr = sqlite3_mprintf(MSG_INVALID);
    return SQLITE_ERROR;
  }
  if( pSc->eTxn==TXN_INACTIVE ){
    *pzErr = sqlite3_mprintf(MSG_INACTIVE);
    return SQLITE_ERROR;
  }
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
    if( zIsolation ){
      /* Per-transaction level: set on the session so the server reports
      ** it, put back by endTxn() */
      remoteSessEcho(pSc, pc->pPool->pEngine, "SET ISOLATION LEVEL", 0, 0);
      if( pD->xSetIsolation(pc->pConn, zIsolation)!=SQLITE_OK ){
        rc = remoteSessError(pSc, pc, pzErr);
        if( pSc->iHandle==0 ) sessUnhold(pSc);
        return rc;
      }
      pSc->bTxnIsolation = 1;
      sqlite3_free(pc->zIsolation);
      pc->zIsolation = sqlite3_mprintf("%s", zIsolation);
    }
    zSql = pD->xBeginSql(0);
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

/* ROLLBACK on the held connection if the server still has a transaction */
static void rollbackHeld(SessConn *pSc){
  PoolConn *pc = pSc->pHeld;
  char *zErr = 0;
  if( pc && pc->pConn ){
    const RemoteDialect *pD = pc->pConn->pDialect;
    if( pD->xInTransaction(pc->pConn) ){
      execHeld(pSc, pD->zRollbackSql, &zErr);
      sqlite3_free(zErr);
    }
  }
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
      rollbackHeld(pSc);
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
    const RemoteDialect *pD = pSc->pHeld->pConn->pDialect;
    rc = execHeld(pSc, pD->zCommitSql, pzErr);
    if( rc ){
      /* A disconnect made the transaction invalid; any other failure
      ** leaves it inactive until rollback */
      if( pSc->eTxn==TXN_OK ) pSc->eTxn = TXN_INACTIVE;
      return rc;
    }
  }
  endTxn(pSc);
  return SQLITE_OK;
}

int remoteSessRollback(SessConn *pSc, char **pzErr){
  (void)pzErr;
  if( pSc->nDepth==0 ) return SQLITE_OK;
  if( pSc->eTxn==TXN_OK ){
    if( pSc->bBegun ) rollbackHeld(pSc);
    clearSavepoints(pSc);
  }else if( pSc->eTxn==TXN_INACTIVE ){
    rollbackHeld(pSc);
  }
  if( --pSc->nDepth==0 ){
    endTxn(pSc);
  }else{
    pSc->eTxn = TXN_INACTIVE;
  }
  return SQLITE_OK;
}

int remoteSessSavepoint(SessConn *pSc, const char *zName, char **pzOut,
                        char **pzErr){
  char *zSp, *zSql;
  char **azNew;
  int rc;
  if( pSc->nDepth==0 ){
    rc = remoteSessBegin(pSc, 0, pzErr);
    if( rc ) return rc;
  }else if( pSc->eTxn!=TXN_OK ){
    *pzErr = sqlite3_mprintf(pSc->eTxn==TXN_INVALID ? MSG_INVALID : MSG_INACTIVE);
    return SQLITE_ERROR;
  }
  zSp = zName ? sqlite3_mprintf("%s", zName)
              : sqlite3_mprintf("sa_savepoint_%d", ++pSc->iSaveSeq);
  if( zSp==0 ) return SQLITE_NOMEM;
  zSql = pSc->pHeld->pConn->pDialect->xSavepointSql(zSp);
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
  if( pSc->nDepth>0 && pSc->eTxn!=TXN_OK ){
    *pzErr = sqlite3_mprintf(pSc->eTxn==TXN_INVALID ? MSG_INVALID : MSG_INACTIVE);
    return SQLITE_ERROR;
  }
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
  pD = pSc->pHeld->pConn->pDialect;
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

/* ------------------------------------------------------------------ */
/* Execution options                                                  */

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
      int n = atoi(zVal);
      if( n<=0 ) goto bad_value;
      pSc->nFetch = n;
    }else if( IS_KEY("schema_translate_map") ){
      sqlite3_free(pSc->zSchemaMap);
      pSc->zSchemaMap = zVal[0] ? sqlite3_mprintf("%s", zVal) : 0;
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
  if( pSc->nDepth>0 && pSc->eTxn!=TXN_INVALID ) rollbackHeld(pSc);
  pSc->nDepth = 0;
  pSc->eTxn = TXN_OK;
  clearSavepoints(pSc);
  sessUnhold(pSc);
}

int remoteSessClose(RemoteSession *pSess, sqlite3_int64 iHandle, char **pzErr){
  SessConn *pSc;
  for(pSc=pSess->pConns; pSc; pSc=pSc->pNext){
    if( pSc->iHandle==iHandle && iHandle!=0 ) break;
  }
  if( pSc==0 ){
    *pzErr = sqlite3_mprintf("no such connection handle: %lld", iHandle);
    return SQLITE_ERROR;
  }
  sessConnClose(pSc);
  sessConnUnlink(pSess, pSc);
  sessConnFree(pSc);
  return SQLITE_OK;
}

int remoteSessInvalidate(SessConn *pSc, int bSoft){
  PoolConn *pc = pSc->pHeld;
  if( pc==0 || (pc->pConn==0 && !bSoft) ) return 0;
  if( pc->pActiveResult ) remoteResultDrain((RemoteResult*)pc->pActiveResult);
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
    sessConnClose(pSc);
    sessConnFree(pSc);
  }
  while( pSess->pUses ){
    SessUse *pU = pSess->pUses;
    pSess->pUses = pU->pNext;
    remotePoolCheckin(pU->pPc);
    sqlite3_free(pU);
  }
  sqlite3_free(pSess);
}
