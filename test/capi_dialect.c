/* SPDX-License-Identifier: MIT */
/*
** test/capi_dialect.c: a dialect of an application's own, as
** remote_register_dialect() takes it: "mirror", another SQLite database
** file reached through sqlite-remote's pools and virtual tables. Built into
** test/capi.c (compiled with -DSQLITE_CORE: a program linked with
** libsqlite3 calls it directly, not through an extension's API table).
**
**   remote_register_dialect("mirror", &mirrorDialect);
**   SELECT remote_engine('m', 'mirror:///path/to/file.db');
**
** The module knows nothing of this dialect's SQL, so it must push nothing
** to it (no WHERE, ORDER BY or LIMIT: SQLite evaluates them) and write
** with ? placeholders; test/capi.c checks both through the log of the SQL
** sent (echo=1, remote_log). mirrorLog counts the statements it ran.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "dialect.h"

extern const RemoteDialect mirrorDialect;

typedef struct MirrorConn MirrorConn;
struct MirrorConn {
  RemoteConn base;          /* Base class - must be first */
  sqlite3 *db;
};
typedef struct MirrorCursor MirrorCursor;
struct MirrorCursor {
  RemoteCursor base;        /* Base class - must be first */
  sqlite3_stmt *pStmt;
};

/* The SQL texts this dialect ran, one per line (test/capi.c reads it) */
char zMirrorLog[16384];

static void mirrorRecord(const char *zSql){
  size_t n = strlen(zMirrorLog);
  if( n+strlen(zSql)+2<sizeof(zMirrorLog) ){
    strcat(zMirrorLog, zSql);
    strcat(zMirrorLog, "\n");
  }
}

/* The conn's error fields from db's last error (the core frees zErr with
** sqlite3_free) */
static int mirrorError(MirrorConn *p, int rc){
  RemoteConn *c = &p->base;
  sqlite3_free(c->zErr);
  c->eErr = (rc&0xff)==SQLITE_CONSTRAINT ? REMOTE_ERR_CONSTRAINT : REMOTE_ERR_OTHER;
  snprintf(c->zCode, sizeof(c->zCode), "%d", sqlite3_extended_errcode(p->db));
  c->zErr = sqlite3_mprintf("ERROR %s: %s", c->zCode, sqlite3_errmsg(p->db));
  return SQLITE_ERROR;
}

static void mirrorClear(RemoteConn *c){
  sqlite3_free(c->zErr);
  c->zErr = 0;
  c->eErr = REMOTE_ERR_NONE;
  c->zCode[0] = 0;
}

static int mirrorIsQueryKey(const char *zKey){ (void)zKey; return 0; }

static int mirrorConnect(const RemoteUrl *pUrl, RemoteConn **ppConn,
                         char **pzErr, int *peErr){
  MirrorConn *p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->base.pDialect = &mirrorDialect;
  if( sqlite3_open(pUrl->zDatabase ? pUrl->zDatabase : ":memory:", &p->db) ){
    *pzErr = sqlite3_mprintf("ERROR: cannot open %s", pUrl->zDatabase);
    *peErr = REMOTE_ERR_DISCONNECT;
    sqlite3_close(p->db);
    sqlite3_free(p);
    return SQLITE_ERROR;
  }
  *ppConn = &p->base;
  return SQLITE_OK;
}

static void mirrorClose(RemoteConn *pConn){
  MirrorConn *p = (MirrorConn*)pConn;
  sqlite3_close_v2(p->db);
  mirrorClear(pConn);
  sqlite3_free(p);
}

static int mirrorPing(RemoteConn *pConn){ (void)pConn; return SQLITE_OK; }
static sqlite3_int64 mirrorPid(RemoteConn *pConn){ (void)pConn; return 1; }
static int mirrorInTxn(RemoteConn *pConn){
  return !sqlite3_get_autocommit(((MirrorConn*)pConn)->db);
}

static void mirrorBind(sqlite3_stmt *pStmt, int nParam, const RemoteValue *a){
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

static int mirrorExec(RemoteConn *pConn, const char *zSql, int nParam,
                      const RemoteValue *aParam, sqlite3_int64 *pnChange){
  MirrorConn *p = (MirrorConn*)pConn;
  const char *zTail = zSql;
  mirrorClear(pConn);
  mirrorRecord(zSql);
  *pnChange = 0;
  while( zTail && zTail[0] ){
    sqlite3_stmt *pStmt = 0;
    int rc = sqlite3_prepare_v2(p->db, zTail, -1, &pStmt, &zTail);
    if( rc ) return mirrorError(p, rc);
    if( pStmt==0 ) continue;
    mirrorBind(pStmt, nParam, aParam);
    while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){}
    if( rc!=SQLITE_DONE ){
      rc = sqlite3_reset(pStmt);
      mirrorError(p, rc);
      sqlite3_finalize(pStmt);
      return SQLITE_ERROR;
    }
    *pnChange = sqlite3_changes64(p->db);
    sqlite3_finalize(pStmt);
  }
  return SQLITE_OK;
}

static int mirrorQuery(RemoteConn *pConn, const char *zSql, int nParam,
                       const RemoteValue *aParam, int nFetch, int mFlags,
                       RemoteCursor **ppCur){
  MirrorConn *p = (MirrorConn*)pConn;
  MirrorCursor *pCur;
  sqlite3_stmt *pStmt = 0;
  int rc;
  (void)nFetch; (void)mFlags;
  mirrorClear(pConn);
  mirrorRecord(zSql);
  rc = sqlite3_prepare_v2(p->db, zSql, -1, &pStmt, 0);
  if( rc ) return mirrorError(p, rc);
  pCur = sqlite3_malloc(sizeof(*pCur));
  if( pCur==0 ){ sqlite3_finalize(pStmt); return SQLITE_NOMEM; }
  pCur->base.pConn = pConn;
  pCur->pStmt = pStmt;
  mirrorBind(pStmt, nParam, aParam);
  pConn->pActive = &pCur->base;
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

static int mirrorStep(RemoteCursor *pCur){
  MirrorCursor *p = (MirrorCursor*)pCur;
  int rc = sqlite3_step(p->pStmt);
  if( rc==SQLITE_ROW || rc==SQLITE_DONE ) return rc;
  return mirrorError((MirrorConn*)pCur->pConn, sqlite3_reset(p->pStmt));
}

static int mirrorColumnCount(RemoteCursor *pCur){
  return sqlite3_column_count(((MirrorCursor*)pCur)->pStmt);
}
static const char *mirrorColumnName(RemoteCursor *pCur, int i){
  return sqlite3_column_name(((MirrorCursor*)pCur)->pStmt, i);
}
/* Every column of this test's tables is declared INTEGER or TEXT */
static const char *mirrorDecl(const char *zType){
  return (zType && strstr(zType, "INT")) ? "INTEGER" : "TEXT";
}
static const char *mirrorColumnDeclType(RemoteCursor *pCur, int i){
  return mirrorDecl(sqlite3_column_decltype(((MirrorCursor*)pCur)->pStmt, i));
}
static void mirrorColumn(RemoteCursor *pCur, int i, RemoteValue *pOut){
  sqlite3_stmt *pStmt = ((MirrorCursor*)pCur)->pStmt;
  memset(pOut, 0, sizeof(*pOut));
  pOut->eType = sqlite3_column_type(pStmt, i);
  switch( pOut->eType ){
    case SQLITE_INTEGER: pOut->i = sqlite3_column_int64(pStmt, i); break;
    case SQLITE_FLOAT:   pOut->r = sqlite3_column_double(pStmt, i); break;
    case SQLITE_TEXT: case SQLITE_BLOB:
      pOut->z = (const char*)sqlite3_column_blob(pStmt, i);
      pOut->n = sqlite3_column_bytes(pStmt, i);
      if( pOut->z==0 ) pOut->z = "";
      break;
  }
}
static void mirrorFinalize(RemoteCursor *pCur){
  MirrorCursor *p = (MirrorCursor*)pCur;
  sqlite3_finalize(p->pStmt);
  if( pCur->pConn->pActive==pCur ) pCur->pConn->pActive = 0;
  sqlite3_free(p);
}

static char *mirrorQuote(const char *z){ return sqlite3_mprintf("\"%w\"", z); }
static char *mirrorBeginSql(const char *zIso){ (void)zIso; return sqlite3_mprintf("BEGIN"); }
static char *mirrorSavepointSql(const char *z){ return sqlite3_mprintf("SAVEPOINT \"%w\"", z); }
static char *mirrorReleaseSql(const char *z){ return sqlite3_mprintf("RELEASE \"%w\"", z); }
static char *mirrorRollbackToSql(const char *z){ return sqlite3_mprintf("ROLLBACK TO \"%w\"", z); }
static int mirrorSetIsolation(RemoteConn *pConn, const char *zLevel){
  (void)pConn; (void)zLevel;
  return SQLITE_OK;
}
static char *mirrorGetIsolation(RemoteConn *pConn){
  (void)pConn;
  return sqlite3_mprintf("SERIALIZABLE");
}

static int mirrorTableInfo(RemoteConn *pConn, const char *zSchema,
                           const char *zTable, RemoteTableInfo **ppInfo){
  MirrorConn *p = (MirrorConn*)pConn;
  sqlite3_stmt *pStmt = 0;
  RemoteTableInfo *pInfo;
  int nAlloc = 0;
  (void)zSchema;
  mirrorClear(pConn);
  if( sqlite3_prepare_v2(p->db, "SELECT name, type, pk, \"notnull\" "
                         "FROM pragma_table_info(?1) ORDER BY cid", -1, &pStmt, 0) ){
    return mirrorError(p, sqlite3_errcode(p->db));
  }
  sqlite3_bind_text(pStmt, 1, zTable, -1, SQLITE_STATIC);
  pInfo = sqlite3_malloc(sizeof(*pInfo));
  memset(pInfo, 0, sizeof(*pInfo));
  pInfo->zTable = sqlite3_mprintf("%s", zTable);
  pInfo->nRowEst = -1;
  while( sqlite3_step(pStmt)==SQLITE_ROW ){
    RemoteColumnInfo *c;
    if( pInfo->nCol>=nAlloc ){
      nAlloc = nAlloc ? nAlloc*2 : 8;
      pInfo->aCol = sqlite3_realloc64(pInfo->aCol, sizeof(*c)*nAlloc);
    }
    c = &pInfo->aCol[pInfo->nCol++];
    memset(c, 0, sizeof(*c));
    c->zName = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 0));
    c->zRemoteType = sqlite3_mprintf("%s", sqlite3_column_text(pStmt, 1));
    c->zDeclType = sqlite3_mprintf("%s", mirrorDecl((const char*)sqlite3_column_text(pStmt, 1)));
    c->iPk = sqlite3_column_int(pStmt, 2);
    c->bNotNull = sqlite3_column_int(pStmt, 3);
  }
  sqlite3_finalize(pStmt);
  if( pInfo->nCol==0 ){
    sqlite3_free(pInfo->zTable);
    sqlite3_free(pInfo);
    return SQLITE_NOTFOUND;
  }
  *ppInfo = pInfo;
  return SQLITE_OK;
}

static int mirrorListTables(RemoteConn *pConn, const char *zSchema,
                            int *pnTable, char ***pazTable){
  (void)pConn; (void)zSchema;
  *pnTable = 0;
  *pazTable = 0;
  return SQLITE_OK;
}

static void *mirrorNative(RemoteConn *pConn){ return ((MirrorConn*)pConn)->db; }

const RemoteDialect mirrorDialect = {
  .iVersion = 1,
  .zName = "mirror",
  .zDriver = "mirror",
  .xIsQueryKey = mirrorIsQueryKey,
  .xConnect = mirrorConnect,
  .xClose = mirrorClose,
  .xCloseNoTerminate = mirrorClose,
  .xPing = mirrorPing,
  .xBackendPid = mirrorPid,
  .xInTransaction = mirrorInTxn,
  .xExec = mirrorExec,
  .xQuery = mirrorQuery,
  .xStep = mirrorStep,
  .xColumnCount = mirrorColumnCount,
  .xColumnName = mirrorColumnName,
  .xColumnDeclType = mirrorColumnDeclType,
  .xColumn = mirrorColumn,
  .xFinalize = mirrorFinalize,
  .xQuoteIdent = mirrorQuote,
  .xBeginSql = mirrorBeginSql,
  .zCommitSql = "COMMIT",
  .zRollbackSql = "ROLLBACK",
  .xSavepointSql = mirrorSavepointSql,
  .xReleaseSql = mirrorReleaseSql,
  .xRollbackToSql = mirrorRollbackToSql,
  .xSetIsolation = mirrorSetIsolation,
  .xGetIsolation = mirrorGetIsolation,
  .xTableInfo = mirrorTableInfo,
  .xListTables = mirrorListTables,
  .xNativeHandle = mirrorNative,
};
