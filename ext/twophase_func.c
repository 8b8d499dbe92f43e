/* SPDX-License-Identifier: MIT */
/*
** twophase_func.c: the SQL functions of two-phase commit.
**
**   SELECT remote_recover();                       -- after a crash
**   SELECT remote_begin_twophase('pg');            -- '_sa_8f3c...'
**   SELECT remote_execute('pg', 'INSERT ...');
**   SELECT remote_prepare('pg');
**   SELECT remote_commit('pg');                    -- COMMIT PREPARED
**   SELECT xid, prepared FROM remote_recover_twophase('pg');
**   SELECT remote_commit_prepared('pg', '_sa_8f3c...');
**
** The explicit API is SQLAlchemy's (begin_twophase, prepare,
** recover_twophase, commit_prepared, rollback_prepared); the automatic
** two-phase commit of virtual-table writes and remote_recover() are
** twophase.c's. remoteTpcRegister() registers everything here; all of it
** talks to servers and is SQLITE_DIRECTONLY.
*/
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "func.h"
#include "twophase.h"

#define SESS(ctx) ((RemoteSession*)sqlite3_user_data(ctx))

/* Report zErr (sqlite3_malloc'd, freed here) with result code rc */
static void tpcResultError(sqlite3_context *ctx, int rc, char *zErr){
  sqlite3_result_error(ctx, zErr ? zErr : "remote: unknown error", -1);
  if( rc==SQLITE_NOMEM ) sqlite3_result_error_nomem(ctx);
  else if( rc!=SQLITE_ERROR && rc!=SQLITE_OK ) sqlite3_result_error_code(ctx, rc);
  sqlite3_free(zErr);
}

/* The text of argument p, or NULL with an error naming zWhat */
static const char *tpcArgText(sqlite3_context *ctx, sqlite3_value *p,
                              const char *zWhat){
  if( sqlite3_value_type(p)!=SQLITE_TEXT ){
    char *z = sqlite3_mprintf("%s must be text", zWhat);
    tpcResultError(ctx, SQLITE_ERROR, z);
    return 0;
  }
  return (const char*)sqlite3_value_text(p);
}

/* remote_recover([ENGINE]) */
static void fRecover(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  const char *zEngine = 0;
  char *zErr = 0;
  int nDone = 0, rc;
  if( argc>0 && sqlite3_value_type(argv[0])!=SQLITE_NULL ){
    zEngine = tpcArgText(ctx, argv[0], "ENGINE");
    if( zEngine==0 ) return;
  }
  rc = remoteTpcRecover(SESS(ctx), zEngine, &nDone, &zErr);
  if( rc ) tpcResultError(ctx, rc, zErr);
  else sqlite3_result_int(ctx, nDone);
}

/* remote_begin_twophase(CONN [, XID]): the xid */
static void fBeginTwophase(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc;
  RemoteEngine *pE;
  char *zErr = 0, *zXid = 0;
  int rc;
  pSc = remoteSessConn(SESS(ctx), argv[0], &zErr);
  if( pSc==0 ){
    tpcResultError(ctx, SQLITE_ERROR, zErr);
    return;
  }
  pE = remoteSessEngine(pSc, &zErr);
  if( pE==0 ){
    tpcResultError(ctx, SQLITE_ERROR, zErr);
    return;
  }
  if( pE->pDialect->xTpcSql==0 ){
    zErr = sqlite3_mprintf("remote: %s: a sqlite engine cannot prepare a "
                           "transaction (no two-phase commit)", pE->zName);
    rc = SQLITE_ERROR;
  }else if( argc>1 && sqlite3_value_type(argv[1])!=SQLITE_NULL ){
    const char *z = (const char*)sqlite3_value_text(argv[1]);
    int n = sqlite3_value_bytes(argv[1]);
    if( sqlite3_value_type(argv[1])!=SQLITE_TEXT || z==0 || n==0
     || n>pE->pDialect->nTpcXidMax || (int)strlen(z)!=n ){
      zErr = sqlite3_mprintf("invalid XID: text of 1 to %d bytes expected",
                             pE->pDialect->nTpcXidMax);
      rc = SQLITE_ERROR;
    }else{
      zXid = sqlite3_mprintf("%s", z);
      rc = zXid ? SQLITE_OK : SQLITE_NOMEM;
    }
  }else{
    /* SQLAlchemy's: "_sa_%032x" % random.randint(0, 2 ** 128) */
    unsigned char a[16];
    sqlite3_str *pStr = sqlite3_str_new(0);
    int i;
    sqlite3_randomness(sizeof(a), a);
    sqlite3_str_appendall(pStr, "_sa_");
    for(i=0; i<16; i++) sqlite3_str_appendf(pStr, "%02x", a[i]);
    zXid = sqlite3_str_finish(pStr);
    rc = zXid ? SQLITE_OK : SQLITE_NOMEM;
  }
  remoteEngineRelease(pE);
  if( rc==SQLITE_OK ) rc = remoteSessBeginXid(pSc, zXid, &zErr);
  if( rc ){
    sqlite3_free(zXid);
    tpcResultError(ctx, rc, zErr);
  }else{
    sqlite3_result_text(ctx, zXid, -1, sqlite3_free);
  }
}

/* remote_prepare(CONN): the xid */
static void fPrepare(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc;
  char *zErr = 0;
  int rc;
  (void)argc;
  pSc = remoteSessConn(SESS(ctx), argv[0], &zErr);
  if( pSc==0 ){
    tpcResultError(ctx, SQLITE_ERROR, zErr);
    return;
  }
  if( pSc->bVtabTxn ){
    tpcResultError(ctx, SQLITE_ERROR, sqlite3_mprintf("remote: %s: the "
        "transaction belongs to SQLite's transaction (virtual-table writes): "
        "SQLite's COMMIT ends it", pSc->zEngine));
    return;
  }
  rc = remoteSessPrepare(pSc, &zErr);
  if( rc ){
    if( zErr && strncmp(zErr, "remote: ", 8)!=0 ){
      char *z = sqlite3_mprintf("remote: %s: %s", pSc->zEngine, zErr);
      if( z ){ sqlite3_free(zErr); zErr = z; }
    }
    tpcResultError(ctx, rc, zErr);
  }else{
    sqlite3_result_text(ctx, pSc->zXid, -1, SQLITE_TRANSIENT);
  }
}

/* remote_commit_prepared(ENGINE, XID), remote_rollback_prepared(ENGINE, XID) */
static void finishPrepared(sqlite3_context *ctx, sqlite3_value **argv,
                           int bCommit){
  const char *zEngine = tpcArgText(ctx, argv[0], "ENGINE");
  const char *zXid;
  PoolConn *pc = 0;
  char *zErr = 0;
  int rc;
  if( zEngine==0 ) return;
  zXid = tpcArgText(ctx, argv[1], "XID");
  if( zXid==0 ) return;
  rc = remoteTpcConnOpen(zEngine, &pc, &zErr);
  if( rc==SQLITE_OK ){
    rc = remoteTpcExec(pc, zEngine, bCommit ? REMOTE_TPC_COMMIT_PREPARED
                       : REMOTE_TPC_ROLLBACK_PREPARED, zXid, &zErr);
    remoteTpcConnClose(pc);
  }
  if( rc==SQLITE_NOTFOUND ) rc = SQLITE_ERROR;
  if( rc ) tpcResultError(ctx, rc, zErr);
  else sqlite3_result_int(ctx, 1);
}

static void fCommitPrepared(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc;
  finishPrepared(ctx, argv, 1);
}

static void fRollbackPrepared(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc;
  finishPrepared(ctx, argv, 0);
}

/* ------------------------------------------------------------------ */
/* SELECT xid, prepared FROM remote_recover_twophase(ENGINE)          */

typedef struct TpcListCursor TpcListCursor;
struct TpcListCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  int nXid;
  char **azXid;             /* 2*nXid: xid, prepared time or NULL */
  int iRow;
  sqlite3_value *pEngine;   /* the ENGINE argument (hidden column) */
};

#define TCOL_XID      0
#define TCOL_PREPARED 1
#define TCOL_ENGINE   2

static int tpcListConnect(sqlite3 *db, void *pAux, int argc,
                          const char *const *argv, sqlite3_vtab **ppVtab,
                          char **pzErr){
  sqlite3_vtab *p;
  int rc;
  (void)pAux; (void)argc; (void)argv; (void)pzErr;
  rc = sqlite3_declare_vtab(db, "CREATE TABLE x(xid, prepared, engine HIDDEN)");
  if( rc ) return rc;
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  *ppVtab = p;
  return SQLITE_OK;
}

static int tpcListDisconnect(sqlite3_vtab *pVtab){
  sqlite3_free(pVtab);
  return SQLITE_OK;
}

/* idxNum 1: the ENGINE argument is given (argv[0]); without it the plan
** is kept at a prohibitive cost, so that xFilter can say what is missing */
static int tpcListBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  int i;
  (void)pVtab;
  pInfo->idxNum = 0;
  pInfo->estimatedCost = 1e300;
  pInfo->estimatedRows = 10;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if( c->iColumn!=TCOL_ENGINE || c->op!=SQLITE_INDEX_CONSTRAINT_EQ ) continue;
    if( !c->usable ) return SQLITE_CONSTRAINT;
    pInfo->aConstraintUsage[i].argvIndex = 1;
    pInfo->aConstraintUsage[i].omit = 1;
    pInfo->idxNum = 1;
    pInfo->estimatedCost = 100.0;
    break;
  }
  return SQLITE_OK;
}

static void tpcListReset(TpcListCursor *p){
  int i;
  for(i=0; i<2*p->nXid; i++) sqlite3_free(p->azXid[i]);
  sqlite3_free(p->azXid);
  p->azXid = 0;
  p->nXid = 0;
  p->iRow = 0;
  sqlite3_value_free(p->pEngine);
  p->pEngine = 0;
}

static int tpcListOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  TpcListCursor *p = sqlite3_malloc(sizeof(*p));
  (void)pVtab;
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  *ppCur = &p->base;
  return SQLITE_OK;
}

static int tpcListClose(sqlite3_vtab_cursor *pCur){
  tpcListReset((TpcListCursor*)pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

static int tpcListFilter(sqlite3_vtab_cursor *pCur, int idxNum,
                         const char *idxStr, int argc, sqlite3_value **argv){
  TpcListCursor *p = (TpcListCursor*)pCur;
  const char *zEngine;
  PoolConn *pc = 0;
  char *zErr = 0;
  int rc;
  (void)idxStr;
  tpcListReset(p);
  if( idxNum!=1 || argc<1 || sqlite3_value_type(argv[0])!=SQLITE_TEXT ){
    zErr = sqlite3_mprintf("remote_recover_twophase(ENGINE) needs an engine name");
    rc = SQLITE_ERROR;
    goto filter_done;
  }
  p->pEngine = sqlite3_value_dup(argv[0]);
  if( p->pEngine==0 ) return SQLITE_NOMEM;
  zEngine = (const char*)sqlite3_value_text(argv[0]);
  rc = remoteTpcConnOpen(zEngine, &pc, &zErr);
  if( rc==SQLITE_OK ){
    RemoteConn *pConn = pc->pConn;
    if( pConn->pDialect->xTpcList==0 ){
      /* a sqlite engine: never anything prepared */
    }else if( pConn->pDialect->xTpcList(pConn, &p->nXid, &p->azXid) ){
      rc = remoteTpcConnError(pc, zEngine, &zErr);
    }
    remoteTpcConnClose(pc);
  }

filter_done:
  if( rc ){
    sqlite3_free(pCur->pVtab->zErrMsg);
    pCur->pVtab->zErrMsg = zErr;
  }
  return rc;
}

static int tpcListNext(sqlite3_vtab_cursor *pCur){
  ((TpcListCursor*)pCur)->iRow++;
  return SQLITE_OK;
}

static int tpcListEof(sqlite3_vtab_cursor *pCur){
  TpcListCursor *p = (TpcListCursor*)pCur;
  return p->iRow>=p->nXid;
}

static int tpcListColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  TpcListCursor *p = (TpcListCursor*)pCur;
  if( i==TCOL_ENGINE ){
    if( p->pEngine ) sqlite3_result_value(ctx, p->pEngine);
  }else{
    const char *z = p->azXid[2*p->iRow + (i==TCOL_PREPARED)];
    if( z ) sqlite3_result_text(ctx, z, -1, SQLITE_TRANSIENT);
  }
  return SQLITE_OK;
}

static int tpcListRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  *pRowid = ((TpcListCursor*)pCur)->iRow + 1;
  return SQLITE_OK;
}

static sqlite3_module tpcListModule = {
  0,                        /* iVersion */
  0,                        /* xCreate: eponymous only */
  tpcListConnect,
  tpcListBestIndex,
  tpcListDisconnect,
  0,                        /* xDestroy */
  tpcListOpen,
  tpcListClose,
  tpcListFilter,
  tpcListNext,
  tpcListEof,
  tpcListColumn,
  tpcListRowid,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
#if SQLITE_VERSION_NUMBER>=3044000
  , 0                       /* xIntegrity: SQLite 3.44's headers have it */
#endif
};

int remoteTpcRegister(sqlite3 *db, RemoteSession *pSess){
  static const struct {
    const char *zName;
    int nArg;
    void (*x)(sqlite3_context*, int, sqlite3_value**);
  } aFunc[] = {
    {"remote_recover",             0, fRecover},
    {"remote_recover",             1, fRecover},
    {"remote_begin_twophase",      1, fBeginTwophase},
    {"remote_begin_twophase",      2, fBeginTwophase},
    {"remote_prepare",             1, fPrepare},
    {"remote_commit_prepared",     2, fCommitPrepared},
    {"remote_rollback_prepared",   2, fRollbackPrepared},
  };
  int i, rc = SQLITE_OK;
  for(i=0; rc==SQLITE_OK && i<(int)(sizeof(aFunc)/sizeof(aFunc[0])); i++){
    rc = sqlite3_create_function_v2(db, aFunc[i].zName, aFunc[i].nArg,
                                    SQLITE_UTF8|SQLITE_DIRECTONLY, pSess,
                                    aFunc[i].x, 0, 0, 0);
  }
  if( rc==SQLITE_OK ){
    rc = sqlite3_create_module(db, "remote_recover_twophase", &tpcListModule, 0);
  }
  return rc;
}
