/* SPDX-License-Identifier: MIT */
/*
** batch.c: batched INSERT for the `remote` module.
**
**   INSERT INTO remote_t SELECT * FROM local_t;   -- 1000 rows per round trip
**
** remoteBatchAdd() queues one row of an INSERT on a CONN; rows are sent as
** one multi-row INSERT (bound parameters, prepared once per batch shape)
** when batch_size rows are queued, and remoteBatchFlush() sends the rest.
** The module flushes at the end of the statement (xSync), before reading
** the engine and before any other write, so a remote error still fails the
** statement that caused it. Pending rows live in one value array and one
** byte arena per CONN: nothing is allocated per value. A plain INSERT on a
** dialect with a bulk path (xCopyBegin/Rows/End: PostgreSQL's COPY) uses
** that instead, and keeps one COPY open for the statement: each full batch
** goes into it, and the flush ends it. While it is open the batch holds its
** connection (PoolConn.pOpenCopy points at the batch), and whoever else
** needs that connection flushes the batch first (remoteBatchFlushCopy).
*/
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "session.h"

typedef struct RemoteBatch RemoteBatch;
struct RemoteBatch {
  SessConn *pSc;            /* the CONN the rows go to */
  char *zPrefix;            /* "INSERT INTO t (a, b) VALUES " */
  char *zSuffix;            /* conflict clause, may be "" */
  char *zCopy;              /* quoted `table (cols)` for a COPY, or NULL */
  PoolConn *pCopyPc;        /* connection with this batch's COPY open */
  int bSending;             /* rows are being sent: not to be flushed */
  int bDollar;              /* $1 placeholders (else ?) */
  int nCol;
  int nRow;                 /* rows queued */
  int nMax;                 /* rows per statement */
  RemoteValue *aVal;        /* nMax*nCol values; text/blob bytes at aByte+i */
  char *aByte;              /* arena of text/blob bytes */
  sqlite3_int64 nByte, nByteAlloc;
  char *zSql;               /* SQL of a full batch, built once */
};

/* A CONN's batch (one at most; the CONN is used by one thread at a time) */
static RemoteBatch *batchFind(SessConn *pSc){
  return pSc->pBatch;
}

static int batchCopyEnd(RemoteBatch *p, int bAbort, char **pzErr);

static void batchFree(RemoteBatch *p){
  if( p->pCopyPc ) batchCopyEnd(p, 1, 0);
  if( p->pSc->pBatch==p ) p->pSc->pBatch = 0;
  sqlite3_free(p->zPrefix);
  sqlite3_free(p->zSuffix);
  sqlite3_free(p->zCopy);
  sqlite3_free(p->aVal);
  sqlite3_free(p->aByte);
  sqlite3_free(p->zSql);
  sqlite3_free(p);
}

/* SQL for nRow rows: prefix (params),(params)... suffix */
static char *batchSql(RemoteBatch *p, int nRow){
  sqlite3_str *pStr = sqlite3_str_new(0);
  int r, c, n = 0;
  sqlite3_str_appendall(pStr, p->zPrefix);
  for(r=0; r<nRow; r++){
    sqlite3_str_appendall(pStr, r ? ",(" : "(");
    for(c=0; c<p->nCol; c++){
      if( c ) sqlite3_str_appendchar(pStr, 1, ',');
      if( p->bDollar ) sqlite3_str_appendf(pStr, "$%d", ++n);
      else sqlite3_str_appendchar(pStr, 1, '?');
    }
    sqlite3_str_appendchar(pStr, 1, ')');
  }
  sqlite3_str_appendall(pStr, p->zSuffix);
  return sqlite3_str_finish(pStr);
}

/* Does pSc's engine's dialect have a bulk path? */
static int copySupported(SessConn *pSc){
  char *zErr = 0;
  RemoteEngine *pE = remoteSessEngine(pSc, &zErr);
  int b = pE && pE->pDialect->xCopyBegin!=0;
  sqlite3_free(zErr);
  remoteEngineRelease(pE);
  return b;
}

/* Point the queued text and blob values into the arena, which no longer
** moves until the rows are sent */
static void batchPointValues(RemoteBatch *p){
  int i;
  for(i=0; i<p->nRow*p->nCol; i++){
    RemoteValue *v = &p->aVal[i];
    if( v->eType==SQLITE_TEXT || v->eType==SQLITE_BLOB ) v->z = p->aByte + v->i;
  }
}

/*
** End the batch's open COPY and release its connection. bAbort: after a
** failure, the rows sent are thrown away. The error (a row's, or the
** abort's) goes to *pzErr when pzErr is not NULL.
*/
static int batchCopyEnd(RemoteBatch *p, int bAbort, char **pzErr){
  PoolConn *pc = p->pCopyPc;
  sqlite3_int64 nChange = 0;
  char *zErr = 0;
  int rc = SQLITE_OK;
  if( pc==0 ) return SQLITE_OK;
  p->pCopyPc = 0;
  pc->pOpenCopy = 0;
  if( pc->pConn==0
   || pc->pConn->pDialect->xCopyEnd(pc->pConn, bAbort, &nChange)!=SQLITE_OK
   || bAbort ){
    rc = remoteSessError(p->pSc, pc, &zErr);
  }
  remoteSessRelease(p->pSc, pc);
  if( pzErr ){
    sqlite3_free(*pzErr);
    *pzErr = zErr;
  }else{
    sqlite3_free(zErr);
  }
  return rc;
}

/*
** Send the queued rows into the batch's COPY, beginning one (and holding
** a connection for it) when none is open. On failure the COPY is ended.
*/
static int batchCopySend(RemoteBatch *p, char **pzErr){
  SessConn *pSc = p->pSc;
  RemoteConn *pConn;
  char *zEcho;
  int rc;
  batchPointValues(p);
  if( p->pCopyPc==0 ){
    PoolConn *pc = 0;
    rc = remoteSessAcquire(pSc, &pc, pzErr);
    if( rc ) return rc;
    pConn = pc->pConn;
    if( pConn->pDialect->xCopyBegin(pConn, p->zCopy)!=SQLITE_OK ){
      rc = remoteSessError(pSc, pc, pzErr);
      remoteSessRelease(pSc, pc);
      return rc;
    }
    p->pCopyPc = pc;
    pc->pOpenCopy = p;
  }
  pConn = p->pCopyPc->pConn;
  zEcho = sqlite3_mprintf("COPY %s FROM STDIN (%d rows)", p->zCopy, p->nRow);
  /* Shown with the first row's values, as a sample of the rows sent */
  remoteSessEcho(pSc, p->pCopyPc->pPool->pEngine, zEcho ? zEcho : p->zCopy,
                 p->nCol, p->aVal);
  sqlite3_free(zEcho);
  rc = SQLITE_OK;
  if( pConn->pDialect->xCopyRows(pConn, p->nCol, p->nRow, p->aVal)!=SQLITE_OK ){
    rc = batchCopyEnd(p, 1, pzErr);
    if( rc==SQLITE_OK ) rc = SQLITE_ERROR;
  }
  p->nRow = 0;
  p->nByte = 0;
  return rc;
}

int remoteBatchFlushCopy(void *pOpenCopy, char **pzErr){
  return remoteBatchFlush(((RemoteBatch*)pOpenCopy)->pSc, pzErr);
}

void remoteBatchDiscardCopy(void *pOpenCopy){
  batchFree((RemoteBatch*)pOpenCopy);
}

int remoteBatchFlush(SessConn *pSc, char **pzErr){
  RemoteBatch *p = batchFind(pSc);
  sqlite3_int64 nChange = 0;
  char *zSql;
  int rc;
  if( p==0 || p->bSending ) return SQLITE_OK;
  if( p->nRow==0 && p->pCopyPc==0 ){
    batchFree(p);
    return SQLITE_OK;
  }
  p->bSending = 1;
  if( p->zCopy && (p->pCopyPc || copySupported(pSc)) ){
    /* The dialect's bulk path (PostgreSQL COPY): the rest, and its end */
    rc = p->nRow>0 ? batchCopySend(p, pzErr) : SQLITE_OK;
    if( rc==SQLITE_OK ) rc = batchCopyEnd(p, 0, pzErr);
  }else{
    batchPointValues(p);
    if( p->nRow==p->nMax ){
      if( p->zSql==0 ) p->zSql = batchSql(p, p->nRow);
      zSql = p->zSql;
    }else{
      zSql = batchSql(p, p->nRow);
    }
    if( zSql==0 ){
      rc = SQLITE_NOMEM;
    }else{
      /* a virtual table's rows: times in UTC (dialect.h) */
      int mSave = pSc->mQuery;
      pSc->mQuery = REMOTE_QUERY_UTC;
      rc = remoteSessExec(pSc, zSql, p->nRow*p->nCol, p->aVal, &nChange, pzErr);
      pSc->mQuery = mSave;
    }
    if( zSql!=p->zSql ) sqlite3_free(zSql);
  }
  p->nRow = 0;
  p->nByte = 0;
  p->bSending = 0;
  if( rc ) batchFree(p);
  return rc;
}

int remoteBatchUnsent(SessConn *pSc){
  RemoteBatch *p = batchFind(pSc);
  return p && !p->bSending && (p->nRow>0 || p->pCopyPc);
}

void remoteBatchDiscard(SessConn *pSc){
  RemoteBatch *p = batchFind(pSc);
  if( p ) batchFree(p);
}

/* Rows queued, counting an open COPY as one (it must be ended) */
int remoteBatchPending(SessConn *pSc){
  RemoteBatch *p = batchFind(pSc);
  return p ? p->nRow + (p->pCopyPc!=0) : 0;
}

/* The `table (cols)` of a plain "INSERT INTO table (cols) VALUES " with no
** conflict clause, which a dialect's COPY may serve: sqlite3_malloc'd, or
** NULL when the INSERT is anything else */
static char *copyTarget(const char *zPrefix, const char *zSuffix){
  int n = (int)strlen(zPrefix);
  while( n>0 && zPrefix[n-1]==' ' ) n--;
  if( zSuffix[0]!=0 || strncmp(zPrefix, "INSERT INTO ", 12)!=0
   || n<19 || sqlite3_strnicmp(&zPrefix[n-7], " VALUES", 7)!=0 ){
    return 0;
  }
  return sqlite3_mprintf("%.*s", n-7-12, &zPrefix[12]);
}

int remoteBatchAdd(SessConn *pSc, const char *zPrefix, const char *zSuffix,
                   int bDollar, int nBatch, int nCol, const RemoteValue *aVal,
                   char **pzErr){
  RemoteBatch *p = batchFind(pSc);
  RemoteValue *aRow;
  int i, rc;

  if( p && (p->nCol!=nCol || strcmp(p->zPrefix, zPrefix)!=0
            || strcmp(p->zSuffix, zSuffix)!=0) ){
    /* A different INSERT: send what is queued first */
    rc = remoteBatchFlush(pSc, pzErr);
    if( rc ) return rc;
    p = batchFind(pSc);
    if( p ) batchFree(p);
    p = 0;
  }
  if( p==0 ){
    /* At most 65535 bound parameters per statement (both servers' limit) */
    int nMax = nBatch>0 ? nBatch : 1;
    if( (sqlite3_int64)nMax*nCol>65535 ) nMax = 65535/nCol;
    if( nMax<1 ) nMax = 1;
    p = sqlite3_malloc(sizeof(*p));
    if( p==0 ) return SQLITE_NOMEM;
    memset(p, 0, sizeof(*p));
    p->pSc = pSc;
    p->zPrefix = sqlite3_mprintf("%s", zPrefix);
    p->zSuffix = sqlite3_mprintf("%s", zSuffix);
    p->zCopy = copyTarget(zPrefix, zSuffix);
    p->bDollar = bDollar;
    p->nCol = nCol;
    p->nMax = nMax;
    p->aVal = sqlite3_malloc64(sizeof(RemoteValue)*nMax*nCol);
    if( p->zPrefix==0 || p->zSuffix==0 || p->aVal==0 ){
      batchFree(p);
      return SQLITE_NOMEM;
    }
    pSc->pBatch = p;
  }
  aRow = &p->aVal[p->nRow*nCol];
  for(i=0; i<nCol; i++){
    aRow[i] = aVal[i];
    if( aVal[i].eType==SQLITE_TEXT || aVal[i].eType==SQLITE_BLOB ){
      /* Copy the bytes into the arena; remember the offset in .i */
      if( p->nByte+aVal[i].n+1>p->nByteAlloc ){
        sqlite3_int64 nNew = p->nByteAlloc ? p->nByteAlloc*2 : 65536;
        char *aNew;
        while( nNew<p->nByte+aVal[i].n+1 ) nNew *= 2;
        aNew = sqlite3_realloc64(p->aByte, nNew);
        if( aNew==0 ) return SQLITE_NOMEM;
        p->aByte = aNew;
        p->nByteAlloc = nNew;
      }
      if( aVal[i].n ) memcpy(p->aByte+p->nByte, aVal[i].z, aVal[i].n);
      p->aByte[p->nByte+aVal[i].n] = 0;
      aRow[i].i = p->nByte;
      aRow[i].z = 0;
      p->nByte += aVal[i].n+1;
    }
  }
  p->nRow++;
  if( p->nRow>=p->nMax ){
    if( p->zCopy && (p->pCopyPc || copySupported(pSc)) ){
      /* into the statement's COPY, which stays open */
      p->bSending = 1;
      rc = batchCopySend(p, pzErr);
      p->bSending = 0;
      if( rc ) batchFree(p);
      return rc;
    }
    return remoteBatchFlush(pSc, pzErr);
  }
  return SQLITE_OK;
}
