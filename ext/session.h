/* SPDX-License-Identifier: MIT */
/*
** session.h: per-SQLite-connection state.
**
** A RemoteSession belongs to one sqlite3* (the pAux of everything the
** extension registers there). Each CONN argument of the SQL functions
** resolves to a SessConn: the engine name (this SQLite connection's own
** connection to that engine) or a handle from remote_connect(). A SessConn
** holds a pooled connection while a transaction is open (or, for a handle,
** until remote_close), its savepoints and its execution options.
**
** Statements and cursors get a connection with remoteSessAcquire() and give
** it back with remoteSessRelease(); RemoteResult (result stream) is the
** cursor every reader uses, so that a second statement on the same
** connection first drains the stream that is open on it.
*/
#ifndef REMOTE_SESSION_H
#define REMOTE_SESSION_H

#include "pool.h"

typedef struct RemoteSession RemoteSession;
typedef struct SessConn SessConn;
typedef struct SessUse SessUse;
typedef struct RemoteResult RemoteResult;

#define TXN_OK        0
#define TXN_INACTIVE  1   /* rolled back or failed commit: needs rollback */
#define TXN_INVALID   2   /* disconnected inside: needs rollback */

/* One connection this session has checked out, shared by its users */
struct SessUse {
  PoolConn *pPc;
  int nRef;
  SessUse *pNext;
};

struct SessConn {
  RemoteSession *pSess;
  SessConn *pNext;
  char *zEngine;            /* engine name */
  sqlite3_int64 iHandle;    /* 0 = the engine-name CONN */
  PoolConn *pHeld;          /* connection held by a transaction or handle */
  RemotePool *pHeldPool;    /* pool pHeld came from (its engine's ref) */
  int nDepth;               /* remote_begin nesting depth */
  int bBegun;               /* a remote BEGIN was sent (not AUTOCOMMIT) */
  int bTxnIsolation;        /* the isolation level was set for this txn */
  int eTxn;                 /* TXN_* */
  int bVtabTxn;             /* the transaction was opened by the vtab */
  int nSave;
  char **azSave;            /* savepoint names, innermost last */
  int iSaveSeq;             /* sa_savepoint_N counter */
  /* execution options */
  char *zIsolation;         /* normalized level or NULL */
  int bStream;              /* stream_results */
  int nFetch;               /* fetch_size, 0 = engine's */
  int mQuery;               /* REMOTE_QUERY_* flags of the next query or
                            ** exec (set by a virtual table around its own
                            ** SQL: REMOTE_QUERY_UTC, and for a scan ONE or
                            ** SCAN) */
  char *zSchemaMap;         /* schema_translate_map JSON or NULL */
  int nMap;                 /* schema_translate_map entries */
  char **azMap;             /* 2*nMap: from ("" = no schema), to (NULL = none) */
  int bNoCompiledCache;     /* compiled_cache=0 */
  char *zToken;             /* logging_token */
  struct RemoteBatch *pBatch;  /* rows a statement queued here (batch.c) */
  RemoteResult *pSpareRes;  /* a closed result kept for the next query
                            ** (result.c; one allocation, freed with pSc) */
  char *zXid;               /* the open transaction is two-phase, under this
                            ** xid (remote_begin_twophase, or a vtab
                            ** transaction: twophase.c), else NULL */
  int bPrepared;            /* ... and prepared: only its end may follow */
  int iBranch;              /* a vtab transaction's place in the SQLite
                            ** transaction (twophase.c), 0 = none */
  int bStmtTxn;             /* the open remote transaction is a statement's
                            ** own under AUTOCOMMIT (remoteSessStmtBegin) */
  RemoteValue lastId;       /* remote_last_insert_id(): the key the remote
                            ** generated for the last row a virtual table
                            ** inserted here (SQLITE_NULL: none) */
  char *zLastId;            /* its text/blob bytes */
};

struct RemoteSession {
  sqlite3 *db;
  SessConn *pConns;
  SessConn *pClosed;        /* closed handles still named by open cursors */
  SessUse *pUses;
  SessUse *pSpareUse;       /* a freed SessUse kept for the next checkout */
  int nTxnDepth;            /* SQLite-level transaction joined by vtabs */
  struct RemoteTpc *pTpc;   /* commit coordinator state (twophase.c) */
  int bCommitting;          /* between SQLite's two commit phases: the
                            ** engine-name CONNs take no statements */
};

RemoteSession *remoteSessionNew(sqlite3 *db);
void remoteSessionFree(void *pSession);

/*
** Resolve a CONN argument: integer handle or engine name. The engine name
** CONN is created on first use; the engine must exist. On failure returns
** NULL with *pzErr set ("no such remote engine: NAME",
** "no such connection handle: N").
*/
SessConn *remoteSessConn(RemoteSession*, sqlite3_value *pConn, char **pzErr);
SessConn *remoteSessConnByName(RemoteSession*, const char *zEngine, char **pzErr);

/* Engine of a SessConn (counted reference) or NULL with *pzErr */
RemoteEngine *remoteSessEngine(SessConn*, char **pzErr);

/*
** Get a connection for a statement or cursor on pSc: the held one, or a
** pooled one (shared with this session's own open cursors when the pool has
** none free, never waiting on itself). Any stream open on the connection is
** drained first. Fails on an inactive or invalid transaction. Returns an
** SQLite result code with *pzErr set ("remote: ENGINE: ...").
*/
int remoteSessAcquire(SessConn*, PoolConn **ppPc, char **pzErr);
void remoteSessRelease(SessConn*, PoolConn*);

/* 1 when a stream opening on pc (acquired by pSc) will have to leave it
** free for other statements of this session: pc is held by the CONN (a
** transaction or handle), or shared already, or the pool has no other
** connection to give without waiting (result.c: shared cursors) */
int remoteSessMustShare(SessConn*, PoolConn*);

/*
** Handle a failed call on pc: builds *pzErr ("remote: ENGINE: ..."),
** invalidates on a disconnect (the pool too; a transaction becomes
** invalid), and returns SQLITE_CONSTRAINT or SQLITE_ERROR.
*/
int remoteSessError(SessConn*, PoolConn *pc, char **pzErr);

/* Echo a statement when the engine has echo on */
void remoteSessEcho(SessConn*, RemoteEngine*, const char *zSql,
                    int nParam, const RemoteValue *aParam);

/* Run one statement on pSc (autocommit unless a transaction is open). */
int remoteSessExec(SessConn*, const char *zSql, int nParam,
                   const RemoteValue *aParam, sqlite3_int64 *pnChange,
                   char **pzErr);

/* zSql run once for each of nSet parameter sets of nParam values (aParam,
** set after set), in as few round trips as the dialect allows
** (xExecBatch); *pnChange = the rows affected in all */
int remoteSessExecBatch(SessConn*, const char *zSql, int nParam, int nSet,
                        const RemoteValue *aParam, sqlite3_int64 *pnChange,
                        char **pzErr);

/* remoteSessExec() of an INSERT of nRow rows, then the key the remote
** generated for the last one, from the dialect (xLastInsertId): *pId, an
** integer, or NULL when it knows none */
int remoteSessExecLastId(SessConn*, const char *zSql, int nParam,
                         const RemoteValue *aParam, int nRow,
                         RemoteValue *pId, char **pzErr);

/* Transactions: each returns an SQLite result code with *pzErr set. */
int remoteSessBegin(SessConn*, const char *zIsolation, char **pzErr);
int remoteSessCommit(SessConn*, char **pzErr);
int remoteSessRollback(SessConn*, char **pzErr);
int remoteSessSavepoint(SessConn*, const char *zName, char **pzOut, char **pzErr);
int remoteSessRelease2(SessConn*, const char *zName, int bRollback,
                       char **pzOut, char **pzErr);

/*
** Two-phase transactions (twophase.c drives them). remoteSessBeginXid()
** begins one under zXid on pSc (no transaction open), with the dialect's
** REMOTE_TPC_BEGIN; commit and rollback then use the dialect's two-phase
** steps. remoteSessPrepare() prepares it: afterwards only its commit or
** rollback may follow (a failure names max_prepared_transactions when the
** server refuses prepared transactions). remoteSessForget() ends pSc's
** transaction without a word to the server (a prepared transaction that
** someone else will finish).
*/
int remoteSessBeginXid(SessConn*, const char *zXid, char **pzErr);
int remoteSessPrepare(SessConn*, char **pzErr);
void remoteSessForget(SessConn*);
/* Finish pSc's prepared transaction on its own connection (bCommit: commit
** it, else roll it back). SQLITE_OK, SQLITE_NOTFOUND (the server knows no
** such prepared transaction) or an error; pSc's transaction is over in
** every case (a connection that failed is closed, so that no XA branch
** stays bound to it). */
int remoteSessTpcEnd(SessConn*, int bCommit, char **pzErr);

/* Free the coordinator state of a session (twophase.c) */
void remoteTpcFree(RemoteSession*);

/*
** Under an AUTOCOMMIT level a transaction sends no BEGIN (bBegun 0) and
** every statement commits on its own. A virtual table's statement that
** writes several rows is made atomic by a remote transaction of its own:
** remoteSessStmtBegin() sends BEGIN on the held connection of pSc's open
** (AUTOCOMMIT) transaction, remoteSessStmtEnd() commits it (or rolls it
** back). Both do nothing when there is nothing to do.
*/
int remoteSessStmtBegin(SessConn*, char **pzErr);
int remoteSessStmtEnd(SessConn*, int bRollback, char **pzErr);

/* Keep v (copied) as pSc's last insert id; SQLITE_OK or SQLITE_NOMEM */
int remoteSessSetLastId(SessConn*, const RemoteValue *v);

/* Execution options: `key=value` texts. */
int remoteSessOptions(SessConn*, int nOpt, const char **azOpt, char **pzErr);

/* remote_connect / remote_close */
int remoteSessConnect(RemoteSession*, const char *zEngine,
                      sqlite3_int64 *piHandle, char **pzErr);
int remoteSessClose(RemoteSession*, sqlite3_int64 iHandle, char **pzErr);

/* remote_invalidate / remote_detach: 1 if a connection was held */
int remoteSessInvalidate(SessConn*, int bSoft);
int remoteSessDetach(SessConn*);

/* Rows per round trip for a stream on pSc */
int remoteSessFetchSize(SessConn*, RemoteEngine*);

/*
** schema_translate_map: the schema a statement on pSc should use for a
** table whose schema is zSchema (NULL or "" = no schema given). Returns
** the mapped name, zSchema itself when it is not in the map, or NULL for
** "no schema" (the connection's default: search_path / current database).
** The result is valid until the next remote_execution_options on pSc.
**
**   map {"": "tenant1", "shared": ""}:  NULL -> "tenant1",
**   "shared" -> NULL, "other" -> "other"
*/
const char *remoteSessMapSchema(SessConn*, const char *zSchema);

/* ------------------------------------------------------------------ */
/* Result streams (result.c)                                          */

/*
** Open a stream of SQL's rows on pSc. bRetry: a read that may be retried
** on a fresh connection after a disconnect (outside transactions only,
** engine's retry_on_disconnect). *ppRes is positioned before the first row.
*/
int remoteResultOpen(SessConn*, const char *zSql, int nParam,
                     const RemoteValue *aParam, int bRetry,
                     RemoteResult **ppRes, char **pzErr);

/* SQLITE_ROW, SQLITE_DONE or an error code with *pzErr set */
int remoteResultStep(RemoteResult*, char **pzErr);
int remoteResultColumnCount(RemoteResult*);
const char *remoteResultColumnName(RemoteResult*, int iCol);
const char *remoteResultColumnDeclType(RemoteResult*, int iCol);
void remoteResultColumn(RemoteResult*, int iCol, RemoteValue *pOut);

/* Read the rest of the stream into memory and free the connection for
** other statements. */
int remoteResultDrain(RemoteResult*);

/* Close and free; gives the connection back. NULL is a no-op. */
void remoteResultClose(RemoteResult*);

/* Before pc's connection is closed: finalize every shared cursor on it;
** their results end with an error at their next step. */
void remoteResultOrphanShared(PoolConn *pc);

/* ------------------------------------------------------------------ */
/* The write queue (batch.c): a per-CONN queue of a statement's rows   */

/*
** A statement shape: the SQL of one row's write (zOne, placeholders
** numbered) and of several rows at once: zPrefix, then zRow1 (NULL: zRow)
** for the first row and zRow for each next one, separated by zSep, then
** zSuffix; in zRow1 and zRow each '\001' is a placeholder. Every row binds
** nParam values, in the order their placeholders appear. zPrefix NULL: one
** row per statement. zCopy: the `table (cols)` a dialect's COPY may serve
** instead (a plain INSERT), or NULL. eLastId: what an INSERT tells of the
** key the remote generated for its last row, kept as the CONN's last
** insert id (BATCH_LAST_ID_*).
*/
#define BATCH_LAST_ID_KEEP      0  /* not an INSERT: the last id stays */
#define BATCH_LAST_ID_NONE      1  /* no key generated: NULL */
#define BATCH_LAST_ID_RETURNING 2  /* the statement returns the keys */
#define BATCH_LAST_ID_DRIVER    3  /* the dialect's xLastInsertId */
typedef struct RemoteBatchSql RemoteBatchSql;
struct RemoteBatchSql {
  const char *zOne;
  const char *zPrefix;
  const char *zRow1;
  const char *zRow;
  const char *zSep;
  const char *zSuffix;
  const char *zCopy;
  int nParam;
  int nMax;                 /* rows per statement (capped at 65535 values) */
  int bDollar;              /* $N placeholders (else ?) */
  int eLastId;
  int bMany;                /* zPrefix NULL: several rows still go at once,
                            ** as zOne run for each (remoteSessExecBatch) */
  /* Several rows as zEnc, a statement of nEnc parameters made from all the
  ** rows by xEncode (parameter iEnc: sqlite3_malloc'd text) */
  const char *zEnc;
  int nEnc;
  char *(*xEncode)(int iEnc, int nRow, int nCol, const RemoteValue *aVal);
  /* ... or, when the rows' integers in parameter iRange (the key) span at
  ** most BATCH_RANGE_SPAN times as many values as there are rows, as
  ** zEncRange: the same nEnc parameters, then the smallest and the largest
  ** of those integers (a server may then read the key's range in order
  ** instead of looking up each row). NULL: never. */
  const char *zEncRange;
  int iRange;
};
#define BATCH_RANGE_SPAN 2

/* Queue a row of shape pSql (aVal: its nParam values, copied) on pSc.
** pShape/iSerial name the caller's shape: the same pair is taken to be the
** same shape without comparing the texts (iSerial is never reused). Rows of another shape queued
** before are sent first. */
int remoteBatchAdd(SessConn *pSc, const void *pShape, unsigned iSerial,
                   const RemoteBatchSql *pSql, const RemoteValue *aVal,
                   char **pzErr);
/* Send the queued rows */
int remoteBatchFlush(SessConn *pSc, char **pzErr);
/* Flush the batch whose COPY is open on a connection (PoolConn.pOpenCopy)
** before that connection serves anything else */
int remoteBatchFlushCopy(void *pOpenCopy, char **pzErr);
void remoteBatchDiscardCopy(void *pOpenCopy);
/* 1 when pSc has rows queued or a COPY open that no flush is sending now:
** whoever uses pSc's engine flushes them first (remoteSessAcquire) */
int remoteBatchUnsent(SessConn *pSc);
/* Drop the queued rows; how many are queued (an open COPY counts one) */
void remoteBatchDiscard(SessConn *pSc);
int remoteBatchPending(SessConn *pSc);

#endif /* REMOTE_SESSION_H */
