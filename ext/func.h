/*
** func.h: registration of the remote_* SQL functions, and the value
** conversions every SQL-facing file shares.
*/
#ifndef REMOTE_FUNC_H
#define REMOTE_FUNC_H

#include "session.h"

#define REMOTE_VERSION "0.1.0"

/* Register the scalar functions in db with pSess as user data */
int remoteFuncRegister(sqlite3 *db, RemoteSession *pSess);

/* SQLite value -> RemoteValue (pointers into pIn) */
void remoteValueFromSqlite(sqlite3_value *pIn, RemoteValue *pOut);

/* RemoteValue -> function result (copied) */
void remoteResultValue(sqlite3_context *ctx, const RemoteValue *v);

/* Values of a JSON array text, parsed by SQLite's json_each on db:
** *paVal sqlite3_malloc'd (one block). */
int remoteJsonArray(sqlite3 *db, const char *zJson, RemoteValue **paVal,
                    int *pnVal, char **pzErr);

/* Forget cached remote table definitions of engine zName (NULL = all);
** returns how many were dropped (vtab.c) */
int remoteClearCache(const char *zName);

/* Client library versions, and remote_debug()'s text (version.c) */
const char *remotePgLibVersion(void);
const char *remoteMysqlLibVersion(void);
char *remoteDebugText(void);

/* The db -> session map behind remote_native_handle() (capi.c) */
int remoteCapiRemember(sqlite3 *db, RemoteSession *pSess);
void remoteCapiForget(RemoteSession *pSess);

/* Batched INSERT (batch.c): queue a row of the INSERT zPrefix ... zSuffix
** on pSc (nBatch rows per statement; bDollar: $N placeholders; a plain
** "INSERT INTO t (cols) VALUES " goes through the dialect's COPY when it
** has one); flush the queued rows; drop them; how many are queued. */
int remoteBatchAdd(SessConn *pSc, const char *zPrefix, const char *zSuffix,
                   int bDollar, int nBatch, int nCol, const RemoteValue *aVal,
                   char **pzErr);
int remoteBatchFlush(SessConn *pSc, char **pzErr);
/* Flush the batch whose COPY is open on a connection (PoolConn.pOpenCopy)
** before that connection serves anything else */
int remoteBatchFlushCopy(void *pOpenCopy, char **pzErr);
void remoteBatchDiscardCopy(void *pOpenCopy);
/* 1 when pSc has rows queued or a COPY open that no flush is sending now:
** whoever uses pSc's engine flushes them first (remoteSessAcquire) */
int remoteBatchUnsent(SessConn *pSc);
void remoteBatchDiscard(SessConn *pSc);
int remoteBatchPending(SessConn *pSc);

/* Module registrations */
int remoteQueryRegister(sqlite3 *db, RemoteSession *pSess);
int remoteIntrospectRegister(sqlite3 *db, RemoteSession *pSess);
int remoteVtabRegister(sqlite3 *db, RemoteSession *pSess);

#endif /* REMOTE_FUNC_H */
