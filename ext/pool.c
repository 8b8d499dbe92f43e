/* SPDX-License-Identifier: MIT */
/*
** pool.c: connection pools with SQLAlchemy's semantics.
**
** remotePoolCheckout() and remotePoolCheckin() are the two calls to read
** first. The QueuePool logic mirrors sqlalchemy.pool.QueuePool._do_get and
** _do_return_conn: an overflow counter that starts at -pool_size, a queue of
** idle slots (FIFO, or LIFO), a wait with timeout when pool_size+max_overflow
** connections are out, and a checkin that closes the connection when
** pool_size are already idle (pool_size=0: no limit at all). NullPool,
** StaticPool, SingletonThreadPool and AssertionPool are variations of the
** same slot machinery. A slot is SQLAlchemy's _ConnectionRecord; events fire
** in the order _ConnectionRecord and _finalize_fairy fire them.
**
** Locking: p->mu guards the lists, counters, slot states and the published
** fields of every slot (pConn, times, counts). Network work (connect, ping,
** reset, close) is done without the lock, on a slot that the caller owns
** (checked out, or taken off the pool's lists). No event or log line is
** emitted with p->mu held.
**
** Fork safety: a pthread_atfork() handler takes every pool's mutex before
** fork() and, in the child, moves every connection out of its slot into
** pInherit: the child never talks over a socket it shares with the parent.
** Held slots are then empty and reconnect at their next use; an inherited
** connection is freed later with xCloseNoTerminate (its socket replaced by
** /dev/null first, so no terminate message reaches the server).
*/
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "log.h"
#include "pool.h"

/* ------------------------------------------------------------------ */
/* Every live pool, for the fork handlers                             */

static pthread_mutex_t poolsMutex = PTHREAD_MUTEX_INITIALIZER;
static RemotePool *pPoolList = 0;
static pthread_once_t forkOnce = PTHREAD_ONCE_INIT;
static pid_t iMyPid = 0;            /* this process: set at init and in the
                                    ** atfork child handler (getpid() is a
                                    ** system call; checkout reads this) */

static void condInit(pthread_cond_t *pCond){
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(pCond, &attr);
  pthread_condattr_destroy(&attr);
}

/* Before fork(): hold every pool's mutex so that the child copies
** consistent lists (no lock is ever held across network I/O, so this
** waits only for short critical sections). */
static void forkPrepare(void){
  RemotePool *p;
  pthread_mutex_lock(&poolsMutex);
  for(p=pPoolList; p; p=p->pNextPool) pthread_mutex_lock(&p->mu);
}

static void forkParent(void){
  RemotePool *p;
  for(p=pPoolList; p; p=p->pNextPool) pthread_mutex_unlock(&p->mu);
  pthread_mutex_unlock(&poolsMutex);
}

/* In the child: no connection of the parent stays usable. Only pointer
** moves here (no allocation, no I/O): the connections are freed lazily. */
static void forkChild(void){
  RemotePool *p;
  PoolConn *pc;
  iMyPid = getpid();
  for(p=pPoolList; p; p=p->pNextPool){
    for(pc=p->pAll; pc; pc=pc->pAllNext){
      if( pc->pConn ){
        /* A second fork before the first inherited connection was freed
        ** leaks that one: its socket is never written to again */
        pc->pInherit = pc->pConn;
        pc->pConn = 0;
        pc->pActiveResult = 0;
        pc->pSharedResults = 0;
        pc->pOpenCopy = 0;
        pc->iBackendPid = 0;
      }
      pc->bBusy = 0;      /* a thread that was connecting it is gone */
    }
    p->nWaiting = 0;      /* waiting threads are gone */
    condInit(&p->cond);   /* no waiter of the parent's survives */
    p->pid = iMyPid;
    pthread_mutex_unlock(&p->mu);
  }
  pthread_mutex_unlock(&poolsMutex);
}

static void forkInit(void){
  iMyPid = getpid();
  pthread_atfork(forkPrepare, forkParent, forkChild);
}

/* ------------------------------------------------------------------ */
/* Lists (lock held)                                                  */

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

static void allLink(RemotePool *p, PoolConn *pc){
  pc->pAllPrev = 0;
  pc->pAllNext = p->pAll;
  if( p->pAll ) p->pAll->pAllPrev = pc;
  p->pAll = pc;
  p->nAll++;
}

/* A new checked-out slot with the next id, on pAll; 0 on OOM */
static PoolConn *slotNew(RemotePool *p){
  PoolConn *pc = sqlite3_malloc(sizeof(*pc));
  if( pc==0 ) return 0;
  memset(pc, 0, sizeof(*pc));
  pc->pPool = p;
  pc->id = ++p->iNextId;
  pc->eState = PC_CHECKED_OUT;
  pc->iEpoch = p->nDispose;
  allLink(p, pc);
  return pc;
}

/* Take slot pc off pAll (lock held): nobody can find it any more, so the
** caller may close and free it without the lock. */
static void slotUnlink(RemotePool *p, PoolConn *pc){
  if( pc->pAllPrev ) pc->pAllPrev->pAllNext = pc->pAllNext;
  else p->pAll = pc->pAllNext;
  if( pc->pAllNext ) pc->pAllNext->pAllPrev = pc->pAllPrev;
  pc->pAllNext = pc->pAllPrev = 0;
  p->nAll--;
  if( pc->eState==PC_DETACHED ) p->nDetached--;
  if( p->pOnly==pc ) p->pOnly = 0;
}

/* Free an unlinked slot whose connections are closed */
static void slotFreeMem(PoolConn *pc){
  sqlite3_free(pc->zIsolation);
  sqlite3_free(pc);
}

/* ------------------------------------------------------------------ */
/* Logging and events (never with p->mu held)                         */

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

/* The same at time rNow, read once by the caller for several uses */
static void poolEventAt(RemotePool *p, const char *zEvent, PoolConn *pc,
                        const char *zDetail, double rNow){
  remoteEventAt(p->pEngine->zName, zEvent, pc ? pc->id : 0, zDetail, rNow);
}

/* ------------------------------------------------------------------ */
/* Connections                                                        */

/* Free a connection inherited over fork() (caller owns it; no lock). A
** connection with a cursor still open on it is leaked instead: the
** cursor's owner would use it after the free. */
static void inheritClose(RemotePool *p, PoolConn *pc, RemoteConn *pConn){
  if( pConn==0 ) return;
  poolEvent(p, "close", pc, "inherited over fork, without terminate");
  if( pConn->pActive==0 ) pConn->pDialect->xCloseNoTerminate(pConn);
}

/* Close the connection in slot pc (caller owns pc; no lock held). */
static void connClose(RemotePool *p, PoolConn *pc, int bTerminate){
  RemoteConn *pConn;
  pthread_mutex_lock(&p->mu);
  pConn = pc->pConn;
  pc->pConn = 0;
  pc->pActiveResult = 0;
  pc->pOpenCopy = 0;
  pthread_mutex_unlock(&p->mu);
  if( pConn==0 ) return;
  if( pc->pid!=iMyPid ) bTerminate = 0;     /* inherited across fork */
  poolEvent(p, "close", pc, bTerminate ? 0 : "without terminate");
  remotePoolLog(p, 1, "Closing connection %d", pc->id);
  if( bTerminate ){
    pConn->pDialect->xClose(pConn);
  }else{
    pConn->pDialect->xCloseNoTerminate(pConn);
  }
}

/* Open a new connection into slot pc (caller owns pc; no lock held).
** Fires first_connect (once per pool) and connect. */
static int connOpen(RemotePool *p, PoolConn *pc, char **pzErr, int *peErr){
  RemoteEngine *pE = p->pEngine;
  RemoteConn *pConn = 0;
  int eErr = REMOTE_ERR_OTHER;
  double tStart = remoteMonotonic();
  int rc;
  int bFirst;

  if( pE->pDialect->xConnectOpts ){
    RemoteConnectOpts opts;
    opts.rIoTimeout = pE->opts.rIoTimeout;
    opts.rStmtTimeout = pE->opts.rStmtTimeout;
    rc = pE->pDialect->xConnectOpts(pE->pUrl, &opts, &pConn, pzErr, &eErr);
  }else{
    rc = pE->pDialect->xConnect(pE->pUrl, &pConn, pzErr, &eErr);
  }
  if( rc!=SQLITE_OK ){
    if( peErr ) *peErr = eErr;
    remotePoolLog(p, 1, "Error on connect(): %s", *pzErr ? *pzErr : "?");
    return SQLITE_ERROR;
  }
  /* the engine's copy of the dialect (every member of this version there,
  ** see remoteDialectRegister), also for a dialect of the C API's */
  pConn->pDialect = pE->pDialect;
  pConn->nStmtCache = pE->opts.nStmtCache;
  if( pE->opts.zIsolation && strcmp(pE->opts.zIsolation, "AUTOCOMMIT")!=0 ){
    if( pE->pDialect->xSetIsolation(pConn, pE->opts.zIsolation)!=SQLITE_OK ){
      *pzErr = sqlite3_mprintf("%s", pConn->zErr ? pConn->zErr : "cannot set isolation level");
      if( peErr ) *peErr = pConn->eErr;
      pE->pDialect->xClose(pConn);
      return SQLITE_ERROR;
    }
  }
  sqlite3_free(pc->zIsolation);
  pc->zIsolation = 0;
  pc->bSoftInvalid = 0;
  pthread_mutex_lock(&p->mu);
  pc->pConn = pConn;
  pc->tCreated = remoteNow();
  pc->tStart = tStart;
  pc->pid = iMyPid;
  pc->iBackendPid = pE->pDialect->xBackendPid(pConn);
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
** _ConnectionRecord.get_connection() plus the pre-ping of
** _ConnectionFairy._checkout (caller owns pc, no lock): reconnect an
** empty slot; replace a connection older than pool_recycle, opened before
** a pool-wide invalidation (bStale) or soft invalidated; pre-ping one that
** is not fresh and reconnect in the same slot when the ping fails.
*/
static int slotPrepare(RemotePool *p, PoolConn *pc, int bStale, char **pzErr,
                       int *peErr){
  RemoteEngine *pE = p->pEngine;
  int bFresh = 0;
  if( pc->pConn ){
    const char *zWhy = 0;
    if( pE->opts.rRecycle>=0
     && remoteMonotonic()-pc->tStart>pE->opts.rRecycle ){
      zWhy = "exceeded timeout";
    }else if( bStale ){
      zWhy = "invalidated due to pool invalidation";
    }else if( pc->bSoftInvalid ){
      zWhy = "invalidated due to local soft invalidation";
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
  if( pE->opts.bPrePing ){
    RemoteConn *pConn = pc->pConn;
    if( bFresh ){
      remotePoolLog(p, 1, "Connection %d is fresh, skipping pre-ping", pc->id);
    }else{
      remotePoolLog(p, 1, "Pool pre-ping on connection %d", pc->id);
      if( pConn->pDialect->xPing(pConn)!=SQLITE_OK ){
        char *zWhy = sqlite3_mprintf("%s", pConn->zErr ? pConn->zErr : "pre-ping failed");
        remotePoolLog(p, 1, "Pool pre-ping on connection %d failed, will "
                      "invalidate pool", pc->id);
        remotePoolLog(p, 0, "Disconnection detected on checkout, invalidating "
                      "all pooled connections prior to current timestamp "
                      "(reason: %s)", zWhy ? zWhy : "pre-ping failed");
        remotePoolInvalidate(pc, 0, 1, zWhy ? zWhy : "pre-ping failed");
        sqlite3_free(zWhy);
        if( connOpen(p, pc, pzErr, peErr) ) return SQLITE_ERROR;
      }
    }
  }
  return SQLITE_OK;
}

/* Reset a connection being returned (caller owns pc, no lock): rollback or
** commit when a transaction is open (no round trip otherwise), and the
** engine's isolation level back. Fires "reset" when there is a connection
** to reset (an invalidated slot has none, as in _finalize_fairy). */
static int slotReset(RemotePool *p, PoolConn *pc, int bRoundTrip,
                     double rNow){
  RemoteEngine *pE = p->pEngine;
  RemoteConn *pConn = pc->pConn;
  const char *zDetail = 0;
  if( pConn==0 ) return 0;
  if( bRoundTrip ){
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
    poolEventAt(p, "reset", pc, zDetail, zDetail ? remoteNow() : rNow);
    if( rc!=SQLITE_OK ){
      /* A connection that cannot be reset is not reused */
      char *zWhy = sqlite3_mprintf("%s", pConn->zErr ? pConn->zErr : "reset failed");
      remotePoolLog(p, 0, "Exception during reset or similar: %s",
                    zWhy ? zWhy : "reset failed");
      remotePoolInvalidate(pc, 0, pConn->eErr==REMOTE_ERR_DISCONNECT,
                           zWhy ? zWhy : "reset failed");
      sqlite3_free(zWhy);
    }
    return zDetail!=0;
  }
  poolEventAt(p, "reset", pc, 0, rNow);
  return 0;
}

/* ------------------------------------------------------------------ */
/* Checkout                                                           */

/* SQLAlchemy's QueuePool: pool_size=0 means no overflow limit at all */
static int maxOverflow(RemotePool *p){
  RemoteEngineOpts *o = &p->pEngine->opts;
  return o->nPoolSize==0 ? -1 : o->nMaxOverflow;
}

/* QueuePool.overflow(): 0 when pool_size is 0 */
static int overflowShown(RemotePool *p){
  return p->pEngine->opts.nPoolSize ? p->nOverflow : 0;
}

static int timeoutError(RemotePool *p, char **pzErr){
  RemoteEngineOpts *o = &p->pEngine->opts;
  if( o->ePoolClass==POOL_QUEUE ){
    *pzErr = sqlite3_mprintf("QueuePool limit of size %d overflow %d reached, "
        "connection timed out, timeout %.2f",
        o->nPoolSize, overflowShown(p), o->rTimeout<0 ? 0.0 : o->rTimeout);
  }else{
    *pzErr = sqlite3_mprintf("pool timed out");
  }
  return *pzErr ? SQLITE_BUSY : SQLITE_NOMEM;
}

/* Wait on the pool's condition until woken or the deadline (lock held).
** Returns 0 when woken, 1 at the deadline. rDeadline<0: forever. */
static int poolWait(RemotePool *p, double rDeadline){
  int bTimeout = 0;
  p->nWaiting++;
  if( rDeadline<0 ){
    pthread_cond_wait(&p->cond, &p->mu);
  }else if( remoteMonotonic()>=rDeadline ){
    bTimeout = 1;
  }else{
    struct timespec ts;
    double r = rDeadline;
    ts.tv_sec = (time_t)r;
    ts.tv_nsec = (long)((r - (double)ts.tv_sec)*1e9);
    if( ts.tv_nsec>=1000000000L ){ ts.tv_sec++; ts.tv_nsec -= 1000000000L; }
    if( pthread_cond_timedwait(&p->cond, &p->mu, &ts)==ETIMEDOUT ){
      bTimeout = remoteMonotonic()>=rDeadline;
    }
  }
  p->nWaiting--;
  return bTimeout;
}

/* Wake every waiter (lock held); cheap when nobody waits */
static void poolWake(RemotePool *p){
  if( p->nWaiting>0 ) pthread_cond_broadcast(&p->cond);
}

/*
** QueuePool._do_get (lock held on entry and exit). Either takes an idle
** slot, or reserves an overflow slot (*pbNew=1: the caller connects it),
** or waits, or fails with SQLITE_BUSY.
*/
static int queueGet(RemotePool *p, int bNoWait, PoolConn **ppPc, int *pbNew,
                    int *pbWaited, char **pzErr){
  RemoteEngineOpts *o = &p->pEngine->opts;
  int nMax = maxOverflow(p);
  double rDeadline = -1.0;
  *pbNew = 0;
  while( 1 ){
    if( p->nIdle>0 ){
      PoolConn *pc = o->bLifo ? p->pIdleLast : p->pIdleFirst;
      idleRemove(p, pc);
      pc->eState = PC_CHECKED_OUT;
      *ppPc = pc;
      return SQLITE_OK;
    }
    if( nMax>-1 && p->nOverflow>=nMax ){
      if( bNoWait ) return timeoutError(p, pzErr);
      if( o->rTimeout>=0 && rDeadline<0 ) rDeadline = remoteMonotonic()+o->rTimeout;
      *pbWaited = 1;
      if( poolWait(p, rDeadline) && p->nIdle==0 && p->nOverflow>=nMax ){
        return timeoutError(p, pzErr);
      }
      continue;
    }
    /* _inc_overflow: a new connection */
    *ppPc = slotNew(p);
    if( *ppPc==0 ) return SQLITE_NOMEM;
    p->nOverflow++;
    *pbNew = 1;
    return SQLITE_OK;
  }
}

/* SingletonThreadPool: this thread's slot, or 0 */
static PoolConn *findThreadSlot(RemotePool *p, unsigned long iThread){
  PoolConn *pc;
  for(pc=p->pAll; pc; pc=pc->pAllNext){
    if( pc->iThread==iThread && pc->eState!=PC_DETACHED ) return pc;
  }
  return 0;
}

/* The one slot of a StaticPool or AssertionPool (lock held): waits while
** another thread connects it; *pbNew when made here. */
static PoolConn *onlySlot(RemotePool *p, int *pbNew, int *pbWaited){
  PoolConn *pc;
  while( p->pOnly && p->pOnly->bBusy ){
    *pbWaited = 1;
    poolWait(p, -1.0);
  }
  pc = p->pOnly;
  if( pc==0 ){
    pc = p->pOnly = slotNew(p);
    *pbNew = 1;
  }else if( pc->eState==PC_IDLE ){
    idleRemove(p, pc);
    pc->eState = PC_CHECKED_OUT;
  }
  return pc;
}

/* May pUser, on thread iThread, share StaticPool slot pc now (lock held)?
** See "StaticPool" in pool.h. */
static int staticMayShare(PoolConn *pc, void *pUser, unsigned long iThread){
  if( pc->bBusy ) return 0;
  if( pc->nShare==0 || pc->pOwner==pUser ) return 1;
  return !pc->bManyThreads && pc->iOwnerThread==iThread;
}

/*
** StaticPool (lock held): the one slot, once no other user holds it (or
** the holder is this thread's), waiting at most pool_timeout (not at all
** with bNoWait); *ppPc is 0 on timeout or out of memory.
*/
static int staticGet(RemotePool *p, void *pUser, int bNoWait, PoolConn **ppPc,
                     int *pbNew, int *pbWaited, char **pzErr){
  RemoteEngineOpts *o = &p->pEngine->opts;
  unsigned long iThread = (unsigned long)pthread_self();
  double rDeadline = -1.0;
  PoolConn *pc;
  *ppPc = 0;
  while( p->pOnly && !staticMayShare(p->pOnly, pUser, iThread) ){
    if( bNoWait && !p->pOnly->bBusy ){
      *pzErr = sqlite3_mprintf("StaticPool connection is in use by another "
                               "user");
      return *pzErr ? SQLITE_BUSY : SQLITE_NOMEM;
    }
    if( o->rTimeout>=0 && rDeadline<0 ) rDeadline = remoteMonotonic()+o->rTimeout;
    *pbWaited = 1;
    if( poolWait(p, rDeadline) && p->pOnly
     && !staticMayShare(p->pOnly, pUser, iThread) ){
      *pzErr = sqlite3_mprintf("StaticPool connection is in use by another "
          "user, connection timed out, timeout %.2f", o->rTimeout);
      return *pzErr ? SQLITE_BUSY : SQLITE_NOMEM;
    }
  }
  pc = onlySlot(p, pbNew, pbWaited);
  if( pc==0 ) return SQLITE_NOMEM;
  if( pc->nShare==0 ){
    pc->pOwner = pUser;
    pc->iOwnerThread = iThread;
    pc->bManyThreads = 0;
  }else if( pc->iOwnerThread!=iThread ){
    pc->bManyThreads = 1;
  }
  *ppPc = pc;
  return SQLITE_OK;
}

/* One StaticPool user let go of pc (lock held): 1 when it was the last */
static int staticUnshare(RemotePool *p, PoolConn *pc){
  if( --pc->nShare>0 ) return 0;
  pc->pOwner = 0;
  pc->bManyThreads = 0;
  poolWake(p);
  return 1;
}

/*
** SingletonThreadPool checkout (lock held): this thread's slot, or a new
** one. OUT: *ppPc, *pbNew (a new slot), *pbReentrant (this thread's own
** checkout again: SQLAlchemy's _checkout_existing, no event, no
** pre-ping), *pbPrepare (the slot needs slotPrepare), *ppDrop (idle
** slots of other threads the cleanup unlinked: the caller closes them
** outside the lock). SQLITE_OK or SQLITE_NOMEM.
*/
static int singletonGet(RemotePool *p, PoolConn **ppPc, int *pbNew,
                        int *pbReentrant, int *pbPrepare, PoolConn **ppDrop){
  RemoteEngineOpts *o = &p->pEngine->opts;
  unsigned long iThread = (unsigned long)pthread_self();
  PoolConn *pc = findThreadSlot(p, iThread);
  if( pc && pc->eState==PC_CHECKED_OUT ){
    /* only a connection invalidated meanwhile is replaced */
    pc->nShare++;
    *pbReentrant = 1;
    *pbPrepare = pc->pConn==0;
    *ppPc = pc;
    return SQLITE_OK;
  }
  if( pc ){
    idleRemove(p, pc);
    pc->eState = PC_CHECKED_OUT;
  }else{
    pc = slotNew(p);
    if( pc==0 ) return SQLITE_NOMEM;
    pc->iThread = iThread;
    *pbNew = 1;
    /* SingletonThreadPool._cleanup: at most pool_size thread slots; only
    ** idle slots of other threads are closed (one in use is left alone,
    ** unlike SQLAlchemy) */
    while( o->nPoolSize>0 && p->nAll-p->nDetached>o->nPoolSize && p->pIdleFirst ){
      PoolConn *pOld = p->pIdleFirst;
      idleRemove(p, pOld);
      pOld->eState = PC_CHECKED_OUT;
      slotUnlink(p, pOld);
      pOld->pIdleNext = *ppDrop;
      *ppDrop = pOld;
    }
  }
  pc->nShare = 1;
  *ppPc = pc;
  return SQLITE_OK;
}

/*
** A checkout whose connect (or pre-ping, recycle) failed gives the slot
** back (_checkin_failed): a new slot goes, a shared one loses a user.
** Called with the lock held; returns with it released, the slot's pool
** reference dropped.
*/
static void checkoutFailed(RemotePool *p, PoolConn *pc, int bNew, int bReentrant){
  RemoteEngineOpts *o = &p->pEngine->opts;
  int bGone = 0;
  if( o->ePoolClass==POOL_ASSERTION ) p->nCheckedOutAssert = 0;
  if( bNew && (o->ePoolClass==POOL_QUEUE || o->ePoolClass==POOL_NULL
            || o->ePoolClass==POOL_SINGLETON) ){
    if( o->ePoolClass==POOL_QUEUE ) p->nOverflow--;
    slotUnlink(p, pc);
    bGone = 1;
  }else if( o->ePoolClass==POOL_STATIC ){
    if( staticUnshare(p, pc) ) idlePush(p, pc);
  }else if( o->ePoolClass==POOL_SINGLETON ){
    if( --pc->nShare==0 ) idlePush(p, pc);
  }else{
    idlePush(p, pc);
  }
  poolWake(p);
  pthread_mutex_unlock(&p->mu);
  if( bGone ) slotFreeMem(pc);
  else if( !bNew && !bReentrant ) poolEvent(p, "checkin", pc, 0);
  remotePoolRelease(p);     /* the slot's reference, after the event */
}

int remotePoolCheckout(RemotePool *p, int bNoWait, PoolConn **ppPc,
                       char **pzErr, int *peErr){
  return remotePoolCheckoutFor(p, 0, bNoWait, ppPc, pzErr, peErr);
}

int remotePoolCheckoutFor(RemotePool *p, void *pUser, int bNoWait,
                          PoolConn **ppPc, char **pzErr, int *peErr){
  RemoteEngineOpts *o = &p->pEngine->opts;
  PoolConn *pc = 0;
  PoolConn *pDrop = 0;      /* SingletonThreadPool: slots closed by cleanup */
  RemoteConn *pInherit = 0;
  int bNew = 0;
  int bPrepare = 1;         /* run slotPrepare (the first user of a slot) */
  int bStale = 0;
  int bReentrant = 0;       /* SingletonThreadPool: this thread's again */
  int bWaited = 0;          /* waited for the slot: rNow is old */
  double rNow = 0.0;
  int rc = SQLITE_OK;

  *ppPc = 0;
  if( peErr ) *peErr = REMOTE_ERR_OTHER;
  rNow = remoteNow();       /* read once, outside the lock */
  pthread_mutex_lock(&p->mu);
  switch( o->ePoolClass ){
    case POOL_QUEUE:
      rc = queueGet(p, bNoWait, &pc, &bNew, &bWaited, pzErr);
      break;
    case POOL_NULL:
      pc = slotNew(p);
      if( pc==0 ) rc = SQLITE_NOMEM;
      bNew = 1;
      break;
    case POOL_STATIC:
      rc = staticGet(p, pUser, bNoWait, &pc, &bNew, &bWaited, pzErr);
      if( rc!=SQLITE_OK ) break;
      /* Shared with every other checkout of its holder: only the first
      ** user (or one finding the connection gone) prepares it */
      bPrepare = (pc->nShare==0 || pc->pConn==0);
      pc->nShare++;
      break;
    case POOL_ASSERTION:
      if( p->nCheckedOutAssert ){
        *pzErr = sqlite3_mprintf("connection is already checked out");
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        break;
      }
      pc = onlySlot(p, &bNew, &bWaited);
      if( pc==0 ){ rc = SQLITE_NOMEM; break; }
      p->nCheckedOutAssert = 1;
      break;
    case POOL_SINGLETON:
      rc = singletonGet(p, &pc, &bNew, &bReentrant, &bPrepare, &pDrop);
      break;
  }
  if( rc!=SQLITE_OK ){
    pthread_mutex_unlock(&p->mu);
    if( rc==SQLITE_BUSY && !bNoWait ) remotePoolLog(p, 0, "%s", *pzErr);
    return rc;
  }
  p->nRef++;
  if( bPrepare ){
    bStale = pc->pConn!=0 && pc->iGen<=p->iInvalidGen;
    if( pc->pConn && !bStale && !pc->bSoftInvalid && !pc->pInherit
     && !o->bPrePing && o->rRecycle<0 && pDrop==0 && !bReentrant ){
      /* Fast path: a live connection that needs nothing before use */
      if( bWaited ) rNow = remoteNow();
      pc->tLastCheckout = rNow;
      pc->nCheckout++;
      pthread_mutex_unlock(&p->mu);
      remotePoolLog(p, 1, "Connection %d checked out from pool", pc->id);
      poolEventAt(p, "checkout", pc, 0, rNow);
      *ppPc = pc;
      return SQLITE_OK;
    }
    pc->bBusy = 1;
  }
  pInherit = pc->pInherit;
  pc->pInherit = 0;
  pthread_mutex_unlock(&p->mu);

  /* Outside the lock: connect, recycle, pre-ping; then close what the
  ** SingletonThreadPool cleanup dropped */
  inheritClose(p, pc, pInherit);
  if( bPrepare ) rc = slotPrepare(p, pc, bStale, pzErr, peErr);
  while( pDrop ){
    PoolConn *pNext = pDrop->pIdleNext;
    inheritClose(p, pDrop, pDrop->pInherit);
    connClose(p, pDrop, 1);
    slotFreeMem(pDrop);
    pDrop = pNext;
  }

  pthread_mutex_lock(&p->mu);
  if( bPrepare ){
    pc->bBusy = 0;
    if( o->ePoolClass==POOL_STATIC ) poolWake(p);
  }
  if( rc!=SQLITE_OK ){
    checkoutFailed(p, pc, bNew, bReentrant);   /* unlocks */
    return rc;
  }
  if( !bReentrant ){
    if( bPrepare || bWaited ) rNow = remoteNow();  /* after the work above */
    pc->tLastCheckout = rNow;
    pc->nCheckout++;
  }
  pthread_mutex_unlock(&p->mu);
  if( !bReentrant ){
    remotePoolLog(p, 1, "Connection %d checked out from pool", pc->id);
    poolEventAt(p, "checkout", pc, 0, rNow);
  }
  *ppPc = pc;
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* Checkin, invalidation, detach                                      */

static void poolFree(RemotePool *p){
  PoolConn *pc;
  pthread_mutex_lock(&poolsMutex);
  if( p->pPrevPool ) p->pPrevPool->pNextPool = p->pNextPool;
  else pPoolList = p->pNextPool;
  if( p->pNextPool ) p->pNextPool->pPrevPool = p->pPrevPool;
  pthread_mutex_unlock(&poolsMutex);
  while( (pc = p->pAll)!=0 ){
    RemoteConn *pConn = pc->pConn;
    slotUnlink(p, pc);
    if( pc->pInherit && pc->pInherit->pActive==0 ){
      pc->pInherit->pDialect->xCloseNoTerminate(pc->pInherit);
    }
    if( pConn ){
      if( pc->pid==iMyPid ) pConn->pDialect->xClose(pConn);
      else pConn->pDialect->xCloseNoTerminate(pConn);
    }
    slotFreeMem(pc);
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
  RemoteConn *pInherit = 0;
  int bClose = 0;
  int bDetached = pc->eState==PC_DETACHED;
  int bLast = 1;
  int bDecOverflow = 0;     /* QueuePool full: overflow-- after the close */
  int bFree = 0;
  double rNow;

  if( o->ePoolClass==POOL_STATIC || o->ePoolClass==POOL_SINGLETON ){
    pthread_mutex_lock(&p->mu);
    bLast = (--pc->nShare==0);
    if( bLast && o->ePoolClass==POOL_STATIC ){
      /* the holder is done; until the reset below is over (it may roll
      ** back on the connection) the slot is busy: another user waits */
      pc->pOwner = 0;
      pc->bManyThreads = 0;
      pc->bBusy = 1;
    }
    if( !bLast && o->ePoolClass==POOL_SINGLETON ){
      /* An inner return of this thread's checkout: nothing happens */
      bFree = (--p->nRef==0);
      pthread_mutex_unlock(&p->mu);
      if( bFree ) poolFree(p);
      return;
    }
    pthread_mutex_unlock(&p->mu);
  }
  /* Each StaticPool return fires reset and checkin as each of SQLAlchemy's
  ** fairies does; the rollback waits for the last user, so that one user's
  ** return never ends another's transaction. */
  rNow = remoteNow();
  if( !bDetached && pc->pConn && pc->zIsolation==0
   && (!bLast || pc->pid!=iMyPid || o->eReset==RESET_NONE
       || !pc->pConn->pDialect->xInTransaction(pc->pConn)) ){
    /* Nothing to send: reset and checkin recorded together */
    remotePoolLog(p, 1, "Connection %d being returned to pool", pc->id);
    remoteEvent2(p->pEngine->zName, "reset", "checkin", pc->id, rNow);
  }else{
    if( slotReset(p, pc, bLast && pc->pid==iMyPid, rNow) ) rNow = remoteNow();
    if( !bDetached ){
      remotePoolLog(p, 1, "Connection %d being returned to pool", pc->id);
      poolEventAt(p, "checkin", pc, 0, rNow);
    }
  }

  pthread_mutex_lock(&p->mu);
  if( !bLast ){
    /* StaticPool, another user still holds it */
  }else if( bDetached || p->bDisposed || o->ePoolClass==POOL_NULL ){
    /* (a disposed pool's overflow was reset to -pool_size: the
    ** connections out at that moment no longer count, but one checked
    ** out of it since, by a thread that found the pool before it was
    ** replaced, does: without giving it back the pool would stay full
    ** for whoever still waits on it) */
    bClose = 1;
    if( o->ePoolClass==POOL_QUEUE && !bDetached && p->bDisposed
     && pc->iEpoch==p->nDispose ){
      bDecOverflow = 1;
    }
    if( o->ePoolClass==POOL_ASSERTION && !bDetached ) p->nCheckedOutAssert = 0;
  }else{
    switch( o->ePoolClass ){
      case POOL_QUEUE:
        if( o->nPoolSize==0 || p->nIdle<o->nPoolSize ){
          idlePush(p, pc);
        }else{
          /* the queue is full: closed, and only then no longer counted
          ** (record.close(), then _dec_overflow()), so that the server
          ** never sees more than pool_size+max_overflow sessions */
          bClose = 1;
          bDecOverflow = 1;
        }
        break;
      case POOL_ASSERTION:
        p->nCheckedOutAssert = 0;
        idlePush(p, pc);
        break;
      default:   /* STATIC, SINGLETON */
        pc->bBusy = 0;
        idlePush(p, pc);
        break;
    }
  }
  if( bClose ){
    slotUnlink(p, pc);
    pInherit = pc->pInherit;
    pc->pInherit = 0;
  }else{
    /* the slot is back: nothing here touches the pool again */
    bFree = (--p->nRef==0);
  }
  poolWake(p);
  pthread_mutex_unlock(&p->mu);

  if( bClose ){
    /* The closing thread keeps its reference on the pool until the close
    ** is over: the close reads the pool (its mutex, its engine's name for
    ** the events), and a dispose, a replacement or another thread's last
    ** return could otherwise free it in between */
    inheritClose(p, pc, pInherit);
    if( bDetached ){
      RemoteConn *pConn = pc->pConn;
      pc->pConn = 0;
      poolEvent(p, "close_detached", pc, 0);
      if( pConn ){
        remotePoolLog(p, 1, "Closing connection %d", pc->id);
        if( pc->pid==iMyPid ) pConn->pDialect->xClose(pConn);
        else pConn->pDialect->xCloseNoTerminate(pConn);
      }
    }else{
      connClose(p, pc, 1);
    }
    slotFreeMem(pc);
    pthread_mutex_lock(&p->mu);
    if( bDecOverflow ) p->nOverflow--;
    bFree = (--p->nRef==0);
    poolWake(p);
    pthread_mutex_unlock(&p->mu);
  }
  if( bFree ) poolFree(p);
}

void remotePoolInvalidate(PoolConn *pc, int bSoft, int bPoolWide,
                          const char *zReason){
  RemotePool *p = pc->pPool;
  if( pc->pConn ){
    /* _ConnectionRecord.invalidate: the event, then the close */
    if( bSoft ){
      poolEvent(p, "soft_invalidate", pc, zReason);
      remotePoolLog(p, 0, "Soft Invalidate connection %d (reason: %s)", pc->id,
                    zReason ? zReason : "none");
      pc->bSoftInvalid = 1;
    }else{
      poolEvent(p, "invalidate", pc, zReason);
      remotePoolLog(p, 0, "Invalidate connection %d (reason: %s)", pc->id,
                    zReason ? zReason : "none");
      connClose(p, pc, 1);
    }
  }
  if( bPoolWide ){
    /* Pool._invalidate: every connection opened so far is stale, unless
    ** the failing one was itself opened before the last invalidation */
    pthread_mutex_lock(&p->mu);
    if( pc->iGen==0 || pc->iGen>p->iInvalidGen ) p->iInvalidGen = p->iGen;
    poolWake(p);
    pthread_mutex_unlock(&p->mu);
  }
}

void remotePoolDetach(PoolConn *pc){
  RemotePool *p = pc->pPool;
  RemoteEngineOpts *o = &p->pEngine->opts;
  PoolConn *pRec = 0;       /* the record that goes back to the pool */
  int bDone = 0;
  pthread_mutex_lock(&p->mu);
  if( pc->eState==PC_CHECKED_OUT ){
    bDone = 1;
    pc->eState = PC_DETACHED;
    p->nDetached++;
    if( p->pOnly==pc ) p->pOnly = 0;
    if( o->ePoolClass==POOL_ASSERTION ) p->nCheckedOutAssert = 0;
    if( o->ePoolClass!=POOL_NULL ){
      pRec = sqlite3_malloc(sizeof(*pRec));
      if( pRec ){
        /* Same slot id and history, no connection: _do_return_conn of
        ** the emptied record */
        memset(pRec, 0, sizeof(*pRec));
        pRec->pPool = p;
        pRec->id = pc->id;
        pRec->iThread = pc->iThread;
        pRec->nCheckout = pc->nCheckout;
        pRec->tLastCheckout = pc->tLastCheckout;
        pRec->iEpoch = pc->iEpoch;
        pRec->eState = PC_IDLE;
        allLink(p, pRec);
        if( o->ePoolClass==POOL_STATIC || o->ePoolClass==POOL_ASSERTION ){
          if( p->pOnly==0 ) p->pOnly = pRec;
        }
        if( o->ePoolClass==POOL_QUEUE && o->nPoolSize>0
         && p->nIdle>=o->nPoolSize ){
          /* The queue is full: the record is closed (it holds nothing) */
          slotUnlink(p, pRec);
          sqlite3_free(pRec);
          pRec = 0;
          p->nOverflow--;
        }else{
          idlePush(p, pRec);
        }
      }else if( o->ePoolClass==POOL_QUEUE ){
        p->nOverflow--;       /* out of memory: the slot just leaves */
      }
    }
    poolWake(p);
  }
  pthread_mutex_unlock(&p->mu);
  if( bDone ){
    remotePoolLog(p, 1, "Connection %d detached from pool", pc->id);
    poolEvent(p, "detach", pc, 0);
  }
}

int remotePoolDispose(RemotePool *p, int bClose){
  PoolConn *pList = 0;
  int nTotal = 0;
  pthread_mutex_lock(&p->mu);
  p->bDisposed = 1;
  p->nDispose++;
  p->nOverflow = -p->pEngine->opts.nPoolSize;   /* QueuePool.dispose */
  while( p->pIdleFirst ){
    PoolConn *pc = p->pIdleFirst;
    idleRemove(p, pc);
    pc->eState = PC_CHECKED_OUT;
    slotUnlink(p, pc);
    pc->pIdleNext = pList;
    pList = pc;
  }
  poolWake(p);
  pthread_mutex_unlock(&p->mu);
  while( pList ){
    PoolConn *pc = pList;
    pList = pc->pIdleNext;
    if( pc->pInherit ){
      /* inherited over fork(): dropped, never closed politely */
      inheritClose(p, pc, pc->pInherit);
      pc->pInherit = 0;
      nTotal++;
    }
    if( pc->pConn ){
      connClose(p, pc, bClose);
      nTotal++;
    }
    slotFreeMem(pc);
  }
  if( p->pEngine->opts.eEchoPool ){
    char *zStatus = remotePoolStatus(p);
    remotePoolLog(p, 0, "Pool disposed. %s", zStatus ? zStatus : "");
    sqlite3_free(zStatus);
  }
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
          o->nPoolSize, p->nIdle, overflowShown(p), checkedOut(p));
      break;
    case POOL_NULL:      z = sqlite3_mprintf("NullPool"); break;
    case POOL_STATIC:    z = sqlite3_mprintf("StaticPool"); break;
    case POOL_ASSERTION: z = sqlite3_mprintf("AssertionPool"); break;
    case POOL_SINGLETON:
      z = sqlite3_mprintf("SingletonThreadPool id:%lld size: %d",
                          (sqlite3_int64)(size_t)p, p->nAll-p->nDetached);
      break;
  }
  pthread_mutex_unlock(&p->mu);
  return z;
}

int remotePoolCanGrow(RemotePool *p){
  RemoteEngineOpts *o = &p->pEngine->opts;
  int b = 0;
  pthread_mutex_lock(&p->mu);
  switch( o->ePoolClass ){
    case POOL_QUEUE: {
      int nMax = maxOverflow(p);
      b = p->nIdle>0 || nMax<0 || p->nOverflow<nMax;
      break;
    }
    case POOL_NULL:
      b = 1;
      break;
    default:
      break;
  }
  pthread_mutex_unlock(&p->mu);
  return b;
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
  *pnOverflow = p->pEngine->opts.ePoolClass==POOL_QUEUE ? overflowShown(p) : 0;
  pthread_mutex_unlock(&p->mu);
}

static int rowCompare(const void *a, const void *b){
  const PoolConnRow *x = (const PoolConnRow*)a;
  const PoolConnRow *y = (const PoolConnRow*)b;
  if( x->id!=y->id ) return x->id<y->id ? -1 : 1;
  return strcmp(x->zState, y->zState);
}

int remotePoolSnapshot(RemotePool *p, PoolConnRow **paRow, int *pnRow){
  static const char *azState[] = {"idle", "checked_out", "detached"};
  PoolConnRow *a;
  PoolConn *pc;
  int n = 0;
  pthread_mutex_lock(&p->mu);
  a = sqlite3_malloc64(sizeof(*a)*(p->nAll ? p->nAll : 1));
  if( a ){
    for(pc=p->pAll; pc; pc=pc->pAllNext){
      PoolConnRow *r = &a[n++];
      r->id = pc->id;
      r->zState = azState[pc->eState];
      r->iBackendPid = pc->pConn ? pc->iBackendPid : 0;
      r->tCreated = pc->pConn ? pc->tCreated : 0.0;
      r->tLastCheckout = pc->tLastCheckout;
      r->nCheckout = pc->nCheckout;
      /* A status flag the driver keeps locally: no round trip. pConn
      ** cannot be freed meanwhile (it is only cleared under this lock). */
      r->bInTxn = pc->pConn && pc->pid==iMyPid
               && pc->pConn->pDialect->xInTransaction(pc->pConn);
    }
  }
  pthread_mutex_unlock(&p->mu);
  if( a ) qsort(a, n, sizeof(*a), rowCompare);
  *paRow = a;
  *pnRow = n;
  return a ? SQLITE_OK : SQLITE_NOMEM;
}

int remotePoolReconnect(PoolConn *pc, char **pzErr, int *peErr){
  RemotePool *p = pc->pPool;
  RemoteConn *pInherit;
  int rc;
  pthread_mutex_lock(&p->mu);
  while( pc->bBusy ) poolWait(p, -1.0);   /* StaticPool: a sharer connects */
  if( pc->pConn ){
    pthread_mutex_unlock(&p->mu);
    return SQLITE_OK;
  }
  pc->bBusy = 1;
  pInherit = pc->pInherit;
  pc->pInherit = 0;
  pthread_mutex_unlock(&p->mu);
  inheritClose(p, pc, pInherit);
  rc = connOpen(p, pc, pzErr, peErr);
  pthread_mutex_lock(&p->mu);
  pc->bBusy = 0;
  poolWake(p);
  pthread_mutex_unlock(&p->mu);
  return rc;
}

RemotePool *remotePoolNew(RemoteEngine *pEngine){
  RemotePool *p;
  pthread_once(&forkOnce, forkInit);
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return 0;
  memset(p, 0, sizeof(*p));
  pthread_mutex_init(&p->mu, 0);
  condInit(&p->cond);
  remoteEngineRef(pEngine);
  p->pEngine = pEngine;
  p->nRef = 1;
  p->nOverflow = -pEngine->opts.nPoolSize;
  p->pid = iMyPid;
  pthread_mutex_lock(&poolsMutex);
  p->pNextPool = pPoolList;
  if( pPoolList ) pPoolList->pPrevPool = p;
  pPoolList = p;
  pthread_mutex_unlock(&poolsMutex);
  return p;
}
