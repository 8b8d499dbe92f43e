/* SPDX-License-Identifier: MIT */
/*
** batch.c: the per-CONN queue of the rows a statement writes through the
** `remote` module.
**
**   INSERT INTO remote_t SELECT * FROM local_t;   -- 1000 rows per round trip
**   UPDATE remote_t SET v = v + 1;                 -- 1000 rows per UPDATE
**   DELETE FROM remote_t WHERE id % 2 = 0;         -- 1000 keys per DELETE
**
** remoteBatchAdd() queues one row of a statement shape (RemoteBatchSql:
** the text of a statement for one row and the pieces of the same statement
** for several rows) on a CONN; the rows go as one statement of several rows
** (bound parameters, prepared once per batch shape) when nMax rows are
** queued, and remoteBatchFlush() sends the rest. A row of another shape
** sends the queued ones first, so rows reach the server in the order they
** were written. The module flushes at the end of the statement (xSync, or
** the release of SQLite's statement savepoint), before reading the engine
** and before any other write, so a remote error still fails the statement
** that caused it. Pending rows live in one value array and one byte arena
** per CONN: nothing is allocated per value. A plain INSERT on a dialect
** with a bulk path (xCopyBegin/Rows/End: PostgreSQL's COPY) uses that
** instead, and keeps one COPY open for the statement: each full batch goes
** into it, and the flush ends it. While it is open the batch holds its
** connection (PoolConn.pOpenCopy points at the batch), and whoever else
** needs that connection flushes the batch first (remoteBatchFlushCopy).
**
** An INSERT keeps what it tells of the key the remote generated for its
** last row as the CONN's last insert id (RemoteBatchSql.eLastId).
*/
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "session.h"

/* The marker of a parameter in RemoteBatchSql.zRow / zRow1 */
#define BATCH_PARAM '\001'

typedef struct RemoteBatch RemoteBatch;
struct RemoteBatch {
  SessConn *pSc;            /* the CONN the rows go to */
  const void *pShape;       /* the caller's shape these texts are of ... */
  unsigned iSerial;         /* ... and its serial then */
  char *zOne;               /* the shape's texts (RemoteBatchSql), copies */
  char *zPrefix;
  char *zRow1;
  char *zRow;
  char *zSep;
  char *zSuffix;
  char *zCopy;              /* `table (cols)` for a COPY, or NULL */
  PoolConn *pCopyPc;        /* connection with this batch's COPY open */
  int bSending;             /* rows are being sent: not to be flushed */
  int bDollar;              /* $1 placeholders (else ?) */
  int eLastId;              /* BATCH_LAST_ID_* */
  int nCol;                 /* parameters per row */
  int nRow;                 /* rows queued */
  int nMax;                 /* rows per statement */
  RemoteValue *aVal;        /* nMax*nCol values; text/blob bytes at aByte+i */
  char *aByte;              /* arena of text/blob bytes */
  sqlite3_int64 nByte, nByteAlloc;
  char *zSql;               /* SQL of a full batch, built once */
  int bMany;                /* no multi-row text: zOne for each row */
  char *zEnc;               /* RemoteBatchSql.zEnc, nEnc, xEncode */
  int nEnc;
  char *(*xEncode)(int, int, int, const RemoteValue*);
  char *zEncRange;          /* RemoteBatchSql.zEncRange, iRange */
  int iRange;
};

/* A CONN's batch (one at most; the CONN is used by one thread at a time) */
static RemoteBatch *batchFind(SessConn *pSc){
  return pSc->pBatch;
}

static int batchCopyEnd(RemoteBatch *p, int bAbort, char **pzErr);

static void batchFree(RemoteBatch *p){
  if( p->pCopyPc ) batchCopyEnd(p, 1, 0);
  if( p->pSc->pBatch==p ) p->pSc->pBatch = 0;
  sqlite3_free(p->zOne);
  sqlite3_free(p->zPrefix);
  sqlite3_free(p->zRow1);
  sqlite3_free(p->zRow);
  sqlite3_free(p->zSep);
  sqlite3_free(p->zSuffix);
  sqlite3_free(p->zCopy);
  sqlite3_free(p->zEnc);
  sqlite3_free(p->zEncRange);
  sqlite3_free(p->aVal);
  sqlite3_free(p->aByte);
  sqlite3_free(p->zSql);
  sqlite3_free(p);
}

/* Append row template zRow, each BATCH_PARAM a placeholder numbered from
** *pn on */
static void batchRow(sqlite3_str *pStr, const char *zRow, int bDollar, int *pn){
  const char *z = zRow;
  for(;;){
    const char *zEnd = strchr(z, BATCH_PARAM);
    if( zEnd==0 ){
      sqlite3_str_appendall(pStr, z);
      break;
    }
    sqlite3_str_append(pStr, z, (int)(zEnd-z));
    if( bDollar ) sqlite3_str_appendf(pStr, "$%d", ++*pn);
    else sqlite3_str_appendchar(pStr, 1, '?');
    z = zEnd+1;
  }
}

/* SQL for nRow rows: the one-row statement, or prefix rows suffix */
static char *batchSql(RemoteBatch *p, int nRow){
  sqlite3_str *pStr;
  int r, n = 0;
  if( nRow==1 ) return sqlite3_mprintf("%s", p->zOne);
  pStr = sqlite3_str_new(0);
  sqlite3_str_appendall(pStr, p->zPrefix);
  for(r=0; r<nRow; r++){
    if( r ) sqlite3_str_appendall(pStr, p->zSep);
    batchRow(pStr, (r==0 && p->zRow1) ? p->zRow1 : p->zRow, p->bDollar, &n);
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

/*
** Run zSql with the queued rows' parameters, and keep what it tells of
** the key generated for the last row as the CONN's last insert id.
*/
static int batchRun(RemoteBatch *p, const char *zSql, char **pzErr){
  SessConn *pSc = p->pSc;
  int nParam = p->nRow*p->nCol;
  sqlite3_int64 nChange = 0;
  RemoteValue v;
  int rc;
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_NULL;
  switch( p->eLastId ){
    case BATCH_LAST_ID_RETURNING: {
      RemoteResult *pRes = 0;
      rc = remoteResultOpen(pSc, zSql, nParam, p->aVal, 0, &pRes, pzErr);
      while( rc==SQLITE_OK ){
        rc = remoteResultStep(pRes, pzErr);
        if( rc==SQLITE_ROW ){
          remoteResultColumn(pRes, 0, &v);
          rc = remoteSessSetLastId(pSc, &v);
        }
      }
      remoteResultClose(pRes);
      if( rc==SQLITE_DONE ) rc = SQLITE_OK;
      break;
    }
    case BATCH_LAST_ID_DRIVER:
      rc = remoteSessExecLastId(pSc, zSql, nParam, p->aVal, p->nRow, &v, pzErr);
      if( rc==SQLITE_OK ) rc = remoteSessSetLastId(pSc, &v);
      break;
    default:
      rc = remoteSessExec(pSc, zSql, nParam, p->aVal, &nChange, pzErr);
      if( rc==SQLITE_OK && p->eLastId==BATCH_LAST_ID_NONE ){
        rc = remoteSessSetLastId(pSc, &v);
      }
      break;
  }
  return rc;
}

/* 1 if the queued rows' integers in parameter iRange span at most
** BATCH_RANGE_SPAN times as many values as there are rows: *piMin and
** *piMax are the smallest and the largest */
static int batchDense(RemoteBatch *p, sqlite3_int64 *piMin, sqlite3_int64 *piMax){
  sqlite3_int64 iMin = 0, iMax = 0;
  int r;
  if( p->zEncRange==0 || p->iRange<0 || p->iRange>=p->nCol ) return 0;
  for(r=0; r<p->nRow; r++){
    const RemoteValue *v = &p->aVal[(sqlite3_int64)r*p->nCol + p->iRange];
    if( v->eType!=SQLITE_INTEGER ) return 0;
    if( r==0 || v->i<iMin ) iMin = v->i;
    if( r==0 || v->i>iMax ) iMax = v->i;
  }
  /* (unsigned: the span of two 64-bit integers does not overflow) */
  if( (sqlite3_uint64)iMax - (sqlite3_uint64)iMin
      >= (sqlite3_uint64)p->nRow*BATCH_RANGE_SPAN ) return 0;
  *piMin = iMin;
  *piMax = iMax;
  return 1;
}

/* Run zEnc (or zEncRange) with the parameters xEncode makes of the queued
** rows */
static int batchEncoded(RemoteBatch *p, char **pzErr){
  RemoteValue aStatic[8];
  sqlite3_int64 iMin, iMax;
  int bRange = batchDense(p, &iMin, &iMax);
  int nEnc = p->nEnc + (bRange ? 2 : 0);
  RemoteValue *aEnc = nEnc<=8 ? aStatic : sqlite3_malloc64(sizeof(RemoteValue)*nEnc);
  sqlite3_int64 nChange = 0;
  int i, rc = SQLITE_OK;
  if( aEnc==0 ) return SQLITE_NOMEM;
  memset(aEnc, 0, sizeof(RemoteValue)*nEnc);
  if( bRange ){
    aEnc[p->nEnc].eType = aEnc[p->nEnc+1].eType = SQLITE_INTEGER;
    aEnc[p->nEnc].i = iMin;
    aEnc[p->nEnc+1].i = iMax;
  }
  for(i=0; rc==SQLITE_OK && i<p->nEnc; i++){
    char *z = p->xEncode(i, p->nRow, p->nCol, p->aVal);
    if( z==0 ){
      rc = SQLITE_NOMEM;
    }else{
      aEnc[i].eType = SQLITE_TEXT;
      aEnc[i].z = z;
      aEnc[i].n = (int)strlen(z);
    }
  }
  if( rc==SQLITE_OK ){
    rc = remoteSessExec(p->pSc, bRange ? p->zEncRange : p->zEnc, nEnc, aEnc,
                        &nChange, pzErr);
  }
  for(i=0; i<p->nEnc; i++) sqlite3_free((char*)aEnc[i].z);
  if( aEnc!=aStatic ) sqlite3_free(aEnc);
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
  char *zSql;
  int rc, mSave;
  if( p==0 || p->bSending ) return SQLITE_OK;
  if( p->nRow==0 && p->pCopyPc==0 ){
    batchFree(p);
    return SQLITE_OK;
  }
  p->bSending = 1;
  /* a virtual table's rows: times in UTC (dialect.h) */
  mSave = pSc->mQuery;
  pSc->mQuery = REMOTE_QUERY_UTC;
  if( p->zCopy && (p->pCopyPc || (p->nRow>1 && copySupported(pSc))) ){
    /* The dialect's bulk path (PostgreSQL COPY): the rest, and its end
    ** (one row alone goes as its INSERT) */
    rc = p->nRow>0 ? batchCopySend(p, pzErr) : SQLITE_OK;
    if( rc==SQLITE_OK ) rc = batchCopyEnd(p, 0, pzErr);
  }else if( p->nRow>1 && p->zEnc ){
    /* every row in a few parameters (arrays, say) */
    batchPointValues(p);
    rc = batchEncoded(p, pzErr);
  }else if( p->nRow>1 && p->zPrefix==0 ){
    /* the one-row statement for each row, in as few round trips as the
    ** dialect allows */
    sqlite3_int64 nChange = 0;
    batchPointValues(p);
    rc = remoteSessExecBatch(pSc, p->zOne, p->nCol, p->nRow, p->aVal, &nChange,
                             pzErr);
  }else{
    batchPointValues(p);
    if( p->nRow==p->nMax && p->nRow>1 ){
      if( p->zSql==0 ) p->zSql = batchSql(p, p->nRow);
      zSql = p->zSql;
    }else{
      zSql = batchSql(p, p->nRow);
    }
    rc = zSql ? batchRun(p, zSql, pzErr) : SQLITE_NOMEM;
    if( zSql!=p->zSql ) sqlite3_free(zSql);
  }
  pSc->mQuery = mSave;
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

/* 1 if z1 and z2 (either possibly NULL) are the same text */
static int sameText(const char *z1, const char *z2){
  if( z1==0 || z2==0 ) return z1==z2;
  return strcmp(z1, z2)==0;
}

/* Is p's shape the one pSql describes? */
static int batchSameShape(RemoteBatch *p, const void *pShape, unsigned iSerial,
                          const RemoteBatchSql *pSql){
  if( p->pShape==pShape && p->iSerial==iSerial ) return 1;
  return p->nCol==pSql->nParam && p->eLastId==pSql->eLastId
      && p->bMany==pSql->bMany
      && sameText(p->zOne, pSql->zOne) && sameText(p->zPrefix, pSql->zPrefix)
      && sameText(p->zRow1, pSql->zRow1) && sameText(p->zRow, pSql->zRow)
      && sameText(p->zSep, pSql->zSep) && sameText(p->zSuffix, pSql->zSuffix)
      && sameText(p->zCopy, pSql->zCopy) && sameText(p->zEnc, pSql->zEnc)
      && sameText(p->zEncRange, pSql->zEncRange) && p->iRange==pSql->iRange;
}

/* A copy of z (NULL stays NULL); *pbNoMem on failure */
static char *batchDup(const char *z, int *pbNoMem){
  char *zCopy;
  if( z==0 ) return 0;
  zCopy = sqlite3_mprintf("%s", z);
  if( zCopy==0 ) *pbNoMem = 1;
  return zCopy;
}

/* A new batch for shape pSql on pSc */
static int batchNew(SessConn *pSc, const void *pShape, unsigned iSerial,
                    const RemoteBatchSql *pSql, RemoteBatch **pp){
  RemoteBatch *p;
  int bNoMem = 0;
  /* At most 65535 bound parameters per statement (both servers' limit) */
  int nMax = pSql->nMax>0 ? pSql->nMax : 1;
  int nCol = pSql->nParam>0 ? pSql->nParam : 1;
  if( pSql->zPrefix==0 && !pSql->bMany && pSql->zEnc==0 ) nMax = 1;
  if( (sqlite3_int64)nMax*nCol>65535 ) nMax = 65535/nCol;
  if( nMax<1 ) nMax = 1;
  *pp = 0;
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->pSc = pSc;
  p->pShape = pShape;
  p->iSerial = iSerial;
  p->zOne = batchDup(pSql->zOne, &bNoMem);
  p->zPrefix = batchDup(pSql->zPrefix, &bNoMem);
  p->zRow1 = batchDup(pSql->zRow1, &bNoMem);
  p->zRow = batchDup(pSql->zRow, &bNoMem);
  p->zSep = batchDup(pSql->zSep, &bNoMem);
  p->zSuffix = batchDup(pSql->zSuffix, &bNoMem);
  p->zCopy = batchDup(pSql->zCopy, &bNoMem);
  p->zEnc = batchDup(pSql->zEnc, &bNoMem);
  p->nEnc = pSql->nEnc;
  p->xEncode = pSql->xEncode;
  p->zEncRange = batchDup(pSql->zEncRange, &bNoMem);
  p->iRange = pSql->iRange;
  p->bDollar = pSql->bDollar;
  p->eLastId = pSql->eLastId;
  p->bMany = pSql->bMany;
  p->nCol = pSql->nParam;
  p->nMax = nMax;
  p->aVal = sqlite3_malloc64(sizeof(RemoteValue)*nMax*nCol);
  if( bNoMem || p->zOne==0 || p->aVal==0 ){
    batchFree(p);
    return SQLITE_NOMEM;
  }
  *pp = p;
  return SQLITE_OK;
}

int remoteBatchAdd(SessConn *pSc, const void *pShape, unsigned iSerial,
                   const RemoteBatchSql *pSql, const RemoteValue *aVal,
                   char **pzErr){
  RemoteBatch *p = batchFind(pSc);
  RemoteValue *aRow;
  int i, rc, nCol = pSql->nParam;

  if( p && !batchSameShape(p, pShape, iSerial, pSql) ){
    /* Another statement shape: send what is queued first */
    rc = remoteBatchFlush(pSc, pzErr);
    if( rc ) return rc;
    p = batchFind(pSc);
    if( p ) batchFree(p);
    p = 0;
  }
  if( p==0 ){
    rc = batchNew(pSc, pShape, iSerial, pSql, &p);
    if( rc ) return rc;
    pSc->pBatch = p;
  }else{
    p->pShape = pShape;
    p->iSerial = iSerial;
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
