/*
** pool.c: connection pools with SQLAlchemy's semantics.
**
** remotePoolCheckout() and remotePoolCheckin() are the two calls to read
** first. The QueuePool logic mirrors sqlalchemy.pool.QueuePool._do_get and
** _do_return_conn: an overflow counter that starts at -pool_size, a queue of
** idle slots (FIFO, or LIFO), a wait with timeout when pool_size+max_overflow
** connections are out, and a checkin that closes the connection when
** pool_size are already idle. NullPool, StaticPool, SingletonThreadPool and
** AssertionPool are variations of the same slot machinery.
**
** Locking: p->mu guards the lists, counters and slot states. Network work
** (connect, ping, reset, close) is done without the lock, on a slot that the
** caller owns (checked out, or taken off the idle list).
**
** Fork safety: a slot remembers the pid that opened its connection; a
** process that finds a slot from another pid drops it with
** xCloseNoTerminate (no terminate message over the parent's socket).
*/
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "log.h"
#include "pool.h"

/* ------------------------------------------------------------------ */
/* Lists                                                              */

static void idlePush(RemotePool *p, PoolConn *pc){
  pc->eState = PC_IDLE;
  pc->pIdleNext = 0;
  pc->pIdlePrev = p->pIdleLast;
  if( p->pIdleLast ) p->pIdleLast->pIdleNext = pc;
  else p->pIdleFirst = pc;
  p->pIdleLast = pc;
  p->nIdle++;
}

static void idleRemove(RemotePool *p, PoolConn *pc){
  if( pc->pIdlePrev ) pc->pIdlePrev->pIdleNext = pc->pIdleNext;
  else p->pIdleFirst = pc->pIdleNext;
  if( pc->pIdleNext ) pc->pIdleNext->pIdlePrev = pc->pIdlePrev;
  else p->pIdleLast = pc->pIdlePrev;
  pc->pIdleNext = pc->pIdlePrev = 0;
  p->nIdle--;
}

static PoolConn *slotNew(RemotePool *p){
  PoolConn *pc = sqlite3_malloc(sizeof(*pc));
  if( pc==0 ) return 0;
  memset(pc, 0, sizeof(*pc));
  pc->pPool = p;
  pc->id = ++p->iNextId;
  pc->eState = PC_CHECKED_OUT;
  pc->pAllNext = p->pAll;
  if( p->pAll ) p->pAll->pAllPrev = pc;
  p->pAll = pc;
  p->nAll++;
  return pc;
}

/* Unlink and free slot pc (lock held). Its connection must be closed. */
static void slotFree(RemotePool *p, PoolConn *pc){
  if( pc->pAllPrev ) pc->pAllPrev->pAllNext = pc->pAllNext;
  else p->pAll = pc->pAllNext;
  if( pc->pAllNext ) pc->pAllNext->pAllPrev = pc->pAllPrev;
  p->nAll--;
  sqlite3_free(pc->zIsolation);
  sqlite3_free(pc);
}

/* ------------------------------------------------------------------ */
/* Logging                                                            */

void remotePoolLog(RemotePool *p, int bDebugOnly, const char *zFmt, ...){
  int eEcho = p->pEngine->opts.eEchoPool;
  char *zMsg;
  va_list ap;
  if( eEcho==0 || (bDebugOnly && eEcho<2) ) return;
  va_start(ap, zFmt);
  zMsg = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  if( zMsg ){
    remoteLog(p->pEngine->zName, bDebugOnly ? "debug" : "info", 1, "%s", zMsg);
    sqlite3_free(zMsg);
  }
}

static void poolEvent(RemotePool *p, const char *zEvent, PoolConn *pc,
                      const char *zDetail){
  remoteEvent(p->pEngine->zName, zEvent, pc ? pc->id : 0, zDetail);
}

/* ------------------------------------------------------------------ */
/* Connections                                                        */

/* Close the connection in slot pc (caller owns pc; no lock). */
static void connClose(RemotePool *p, PoolConn *pc, int bTerminate){
  RemoteConn *pConn = pc->pConn;
  if( pConn==0 ) return;
  pc->pConn = 0;
  pc->pActiveResult = 0;
  if( pc->pid!=getpid() ) bTerminate = 0;   /* inherited across fork */
  remotePoolLog(p, 1, "Closing connection %d", pc->id);
  if( bTerminate ){
    pConn->pDialect->xClose(pConn);
  }else{
    pConn->pDialect->xCloseNoTerminate(pConn);
  }
  poolEvent(p, "close", pc, bTerminate ? 0 : "without terminate");
}

/* Open a new connection into slot pc (caller owns pc; no lock held). */
static int connOpen(RemotePool *p, PoolConn *pc, char **pzErr, int *peErr){
  RemoteEngine *pE = p->pEngine;
  RemoteConn *pConn = 0;
  int eErr = REMOTE_ERR_OTHER;
  int rc;
  int bFirst;

  rc = pE->pDialect->xConnect(pE->pUrl, &pConn, pzErr, &eErr);
  if( rc!=SQLITE_OK ){
    if( peErr ) *peErr = eErr;
    remotePoolLog(p, 0, "Error on connect(): %s", *pzErr ? *pzErr : "?");
    return SQLITE_ERROR;
  }
  pConn->nStmtCache = pE->opts.nStmtCache;
  if( pE->opts.zIsolation && strcmp(pE->opts.zIsolation, "AUTOCOMMIT")!=0 ){
    if( pE->pDialect->xSetIsolation(pConn, pE->opts.zIsolation)!=SQLITE_OK ){
      *pzErr = sqlite3_mprintf("%s", pConn->zErr ? pConn->zErr : "cannot set isolation level");
      if( peErr ) *peErr = pConn->eErr;
      pE->pDialect->xClose(pConn);
      return SQLITE_ERROR;
    }
  }
  pc->pConn = pConn;
  pc->tCreated = remoteNow();
  pc->pid = getpid();
  pc->bSoftInvalid = 0;
  sqlite3_free(pc->zIsolation);
  pc->zIsolation = 0;
  pc->iBackendPid = pE->pDialect->xBackendPid(pConn);
  pthread_mutex_lock(&p->mu);
  pc->iGen = ++p->iGen;
  bFirst = !p->bFirstConnect;
  p->bFirstConnect = 1;
  pthread_mutex_unlock(&p->mu);
  remotePoolLog(p, 1, "Created new connection %d (backend %lld)",
                pc->id, pc->iBackendPid);
  if( bFirst ) poolEvent(p, "first_connect", pc, 0);
  poolEvent(p, "connect", pc, 0);
  return SQLITE_OK;
}

/*
** Make slot pc's connection usable for a checkout (caller owns pc, no lock):
** reconnect an empty slot; replace a connection that is stale (opened
** before a pool-wide invalidation), older than pool_recycle or soft
** invalidated; pre-ping one that is not fresh.
*/
static int slotPrepare(RemotePool *p, PoolConn *pc, char **pzErr, int *peErr){
  RemoteEngine *pE = p->pEngine;
  int bFresh = 0;
  if( pc->pConn && pc->pid!=getpid() ){
    connClose(p, pc, 0);
  }
  if( pc->pConn ){
    const char *zWhy = 0;
    int bStale;
    pthread_mutex_lock(&p->mu);
    bStale = pc->iGen<=p->iInvalidGen;
    pthread_mutex_unlock(&p->mu);
    if( bStale ){
      zWhy = "invalidated";
    }else if( pc->bSoftInvalid ){
      zWhy = "soft invalidated";
    }else if( pE->opts.rRecycle>=0 && remoteNow()-pc->tCreated>pE->opts.rRecycle ){
      zWhy = "exceeded timeout";
    }
    if( zWhy ){
      remotePoolLog(p, 0, "Connection %d %s; recycling", pc->id, zWhy);
      connClose(p, pc, 1);
    }
  }
  if( pc->pConn==0 ){
    if( connOpen(p, pc, pzErr, peErr) ) return SQLITE_ERROR;
    bFresh = 1;
  }
  if( pE->opts.bPrePing && !bFresh ){
    RemoteConn *pConn = pc->pConn;
    if( pConn->pDialect->xPing(pConn)!=SQLITE_OK ){
      remotePoolLog(p, 0, "Pool pre-ping on connection %d failed, will "
                    "invalidate pool", pc->id);
      remotePoolInvalidate(pc, 0, 1, pConn->zErr ? pConn->zErr : "pre-ping failed");
      if( connOpen(p, pc, pzErr, peErr) ) return SQLITE_ERROR;
    }
  }
  return SQLITE_OK;
}

/* Reset a connection being returned: rollback/commit when a transaction
** is open, and the engine's isolation level back. Fires "reset". */
static void slotReset(RemotePool *p, PoolConn *pc){
  RemoteEngine *pE = p->pEngine;
  RemoteConn *pConn = pc->pConn;
  const char *zDetail = 0;
  if( pConn && pc->pid==getpid() ){
    const RemoteDialect *pD = pConn->pDialect;
    int rc = SQLITE_OK;
    if( pE->opts.eReset!=RESET_NONE && pD->xInTransaction(pConn) ){
      int bCommit = pE->opts.eReset==RESET_COMMIT;
      sqlite3_int64 n;
      zDetail = bCommit ? "commit" : "rollback";
      remotePoolLog(p, 1, "Connection %d %s-on-return", pc->id, zDetail);
      rc = pD->xExec(pConn, bCommit ? pD->zCommitSql : pD->zRollbackSql, 0, 0, &n);
      if( rc!=SQLITE_OK && bCommit ){
        rc = pD->xExec(pConn, pD->zRollbackSql, 0, 0, &n);
      }
    }
    if( rc==SQLITE_OK && pc->zIsolation ){
      const char *zLevel = pE->opts.zIsolation;
      if( zLevel && strcmp(zLevel, "AUTOCOMMIT")==0 ) zLevel = 0;
      rc = pD->xSetIsolation(pConn, zLevel);
      sqlite3_free(pc->zIsolation);
      pc->zIsolation = 0;
    }
    if( rc!=SQLITE_OK ){
      /* A connection that cannot be reset is not reused */
      remotePoolInvalidate(pc, 0, pConn->eErr==REMOTE_ERR_DISCONNECT,
                           pConn->zErr ? pConn->zErr : "reset failed");
    }
  }
  poolEvent(p, "reset", pc, zDetail);
}

/* ------------------------------------------------------------------ */
/* Checkout                                                           */

/* Drop idle slots whose connection came from a parent process (lock held) */
static void poolAfterFork(RemotePool *p){
  PoolConn *pc, *pNext;
  for(pc=p->pIdleFirst; pc; pc=pNext){
    pNext = pc->pIdleNext;
    if( pc->pConn && pc->pid!=getpid() ){
      RemoteConn *pConn = pc->pConn;
      pc->pConn = 0;
      pConn->pDialect->xCloseNoTerminate(pConn);
    }
  }
  p->pid = getpid();
}

static int timeoutError(RemotePool *p, char **pzErr){
  RemoteEngineOpts *o = &p->pEngine->opts;
  if( o->ePoolClass==POOL_QUEUE ){
    *pzErr = sqlite3_mprintf("QueuePool limit of size %d overflow %d reached, "
        "connection timed out, timeout %.2f",
        o->nPoolSize, p->nOverflow, o->rTimeout<0 ? 0.0 : o->rTimeout);
  }else{
    *pzErr = sqlite3_mprintf("pool timed out");
  }
  return SQLITE_BUSY;
}

/* Wait on the pool's condition until woken or the deadline (lock held).
** Returns 0 when woken, 1 at the deadline. rDeadline<0: forever. */
static int poolWait(RemotePool *p, double rDeadline){
  if( rDeadline<0 ){
    pthread_cond_wait(&p->cond, &p->mu);
    return 0;
  }else{
    struct timespec ts;
    double r = rDeadline;
    if( remoteMonotonic()>=rDeadline ) return 1;
    ts.tv_sec = (time_t)r;
    ts.tv_nsec = (long)((r - (double)ts.tv_sec)*1e9);
    if( ts.tv_nsec>=1000000000L ){ ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
    if( pthread_cond_timedwait(&p->cond, &p->mu, &ts)==ETIMEDOUT ){
      return remoteMonotonic()>=rDeadline;
    }
    return 0;
  }
}

/*
** QueuePool._do_get (lock held on entry and exit). Either takes an idle
** slot, or reserves an overflow slot (*pbNew=1: the caller connects it),
** or waits, or fails with SQLITE_BUSY.
*/
static int queueGet(RemotePool *p, int bNoWait, PoolConn **ppPc, int *pbNew,
                    char **pzErr){
  RemoteEngineOpts *o = &p->pEngine->opts;
  double rDeadline = o->rTimeout<0 ? -1.0 : remoteMonotonic()+o->rTimeout;
  int bUseOverflow = o->nMaxOverflow>-1;
  *pbNew = 0;
  while( 1 ){
    if( p->nIdle>0 ){
      PoolConn *pc = o->bLifo ? p->pIdleLast : p->pIdleFirst;
      idleRemove(p, pc);
      pc->eState = PC_CHECKED_OUT;
      *ppPc = pc;
      return SQLITE_OK;
    }
    if( bUseOverflow && p->nOverflow>=o->nMaxOverflow ){
      if( bNoWait ) return timeoutError(p, pzErr);
      p->nWaiting++;
      if( poolWait(p, rDeadline) && p->nIdle==0
       && p->nOverflow>=o->nMaxOverflow ){
        p->nWaiting--;
        return timeoutError(p, pzErr);
      }
      p->nWaiting--;
      continue;
    }
    /* _inc_overflow: a new connection */
    p->nOverflow++;
    *ppPc = slotNew(p);
    if( *ppPc==0 ){
      p->nOverflow--;
      return SQLITE_NOMEM;
    }
    *pbNew = 1;
    return SQLITE_OK;
  }
}

static PoolConn *findThreadSlot(RemotePool *p){
  unsigned long iThread = (unsigned long)pthread_self();
  PoolConn *pc;
  for(pc=p->pAll; pc; pc=pc->pAllNext){
    if( pc->iThread==iThread && pc->eState!=PC_DETACHED ) return pc;
  }
  return 0;
}

int remotePoolCheckout(RemotePool *p, int bNoWait, PoolConn **ppPc,
                       char **pzErr, int *peErr){
  RemoteEngineOpts *o = &p->pEngine->opts;
  PoolConn *pc = 0;
  int bNew = 0;
  int rc = SQLITE_OK;

  *ppPc = 0;
  if( peErr ) *peErr = REMOTE_ERR_OTHER;
  pthread_mutex_lock(&p->mu);
  if( p->pid!=getpid() ) poolAfterFork(p);
  switch( o->ePoolClass ){
    case POOL_QUEUE:
      rc = queueGet(p, bNoWait, &pc, &bNew, pzErr);
      break;
    case POOL_NULL:
      pc = slotNew(p);
      if( pc==0 ) rc = SQLITE_NOMEM;
      bNew = 1;
      break;
    case POOL_STATIC:
      pc = p->pAll;
      if( pc==0 ){
        pc = slotNew(p);
        if( pc==0 ) rc = SQLITE_NOMEM;
        bNew = 1;
      }
      if( pc ){
        if( pc->eState==PC_IDLE ) idleRemove(p, pc);
        pc->nShare++;
        pc->eState = PC_CHECKED_OUT;
        if( pc->nShare>1 ){
          /* Another checkout holds it: hand out the same connection */
          p->nRef++;
          pc->nCheckout++;
          pc->tLastCheckout = remoteNow();
          pthread_mutex_unlock(&p->mu);
          poolEvent(p, "checkout", pc, 0);
          *ppPc = pc;
          return SQLITE_OK;
        }
      }
      break;
    case POOL_ASSERTION:
      if( p->nCheckedOutAssert ){
        *pzErr = sqlite3_mprintf("connection is already checked out");
        rc = SQLITE_ERROR;
        break;
      }
      p->nCheckedOutAssert = 1;
      pc = p->pAll;
      if( pc==0 ){
        pc = slotNew(p);
        if( pc==0 ){ rc = SQLITE_NOMEM; p->nCheckedOutAssert = 0; }
        bNew = 1;
      }else{
        if( pc->eState==PC_IDLE ) idleRemove(p, pc);
        pc->eState = PC_CHECKED_OUT;
      }
      break;
    case POOL_SINGLETON: {
      pc = findThreadSlot(p);
      if( pc && pc->eState==PC_CHECKED_OUT ){
        /* Same thread again: the same connection (SQLAlchemy's fairy) */
        pc->nShare++;
        p->nRef++;
        pc->nCheckout++;
        pthread_mutex_unlock(&p->mu);
        poolEvent(p, "checkout", pc, 0);
        *ppPc = pc;
        return SQLITE_OK;
      }
      if( pc ){
        idleRemove(p, pc);
        pc->eState = PC_CHECKED_OUT;
      }else{
        pc = slotNew(p);
        if( pc==0 ){ rc = SQLITE_NOMEM; break; }
        pc->iThread = (unsigned long)pthread_self();
        bNew = 1;
      }
      pc->nShare = 1;
      break;
    }
  }
  if( rc!=SQLITE_OK ){
    pthread_mutex_unlock(&p->mu);
    if( rc==SQLITE_BUSY ) remotePoolLog(p, 0, "%s", *pzErr);
    return rc;
  }
  p->nRef++;
  pthread_mutex_unlock(&p->mu);

  /* Outside the lock: connect, recycle, pre-ping */
  rc = slotPrepare(p, pc, pzErr, peErr);
  if( rc!=SQLITE_OK ){
    /* A failed connect gives the slot back */
    pthread_mutex_lock(&p->mu);
    if( o->ePoolClass==POOL_ASSERTION ) p->nCheckedOutAssert = 0;
    if( bNew || o->ePoolClass==POOL_NULL ){
      if( o->ePoolClass==POOL_QUEUE ) p->nOverflow--;
      slotFree(p, pc);
    }else if( o->ePoolClass==POOL_STATIC || o->ePoolClass==POOL_SINGLETON ){
      if( --pc->nShare==0 ) idlePush(p, pc);
    }else{
      idlePush(p, pc);
    }
    p->nRef--;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
    return rc;
  }
  if( o->ePoolClass==POOL_SINGLETON ){
    /* SingletonThreadPool._cleanup: at most pool_size thread connections */
    PoolConn *aDrop[8];
    int nDrop = 0, i;
    pthread_mutex_lock(&p->mu);
    while( o->nPoolSize>0 && p->nAll>o->nPoolSize && p->nIdle>0 && nDrop<8 ){
      PoolConn *pOld = p->pIdleFirst;
      idleRemove(p, pOld);
      pOld->eState = PC_CHECKED_OUT;
      aDrop[nDrop++] = pOld;
      /* it leaves pAll when freed below */
    }
    pthread_mutex_unlock(&p->mu);
    for(i=0; i<nDrop; i++){
      connClose(p, aDrop[i], 1);
      pthread_mutex_lock(&p->mu);
      slotFree(p, aDrop[i]);
      pthread_mutex_unlock(&p->mu);
    }
  }
  pc->tLastCheckout = remoteNow();
  pc->nCheckout++;
  remotePoolLog(p, 1, "Connection %d checked out from pool", pc->id);
  poolEvent(p, "checkout", pc, 0);
  *ppPc = pc;
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* Checkin, invalidation, detach                                      */

static void poolFree(RemotePool *p){
  PoolConn *pc;
  while( (pc = p->pAll)!=0 ){
    if( pc->pConn ){
      RemoteConn *pConn = pc->pConn;
      pc->pConn = 0;
      if( pc->pid==getpid() ) pConn->pDialect->xClose(pConn);
      else pConn->pDialect->xCloseNoTerminate(pConn);
    }
    slotFree(p, pc);
  }
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cond);
  remoteEngineRelease(p->pEngine);
  sqlite3_free(p);
}

void remotePoolRelease(RemotePool *p){
  int bFree;
  if( p==0 ) return;
  pthread_mutex_lock(&p->mu);
  bFree = (--p->nRef==0);
  pthread_mutex_unlock(&p->mu);
  if( bFree ) poolFree(p);
}

void remotePoolCheckin(PoolConn *pc){
  RemotePool *p = pc->pPool;
  RemoteEngineOpts *o = &p->pEngine->opts;
  int bClose = 0;
  int bDetached = pc->eState==PC_DETACHED;

  if( o->ePoolClass==POOL_STATIC || o->ePoolClass==POOL_SINGLETON ){
    int bLast;
    pthread_mutex_lock(&p->mu);
    bLast = (--pc->nShare==0);
    pthread_mutex_unlock(&p->mu);
    if( !bLast ){
      poolEvent(p, "checkin", pc, 0);
      remotePoolRelease(p);
      return;
    }
  }
  if( !bDetached ) slotReset(p, pc);
  remotePoolLog(p, 1, "Connection %d being returned to pool", pc->id);
  poolEvent(p, "checkin", pc, 0);

  pthread_mutex_lock(&p->mu);
  if( bDetached || p->bDisposed ){
    bClose = 1;
  }else{
    switch( o->ePoolClass ){
      case POOL_QUEUE:
        if( o->nPoolSize==0 || p->nIdle<o->nPoolSize ){
          idlePush(p, pc);
        }else{
          bClose = 1;
          p->nOverflow--;
        }
        break;
      case POOL_NULL:
        bClose = 1;
        break;
      case POOL_ASSERTION:
        p->nCheckedOutAssert = 0;
        idlePush(p, pc);
        break;
      default:   /* STATIC, SINGLETON */
        idlePush(p, pc);
        break;
    }
  }
  pthread_cond_broadcast(&p->cond);
  pthread_mutex_unlock(&p->mu);

  if( bClose ){
    if( bDetached ){
      RemoteConn *pConn = pc->pConn;
      pc->pConn = 0;
      if( pConn ){
        if( pc->pid==getpid() ) pConn->pDialect->xClose(pConn);
        else pConn->pDialect->xCloseNoTerminate(pConn);
      }
      poolEvent(p, "close_detached", pc, 0);
    }else{
      connClose(p, pc, 1);
    }
    pthread_mutex_lock(&p->mu);
    slotFree(p, pc);
    pthread_mutex_unlock(&p->mu);
  }
  remotePoolRelease(p);
}

void remotePoolInvalidate(PoolConn *pc, int bSoft, int bPoolWide,
                          const char *zReason){
  RemotePool *p = pc->pPool;
  if( bSoft ){
    pc->bSoftInvalid = 1;
    remotePoolLog(p, 0, "Soft invalidate connection %d", pc->id);
    poolEvent(p, "soft_invalidate", pc, zReason);
  }else{
    remotePoolLog(p, 0, "Invalidate connection %d (reason: %s)", pc->id,
                  zReason ? zReason : "none");
    poolEvent(p, "invalidate", pc, zReason);
    connClose(p, pc, 1);
  }
  if( bPoolWide ){
    pthread_mutex_lock(&p->mu);
    p->iInvalidGen = p->iGen;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->mu);
  }
}

void remotePoolDetach(PoolConn *pc){
  RemotePool *p = pc->pPool;
  pthread_mutex_lock(&p->mu);
  if( pc->eState==PC_CHECKED_OUT ){
    pc->eState = PC_DETACHED;
    /* The slot no longer counts against the pool (SQLAlchemy's detach
    ** decrements overflow so that a new connection may take its place) */
    if( p->pEngine->opts.ePoolClass==POOL_QUEUE ) p->nOverflow--;
    if( p->pEngine->opts.ePoolClass==POOL_ASSERTION ) p->nCheckedOutAssert = 0;
    pthread_cond_broadcast(&p->cond);
  }
  pthread_mutex_unlock(&p->mu);
  poolEvent(p, "detach", pc, 0);
}

int remotePoolDispose(RemotePool *p, int bClose){
  PoolConn *aIdle[64];
  int n = 0, nTotal = 0, i;
  pthread_mutex_lock(&p->mu);
  p->bDisposed = 1;
  pthread_cond_broadcast(&p->cond);
  pthread_mutex_unlock(&p->mu);
  do{
    n = 0;
    pthread_mutex_lock(&p->mu);
    while( p->nIdle>0 && n<64 ){
      PoolConn *pc = p->pIdleFirst;
      idleRemove(p, pc);
      pc->eState = PC_CHECKED_OUT;
      aIdle[n++] = pc;
    }
    pthread_mutex_unlock(&p->mu);
    for(i=0; i<n; i++){
      if( aIdle[i]->pConn ){
        connClose(p, aIdle[i], bClose);
        nTotal++;
      }
      pthread_mutex_lock(&p->mu);
      slotFree(p, aIdle[i]);
      pthread_mutex_unlock(&p->mu);
    }
  }while( n==64 );
  remotePoolLog(p, 0, "Pool disposed. %d connection%s %s", nTotal,
                nTotal==1 ? "" : "s", bClose ? "closed" : "dropped");
  return nTotal;
}

/* ------------------------------------------------------------------ */
/* Introspection                                                      */

static int checkedOut(RemotePool *p){
  /* QueuePool.checkedout(): maxsize - qsize + overflow */
  return p->pEngine->opts.nPoolSize - p->nIdle + p->nOverflow;
}

char *remotePoolStatus(RemotePool *p){
  RemoteEngineOpts *o = &p->pEngine->opts;
  char *z = 0;
  pthread_mutex_lock(&p->mu);
  switch( o->ePoolClass ){
    case POOL_QUEUE:
      z = sqlite3_mprintf("Pool size: %d  Connections in pool: %d Current "
          "Overflow: %d Current Checked out connections: %d",
          o->nPoolSize, p->nIdle, p->nOverflow, checkedOut(p));
      break;
    case POOL_NULL:      z = sqlite3_mprintf("NullPool"); break;
    case POOL_STATIC:    z = sqlite3_mprintf("StaticPool"); break;
    case POOL_ASSERTION: z = sqlite3_mprintf("AssertionPool"); break;
    case POOL_SINGLETON:
      z = sqlite3_mprintf("SingletonThreadPool id:%lld size: %d",
                          (sqlite3_int64)(size_t)p, p->nAll);
      break;
  }
  pthread_mutex_unlock(&p->mu);
  return z;
}

void remotePoolCounts(RemotePool *p, int *pnIn, int *pnOut, int *pnOverflow){
  PoolConn *pc;
  int nOut = 0;
  pthread_mutex_lock(&p->mu);
  *pnIn = p->nIdle;
  if( p->pEngine->opts.ePoolClass==POOL_QUEUE ){
    nOut = checkedOut(p);
  }else{
    for(pc=p->pAll; pc; pc=pc->pAllNext){
      if( pc->eState==PC_CHECKED_OUT ) nOut++;
    }
  }
  *pnOut = nOut;
  *pnOverflow = p->pEngine->opts.ePoolClass==POOL_QUEUE ? p->nOverflow : 0;
  pthread_mutex_unlock(&p->mu);
}

int remotePoolSnapshot(RemotePool *p, PoolConnRow **paRow, int *pnRow){
  PoolConnRow *a;
  PoolConn *pc;
  int n = 0;
  pthread_mutex_lock(&p->mu);
  a = sqlite3_malloc64(sizeof(*a)*(p->nAll ? p->nAll : 1));
  if( a ){
    for(pc=p->pAll; pc; pc=pc->pAllNext){
      PoolConnRow *r = &a[n++];
      static const char *azState[] = {"idle", "checked_out", "detached"};
      r->id = pc->id;
      r->zState = azState[pc->eState];
      r->iBackendPid = pc->pConn ? pc->iBackendPid : 0;
      r->tCreated = pc->pConn ? pc->tCreated : 0.0;
      r->tLastCheckout = pc->tLastCheckout;
      r->nCheckout = pc->nCheckout;
      r->bInTxn = pc->pConn && pc->pid==getpid()
               && pc->pConn->pDialect->xInTransaction(pc->pConn);
    }
  }
  pthread_mutex_unlock(&p->mu);
  *paRow = a;
  *pnRow = n;
  return a ? SQLITE_OK : SQLITE_NOMEM;
}

int remotePoolReconnect(PoolConn *pc, char **pzErr, int *peErr){
  if( pc->pConn ) return SQLITE_OK;
  return connOpen(pc->pPool, pc, pzErr, peErr);
}

RemotePool *remotePoolNew(RemoteEngine *pEngine){
  RemotePool *p = sqlite3_malloc(sizeof(*p));
  pthread_condattr_t attr;
  if( p==0 ) return 0;
  memset(p, 0, sizeof(*p));
  pthread_mutex_init(&p->mu, 0);
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&p->cond, &attr);
  pthread_condattr_destroy(&attr);
  remoteEngineRef(pEngine);
  p->pEngine = pEngine;
  p->nRef = 1;
  p->nOverflow = -pEngine->opts.nPoolSize;
  p->pid = getpid();
  return p;
}
