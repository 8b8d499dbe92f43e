/* SPDX-License-Identifier: MIT */
/*
** func.c: the remote_* scalar SQL functions.
**
**   SELECT remote_engine('pg', 'env:PG_URL', 'pool_size=2');
**   SELECT remote_execute('pg', 'INSERT INTO t VALUES ($1)', 42);
**   SELECT remote_begin('pg'); ... SELECT remote_commit('pg');
**
** Each function is a thin layer over engine.c (engines) and session.c
** (connections, statements, transactions): it converts arguments, calls one
** function there and turns its result or error into the SQL result.
** remoteFuncRegister() is the entry point; everything that talks to a
** server or changes state is SQLITE_DIRECTONLY.
*/
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "engine.h"
#include "func.h"
#include "session.h"

#define SESS(ctx) ((RemoteSession*)sqlite3_user_data(ctx))

/* Report zErr (sqlite3_malloc'd, freed here) with result code rc */
static void resultError(sqlite3_context *ctx, int rc, char *zErr){
  sqlite3_result_error(ctx, zErr ? zErr : "remote: unknown error", -1);
  if( rc!=SQLITE_ERROR && rc!=SQLITE_OK ) sqlite3_result_error_code(ctx, rc);
  if( rc==SQLITE_NOMEM ) sqlite3_result_error_nomem(ctx);
  sqlite3_free(zErr);
}

/* Text argument or NULL */
static const char *argText(sqlite3_value *p){
  return sqlite3_value_type(p)==SQLITE_NULL ? 0 : (const char*)sqlite3_value_text(p);
}


/* ------------------------------------------------------------------ */
/* Engines                                                            */

static void fVersion(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc; (void)argv;
  sqlite3_result_text(ctx, REMOTE_VERSION, -1, SQLITE_STATIC);
}

static void fDebug(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc; (void)argv;
  sqlite3_result_text(ctx, remoteDebugText(), -1, sqlite3_free);
}

/* Variadic functions check their minimum argument count */
static int tooFewArgs(sqlite3_context *ctx, int argc, int nMin, const char *zUsage){
  if( argc>=nMin ) return 0;
  resultError(ctx, SQLITE_ERROR, sqlite3_mprintf("wrong number of arguments: %s", zUsage));
  return 1;
}

static void fEngine(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  const char **azOpt;
  char *zErr = 0;
  int i, rc;
  if( tooFewArgs(ctx, argc, 2, "remote_engine(NAME, URL [, OPTION ...])") ) return;
  azOpt = sqlite3_malloc64(sizeof(char*)*(argc-1));
  if( azOpt==0 ){
    sqlite3_result_error_nomem(ctx);
    return;
  }
  for(i=2; i<argc; i++) azOpt[i-2] = argText(argv[i]);
  rc = remoteEngineCreate(argText(argv[0]), argText(argv[1]), argc-2, azOpt, &zErr);
  sqlite3_free(azOpt);
  if( rc ){
    resultError(ctx, rc, zErr);
    return;
  }
  sqlite3_result_value(ctx, argv[0]);
}

static void fDrop(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  const char *zName = argText(argv[0]);
  (void)argc;
  sqlite3_result_int(ctx, zName ? remoteEngineDrop(zName) : 0);
}

static void fDispose(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  const char *zName = argText(argv[0]);
  int bClose = argc>1 ? sqlite3_value_int(argv[1]) : 1;
  int nClosed = 0;
  int rc = zName ? remoteEngineDispose(zName, bClose, &nClosed) : SQLITE_NOTFOUND;
  if( rc==SQLITE_NOTFOUND ){
    resultError(ctx, SQLITE_ERROR, sqlite3_mprintf("no such remote engine: %s",
                zName ? zName : ""));
  }else if( rc ){
    sqlite3_result_error_code(ctx, rc);
  }else{
    sqlite3_result_int(ctx, nClosed);
  }
}

static void fPoolStatus(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  const char *zName = argText(argv[0]);
  RemoteEngine *pE = zName ? remoteEngineFind(zName) : 0;
  RemotePool *pPool;
  (void)argc;
  if( pE==0 ){
    resultError(ctx, SQLITE_ERROR, sqlite3_mprintf("no such remote engine: %s",
                zName ? zName : ""));
    return;
  }
  pPool = remoteEnginePool(pE);
  if( pPool ){
    sqlite3_result_text(ctx, remotePoolStatus(pPool), -1, sqlite3_free);
    remotePoolRelease(pPool);
  }else{
    /* dropped by another thread since the lookup */
    resultError(ctx, SQLITE_ERROR, sqlite3_mprintf("no such remote engine: %s",
                zName));
  }
  remoteEngineRelease(pE);
}

static void fClearCache(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  sqlite3_result_int(ctx, remoteClearCache(argc>0 ? argText(argv[0]) : 0));
}

/* ------------------------------------------------------------------ */
/* Connections and execution                                          */

/* Resolve argv[0] as a CONN or report the error */
/* The SQL argument pVal as text ("" for NULL), or NULL after reporting
** text that holds a NUL byte: the statement sent would end there */
static const char *argSql(sqlite3_context *ctx, sqlite3_value *pVal){
  const char *z = argText(pVal);
  if( z && (int)strlen(z)!=sqlite3_value_bytes(pVal) ){
    resultError(ctx, SQLITE_ERROR,
                sqlite3_mprintf("SQL text holds a NUL byte"));
    return 0;
  }
  return z ? z : "";
}

static SessConn *argConn(sqlite3_context *ctx, sqlite3_value *pVal){
  char *zErr = 0;
  SessConn *pSc = remoteSessConn(SESS(ctx), pVal, &zErr);
  if( pSc==0 ) resultError(ctx, SQLITE_ERROR, zErr);
  return pSc;
}

static void fConnect(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  const char *zName = argText(argv[0]);
  sqlite3_int64 iHandle = 0;
  char *zErr = 0;
  int rc;
  (void)argc;
  rc = remoteSessConnect(SESS(ctx), zName ? zName : "", &iHandle, &zErr);
  if( rc ) resultError(ctx, rc, zErr);
  else sqlite3_result_int64(ctx, iHandle);
}

static void fClose(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  char *zErr = 0;
  int rc;
  (void)argc;
  rc = remoteSessClose(SESS(ctx), sqlite3_value_int64(argv[0]), &zErr);
  if( rc ) resultError(ctx, rc, zErr);
  else sqlite3_result_int(ctx, 1);
}

/* The bound parameters of remote_execute / remote_scalar (argv[2..]) in
** aStatic, or in a sqlite3_malloc'd array when there are more than 16
** (*paParam; free it when it is not aStatic). -1 after reporting OOM. */
static int argParams(sqlite3_context *ctx, int argc, sqlite3_value **argv,
                     RemoteValue *aStatic, RemoteValue **paParam){
  int i, nParam = argc-2;
  *paParam = aStatic;
  if( nParam>16 ){
    *paParam = sqlite3_malloc64(sizeof(RemoteValue)*nParam);
    if( *paParam==0 ){
      sqlite3_result_error_nomem(ctx);
      return -1;
    }
  }
  for(i=0; i<nParam; i++) remoteValueFromSqlite(argv[i+2], &(*paParam)[i]);
  return nParam;
}

static void fExecute(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc;
  RemoteValue aStatic[16];
  RemoteValue *aParam;
  sqlite3_int64 nChange = 0;
  const char *zSql;
  char *zErr = 0;
  int rc, nParam;
  if( tooFewArgs(ctx, argc, 2, "remote_execute(CONN, SQL [, PARAM ...])") ) return;
  pSc = argConn(ctx, argv[0]);
  if( pSc==0 ) return;
  zSql = argSql(ctx, argv[1]);
  if( zSql==0 ) return;
  nParam = argParams(ctx, argc, argv, aStatic, &aParam);
  if( nParam<0 ) return;
  rc = remoteSessExec(pSc, zSql, nParam, aParam, &nChange, &zErr);
  if( aParam!=aStatic ) sqlite3_free(aParam);
  if( rc ) resultError(ctx, rc, zErr);
  else sqlite3_result_int64(ctx, nChange);
}

/*
** 1 if zJson is a JSON array whose elements are all arrays (PARAMSETS),
** else 0; an SQLite error code (negated) on failure.
*/
static int isArrayOfArrays(sqlite3 *db, const char *zJson){
  sqlite3_stmt *pStmt = 0;
  int rc, bOk = 0;
  rc = sqlite3_prepare_v2(db,
      "SELECT CASE WHEN json_valid(?1) AND json_type(?1)='array' THEN "
      "(SELECT count(*) FROM json_each(?1) WHERE type<>'array') END", -1,
      &pStmt, 0);
  if( rc ) return -rc;
  sqlite3_bind_text(pStmt, 1, zJson, -1, SQLITE_STATIC);
  if( sqlite3_step(pStmt)==SQLITE_ROW ){
    bOk = sqlite3_column_type(pStmt, 0)==SQLITE_INTEGER
       && sqlite3_column_int(pStmt, 0)==0;
  }
  rc = sqlite3_finalize(pStmt);
  return rc ? -rc : bOk;
}

/*
** Run zSql for each of the nSet parameter sets: when they all have the
** same number of values, in as few round trips as the dialect allows
** (remoteSessExecBatch: pipelined / array-bound), else one by one.
*/
static int execSets(SessConn *pSc, const char *zSql, int nSet,
                    const int *anParam, RemoteValue **aaParam,
                    sqlite3_int64 *pnTotal, char **pzErr){
  RemoteValue *aAll;
  int i, nParam = anParam[0], rc = SQLITE_OK;
  for(i=1; i<nSet && anParam[i]==nParam; i++){}
  if( i<nSet || nSet<2 || nParam==0 ){
    for(i=0; rc==SQLITE_OK && i<nSet; i++){
      sqlite3_int64 nChange = 0;
      rc = remoteSessExec(pSc, zSql, anParam[i], aaParam[i], &nChange, pzErr);
      *pnTotal += nChange;
    }
    return rc;
  }
  aAll = sqlite3_malloc64(sizeof(RemoteValue)*nParam*(sqlite3_int64)nSet);
  if( aAll==0 ) return SQLITE_NOMEM;
  for(i=0; i<nSet; i++){
    memcpy(&aAll[(sqlite3_int64)i*nParam], aaParam[i], sizeof(RemoteValue)*nParam);
  }
  rc = remoteSessExecBatch(pSc, zSql, nParam, nSet, aAll, pnTotal, pzErr);
  sqlite3_free(aAll);
  return rc;
}

/*
** remote_executemany(CONN, SQL, PARAMSETS): every parameter set is parsed
** before anything runs; outside a transaction the sets run in one remote
** transaction of their own (one statement: all of it or nothing).
*/
static void fExecuteMany(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc = argConn(ctx, argv[0]);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zSql = pSc ? argSql(ctx, argv[1]) : 0;
  const char *zSets = argText(argv[2]);
  RemoteValue *aSet = 0;        /* the sets, each a JSON array text */
  RemoteValue **aaParam = 0;    /* parsed parameters of each set */
  int *anParam = 0;
  int nSet = 0, i, rc, bOwnTxn = 0;
  sqlite3_int64 nTotal = 0;
  char *zErr = 0;
  (void)argc;
  if( pSc==0 || zSql==0 ) return;
  rc = isArrayOfArrays(db, zSets ? zSets : "null");
  if( rc<0 ){
    rc = -rc;
    zErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    goto executemany_done;
  }
  if( rc==0 ){
    rc = SQLITE_ERROR;
    zErr = sqlite3_mprintf("PARAMSETS must be a JSON array of arrays");
    goto executemany_done;
  }
  rc = remoteJsonArray(db, zSets, &aSet, &nSet, &zErr);
  if( rc ) goto executemany_done;
  if( nSet>0 ){
    aaParam = sqlite3_malloc64((sizeof(RemoteValue*)+sizeof(int))*nSet);
    if( aaParam==0 ){ rc = SQLITE_NOMEM; goto executemany_done; }
    memset(aaParam, 0, (sizeof(RemoteValue*)+sizeof(int))*nSet);
    anParam = (int*)&aaParam[nSet];
  }
  for(i=0; rc==SQLITE_OK && i<nSet; i++){
    rc = remoteJsonArray(db, aSet[i].z, &aaParam[i], &anParam[i], &zErr);
  }
  if( rc || nSet==0 ) goto executemany_done;

  if( pSc->nDepth==0 ){
    rc = remoteSessBegin(pSc, 0, &zErr);
    if( rc ) goto executemany_done;
    bOwnTxn = 1;
  }
  rc = execSets(pSc, zSql ? zSql : "", nSet, anParam, aaParam, &nTotal, &zErr);
  if( bOwnTxn ){
    if( rc==SQLITE_OK ){
      rc = remoteSessCommit(pSc, &zErr);
    }else{
      char *zErr2 = 0;
      remoteSessRollback(pSc, &zErr2);
      sqlite3_free(zErr2);
    }
    /* A failed commit leaves the level inactive: end it */
    if( pSc->nDepth>0 ){
      char *zErr2 = 0;
      remoteSessRollback(pSc, &zErr2);
      sqlite3_free(zErr2);
    }
  }

executemany_done:
  for(i=0; aaParam && i<nSet; i++) sqlite3_free(aaParam[i]);
  sqlite3_free(aaParam);
  sqlite3_free(aSet);
  if( rc ) resultError(ctx, rc, zErr);
  else{
    sqlite3_free(zErr);
    sqlite3_result_int64(ctx, nTotal);
  }
}

static void fScalar(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc;
  RemoteValue aStatic[16];
  RemoteValue *aParam;
  RemoteResult *pRes = 0;
  const char *zSql;
  char *zErr = 0;
  int rc, nParam;
  if( tooFewArgs(ctx, argc, 2, "remote_scalar(CONN, SQL [, PARAM ...])") ) return;
  pSc = argConn(ctx, argv[0]);
  if( pSc==0 ) return;
  zSql = argSql(ctx, argv[1]);
  if( zSql==0 ) return;
  nParam = argParams(ctx, argc, argv, aStatic, &aParam);
  if( nParam<0 ) return;
  rc = remoteResultOpen(pSc, zSql, nParam, aParam, 1, &pRes, &zErr);
  if( rc==SQLITE_OK ){
    rc = remoteResultStep(pRes, &zErr);
    if( rc==SQLITE_ROW ){
      RemoteValue v;
      if( remoteResultColumnCount(pRes)>0 ){
        remoteResultColumn(pRes, 0, &v);
        remoteResultValue(ctx, &v);
      }else{
        sqlite3_result_null(ctx);
      }
      rc = SQLITE_OK;
    }else if( rc==SQLITE_DONE ){
      sqlite3_result_null(ctx);
      rc = SQLITE_OK;
    }
  }
  remoteResultClose(pRes);
  if( aParam!=aStatic ) sqlite3_free(aParam);
  if( rc ) resultError(ctx, rc, zErr);
}

static void fInvalidate(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc = argConn(ctx, argv[0]);
  if( pSc==0 ) return;
  sqlite3_result_int(ctx, remoteSessInvalidate(pSc, argc>1 && sqlite3_value_int(argv[1])));
}

static void fDetach(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc = argConn(ctx, argv[0]);
  (void)argc;
  if( pSc==0 ) return;
  sqlite3_result_int(ctx, remoteSessDetach(pSc));
}

static void fExecOptions(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc;
  const char **azOpt;
  char *zErr = 0;
  int i, rc;
  if( tooFewArgs(ctx, argc, 1, "remote_execution_options(CONN, OPTION ...)") ) return;
  pSc = argConn(ctx, argv[0]);
  if( pSc==0 ) return;
  azOpt = sqlite3_malloc64(sizeof(char*)*argc);
  if( azOpt==0 ){
    sqlite3_result_error_nomem(ctx);
    return;
  }
  for(i=1; i<argc; i++) azOpt[i-1] = argText(argv[i]);
  rc = remoteSessOptions(pSc, argc-1, azOpt, &zErr);
  sqlite3_free(azOpt);
  if( rc ) resultError(ctx, rc, zErr);
  else sqlite3_result_int(ctx, 1);
}

/* ------------------------------------------------------------------ */
/* Transactions                                                       */

static void fBegin(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc = argConn(ctx, argv[0]);
  const char *zIso = 0;
  char *zErr = 0;
  int rc;
  if( pSc==0 ) return;
  if( argc>1 && argText(argv[1]) ){
    zIso = remoteIsolationNormalize(argText(argv[1]));
    if( zIso==0 ){
      resultError(ctx, SQLITE_ERROR, sqlite3_mprintf(
          "invalid value '%s' for isolation_level: expected one of "
          "SERIALIZABLE, REPEATABLE READ, READ COMMITTED, READ UNCOMMITTED, "
          "AUTOCOMMIT", argText(argv[1])));
      return;
    }
  }
  rc = remoteSessBegin(pSc, zIso, &zErr);
  if( rc ) resultError(ctx, rc, zErr);
  else sqlite3_result_int(ctx, pSc->nDepth);
}

/* remote_commit and remote_rollback: the depth left, or the error */
static void txnEnd(sqlite3_context *ctx, sqlite3_value *pConn,
                   int (*xEnd)(SessConn*, char**)){
  SessConn *pSc = argConn(ctx, pConn);
  char *zErr = 0;
  int rc;
  if( pSc==0 ) return;
  rc = xEnd(pSc, &zErr);
  if( rc ) resultError(ctx, rc, zErr);
  else sqlite3_result_int(ctx, pSc->nDepth);
}

static void fCommit(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc;
  txnEnd(ctx, argv[0], remoteSessCommit);
}

static void fRollback(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  (void)argc;
  txnEnd(ctx, argv[0], remoteSessRollback);
}

static void fSavepoint(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc = argConn(ctx, argv[0]);
  char *zErr = 0, *zOut = 0;
  int rc;
  if( pSc==0 ) return;
  rc = remoteSessSavepoint(pSc, argc>1 ? argText(argv[1]) : 0, &zOut, &zErr);
  if( rc ) resultError(ctx, rc, zErr);
  else sqlite3_result_text(ctx, zOut, -1, sqlite3_free);
}

/* remote_release and remote_rollback_to: the name ended, or the error */
static void savepointEnd(sqlite3_context *ctx, int argc, sqlite3_value **argv,
                         int bRollback){
  SessConn *pSc = argConn(ctx, argv[0]);
  char *zErr = 0, *zOut = 0;
  int rc;
  if( pSc==0 ) return;
  rc = remoteSessRelease2(pSc, argc>1 ? argText(argv[1]) : 0, bRollback,
                          &zOut, &zErr);
  if( rc ) resultError(ctx, rc, zErr);
  else sqlite3_result_text(ctx, zOut, -1, sqlite3_free);
}

static void fReleaseSp(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  savepointEnd(ctx, argc, argv, 0);
}

static void fRollbackTo(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  savepointEnd(ctx, argc, argv, 1);
}

static void fInTransaction(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc = argConn(ctx, argv[0]);
  (void)argc;
  if( pSc ) sqlite3_result_int(ctx, pSc->nDepth>0);
}

static void fNested(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc = argConn(ctx, argv[0]);
  (void)argc;
  if( pSc==0 ) return;
  if( pSc->nSave>0 ){
    sqlite3_result_text(ctx, pSc->azSave[pSc->nSave-1], -1, SQLITE_TRANSIENT);
  }else{
    sqlite3_result_null(ctx);
  }
}

static void fIsolationLevel(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc = argConn(ctx, argv[0]);
  PoolConn *pc = 0;
  char *zErr = 0;
  int rc;
  (void)argc;
  if( pSc==0 ) return;
  rc = remoteSessAcquire(pSc, &pc, &zErr);
  if( rc==SQLITE_OK ){
    char *zLevel = pc->pConn->pDialect->xGetIsolation(pc->pConn);
    if( zLevel ){
      sqlite3_result_text(ctx, zLevel, -1, sqlite3_free);
    }else{
      rc = remoteSessError(pSc, pc, &zErr);
    }
    remoteSessRelease(pSc, pc);
  }
  if( rc ) resultError(ctx, rc, zErr);
}

/* remote_last_insert_id(ENGINE): the key the remote generated for the
** last row a virtual table of this SQLite connection inserted through
** ENGINE (vtab_write.c keeps it on the CONN), or NULL */
static void fLastInsertId(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  SessConn *pSc = argConn(ctx, argv[0]);
  (void)argc;
  if( pSc ) remoteResultValue(ctx, &pSc->lastId);
}

int remoteFuncRegister(sqlite3 *db, RemoteSession *pSess){
  static const struct {
    const char *zName;
    int nArg;
    int bPure;          /* deterministic, no state: innocuous */
    void (*x)(sqlite3_context*, int, sqlite3_value**);
  } aFunc[] = {
    {"remote_version",             0, 1, fVersion},
    {"remote_debug",               0, 1, fDebug},
    {"remote_engine",             -1, 0, fEngine},
    {"remote_drop",                1, 0, fDrop},
    {"remote_dispose",             1, 0, fDispose},
    {"remote_dispose",             2, 0, fDispose},
    {"remote_pool_status",         1, 0, fPoolStatus},
    {"remote_clear_cache",         0, 0, fClearCache},
    {"remote_clear_cache",         1, 0, fClearCache},
    {"remote_connect",             1, 0, fConnect},
    {"remote_close",               1, 0, fClose},
    {"remote_execute",            -1, 0, fExecute},
    {"remote_executemany",         3, 0, fExecuteMany},
    {"remote_scalar",             -1, 0, fScalar},
    {"remote_invalidate",          1, 0, fInvalidate},
    {"remote_invalidate",          2, 0, fInvalidate},
    {"remote_detach",              1, 0, fDetach},
    {"remote_execution_options",  -1, 0, fExecOptions},
    {"remote_begin",               1, 0, fBegin},
    {"remote_begin",               2, 0, fBegin},
    {"remote_commit",              1, 0, fCommit},
    {"remote_rollback",            1, 0, fRollback},
    {"remote_savepoint",           1, 0, fSavepoint},
    {"remote_savepoint",           2, 0, fSavepoint},
    {"remote_release",             1, 0, fReleaseSp},
    {"remote_release",             2, 0, fReleaseSp},
    {"remote_rollback_to",         1, 0, fRollbackTo},
    {"remote_rollback_to",         2, 0, fRollbackTo},
    {"remote_in_transaction",      1, 0, fInTransaction},
    {"remote_nested_transaction",  1, 0, fNested},
    {"remote_isolation_level",     1, 0, fIsolationLevel},
    {"remote_last_insert_id",      1, 0, fLastInsertId},
  };
  int i, rc = SQLITE_OK;
  for(i=0; rc==SQLITE_OK && i<(int)(sizeof(aFunc)/sizeof(aFunc[0])); i++){
    int eFlags = SQLITE_UTF8;
    eFlags |= aFunc[i].bPure ? (SQLITE_DETERMINISTIC|SQLITE_INNOCUOUS)
                             : SQLITE_DIRECTONLY;
    rc = sqlite3_create_function_v2(db, aFunc[i].zName, aFunc[i].nArg, eFlags,
                                    pSess, aFunc[i].x, 0, 0, 0);
  }
  /* Argument-count checks for the variadic functions happen here */
  return rc;
}
