/* SPDX-License-Identifier: MIT */
/*
** introspect.c: the eponymous read-only tables
**
**   SELECT * FROM remote_engines;       -- engines and their pool counters
**   SELECT * FROM remote_connections;   -- every pool slot of every engine
**   SELECT * FROM remote_events;        -- pool events, SQLAlchemy's names
**   SELECT * FROM remote_log;           -- echo / echo_pool lines
**
** All four share one cursor: xFilter takes a snapshot into an array of
** cells (aTable[].xFill), and the cursor walks it. Nothing here talks to a
** server.
*/
#include <stdio.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "func.h"
#include "log.h"

typedef struct Cell Cell;
struct Cell {
  int eType;
  sqlite3_int64 i;
  double r;
  char *z;                  /* sqlite3_malloc'd text */
};

typedef struct SnapCursor SnapCursor;
struct SnapCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  int nCol;
  int nRow, nAlloc;
  Cell *aCell;              /* nRow*nCol cells */
  int iRow;
};

typedef struct SnapVtab SnapVtab;
struct SnapVtab {
  sqlite3_vtab base;        /* Base class - must be first */
  int iTable;               /* index in aTable[] */
};

/* Add a row: returns its first cell (all NULL), or 0 on OOM */
static Cell *addRow(SnapCursor *p){
  Cell *pRow;
  if( p->nRow>=p->nAlloc ){
    int nNew = p->nAlloc ? p->nAlloc*2 : 16;
    Cell *aNew = sqlite3_realloc64(p->aCell, sizeof(Cell)*nNew*p->nCol);
    if( aNew==0 ) return 0;
    p->aCell = aNew;
    p->nAlloc = nNew;
  }
  pRow = &p->aCell[p->nRow*p->nCol];
  memset(pRow, 0, sizeof(Cell)*p->nCol);
  p->nRow++;
  return pRow;
}

static void cInt(Cell *c, sqlite3_int64 i){ c->eType = SQLITE_INTEGER; c->i = i; }
static void cReal(Cell *c, double r){ c->eType = SQLITE_FLOAT; c->r = r; }
static void cText(Cell *c, const char *z){
  if( z ){
    c->eType = SQLITE_TEXT;
    c->z = sqlite3_mprintf("%s", z);
  }
}
/* Time as 'YYYY-MM-DD HH:MM:SS.fff' UTC text, NULL for 0 */
static void cTime(Cell *c, double t){
  if( t>0 ){
    time_t s = (time_t)t;
    struct tm tm;
    char zBuf[40];
    gmtime_r(&s, &tm);
    snprintf(zBuf, sizeof(zBuf), "%04d-%02d-%02d %02d:%02d:%02d.%03d",
             tm.tm_year+1900, tm.tm_mon+1, tm.tm_mday, tm.tm_hour, tm.tm_min,
             tm.tm_sec, (int)((t-(double)s)*1000));
    cText(c, zBuf);
  }
}

static const char *poolClassName(int e){
  static const char *az[] = {"QueuePool", "NullPool", "StaticPool",
                             "SingletonThreadPool", "AssertionPool"};
  return (e>=0 && e<5) ? az[e] : "?";
}

static const char *driverName(RemoteEngine *pE){
  return pE->pUrl->zDriver ? pE->pUrl->zDriver : pE->pDialect->zDriver;
}

static int fillEngines(SnapCursor *p){
  RemoteEngine **ap = 0;
  int n = 0, i, rc;
  rc = remoteEngineList(&ap, &n);
  for(i=0; i<n; i++){
    RemoteEngine *pE = ap[i];
    Cell *c = rc==SQLITE_OK ? addRow(p) : 0;
    if( c ){
      RemotePool *pPool = remoteEnginePool(pE);
      int nIn = 0, nOut = 0, nOver = 0;
      if( pPool ){      /* NULL: dropped by another thread meanwhile */
        remotePoolCounts(pPool, &nIn, &nOut, &nOver);
        remotePoolRelease(pPool);
      }
      cText(&c[0], pE->zName);
      cText(&c[1], pE->pUrl->zMasked);
      cText(&c[2], pE->pUrl->zDialect);
      cText(&c[3], driverName(pE));
      cText(&c[4], poolClassName(pE->opts.ePoolClass));
      cInt(&c[5], pE->opts.nPoolSize);
      cInt(&c[6], pE->opts.nMaxOverflow);
      if( pE->opts.rTimeout>=0 ) cReal(&c[7], pE->opts.rTimeout);
      cReal(&c[8], pE->opts.rRecycle);
      cInt(&c[9], pE->opts.bPrePing);
      cInt(&c[10], nIn);
      cInt(&c[11], nOut);
      cInt(&c[12], nOver);
    }else{
      rc = SQLITE_NOMEM;
    }
    remoteEngineRelease(pE);
  }
  sqlite3_free(ap);
  return rc;
}

static int fillConnections(SnapCursor *p){
  RemoteEngine **ap = 0;
  int n = 0, i, j, rc;
  rc = remoteEngineList(&ap, &n);
  for(i=0; i<n; i++){
    RemoteEngine *pE = ap[i];
    RemotePool *pPool = rc==SQLITE_OK ? remoteEnginePool(pE) : 0;
    if( pPool ){      /* NULL: dropped by another thread meanwhile */
      PoolConnRow *aRow = 0;
      int nRow = 0;
      rc = remotePoolSnapshot(pPool, &aRow, &nRow);
      for(j=0; rc==SQLITE_OK && j<nRow; j++){     /* sorted by id */
        Cell *c = addRow(p);
        if( c==0 ){ rc = SQLITE_NOMEM; break; }
        cText(&c[0], pE->zName);
        cInt(&c[1], aRow[j].id);
        cText(&c[2], aRow[j].zState);
        if( aRow[j].iBackendPid ) cInt(&c[3], aRow[j].iBackendPid);
        cTime(&c[4], aRow[j].tCreated);
        cTime(&c[5], aRow[j].tLastCheckout);
        cInt(&c[6], aRow[j].nCheckout);
        cInt(&c[7], aRow[j].bInTxn);
      }
      sqlite3_free(aRow);
      remotePoolRelease(pPool);
    }
    remoteEngineRelease(pE);
  }
  sqlite3_free(ap);
  return rc;
}

static int fillEvents(SnapCursor *p){
  RemoteEventRow *a = 0;
  int n = 0, i, rc;
  rc = remoteEventSnapshot(&a, &n);
  for(i=0; rc==SQLITE_OK && i<n; i++){
    Cell *c = addRow(p);
    if( c==0 ){ rc = SQLITE_NOMEM; break; }
    cInt(&c[0], a[i].iSeq);
    cTime(&c[1], a[i].rTime);
    cText(&c[2], a[i].zEngine);
    cText(&c[3], a[i].zEvent);
    if( a[i].iConn ) cInt(&c[4], a[i].iConn);
    cText(&c[5], a[i].zDetail);
  }
  remoteEventSnapshotFree(a, n);
  return rc;
}

static int fillLog(SnapCursor *p){
  RemoteLogRow *a = 0;
  int n = 0, i, rc;
  rc = remoteLogSnapshot(&a, &n);
  for(i=0; rc==SQLITE_OK && i<n; i++){
    Cell *c = addRow(p);
    if( c==0 ){ rc = SQLITE_NOMEM; break; }
    cInt(&c[0], a[i].iSeq);
    cTime(&c[1], a[i].rTime);
    cText(&c[2], a[i].zEngine);
    cText(&c[3], a[i].zLevel);
    cText(&c[4], a[i].zMessage);
  }
  remoteLogSnapshotFree(a, n);
  return rc;
}

static const struct {
  const char *zName;
  const char *zSchema;
  int nCol;
  int (*xFill)(SnapCursor*);
} aTable[] = {
  { "remote_engines",
    "CREATE TABLE x(name, url, dialect, driver, poolclass, pool_size, "
    "max_overflow, pool_timeout, pool_recycle, pre_ping, checked_in, "
    "checked_out, overflow)", 13, fillEngines },
  { "remote_connections",
    "CREATE TABLE x(engine, id, state, backend_pid, created, last_checkout, "
    "checkouts, in_transaction)", 8, fillConnections },
  { "remote_events",
    "CREATE TABLE x(seq, time, engine, event, conn_id, detail)", 6, fillEvents },
  { "remote_log",
    "CREATE TABLE x(seq, time, engine, level, message)", 5, fillLog },
};

static int snapConnect(sqlite3 *db, void *pAux, int argc,
                       const char *const *argv, sqlite3_vtab **ppVtab,
                       char **pzErr){
  SnapVtab *p;
  int iTable = (int)(size_t)pAux;
  int rc;
  (void)argc; (void)argv; (void)pzErr;
  rc = sqlite3_declare_vtab(db, aTable[iTable].zSchema);
  if( rc ) return rc;
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->iTable = iTable;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int snapDisconnect(sqlite3_vtab *pVtab){
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

static int snapBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  (void)pVtab;
  pInfo->estimatedCost = 100.0;
  pInfo->estimatedRows = 100;
  return SQLITE_OK;
}

static int snapOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  SnapCursor *p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->nCol = aTable[((SnapVtab*)pVtab)->iTable].nCol;
  *ppCur = &p->base;
  return SQLITE_OK;
}

static void snapReset(SnapCursor *p){
  int i;
  for(i=0; i<p->nRow*p->nCol; i++) sqlite3_free(p->aCell[i].z);
  sqlite3_free(p->aCell);
  p->aCell = 0;
  p->nRow = p->nAlloc = 0;
  p->iRow = 0;
}

static int snapClose(sqlite3_vtab_cursor *pCur){
  snapReset((SnapCursor*)pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

static int snapFilter(sqlite3_vtab_cursor *pCur, int idxNum,
                      const char *idxStr, int argc, sqlite3_value **argv){
  SnapCursor *p = (SnapCursor*)pCur;
  (void)idxNum; (void)idxStr; (void)argc; (void)argv;
  snapReset(p);
  return aTable[((SnapVtab*)pCur->pVtab)->iTable].xFill(p);
}

static int snapNext(sqlite3_vtab_cursor *pCur){
  ((SnapCursor*)pCur)->iRow++;
  return SQLITE_OK;
}

static int snapEof(sqlite3_vtab_cursor *pCur){
  SnapCursor *p = (SnapCursor*)pCur;
  return p->iRow>=p->nRow;
}

static int snapColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  SnapCursor *p = (SnapCursor*)pCur;
  Cell *c = &p->aCell[p->iRow*p->nCol + i];
  switch( c->eType ){
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, c->i); break;
    case SQLITE_FLOAT:   sqlite3_result_double(ctx, c->r); break;
    case SQLITE_TEXT:    sqlite3_result_text(ctx, c->z, -1, SQLITE_TRANSIENT); break;
    default: break;
  }
  return SQLITE_OK;
}

static int snapRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  *pRowid = ((SnapCursor*)pCur)->iRow + 1;
  return SQLITE_OK;
}

static sqlite3_module snapModule = {
  0, 0, snapConnect, snapBestIndex, snapDisconnect, 0,
  snapOpen, snapClose, snapFilter, snapNext, snapEof, snapColumn, snapRowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#if SQLITE_VERSION_NUMBER>=3044000
  , 0                       /* xIntegrity: SQLite 3.44's headers have it */
#endif
};

int remoteIntrospectRegister(sqlite3 *db, RemoteSession *pSess){
  int i, rc = SQLITE_OK;
  (void)pSess;
  for(i=0; rc==SQLITE_OK && i<(int)(sizeof(aTable)/sizeof(aTable[0])); i++){
    rc = sqlite3_create_module(db, aTable[i].zName, &snapModule, (void*)(size_t)i);
  }
  return rc;
}
