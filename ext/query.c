/* SPDX-License-Identifier: MIT */
/*
** query.c: the remote_query table-valued function.
**
**   SELECT row FROM remote_query('pg', 'SELECT id, name FROM t WHERE id>$1', '[10]');
**   SELECT row->>'name' FROM remote_query('pg', 'SELECT ...');
**
** One output row per result row; column `row` is a JSON object whose keys
** are the result's column names in order (a blob as lowercase hex text).
** Rows stream from the server through a RemoteResult (session.h).
*/
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "func.h"

typedef struct QueryVtab QueryVtab;
struct QueryVtab {
  sqlite3_vtab base;        /* Base class - must be first */
  RemoteSession *pSess;
  sqlite3 *db;
};

typedef struct QueryCursor QueryCursor;
struct QueryCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  RemoteResult *pRes;
  sqlite3_int64 iRow;
  int bEof;
  char *zRow;               /* JSON of the current row */
  sqlite3_value *apArg[3];  /* conn, sql, params as given (hidden columns) */
};

#define QCOL_ROW    0
#define QCOL_CONN   1
#define QCOL_SQL    2
#define QCOL_PARAMS 3

static int queryConnect(sqlite3 *db, void *pAux, int argc,
                        const char *const *argv, sqlite3_vtab **ppVtab,
                        char **pzErr){
  QueryVtab *p;
  int rc;
  (void)argc; (void)argv; (void)pzErr;
  rc = sqlite3_declare_vtab(db,
      "CREATE TABLE x(row, conn HIDDEN, sql HIDDEN, params HIDDEN)");
  if( rc ) return rc;
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->pSess = (RemoteSession*)pAux;
  p->db = db;
  *ppVtab = &p->base;
  return SQLITE_OK;
}

static int queryDisconnect(sqlite3_vtab *pVtab){
  sqlite3_free(pVtab->zErrMsg);
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/*
** Plan: idxNum bit 1 = conn, 2 = sql, 4 = params are given, in that order
** of argv. An EQ constraint on a hidden column that is not usable in this
** join order rejects the plan (SQLITE_CONSTRAINT). When conn or sql is not
** given at all the plan is kept, at a prohibitive cost, so that xFilter
** can say what is missing instead of SQLite's "no query solution".
*/
static int queryBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  int aIdx[4] = {-1, -1, -1, -1};
  int i, n = 0, idxNum = 0;
  (void)pVtab;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if( c->iColumn<QCOL_CONN ) continue;
    if( c->op!=SQLITE_INDEX_CONSTRAINT_EQ ) continue;
    if( !c->usable ) return SQLITE_CONSTRAINT;
    aIdx[c->iColumn] = i;
  }
  for(i=QCOL_CONN; i<=QCOL_PARAMS; i++){
    if( aIdx[i]>=0 ){
      pInfo->aConstraintUsage[aIdx[i]].argvIndex = ++n;
      pInfo->aConstraintUsage[aIdx[i]].omit = 1;
      idxNum |= 1<<(i-1);
    }
  }
  pInfo->idxNum = idxNum;
  if( (idxNum&3)==3 ){
    pInfo->estimatedCost = 1000.0;
    pInfo->estimatedRows = 1000;
  }else{
    pInfo->estimatedCost = 1e300;
    pInfo->estimatedRows = 1000;
  }
  return SQLITE_OK;
}

static int queryOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  QueryCursor *p = sqlite3_malloc(sizeof(*p));
  (void)pVtab;
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  *ppCur = &p->base;
  return SQLITE_OK;
}

static void cursorReset(QueryCursor *p){
  int i;
  for(i=0; i<3; i++){
    sqlite3_value_free(p->apArg[i]);
    p->apArg[i] = 0;
  }
  remoteResultClose(p->pRes);
  p->pRes = 0;
  sqlite3_free(p->zRow);
  p->zRow = 0;
  p->iRow = 0;
  p->bEof = 1;
}

static int queryClose(sqlite3_vtab_cursor *pCur){
  QueryCursor *p = (QueryCursor*)pCur;
  cursorReset(p);
  sqlite3_free(p);
  return SQLITE_OK;
}

/* Append v to a JSON text */
void remoteJsonAppendValue(sqlite3_str *pStr, const RemoteValue *v){
  int i;
  switch( v->eType ){
    case SQLITE_INTEGER:
      sqlite3_str_appendf(pStr, "%lld", v->i);
      break;
    case SQLITE_FLOAT: {
      char zBuf[REMOTE_DOUBLE_TEXT_MAX];
      if( isnan(v->r) ){
        sqlite3_str_appendall(pStr, "null");
      }else if( isinf(v->r) ){
        sqlite3_str_appendall(pStr, v->r>0 ? "9e999" : "-9e999");
      }else{
        /* Shortest text that reads back as the same double */
        remoteDoubleText(v->r, zBuf);
        if( strpbrk(zBuf, ".eE")==0 ){
          sqlite3_str_appendf(pStr, "%s.0", zBuf);
        }else{
          sqlite3_str_appendall(pStr, zBuf);
        }
      }
      break;
    }
    case SQLITE_TEXT:
      sqlite3_str_appendchar(pStr, 1, '"');
      for(i=0; i<v->n; i++){
        unsigned char c = (unsigned char)v->z[i];
        if( c=='"' || c=='\\' ){
          sqlite3_str_appendchar(pStr, 1, '\\');
          sqlite3_str_appendchar(pStr, 1, (char)c);
        }else if( c<0x20 ){
          switch( c ){
            case '\n': sqlite3_str_appendall(pStr, "\\n"); break;
            case '\r': sqlite3_str_appendall(pStr, "\\r"); break;
            case '\t': sqlite3_str_appendall(pStr, "\\t"); break;
            default:   sqlite3_str_appendf(pStr, "\\u%04x", c); break;
          }
        }else{
          sqlite3_str_appendchar(pStr, 1, (char)c);
        }
      }
      sqlite3_str_appendchar(pStr, 1, '"');
      break;
    case SQLITE_BLOB:
      sqlite3_str_appendchar(pStr, 1, '"');
      for(i=0; i<v->n; i++){
        sqlite3_str_appendf(pStr, "%02x", (unsigned char)v->z[i]);
      }
      sqlite3_str_appendchar(pStr, 1, '"');
      break;
    default:
      sqlite3_str_appendall(pStr, "null");
      break;
  }
}

/* Build the JSON object of the current row */
static int buildRow(QueryCursor *p){
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i, nCol = remoteResultColumnCount(p->pRes);
  sqlite3_str_appendchar(pStr, 1, '{');
  for(i=0; i<nCol; i++){
    RemoteValue name, v;
    const char *zName = remoteResultColumnName(p->pRes, i);
    memset(&name, 0, sizeof(name));
    name.eType = SQLITE_TEXT;
    name.z = zName ? zName : "";
    name.n = (int)strlen(name.z);
    if( i ) sqlite3_str_appendchar(pStr, 1, ',');
    remoteJsonAppendValue(pStr, &name);
    sqlite3_str_appendchar(pStr, 1, ':');
    remoteResultColumn(p->pRes, i, &v);
    remoteJsonAppendValue(pStr, &v);
  }
  sqlite3_str_appendchar(pStr, 1, '}');
  sqlite3_free(p->zRow);
  p->zRow = sqlite3_str_finish(pStr);
  return p->zRow ? SQLITE_OK : SQLITE_NOMEM;
}

static int queryNext(sqlite3_vtab_cursor *pCur){
  QueryCursor *p = (QueryCursor*)pCur;
  char *zErr = 0;
  int rc = remoteResultStep(p->pRes, &zErr);
  if( rc==SQLITE_ROW ){
    p->iRow++;
    return buildRow(p);
  }
  p->bEof = 1;
  if( rc==SQLITE_DONE ){
    /* Give the connection back as soon as the rows are read */
    remoteResultClose(p->pRes);
    p->pRes = 0;
    return SQLITE_OK;
  }
  sqlite3_free(pCur->pVtab->zErrMsg);
  pCur->pVtab->zErrMsg = zErr;
  return rc;
}

static int queryFilter(sqlite3_vtab_cursor *pCur, int idxNum,
                       const char *idxStr, int argc, sqlite3_value **argv){
  QueryCursor *p = (QueryCursor*)pCur;
  QueryVtab *pTab = (QueryVtab*)pCur->pVtab;
  RemoteValue *aParam = 0;
  int nParam = 0;
  SessConn *pSc;
  char *zErr = 0;
  const char *zSql;
  int rc, i;
  (void)idxStr;
  cursorReset(p);
  if( argc<2 || (idxNum&3)!=3 ){
    zErr = sqlite3_mprintf(
        "wrong number of arguments: remote_query(CONN, SQL [, PARAMS])");
    goto filter_error;
  }
  for(i=0; i<argc && i<3; i++){
    p->apArg[i] = sqlite3_value_dup(argv[i]);
    if( p->apArg[i]==0 ) return SQLITE_NOMEM;
  }
  pSc = remoteSessConn(pTab->pSess, argv[0], &zErr);
  if( pSc==0 ) goto filter_error;
  zSql = (const char*)sqlite3_value_text(argv[1]);
  if( zSql && (int)strlen(zSql)!=sqlite3_value_bytes(argv[1]) ){
    /* the statement sent would end at the NUL */
    zErr = sqlite3_mprintf("SQL text holds a NUL byte");
    goto filter_error;
  }
  if( argc>2 && sqlite3_value_type(argv[2])!=SQLITE_NULL ){
    rc = remoteJsonArray(pTab->db, (const char*)sqlite3_value_text(argv[2]),
                         &aParam, &nParam, &zErr);
    if( rc ) goto filter_error;
  }
  /* remoteResultOpen() keeps its own copy of the parameters; the rows
  ** stream while SQLite runs other statements (a shared cursor when they
  ** need this connection) */
  pSc->mQuery = REMOTE_QUERY_STREAM;
  rc = remoteResultOpen(pSc, zSql ? zSql : "", nParam, aParam, 1, &p->pRes,
                        &zErr);
  pSc->mQuery = 0;
  sqlite3_free(aParam);
  if( rc ){
    sqlite3_free(pCur->pVtab->zErrMsg);
    pCur->pVtab->zErrMsg = zErr;
    return rc;
  }
  p->bEof = 0;
  return queryNext(pCur);

filter_error:
  sqlite3_free(pCur->pVtab->zErrMsg);
  pCur->pVtab->zErrMsg = zErr;
  return SQLITE_ERROR;
}

static int queryEof(sqlite3_vtab_cursor *pCur){
  return ((QueryCursor*)pCur)->bEof;
}

static int queryColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  QueryCursor *p = (QueryCursor*)pCur;
  if( i==QCOL_ROW ){
    sqlite3_result_text(ctx, p->zRow, -1, SQLITE_TRANSIENT);
    sqlite3_result_subtype(ctx, 'J');
  }else if( i>=QCOL_CONN && i<=QCOL_PARAMS && p->apArg[i-QCOL_CONN] ){
    sqlite3_result_value(ctx, p->apArg[i-QCOL_CONN]);
  }
  return SQLITE_OK;
}

static int queryRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  *pRowid = ((QueryCursor*)pCur)->iRow;
  return SQLITE_OK;
}

static sqlite3_module queryModule = {
  0,                        /* iVersion */
  0,                        /* xCreate: eponymous only */
  queryConnect,
  queryBestIndex,
  queryDisconnect,
  0,                        /* xDestroy */
  queryOpen,
  queryClose,
  queryFilter,
  queryNext,
  queryEof,
  queryColumn,
  queryRowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#if SQLITE_VERSION_NUMBER>=3044000
  , 0                       /* xIntegrity: SQLite 3.44's headers have it */
#endif
};

int remoteQueryRegister(sqlite3 *db, RemoteSession *pSess){
  return sqlite3_create_module(db, "remote_query", &queryModule, pSess);
}
