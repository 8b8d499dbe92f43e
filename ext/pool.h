/* SPDX-License-Identifier: MIT */
/*
** pool.h: connection pools with SQLAlchemy's semantics: QueuePool,
** NullPool, StaticPool, SingletonThreadPool, AssertionPool.
**
** remotePoolCheckout() hands out a PoolConn (a pool slot holding a live
** driver connection); remotePoolCheckin() gives it back. Invalidation,
** detach and dispose are here too, and every SQLAlchemy event is recorded
** through log.h.
*/
#ifndef REMOTE_POOL_H
#define REMOTE_POOL_H

#include <pthread.h>
#include <sys/types.h>
#include "engine.h"

typedef struct PoolConn PoolConn;

#define PC_IDLE         0
#define PC_CHECKED_OUT  1
#define PC_DETACHED     2

/*
** One slot of a pool: the SQLAlchemy _ConnectionRecord. The slot id stays
** when the driver connection inside it is replaced (recycle, pre-ping,
** invalidation). A PoolConn is in exactly one state; idle slots are also
** on the pool's idle list, and every slot is on the pool's list of all
** slots until it is closed for good.
**
** Ownership: an idle slot belongs to the pool (touched only under the
** pool's mutex); a checked-out or detached slot belongs to the one user
** that checked it out (a StaticPool slot and a SingletonThreadPool slot
** are shared by their nShare users). The owner does network work on it
** without the lock; pConn and the fields remote_connections shows are
** only changed under the lock, so that a snapshot from another thread
** never sees a connection being freed.
**
** StaticPool: its one connection is shared by every checkout of one user
** at a time. A user is what remotePoolCheckoutFor() names (the session:
** one SQLite connection), and its checkouts, nested or not, share the
** slot at once, as they always did. A checkout for another user waits
** (pool_timeout) until the holder's last checkout is returned and the
** reset on return is over, so no two threads ever talk over the
** connection at once; the one exception is a checkout made on the very
** thread that holds every current share (two SQLite connections used by
** one thread), which shares at once: that thread cannot be using the
** connection for the holder meanwhile, and waiting for itself would only
** time out. pOwner, iOwnerThread and bManyThreads record the holder.
*/
struct PoolConn {
  RemotePool *pPool;
  int id;                   /* slot id, shown in remote_connections */
  RemoteConn *pConn;        /* live driver connection, NULL = reconnect at checkout */
  RemoteConn *pInherit;     /* inherited over fork(): freed without a word */
  int eState;               /* PC_* */
  double tCreated;          /* when pConn was opened (unix time, shown) */
  double tStart;            /* monotonic time the connect began (recycle) */
  sqlite3_int64 iGen;       /* pool generation when pConn was opened */
  double tLastCheckout;
  sqlite3_int64 nCheckout;
  sqlite3_int64 iBackendPid;
  int bSoftInvalid;         /* replace pConn at its next checkout */
  int bBusy;                /* a user is (re)connecting it: others wait */
  pid_t pid;                /* process that opened pConn */
  unsigned long iThread;    /* SingletonThreadPool: owning thread */
  int nShare;               /* StaticPool/SingletonThreadPool: users holding it */
  void *pOwner;             /* StaticPool: the user holding it (nShare>0) */
  unsigned long iOwnerThread;  /* StaticPool: the thread that took it first */
  int bManyThreads;         /* StaticPool: shares taken on other threads too */
  int iEpoch;               /* pool's nDispose when the slot was made: one
                            ** made since the last dispose counts in the
                            ** pool's nOverflow until it is closed */
  char *zIsolation;         /* level set on pConn by execution options */
  void *pActiveResult;      /* RemoteResult streaming on pConn (result.c) */
  void *pSharedResults;     /* RemoteResults whose shared cursor (dialect.h:
                            ** REMOTE_QUERY_SHARED) lives on pConn */
  void *pOpenCopy;          /* RemoteBatch with a COPY open on pConn (batch.c) */
  PoolConn *pIdleNext, *pIdlePrev;   /* idle list */
  PoolConn *pAllNext, *pAllPrev;     /* all slots of the pool */
};

struct RemotePool {
  RemoteEngine *pEngine;    /* counted reference */
  pthread_mutex_t mu;
  pthread_cond_t cond;      /* signalled on checkin, invalidation, slot return */
  int nRef;                 /* engine's + one per slot not idle */
  int bDisposed;            /* replaced: returned slots are closed */
  int nDispose;             /* dispose count (PoolConn.iEpoch) */
  int nOverflow;            /* SQLAlchemy's _overflow, starts at -pool_size */
  PoolConn *pIdleFirst, *pIdleLast;
  int nIdle;
  PoolConn *pAll;
  int nAll;                 /* slots on pAll (detached ones included) */
  int nDetached;            /* detached slots on pAll */
  PoolConn *pOnly;          /* StaticPool, AssertionPool: the one slot */
  int iNextId;
  sqlite3_int64 iGen;       /* connections opened so far (generation counter) */
  sqlite3_int64 iInvalidGen;/* slots with iGen <= this are stale */
  int bFirstConnect;        /* first_connect has fired */
  pid_t pid;                /* process that made the pool */
  int nCheckedOutAssert;    /* AssertionPool */
  int nWaiting;             /* threads waiting on cond */
  RemotePool *pNextPool, *pPrevPool;  /* every live pool (fork handling) */
};

/* Open a connection in an empty slot that the caller holds (a handle or
** transaction whose connection was invalidated, or one inherited over
** fork()). SQLITE_OK at once when the slot has a connection. */
int remotePoolReconnect(PoolConn*, char **pzErr, int *peErr);

/* Make a pool for pEngine (takes a reference on it). */
RemotePool *remotePoolNew(RemoteEngine *pEngine);
void remotePoolRelease(RemotePool*);

/*
** Check a connection out. bNoWait: fail with SQLITE_BUSY at once instead of
** waiting when the pool is exhausted. Returns SQLITE_OK, SQLITE_BUSY (pool
** timeout, *pzErr set) or SQLITE_ERROR (connect failed, *pzErr set and
** *peErr the REMOTE_ERR_* class).
*/
int remotePoolCheckout(RemotePool*, int bNoWait, PoolConn **ppPc,
                       char **pzErr, int *peErr);

/* The same for user pUser (a session; NULL for the C tools that use the
** pool directly): a StaticPool serialises different users (see above). */
int remotePoolCheckoutFor(RemotePool*, void *pUser, int bNoWait,
                          PoolConn **ppPc, char **pzErr, int *peErr);

/* Return a checked-out slot: reset on return, then idle or closed. */
void remotePoolCheckin(PoolConn*);

/*
** Invalidate: hard closes pConn now (the slot reconnects at its next
** checkout); soft marks it for replacement at its next checkout.
** bPoolWide: also every connection of the pool opened before now
** (a disconnect). zReason goes into the event detail.
*/
void remotePoolInvalidate(PoolConn*, int bSoft, int bPoolWide,
                          const char *zReason);

/* Detach a checked-out slot: its connection leaves the pool and closes on
** checkin (reset, close_detached); an empty slot of the same id goes back
** to the pool in its place, as SQLAlchemy's detach returns the record. */
void remotePoolDetach(PoolConn*);

/* Close (bClose) or drop without a word (fork) all idle connections and mark
** the pool disposed. Returns how many. */
int remotePoolDispose(RemotePool*, int bClose);

/* remote_pool_status text: sqlite3_malloc'd */
char *remotePoolStatus(RemotePool*);

/* 1 if a checkout now would get a connection without waiting (an idle
** one, or room to open one): 0 for a QueuePool at its limit and for the
** one-connection pools (StaticPool, AssertionPool, SingletonThreadPool
** per thread) */
int remotePoolCanGrow(RemotePool*);

/* Counters for remote_engines */
void remotePoolCounts(RemotePool*, int *pnIn, int *pnOut, int *pnOverflow);

/* Rows for remote_connections */
typedef struct PoolConnRow PoolConnRow;
struct PoolConnRow {
  int id;
  const char *zState;
  sqlite3_int64 iBackendPid;
  double tCreated, tLastCheckout;
  sqlite3_int64 nCheckout;
  int bInTxn;
};
int remotePoolSnapshot(RemotePool*, PoolConnRow **paRow, int *pnRow);

/* Echo a pool log line (echo_pool) */
void remotePoolLog(RemotePool*, int bDebugOnly, const char *zFmt, ...);

#endif /* REMOTE_POOL_H */
