/* SPDX-License-Identifier: MIT */
/*
** dialect_sqlite.c: another SQLite database through the same machinery.
**
**   SELECT remote_engine('lite', 'sqlite:////abs/path/other.db');
**
** The dialect opens its own sqlite3 handle on the file (':memory:' for
** sqlite:// and sqlite:///:memory:), so every pool, transaction and
** virtual-table feature can be used and tested without a server. Query keys:
** mode, cache, immutable, nolock, vfs (passed as an SQLite URI) and timeout
** (busy timeout in seconds).
*/
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "dialect.h"

typedef struct LiteConn LiteConn;
struct LiteConn {
  RemoteConn base;          /* Base class - must be first */
  sqlite3 *db;
  sqlite3_int64 iId;        /* stands in for a backend pid */
};

typedef struct LiteCursor LiteCursor;
struct LiteCursor {
  RemoteCursor base;        /* Base class - must be first */
  sqlite3_stmt *pStmt;
};

static sqlite3_int64 iLiteSeq = 0;
static pthread_mutex_t liteMutex = PTHREAD_MUTEX_INITIALIZER;

/* liteMutex is a leaf lock: keep it usable in a forked child */
static pthread_once_t liteForkOnce = PTHREAD_ONCE_INIT;
static void liteForkLock(void){ pthread_mutex_lock(&liteMutex); }
static void liteForkUnlock(void){ pthread_mutex_unlock(&liteMutex); }
static void liteForkInit(void){
  pthread_atfork(liteForkLock, liteForkUnlock, liteForkUnlock);
}

static int liteIsQueryKey(const char *zKey){
  static const char *az[] = {"mode", "cache", "immutable", "nolock", "vfs",
                             "timeout"};
  int i;
  for(i=0; i<(int)(sizeof(az)/sizeof(az[0])); i++){
    if( strcmp(az[i], zKey)==0 ) return 1;
  }
  return 0;
}

/* Set the conn's error from db's last error */
static int liteError(LiteConn *p, int rc){
  int eErr = (rc&0xff)==SQLITE_CONSTRAINT ? REMOTE_ERR_CONSTRAINT : REMOTE_ERR_OTHER;
  char zCode[16];
  int iExt = sqlite3_extended_errcode(p->db);
  snprintf(zCode, sizeof(zCode), "%d", iExt);
  remoteConnSetError(&p->base, eErr, zCode, "ERROR %d: %s", iExt,
                     sqlite3_errmsg(p->db));
  return SQLITE_ERROR;
}

static int liteConnect(const RemoteUrl *pUrl, RemoteConn **ppConn,
                       char **pzErr, int *peErr){
  LiteConn *p;
  sqlite3_str *pPath = sqlite3_str_new(0);
  const char *zDb = pUrl->zDatabase;
  const char *zTimeout = remoteUrlQuery(pUrl, "timeout");
  char *zPath;
  int i, nUri = 0, rc;
  *ppConn = 0;
  if( zDb==0 || zDb[0]==0 ) zDb = ":memory:";
  for(i=0; i<pUrl->nQuery; i++){
    if( strcmp(pUrl->azKey[i], "timeout")!=0 ) nUri++;
  }
  if( nUri ){
    char cSep = '?';
    sqlite3_str_appendf(pPath, "file:%s", zDb);
    for(i=0; i<pUrl->nQuery; i++){
      if( strcmp(pUrl->azKey[i], "timeout")==0 ) continue;
      sqlite3_str_appendf(pPath, "%c%s=%s", cSep, pUrl->azKey[i], pUrl->azVal[i]);
      cSep = '&';
    }
  }else{
    sqlite3_str_appendall(pPath, zDb);
  }
  zPath = sqlite3_str_finish(pPath);
  if( zPath==0 ) return SQLITE_NOMEM;
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ){
    sqlite3_free(zPath);
    return SQLITE_NOMEM;
  }
  memset(p, 0, sizeof(*p));
  p->base.pDialect = &remoteSqliteDialect;
  rc = sqlite3_open_v2(zPath, &p->db,
      SQLITE_OPEN_READWRITE|SQLITE_OPEN_CREATE|SQLITE_OPEN_FULLMUTEX|SQLITE_OPEN_URI, 0);
  if( rc!=SQLITE_OK ){
    *pzErr = sqlite3_mprintf("ERROR %d: unable to open database file '%s': %s",
                             rc, zDb, p->db ? sqlite3_errmsg(p->db) : sqlite3_errstr(rc));
    *peErr = REMOTE_ERR_DISCONNECT;
    sqlite3_close(p->db);
    sqlite3_free(p);
    sqlite3_free(zPath);
    return SQLITE_ERROR;
  }
  sqlite3_free(zPath);
  sqlite3_extended_result_codes(p->db, 1);
  pthread_once(&liteForkOnce, liteForkInit);
  /* "name" is an identifier, never a string: a dropped column is an error */
  sqlite3_db_config(p->db, SQLITE_DBCONFIG_DQS_DML, 0, (int*)0);
  sqlite3_db_config(p->db, SQLITE_DBCONFIG_DQS_DDL, 0, (int*)0);
  sqlite3_busy_timeout(p->db, zTimeout ? (int)(atof(zTimeout)*1000) : 5000);
  pthread_mutex_lock(&liteMutex);
  p->iId = ++iLiteSeq;
  pthread_mutex_unlock(&liteMutex);
  *ppConn = &p->base;
  return SQLITE_OK;
}

static void liteClose(RemoteConn *pConn){
  LiteConn *p = (LiteConn*)pConn;
  if( p==0 ) return;
  sqlite3_close_v2(p->db);
  remoteConnClearError(pConn);
  sqlite3_free(p);
}

static int litePing(RemoteConn *pConn){
  LiteConn *p = (LiteConn*)pConn;
  int rc = sqlite3_exec(p->db, "SELECT 1", 0, 0, 0);
  return rc==SQLITE_OK ? SQLITE_OK : liteError(p, rc);
}

static sqlite3_int64 liteBackendPid(RemoteConn *pConn){
  return ((LiteConn*)pConn)->iId;
}

static int liteInTransaction(RemoteConn *pConn){
  return !sqlite3_get_autocommit(((LiteConn*)pConn)->db);
}

/* Bind copies: a cursor's statement runs on after its caller's values go */
static void bindParams(sqlite3_stmt *pStmt, int nParam, const RemoteValue *a){
  int i;
  for(i=0; i<nParam; i++){
    switch( a[i].eType ){
      case SQLITE_INTEGER: sqlite3_bind_int64(pStmt, i+1, a[i].i); break;
      case SQLITE_FLOAT:   sqlite3_bind_double(pStmt, i+1, a[i].r); break;
      case SQLITE_TEXT:    sqlite3_bind_text(pStmt, i+1, a[i].z, a[i].n, SQLITE_TRANSIENT); break;
      case SQLITE_BLOB:    sqlite3_bind_blob(pStmt, i+1, a[i].z, a[i].n, SQLITE_TRANSIENT); break;
      default:             sqlite3_bind_null(pStmt, i+1); break;
    }
  }
}

/* Check the parameter count of pStmt */
static int checkParams(LiteConn *p, sqlite3_stmt *pStmt, int nParam){
  int nWant = sqlite3_bind_parameter_count(pStmt);
  if( nWant!=nParam ){
    remoteConnSetError(&p->base, REMOTE_ERR_OTHER, "25",
        "ERROR 25: the statement takes %d parameter%s, %d given",
        nWant, nWant==1 ? "" : "s", nParam);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

static int liteExec(RemoteConn *pConn, const char *zSql, int nParam,
                    const RemoteValue *aParam, sqlite3_int64 *pnChange){
  LiteConn *p = (LiteConn*)pConn;
  const char *zTail = zSql;
  int nStmt = 0;
  remoteConnClearError(pConn);
  *pnChange = 0;
  while( zTail && zTail[0] ){
    sqlite3_stmt *pStmt = 0;
    sqlite3_int64 nBefore;
    int rc = sqlite3_prepare_v2(p->db, zTail, -1, &pStmt, &zTail);
    if( rc ) return liteError(p, rc);
    if( pStmt==0 ) continue;           /* whitespace or comment */
    if( nParam>0 && nStmt>0 ){
      sqlite3_finalize(pStmt);
      remoteConnSetError(pConn, REMOTE_ERR_OTHER, "1",
                         "ERROR 1: only one statement may be run with parameters");
      return SQLITE_ERROR;
    }
    nStmt++;
    if( checkParams(p, pStmt, nParam) ){
      sqlite3_finalize(pStmt);
      return SQLITE_ERROR;
    }
    bindParams(pStmt, nParam, aParam);
    nBefore = sqlite3_total_changes64(p->db);
    while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){}
    if( rc!=SQLITE_DONE ){
      rc = sqlite3_reset(pStmt);
      liteError(p, rc);
      sqlite3_finalize(pStmt);
      return SQLITE_ERROR;
    }
    *pnChange = sqlite3_total_changes64(p->db)==nBefore ? 0 : sqlite3_changes64(p->db);
    sqlite3_finalize(pStmt);
  }
  return SQLITE_OK;
}

static int liteQuery(RemoteConn *pConn, const char *zSql, int nParam,
                     const RemoteValue *aParam, int nFetch, int mFlags,
                     RemoteCursor **ppCur){
  LiteConn *p = (LiteConn*)pConn;
  LiteCursor *pCur;
  sqlite3_stmt *pStmt = 0;
  int rc;
  (void)nFetch;
  (void)mFlags;
  remoteConnClearError(pConn);
  *ppCur = 0;
  rc = sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, 0);
  if( rc ) return liteError(p, rc);
  if( pStmt==0 ){
    remoteConnSetError(pConn, REMOTE_ERR_OTHER, "1", "ERROR 1: empty query");
    return SQLITE_ERROR;
  }
  if( checkParams(p, pStmt, nParam) ){
    sqlite3_finalize(pStmt);
    return SQLITE_ERROR;
  }
  pCur = sqlite3_malloc(sizeof(*pCur));
  if( pCur==0 ){
    sqlite3_finalize(pStmt);
    return SQLITE_NOMEM;
  }
  pCur->base.pConn = pConn;
  pCur->pStmt = pStmt;
  bindParams(pStmt, nParam, aParam);
  pConn->pActive = &pCur->base;
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

static int liteStep(RemoteCursor *pCur){
  LiteCursor *p = (LiteCursor*)pCur;
  int rc = sqlite3_step(p->pStmt);
  if( rc==SQLITE_ROW || rc==SQLITE_DONE ) return rc;
  rc = sqlite3_reset(p->pStmt);
  return liteError((LiteConn*)pCur->pConn, rc);
}

static int liteColumnCount(RemoteCursor *pCur){
  return sqlite3_column_count(((LiteCursor*)pCur)->pStmt);
}

static const char *liteColumnName(RemoteCursor *pCur, int i){
  return sqlite3_column_name(((LiteCursor*)pCur)->pStmt, i);
}

/* SQLite's affinity rules applied to a declared type */
static const char *affinityOf(const char *zType){
  char zUp[64];
  int i;
  if( zType==0 || zType[0]==0 ) return "BLOB";
  for(i=0; zType[i] && i<63; i++){
    char c = zType[i];
    zUp[i] = (c>='a' && c<='z') ? (char)(c-32) : c;
  }
  zUp[i] = 0;
  if( strstr(zUp, "INT") ) return "INTEGER";
  if( strstr(zUp, "CHAR") || strstr(zUp, "CLOB") || strstr(zUp, "TEXT") ) return "TEXT";
  if( strstr(zUp, "BLOB") ) return "BLOB";
  if( strstr(zUp, "REAL") || strstr(zUp, "FLOA") || strstr(zUp, "DOUB") ) return "REAL";
  return "NUMERIC";
}

static const char *liteColumnDeclType(RemoteCursor *pCur, int i){
  return affinityOf(sqlite3_column_decltype(((LiteCursor*)pCur)->pStmt, i));
}

static void liteColumn(RemoteCursor *pCur, int i, RemoteValue *pOut){
  sqlite3_stmt *pStmt = ((LiteCursor*)pCur)->pStmt;
  pOut->eType = sqlite3_column_type(pStmt, i);
  switch( pOut->eType ){
    case SQLITE_INTEGER: pOut->i = sqlite3_column_int64(pStmt, i); break;
    case SQLITE_FLOAT:   pOut->r = sqlite3_column_double(pStmt, i); break;
    case SQLITE_TEXT:
      pOut->z = (const char*)sqlite3_column_text(pStmt, i);
      pOut->n = sqlite3_column_bytes(pStmt, i);
      break;
    case SQLITE_BLOB:
      pOut->z = (const char*)sqlite3_column_blob(pStmt, i);
      pOut->n = sqlite3_column_bytes(pStmt, i);
      if( pOut->z==0 ) pOut->z = "";
      break;
    default: break;
  }
}

static void liteFinalize(RemoteCursor *pCur){
  LiteCursor *p = (LiteCursor*)pCur;
  if( p==0 ) return;
  sqlite3_finalize(p->pStmt);
  if( pCur->pConn->pActive==pCur ) pCur->pConn->pActive = 0;
  sqlite3_free(p);
}

static char *liteQuoteIdent(const char *z){
  return sqlite3_mprintf("\"%w\"", z);
}

static char *liteBeginSql(const char *zIsolation){
  (void)zIsolation;
  return sqlite3_mprintf("BEGIN");
}
static char *liteSavepointSql(const char *z){ return sqlite3_mprintf("SAVEPOINT \"%w\"", z); }
static char *liteReleaseSql(const char *z){ return sqlite3_mprintf("RELEASE SAVEPOINT \"%w\"", z); }
static char *liteRollbackToSql(const char *z){ return sqlite3_mprintf("ROLLBACK TO SAVEPOINT \"%w\"", z); }

/* SQLite knows SERIALIZABLE and READ UNCOMMITTED (read_uncommitted) */
static int liteSetIsolation(RemoteConn *pConn, const char *zLevel){
  LiteConn *p = (LiteConn*)pConn;
  int rc;
  if( zLevel && strcmp(zLevel, "AUTOCOMMIT")==0 ) return SQLITE_OK;
  if( zLevel && strcmp(zLevel, "SERIALIZABLE")!=0
   && strcmp(zLevel, "READ UNCOMMITTED")!=0 ){
    remoteConnSetError(pConn, REMOTE_ERR_OTHER, "1", "ERROR 1: isolation level "
        "'%s' is not supported by SQLite: SERIALIZABLE, READ UNCOMMITTED", zLevel);
    return SQLITE_ERROR;
  }
  rc = sqlite3_exec(p->db, (zLevel && zLevel[0]=='R') ? "PRAGMA read_uncommitted=1"
                    : "PRAGMA read_uncommitted=0", 0, 0, 0);
  return rc==SQLITE_OK ? SQLITE_OK : liteError(p, rc);
}

static char *liteGetIsolation(RemoteConn *pConn){
  LiteConn *p = (LiteConn*)pConn;
  sqlite3_stmt *pStmt = 0;
  char *z = 0;
  int rc = sqlite3_prepare_v2(p->db, "PRAGMA read_uncommitted", -1, &pStmt, 0);
  if( rc==SQLITE_OK && sqlite3_step(pStmt)==SQLITE_ROW ){
    z = sqlite3_mprintf("%s", sqlite3_column_int(pStmt, 0)
                        ? "READ UNCOMMITTED" : "SERIALIZABLE");
  }else{
    liteError(p, rc ? rc : SQLITE_ERROR);
  }
  sqlite3_finalize(pStmt);
  return z;
}

static int liteTableInfo(RemoteConn *pConn, const char *zSchema,
                         const char *zTable, RemoteTableInfo **ppInfo){
  LiteConn *p = (LiteConn*)pConn;
  RemoteTableInfo *pInfo = 0;
  sqlite3_stmt *pStmt = 0;
  char *zSql;
  int rc, nAlloc = 0;
  *ppInfo = 0;
  remoteConnClearError(pConn);
  if( zSchema==0 ) zSchema = "main";
  pInfo = sqlite3_malloc(sizeof(*pInfo));
  if( pInfo==0 ) return SQLITE_NOMEM;
  memset(pInfo, 0, sizeof(*pInfo));
  pInfo->nRowEst = -1;
  pInfo->zSchema = sqlite3_mprintf("%s", zSchema);
  /* Kind and real name */
  zSql = sqlite3_mprintf("SELECT type, name FROM \"%w\".sqlite_schema "
                         "WHERE type IN ('table','view') AND name=?1 COLLATE NOCASE",
                         zSchema);
  rc = zSql ? sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if( rc ) goto info_error;
  sqlite3_bind_text(pStmt, 1, zTable, -1, SQLITE_STATIC);
  if( sqlite3_step(pStmt)!=SQLITE_ROW ){
    sqlite3_finalize(pStmt);
    remoteTableInfoFree(pInfo);
    return SQLITE_NOTFOUND;
  }
  pInfo->bView = strcmp((const char*)sqlite3_column_text(pStmt, 0), "view")==0;
  pInfo->zTable = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 1));
  sqlite3_finalize(pStmt);
  pStmt = 0;
  /* Then: a default, and an INTEGER PRIMARY KEY (the rowid: NULL makes
  ** a new key) */
  rc = sqlite3_prepare_v2(p->db, "SELECT name, type, pk, \"notnull\", "
      "dflt_value IS NOT NULL, pk=1 AND upper(type)='INTEGER' AND "
      "(SELECT count(*) FROM pragma_table_info(?1, ?2) WHERE pk>0)=1 "
      "FROM pragma_table_info(?1, ?2) ORDER BY cid", -1, &pStmt, 0);
  if( rc ) goto info_error;
  sqlite3_bind_text(pStmt, 1, pInfo->zTable, -1, SQLITE_STATIC);
  sqlite3_bind_text(pStmt, 2, zSchema, -1, SQLITE_STATIC);
  while( sqlite3_step(pStmt)==SQLITE_ROW ){
    RemoteColumnInfo *c;
    if( pInfo->nCol>=nAlloc ){
      RemoteColumnInfo *aNew;
      nAlloc = nAlloc ? nAlloc*2 : 8;
      aNew = sqlite3_realloc64(pInfo->aCol, sizeof(*aNew)*nAlloc);
      if( aNew==0 ){ rc = SQLITE_NOMEM; goto info_error; }
      pInfo->aCol = aNew;
    }
    c = &pInfo->aCol[pInfo->nCol++];
    memset(c, 0, sizeof(*c));
    c->zName = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0));
    c->zRemoteType = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 1));
    c->zDeclType = sqlite3_mprintf("%s", affinityOf((const char*)sqlite3_column_text(pStmt, 1)));
    c->iPk = sqlite3_column_int(pStmt, 2);
    c->bNotNull = sqlite3_column_int(pStmt, 3);
    c->bAuto = sqlite3_column_int(pStmt, 5);
    c->bDefault = sqlite3_column_int(pStmt, 4) || c->bAuto;
  }
  sqlite3_finalize(pStmt);
  *ppInfo = pInfo;
  return SQLITE_OK;

info_error:
  if( rc!=SQLITE_NOMEM ) liteError(p, rc);
  sqlite3_finalize(pStmt);
  remoteTableInfoFree(pInfo);
  return rc==SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR;
}

static int liteListTables(RemoteConn *pConn, const char *zSchema,
                          int *pnTable, char ***pazTable){
  LiteConn *p = (LiteConn*)pConn;
  sqlite3_stmt *pStmt = 0;
  char **az = 0;
  int n = 0, nAlloc = 0, rc;
  char *zSql = sqlite3_mprintf("SELECT name FROM \"%w\".sqlite_schema "
      "WHERE type IN ('table','view') AND name NOT LIKE 'sqlite\\_%%' ESCAPE '\\' "
      "ORDER BY name", zSchema ? zSchema : "main");
  *pnTable = 0;
  *pazTable = 0;
  rc = zSql ? sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, 0) : SQLITE_NOMEM;
  sqlite3_free(zSql);
  if( rc ) return rc==SQLITE_NOMEM ? rc : liteError(p, rc);
  while( sqlite3_step(pStmt)==SQLITE_ROW ){
    if( n>=nAlloc ){
      char **azNew;
      nAlloc = nAlloc ? nAlloc*2 : 16;
      azNew = sqlite3_realloc64(az, sizeof(char*)*nAlloc);
      if( azNew==0 ){ rc = SQLITE_NOMEM; break; }
      az = azNew;
    }
    az[n++] = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0));
  }
  sqlite3_finalize(pStmt);
  *pnTable = n;
  *pazTable = az;
  return rc;
}

/* The sqlite3* of a connection (C API) */
static void *liteNativeHandle(RemoteConn *pConn){
  return ((LiteConn*)pConn)->db;
}

const RemoteDialect remoteSqliteDialect = {
  .iVersion = REMOTE_DIALECT_VERSION,
  /* xCloseNoTerminate: no socket to keep away from; no xCopy*: the
  ** multi-row INSERT serves; no xSetSchema: one namespace, main */
  .zName = "sqlite",
  .zDriver = "sqlite3",
  .xIsQueryKey = liteIsQueryKey,
  .xConnect = liteConnect,
  .xClose = liteClose,
  .xCloseNoTerminate = liteClose,
  .xPing = litePing,
  .xBackendPid = liteBackendPid,
  .xInTransaction = liteInTransaction,
  .xExec = liteExec,
  .xQuery = liteQuery,
  .xStep = liteStep,
  .xColumnCount = liteColumnCount,
  .xColumnName = liteColumnName,
  .xColumnDeclType = liteColumnDeclType,
  .xColumn = liteColumn,
  .xFinalize = liteFinalize,
  .xQuoteIdent = liteQuoteIdent,
  .xBeginSql = liteBeginSql,
  .zCommitSql = "COMMIT",
  .zRollbackSql = "ROLLBACK",
  .xSavepointSql = liteSavepointSql,
  .xReleaseSql = liteReleaseSql,
  .xRollbackToSql = liteRollbackToSql,
  .xSetIsolation = liteSetIsolation,
  .xGetIsolation = liteGetIsolation,
  .xTableInfo = liteTableInfo,
  .xListTables = liteListTables,
  .xNativeHandle = liteNativeHandle,
  /* no xTpc*: SQLite cannot prepare a transaction, so a sqlite engine
  ** takes no part in a two-phase commit (twophase.c) */
  /* no xLastInsertId: INSERT ... RETURNING serves; no xExecBatch: no
  ** round trips to save */
  /* no xConnectOpts: no server to wait on */
};
