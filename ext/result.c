/* SPDX-License-Identifier: MIT */
/*
** result.c: result streams over a pooled connection.
**
** A RemoteResult wraps a dialect cursor. While it streams, its connection's
** pActiveResult points at it; when another statement needs that connection,
** remoteResultDrain() reads the rest of the rows into memory first (a
** connection carries one result stream at a time: libpq and the MySQL
** client cannot interleave two), and the result goes on from its
** buffer. remoteResultOpen() retries a read that failed on a dropped
** connection (retry_on_disconnect) when nothing has been returned yet and no
** transaction is open.
**
** Memory stays bounded when a scan must share its connection: a stream
** that stays open while other statements run (REMOTE_QUERY_STREAM: vtab
** scans, remote_query) and whose connection other statements of this
** session will need (a transaction or handle holds it, or the pool has no
** other one for them) asks the dialect for a shared cursor
** (REMOTE_QUERY_SHARED). One leaves the connection free between its
** steps: instead of pActiveResult it is on the connection's
** pSharedResults list, and before each of its steps (and its close) any
** other stream on the connection is drained and an open COPY ended.
*/
#include <errno.h>
#include <string.h>
#include <time.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "log.h"
#include "func.h"

/* A buffered row: nCol values whose text/blob bytes follow in one block */
typedef struct BufRow BufRow;
struct BufRow {
  BufRow *pNext;
  RemoteValue aVal[1];      /* nCol values, then the bytes */
};

struct RemoteResult {
  SessConn *pSc;
  PoolConn *pPc;            /* the connection used (released at close) */
  RemoteCursor *pCur;       /* live dialect cursor; NULL once drained or done */
  const RemoteDialect *pD;
  int nCol;
  char **azName;            /* column names */
  char **azDecl;            /* declared types */
  BufRow *pFirst, *pLast;   /* drained rows not yet returned */
  BufRow *pCurRow;          /* current buffered row */
  int bEof;
  int bOnRow;               /* the live cursor is positioned on a row */
  int rcDrain;              /* error seen while draining */
  char *zDrainErr;
  RemoteValue *aParam;      /* the caller's parameters, copied: a dialect
                            ** may read them as long as its cursor lives */
  int bShared;              /* pCur is a shared cursor (on pSharedResults) */
  RemoteResult *pNextShared;   /* next on the connection's pSharedResults */
  sqlite3_int64 nRoom;      /* bytes allocated after the struct for them */
};

static void freeBuf(RemoteResult *p){
  BufRow *pRow, *pNext;
  for(pRow=p->pFirst; pRow; pRow=pNext){
    pNext = pRow->pNext;
    sqlite3_free(pRow);
  }
  p->pFirst = p->pLast = 0;
  sqlite3_free(p->pCurRow);
  p->pCurRow = 0;
}

/* Copy the column names and types of the live cursor: done only when a
** stream is drained and outlives its cursor; until then they are read
** from the cursor itself (nothing copied per statement) */
static int copyColumns(RemoteResult *p){
  int i;
  if( p->azName ) return SQLITE_OK;
  p->azName = sqlite3_malloc64(sizeof(char*)*(p->nCol+1)*2);
  if( p->azName==0 ) return SQLITE_NOMEM;
  memset(p->azName, 0, sizeof(char*)*(p->nCol+1)*2);
  p->azDecl = &p->azName[p->nCol+1];
  for(i=0; i<p->nCol; i++){
    p->azName[i] = sqlite3_mprintf("%s", p->pD->xColumnName(p->pCur, i));
    p->azDecl[i] = sqlite3_mprintf("%s", p->pD->xColumnDeclType(p->pCur, i));
    if( p->azName[i]==0 || p->azDecl[i]==0 ) return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

/* Copy the cursor's current row into a BufRow */
static BufRow *copyRow(RemoteResult *p){
  sqlite3_int64 nByte = sizeof(BufRow) + sizeof(RemoteValue)*p->nCol;
  RemoteValue aTmp[64];
  RemoteValue *aV = p->nCol<=64 ? aTmp : sqlite3_malloc64(sizeof(RemoteValue)*p->nCol);
  BufRow *pRow = 0;
  char *z;
  int i;
  if( aV==0 ) return 0;
  for(i=0; i<p->nCol; i++){
    p->pD->xColumn(p->pCur, i, &aV[i]);
    if( aV[i].eType==SQLITE_TEXT || aV[i].eType==SQLITE_BLOB ) nByte += aV[i].n+1;
  }
  pRow = sqlite3_malloc64(nByte);
  if( pRow ){
    pRow->pNext = 0;
    z = (char*)&pRow->aVal[p->nCol];
    for(i=0; i<p->nCol; i++){
      pRow->aVal[i] = aV[i];
      if( aV[i].eType==SQLITE_TEXT || aV[i].eType==SQLITE_BLOB ){
        if( aV[i].n ) memcpy(z, aV[i].z, aV[i].n);
        z[aV[i].n] = 0;
        pRow->aVal[i].z = z;
        z += aV[i].n+1;
      }
    }
  }
  if( aV!=aTmp ) sqlite3_free(aV);
  return pRow;
}

/* Take shared result p off its connection's list */
static void sharedUnlink(RemoteResult *p){
  RemoteResult **pp;
  if( !p->bShared ) return;
  for(pp=(RemoteResult**)&p->pPc->pSharedResults; *pp; pp=&(*pp)->pNextShared){
    if( *pp==p ){
      *pp = p->pNextShared;
      break;
    }
  }
  p->pNextShared = 0;
  p->bShared = 0;
}

/*
** Make p's connection free for p's shared cursor to use: another stream
** on it is drained; an open COPY (a batched INSERT's) is ended, unless
** !bCopy (then 1 is returned and the caller leaves the connection alone).
** SQLITE_OK, or the COPY's error with *pzErr set.
*/
static int sharedReady(RemoteResult *p, int bCopy, char **pzErr){
  PoolConn *pc = p->pPc;
  if( pc->pActiveResult && pc->pActiveResult!=p ){
    remoteResultDrain((RemoteResult*)pc->pActiveResult);
  }
  if( pc->pOpenCopy ){
    if( !bCopy ) return 1;
    return remoteBatchFlushCopy(pc->pOpenCopy, pzErr);
  }
  return SQLITE_OK;
}

static void detachCursor(RemoteResult *p){
  if( p->pCur ){
    if( p->bShared && p->pPc->pConn ){
      /* its close talks to the server (unless a COPY is open there: the
      ** dialect then leaves the server's cursor to the end of the
      ** transaction it lives in) */
      sharedReady(p, 0, 0);
    }
    p->pD->xFinalize(p->pCur);
    p->pCur = 0;
  }
  sharedUnlink(p);
  if( p->pPc && p->pPc->pActiveResult==p ) p->pPc->pActiveResult = 0;
}

void remoteResultOrphanShared(PoolConn *pc){
  while( pc->pSharedResults ){
    RemoteResult *p = (RemoteResult*)pc->pSharedResults;
    if( p->pCur ){
      p->pD->xFinalize(p->pCur);
      p->pCur = 0;
      if( p->rcDrain==SQLITE_OK ){
        p->rcDrain = SQLITE_ERROR;
        p->zDrainErr = sqlite3_mprintf("remote: %s: the connection was lost "
                                       "while reading rows", p->pSc->zEngine);
      }
    }
    sharedUnlink(p);
  }
}

int remoteResultDrain(RemoteResult *p){
  int rc = SQLITE_OK;
  if( p->pCur==0 || p->bShared ) return SQLITE_OK;
  /* The stream outlives its cursor: keep the column names and types */
  rc = copyColumns(p);
  /* The current row must stay readable: it becomes the buffered current */
  if( rc==SQLITE_OK && p->bOnRow ){
    p->pCurRow = copyRow(p);
    if( p->pCurRow==0 ) rc = SQLITE_NOMEM;
  }
  while( rc==SQLITE_OK && (rc = p->pD->xStep(p->pCur))==SQLITE_ROW ){
    BufRow *pRow = copyRow(p);
    rc = SQLITE_OK;
    if( pRow==0 ){ rc = SQLITE_NOMEM; break; }
    if( p->pLast ) p->pLast->pNext = pRow;
    else p->pFirst = pRow;
    p->pLast = pRow;
  }
  p->bOnRow = 0;
  if( rc!=SQLITE_DONE && rc!=SQLITE_OK ){
    /* Reported when the reader reaches this point of the stream. The
    ** connection is left as it is: the statement that made us drain uses
    ** it next and sees (and handles) a disconnect itself. */
    RemoteConn *pConn = p->pPc->pConn;
    p->rcDrain = rc==SQLITE_NOMEM ? SQLITE_NOMEM
               : (pConn && pConn->bStopped) ? SQLITE_INTERRUPT
               : (pConn && pConn->eErr==REMOTE_ERR_CONSTRAINT) ? SQLITE_CONSTRAINT
               : SQLITE_ERROR;
    if( p->rcDrain==SQLITE_INTERRUPT ){
      p->zDrainErr = sqlite3_mprintf("interrupted");
    }else{
      p->zDrainErr = sqlite3_mprintf("remote: %s: %s", p->pSc->zEngine,
          pConn && pConn->zErr ? pConn->zErr : "error while reading rows");
    }
  }
  detachCursor(p);
  return SQLITE_OK;
}

/* Bytes copyParams() needs for nParam values */
static sqlite3_int64 paramBytes(int nParam, const RemoteValue *aParam){
  sqlite3_int64 nByte = sizeof(RemoteValue)*(sqlite3_int64)nParam;
  int i;
  for(i=0; i<nParam; i++){
    if( aParam[i].eType==SQLITE_TEXT || aParam[i].eType==SQLITE_BLOB ){
      nByte += aParam[i].n+1;
    }
  }
  return nByte;
}

/*
** Copy nParam values into aCopy, paramBytes() long: the values, then the
** text and blob bytes. Returns aCopy.
*/
static RemoteValue *copyParams(int nParam, const RemoteValue *aParam,
                               RemoteValue *aCopy){
  char *z;
  int i;
  z = (char*)&aCopy[nParam];
  for(i=0; i<nParam; i++){
    aCopy[i] = aParam[i];
    if( aParam[i].eType==SQLITE_TEXT || aParam[i].eType==SQLITE_BLOB ){
      if( aParam[i].n ) memcpy(z, aParam[i].z, aParam[i].n);
      z[aParam[i].n] = 0;
      aCopy[i].z = z;
      z += aParam[i].n+1;
    }
  }
  return aCopy;
}

int remoteResultOpen(SessConn *pSc, const char *zSql, int nParam,
                     const RemoteValue *aParam, int bRetry,
                     RemoteResult **ppRes, char **pzErr){
  RemoteResult *p;
  int nTry = 0;
  int rc;
  *ppRes = 0;
  /* the result and a copy of the parameters in one allocation, the CONN's
  ** spare one if it has room enough */
  {
    sqlite3_int64 nParamByte = nParam>0 ? paramBytes(nParam, aParam) : 0;
    sqlite3_int64 nRoom = nParamByte;
    p = pSc->pSpareRes;
    if( p && p->nRoom>=nParamByte ){
      pSc->pSpareRes = 0;
      nRoom = p->nRoom;
    }else{
      p = sqlite3_malloc64(sizeof(*p) + nParamByte);
      if( p==0 ) return SQLITE_NOMEM;
    }
    memset(p, 0, sizeof(*p));
    p->nRoom = nRoom;
    if( nParam>0 ){
      p->aParam = copyParams(nParam, aParam, (RemoteValue*)&p[1]);
      aParam = p->aParam;
    }
  }
  p->pSc = pSc;
  while( 1 ){
    RemoteEngine *pE;
    RemoteConn *pConn;
    int nFetch;
    int mFlags = pSc->mQuery & ~REMOTE_QUERY_STREAM;
    rc = remoteSessAcquire(pSc, &p->pPc, pzErr);
    if( rc ) break;
    pE = p->pPc->pPool->pEngine;
    pConn = p->pPc->pConn;
    p->pD = pConn->pDialect;
    nFetch = pSc->nFetch>0 ? pSc->nFetch : pE->opts.nFetch;
    if( (pSc->mQuery & REMOTE_QUERY_STREAM) && remoteSessMustShare(pSc, p->pPc) ){
      mFlags |= REMOTE_QUERY_SHARED;
    }
    remoteSessEcho(pSc, pE, zSql, nParam, aParam);
    if( p->pD->xQuery(pConn, zSql, nParam, aParam, nFetch,
                       mFlags, &p->pCur)==SQLITE_OK ){
      if( pConn->pActive==p->pCur ){
        p->pPc->pActiveResult = p;
      }else{
        /* a shared cursor: the connection stays free between its steps */
        p->bShared = 1;
        p->pNextShared = (RemoteResult*)p->pPc->pSharedResults;
        p->pPc->pSharedResults = p;
      }
      p->nCol = p->pD->xColumnCount(p->pCur);
      break;
    }
    p->pCur = 0;
    if( bRetry && nTry<pE->opts.nRetry && pConn->eErr==REMOTE_ERR_DISCONNECT
     && !pConn->bStopped && pSc->pHeld==0 ){
      double r = pE->opts.rRetryInterval;
      nTry++;
      remoteLog(pE->zName, "info", pE->opts.eEcho!=0,
                "retrying after disconnect (%d of %d): %s", nTry,
                pE->opts.nRetry, pConn->zErr ? pConn->zErr : "");
      rc = remoteSessError(pSc, p->pPc, pzErr);
      sqlite3_free(*pzErr);
      *pzErr = 0;
      remoteSessRelease(pSc, p->pPc);
      p->pPc = 0;
      if( r>0 ){
        struct timespec ts;
        ts.tv_sec = (time_t)r;
        ts.tv_nsec = (long)((r - (double)ts.tv_sec)*1e9);
        while( nanosleep(&ts, &ts)!=0 && errno==EINTR ){}
      }
      continue;
    }
    rc = remoteSessError(pSc, p->pPc, pzErr);
    break;
  }
  if( rc ){
    remoteResultClose(p);
    return rc;
  }
  *ppRes = p;
  return SQLITE_OK;
}

int remoteResultStep(RemoteResult *p, char **pzErr){
  if( p->bEof ) return SQLITE_DONE;
  if( p->pCur ){
    int rc;
    if( p->bShared ){
      /* the connection must be free of other streams and COPYs: a COPY's
      ** error fails this step (it is the error of the statement reading) */
      rc = sharedReady(p, 1, pzErr);
      if( rc ){
        detachCursor(p);
        p->bEof = 1;
        return rc;
      }
    }
    rc = p->pD->xStep(p->pCur);
    p->bOnRow = rc==SQLITE_ROW;
    if( rc==SQLITE_ROW ) return SQLITE_ROW;
    if( rc==SQLITE_DONE ){
      if( p->bShared ){
        /* the close talks to the server: a COPY opened since the last
        ** step is ended first, its error this statement's */
        rc = sharedReady(p, 1, pzErr);
        detachCursor(p);
        p->bEof = 1;
        return rc ? rc : SQLITE_DONE;
      }
      detachCursor(p);
      p->bEof = 1;
      return SQLITE_DONE;
    }
    {
      /* The cursor must be finalized before a disconnect closes the
      ** connection under it; finalizing may touch the error fields, so
      ** keep them across it */
      RemoteConn *pConn = p->pPc->pConn;
      int eErr = pConn->eErr;
      int bStopped = pConn->bStopped;
      char zCode[sizeof(pConn->zCode)];
      char *zErr = pConn->zErr;
      memcpy(zCode, pConn->zCode, sizeof(zCode));
      pConn->zErr = 0;
      detachCursor(p);
      if( p->pPc->pConn ){
        remoteConnSetError(p->pPc->pConn, eErr, zCode[0] ? zCode : 0, "%s",
                           zErr ? zErr : "error while reading rows");
        p->pPc->pConn->bStopped = bStopped;
      }
      sqlite3_free(zErr);
      rc = remoteSessError(p->pSc, p->pPc, pzErr);
    }
    p->bEof = 1;
    return rc;
  }
  /* Buffered rows */
  sqlite3_free(p->pCurRow);
  p->pCurRow = p->pFirst;
  if( p->pCurRow ){
    p->pFirst = p->pCurRow->pNext;
    if( p->pFirst==0 ) p->pLast = 0;
    return SQLITE_ROW;
  }
  p->bEof = 1;
  if( p->rcDrain ){
    *pzErr = p->zDrainErr;
    p->zDrainErr = 0;
    return p->rcDrain;
  }
  return SQLITE_DONE;
}

int remoteResultColumnCount(RemoteResult *p){ return p->nCol; }

const char *remoteResultColumnName(RemoteResult *p, int i){
  if( i<0 || i>=p->nCol ) return 0;
  if( p->azName ) return p->azName[i];
  return p->pCur ? p->pD->xColumnName(p->pCur, i) : 0;
}

const char *remoteResultColumnDeclType(RemoteResult *p, int i){
  if( i<0 || i>=p->nCol ) return 0;
  if( p->azName ) return p->azDecl[i];
  return p->pCur ? p->pD->xColumnDeclType(p->pCur, i) : 0;
}

void remoteResultColumn(RemoteResult *p, int i, RemoteValue *pOut){
  if( p->pCur ){
    p->pD->xColumn(p->pCur, i, pOut);
  }else if( p->pCurRow && i>=0 && i<p->nCol ){
    *pOut = p->pCurRow->aVal[i];
  }else{
    memset(pOut, 0, sizeof(*pOut));
    pOut->eType = SQLITE_NULL;
  }
}

void remoteResultClose(RemoteResult *p){
  int i;
  if( p==0 ) return;
  detachCursor(p);
  if( p->pPc ) remoteSessRelease(p->pSc, p->pPc);
  freeBuf(p);
  if( p->azName ){
    for(i=0; i<p->nCol; i++){
      sqlite3_free(p->azName[i]);
      sqlite3_free(p->azDecl[i]);
    }
    sqlite3_free(p->azName);
  }
  sqlite3_free(p->zDrainErr);
  if( p->pSc->pSpareRes==0 ){
    p->pSc->pSpareRes = p;
  }else{
    sqlite3_free(p);
  }
}
