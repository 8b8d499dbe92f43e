/* SPDX-License-Identifier: MIT */
/*
** vtab_write.c: xUpdate of the `remote` module: INSERT, UPDATE and DELETE
** of a remote table, by primary key.
**
**   INSERT INTO items(id, name) VALUES (7, 'x');
**   UPDATE items SET name = 'y' WHERE id = 7;
**   DELETE FROM items WHERE id = 7;
**
** vtabUpdate() picks one builder per statement: writeDelete(),
** writeInsert() (with writeUpsert() for OR REPLACE / OR IGNORE) and
** writeUpdate(), each headed by the SQL it writes for the example table
** "public"."items"(id integer primary key, name text, ok boolean) on
** PostgreSQL. Values are converted by the column's affinity first, as
** SQLite would store them. Outside an explicit transaction INSERT rows are
** queued (batch.c, batch_size) and sent by the statement's end (xSync),
** before any read or other write on the engine. Inside SQLite's transaction
** a write on a dialect whose failed statement aborts the whole remote
** transaction (PostgreSQL) gets a savepoint of its own (writeGuardBegin),
** so that its failure undoes only that statement, as in SQLite.
*/
#include <math.h>
#include <string.h>

#include "vtab.h"

/* One xUpdate call */
typedef struct Write Write;
struct Write {
  RemoteVtab *pTab;
  SessConn *pSc;
  const RemoteDialect *pD;
  VtabSql q;                /* the statement (parameters not copied) */
  char *zErr;               /* sqlite3_malloc'd error, or NULL */
};

/* Convert a value for a column of declared type zDecl as SQLite's column
** affinity would store it. May point into *pzBuf. */
static void storeAffinity(const char *zDecl, RemoteValue *v, char **pzBuf){
  if( strcmp(zDecl, "TEXT")==0 ){
    vtabApplyAffinity(K_TEXT, v, pzBuf);
  }else if( strcmp(zDecl, "INTEGER")==0 || strcmp(zDecl, "NUMERIC")==0 ){
    vtabApplyAffinity(K_INT, v, pzBuf);
    if( v->eType==SQLITE_FLOAT && v->r==floor(v->r)
     && v->r>-9.2233720368547758e18 && v->r<9.2233720368547758e18 ){
      v->eType = SQLITE_INTEGER;
      v->i = (sqlite3_int64)v->r;
    }
  }else if( strcmp(zDecl, "REAL")==0 ){
    vtabApplyAffinity(K_REAL8, v, pzBuf);
    if( v->eType==SQLITE_INTEGER ){
      v->eType = SQLITE_FLOAT;
      v->r = (double)v->i;
    }
  }
}

/* pVal as stored in column iCol (pointing into pVal or a kept buffer) */
static void columnValue(Write *w, int iCol, sqlite3_value *pVal, RemoteValue *v){
  char *zBuf = 0;
  remoteValueFromSqlite(pVal, v);
  storeAffinity(w->pTab->azDecl[iCol], v, &zBuf);
  vtabSqlKeep(&w->q, zBuf);
}

/* Append a placeholder bound to v, written as column iCol takes it */
static void writeParam(Write *w, int iCol, const RemoteValue *v){
  vtabSqlFmt(&w->q, w->q.pRules->azWrite[w->pTab->aKind[iCol]], 0, v);
}

/* Append column iCol's quoted name */
static void writeCol(Write *w, int iCol){
  const char *zQ = vtabColQuoted(w->pTab, w->pD, iCol);
  if( zQ ) sqlite3_str_appendall(w->q.pStr, zQ);
  else w->q.bFull = 1;
}

/* Booleans of a batched row as 0/1 integers: COPY takes 1 and 0 */
static void boolsAsIntegers(RemoteVtab *pTab, RemoteValue *aParam){
  int i;
  for(i=0; i<pTab->nCol; i++){
    RemoteValue *v = &aParam[i];
    if( pTab->aKind[i]!=K_BOOL ) continue;
    if( v->eType==SQLITE_INTEGER ){
      v->i = v->i!=0;
    }else if( v->eType==SQLITE_FLOAT ){
      v->eType = SQLITE_INTEGER;
      v->i = v->r!=0.0;
    }
  }
}

/*
**   WHERE "id" = $N            (a one-column key: argv[0] is its value)
**   WHERE "a" = $N AND "b" = $M  (a composite key: the values the rowid
**                                 argv[0] stands for, see RowMap)
*/
static int writeKeyWhere(Write *w, sqlite3_value *pKey){
  RemoteVtab *pTab = w->pTab;
  RemoteValue aKey[REMOTE_PK_MAX];
  int k;
  sqlite3_str_appendall(w->q.pStr, " WHERE ");
  if( pTab->nPk==1 ){
    RemoteValue v;
    writeCol(w, pTab->iPk);
    sqlite3_str_appendall(w->q.pStr, " = ");
    columnValue(w, pTab->iPk, pKey, &v);
    writeParam(w, pTab->iPk, &v);
    return SQLITE_OK;
  }
  if( !vtabKeyOf(pTab, sqlite3_value_int64(pKey), aKey) ){
    w->zErr = sqlite3_mprintf("remote: %s: no key known for rowid %lld",
                              pTab->zEngine, sqlite3_value_int64(pKey));
    return SQLITE_ERROR;
  }
  for(k=0; k<pTab->nPk; k++){
    if( k ) sqlite3_str_appendall(w->q.pStr, " AND ");
    writeCol(w, pTab->aiPk[k]);
    sqlite3_str_appendall(w->q.pStr, " = ");
    writeParam(w, pTab->aiPk[k], &aKey[k]);
  }
  return SQLITE_OK;
}

/*
**   DELETE FROM "public"."items" WHERE "id" = $1
*/
static int writeDelete(Write *w, sqlite3_value *pKey){
  sqlite3_str_appendall(w->q.pStr, "DELETE FROM ");
  vtabAppendTarget(w->q.pStr, w->pTab, w->pSc, w->pD);
  return writeKeyWhere(w, pKey);
}

/*
**   UPDATE "public"."items" SET "name" = $1, "ok" = ($2::int8 <> 0)
**     WHERE "id" = $3
** Only the columns SQLite says changed are set (the key may change too).
** SQLITE_DONE when none did: nothing to send.
*/
static int writeUpdate(Write *w, sqlite3_value **argv){
  RemoteVtab *pTab = w->pTab;
  int i, nSet = 0;
  sqlite3_str_appendall(w->q.pStr, "UPDATE ");
  vtabAppendTarget(w->q.pStr, pTab, w->pSc, w->pD);
  sqlite3_str_appendall(w->q.pStr, " SET ");
  for(i=0; i<pTab->nCol; i++){
    RemoteValue v;
    if( sqlite3_value_nochange(argv[i+2]) ) continue;
    if( nSet++ ) sqlite3_str_appendall(w->q.pStr, ", ");
    writeCol(w, i);
    sqlite3_str_appendall(w->q.pStr, " = ");
    columnValue(w, i, argv[i+2], &v);
    writeParam(w, i, &v);
  }
  if( nSet==0 ) return SQLITE_DONE;
  return writeKeyWhere(w, argv[0]);
}

/* 1 if column iCol is part of the primary key */
static int isKeyColumn(RemoteVtab *pTab, int iCol){
  int k;
  for(k=0; k<pTab->nPk; k++) if( pTab->aiPk[k]==iCol ) return 1;
  return 0;
}

/*
** The conflict clause of INSERT OR REPLACE (an upsert) or OR IGNORE:
**
**   ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", ...
**   ON CONFLICT ("id") DO NOTHING          (REPLACE, a key-only table)
**   ON CONFLICT DO NOTHING                 (IGNORE)
**   ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)   (MySQL; IGNORE and
**                                  a key-only table: `id` = `id`)
**
** (SQLite's own INSERT OR ... verb is written by writeInsert.) Not
** INSERT IGNORE on MySQL: that also turns data errors into warnings.
*/
static void writeUpsert(Write *w, int eConflict){
  RemoteVtab *pTab = w->pTab;
  sqlite3_str *p = w->q.pStr;
  int eUpsert = w->q.pRules->eUpsert;
  int i, k, nSet = 0;
  if( eUpsert==UPSERT_ON_CONFLICT && eConflict==SQLITE_IGNORE ){
    sqlite3_str_appendall(p, " ON CONFLICT DO NOTHING");
    return;
  }
  if( eUpsert==UPSERT_ON_CONFLICT ){
    sqlite3_str_appendall(p, " ON CONFLICT (");
    for(k=0; k<pTab->nPk; k++){
      if( k ) sqlite3_str_appendall(p, ", ");
      writeCol(w, pTab->aiPk[k]);
    }
    sqlite3_str_appendall(p, ")");
  }else{
    sqlite3_str_appendall(p, " ON DUPLICATE KEY UPDATE ");
  }
  for(i=0; eConflict==SQLITE_REPLACE && i<pTab->nCol; i++){
    const char *zQ = vtabColQuoted(pTab, w->pD, i);
    if( isKeyColumn(pTab, i) ) continue;
    if( zQ==0 ){ w->q.bFull = 1; continue; }
    if( eUpsert==UPSERT_ON_CONFLICT ){
      sqlite3_str_appendf(p, "%s%s = EXCLUDED.%s", nSet ? ", " : " DO UPDATE SET ",
                          zQ, zQ);
    }else{
      sqlite3_str_appendf(p, "%s%s = VALUES(%s)", nSet ? ", " : "", zQ, zQ);
    }
    nSet++;
  }
  if( nSet==0 ){
    /* a key-only table (or IGNORE on MySQL): nothing to update */
    if( eUpsert==UPSERT_ON_CONFLICT ){
      sqlite3_str_appendall(p, " DO NOTHING");
    }else{
      writeCol(w, pTab->aiPk[0]);
      sqlite3_str_appendall(p, " = ");
      writeCol(w, pTab->aiPk[0]);
    }
  }
}

/* A new row of a composite-key table: its rowid is the number of its key
** values (aParam holds the row's values in column order) */
static void newRowRowid(RemoteVtab *pTab, const RemoteValue *aParam,
                        sqlite3_int64 *pRowid){
  RemoteValue aKey[REMOTE_PK_MAX];
  int k;
  if( pTab->nPk<=1 || pTab->nPk>REMOTE_PK_MAX ) return;
  for(k=0; k<pTab->nPk; k++) aKey[k] = aParam[pTab->aiPk[k]];
  *pRowid = vtabRowidOf(pTab, aKey);
}

/* Remember the batched INSERT's text (zSql split at nPrefix and nRowEnd)
** for the statement's next rows */
static void insertKeep(Write *w, const char *zSql, int nPrefix, int nRowEnd){
  RemoteVtab *pTab = w->pTab;
  const char *zSchema = remoteSessMapSchema(w->pSc, pTab->zSchema);
  sqlite3_free(pTab->zInsPrefix);
  sqlite3_free(pTab->zInsSuffix);
  sqlite3_free(pTab->zInsSchema);
  pTab->zInsPrefix = sqlite3_mprintf("%.*s", nPrefix, zSql);
  pTab->zInsSuffix = sqlite3_mprintf("%s", &zSql[nRowEnd]);
  pTab->zInsSchema = zSchema ? sqlite3_mprintf("%s", zSchema) : 0;
  pTab->eInsConflict = sqlite3_vtab_on_conflict(pTab->db);
  if( pTab->zInsPrefix==0 || pTab->zInsSuffix==0 || (zSchema && pTab->zInsSchema==0) ){
    sqlite3_free(pTab->zInsPrefix);
    pTab->zInsPrefix = 0;
  }
}

/* Queue the row held in w->q's parameters on the CONN's batch */
static int insertQueue(Write *w, const char *zPrefix, const char *zSuffix){
  RemoteVtab *pTab = w->pTab;
  return remoteBatchAdd(w->pSc, zPrefix, zSuffix, w->q.pRules->bDollar,
                        pTab->nBatch, w->q.nParam, w->q.aParam, &w->zErr);
}

/* Is this INSERT batched (queued and sent with others)? */
static int insertBatched(Write *w, int eConflict, int bBool){
  const VtabRules *pR = w->q.pRules;
  if( w->pTab->nBatch<=1 || !w->pSc->bVtabTxn || !sqlite3_get_autocommit(w->pTab->db) ){
    return 0;
  }
  /* ON CONFLICT DO UPDATE cannot take a key twice */
  if( eConflict==SQLITE_REPLACE && pR->eUpsert==UPSERT_ON_CONFLICT ) return 0;
  /* A boolean needs its "($n::int8 <> 0)" in a multi-row INSERT, which the
  ** batch does not write; a plain INSERT batches as COPY, where 1 and 0
  ** are booleans */
  if( bBool && (!pR->bCopyBools || eConflict==SQLITE_IGNORE
                || eConflict==SQLITE_REPLACE) ) return 0;
  return 1;
}

/*
** A batched INSERT this table has written before: the text is the same
** for every row, only the row's values are collected. 0 when it does not
** apply.
*/
static int insertAgain(Write *w, sqlite3_value **argv, sqlite3_int64 *pRowid,
                       int *pRc){
  RemoteVtab *pTab = w->pTab;
  int i;
  if( pTab->zInsPrefix==0 || pTab->nBatch<=1 || !w->pSc->bVtabTxn
   || !sqlite3_get_autocommit(pTab->db)
   || pTab->eInsConflict!=sqlite3_vtab_on_conflict(pTab->db)
   || !vtabSameText(pTab->zInsSchema, remoteSessMapSchema(w->pSc, pTab->zSchema)) ){
    return 0;
  }
  for(i=0; i<pTab->nCol; i++){
    RemoteValue v;
    columnValue(w, i, argv[i+2], &v);
    vtabSqlBind(&w->q, &v);
  }
  if( w->q.bFull ){ *pRc = SQLITE_NOMEM; return 1; }
  boolsAsIntegers(pTab, w->q.aParam);
  newRowRowid(pTab, w->q.aParam, pRowid);
  *pRc = insertQueue(w, pTab->zInsPrefix, pTab->zInsSuffix);
  return 1;
}

/*
**   INSERT INTO "public"."items" ("id", "name", "ok")
**     VALUES ($1, $2, ($3::int8 <> 0)) [conflict clause, writeUpsert]
**
** Batched (insertBatched): queued, SQLITE_DONE returned; otherwise the
** statement is left in w->q for the caller to run.
*/
static int writeInsert(Write *w, sqlite3_value **argv, sqlite3_int64 *pRowid){
  RemoteVtab *pTab = w->pTab;
  const VtabRules *pR = w->q.pRules;
  int eConflict = sqlite3_vtab_on_conflict(pTab->db);
  int i, nPrefix, nRowEnd, bBool = 0, rc = SQLITE_OK;
  char *zSql;
  if( insertAgain(w, argv, pRowid, &rc) ) return rc ? rc : SQLITE_DONE;
  if( eConflict!=SQLITE_ABORT && eConflict!=SQLITE_FAIL && eConflict!=SQLITE_ROLLBACK
   && pR->eUpsert==UPSERT_NONE ){
    w->zErr = sqlite3_mprintf("remote: %s: INSERT OR %s is not supported for "
        "this dialect", pTab->zEngine, eConflict==SQLITE_REPLACE ? "REPLACE" : "IGNORE");
    return SQLITE_ERROR;
  }
  if( pR->eUpsert==UPSERT_OR_VERB && eConflict==SQLITE_REPLACE ){
    sqlite3_str_appendall(w->q.pStr, "INSERT OR REPLACE INTO ");
  }else if( pR->eUpsert==UPSERT_OR_VERB && eConflict==SQLITE_IGNORE ){
    sqlite3_str_appendall(w->q.pStr, "INSERT OR IGNORE INTO ");
  }else{
    sqlite3_str_appendall(w->q.pStr, "INSERT INTO ");
  }
  vtabAppendTarget(w->q.pStr, pTab, w->pSc, w->pD);
  sqlite3_str_appendall(w->q.pStr, " (");
  for(i=0; i<pTab->nCol; i++){
    if( i ) sqlite3_str_appendall(w->q.pStr, ", ");
    writeCol(w, i);
  }
  sqlite3_str_appendall(w->q.pStr, ") VALUES ");
  nPrefix = sqlite3_str_length(w->q.pStr);
  sqlite3_str_appendchar(w->q.pStr, 1, '(');
  for(i=0; i<pTab->nCol; i++){
    RemoteValue v;
    if( i ) sqlite3_str_appendall(w->q.pStr, ", ");
    if( pTab->aKind[i]==K_BOOL ) bBool = 1;
    columnValue(w, i, argv[i+2], &v);
    writeParam(w, i, &v);
  }
  sqlite3_str_appendchar(w->q.pStr, 1, ')');
  nRowEnd = sqlite3_str_length(w->q.pStr);
  if( w->q.bFull ) return SQLITE_NOMEM;
  newRowRowid(pTab, w->q.aParam, pRowid);
  if( (eConflict==SQLITE_REPLACE || eConflict==SQLITE_IGNORE)
   && pR->eUpsert!=UPSERT_OR_VERB ){
    writeUpsert(w, eConflict);
  }
  if( !insertBatched(w, eConflict, bBool) ) return SQLITE_OK;
  /* queued; sent batch_size rows at a time and at the statement's end
  ** (xSync), before any read or other write on this engine */
  zSql = sqlite3_str_finish(w->q.pStr);
  w->q.pStr = 0;
  if( zSql==0 ) return SQLITE_NOMEM;
  if( bBool ) boolsAsIntegers(pTab, w->q.aParam);
  insertKeep(w, zSql, nPrefix, nRowEnd);
  zSql[nPrefix] = 0;
  rc = insertQueue(w, zSql, &zSql[nRowEnd]);
  sqlite3_free(zSql);
  return rc ? rc : SQLITE_DONE;
}

/*
** PostgreSQL aborts a whole transaction on any failed statement, where
** SQLite undoes only that statement and goes on. Inside a transaction each
** remote write is therefore preceded by the savepoint sr_w (the previous
** one released in the same round trip) and a failure rolls back to it.
*/
#define WRITE_GUARD "sr_w"
static int writeGuardBegin(SessConn *pSc, char **pzErr){
  char *zOut = 0;
  int rc;
  if( pSc->nSave>0 && strcmp(pSc->azSave[pSc->nSave-1], WRITE_GUARD)==0 ){
    return remoteSessExec(pSc, "RELEASE SAVEPOINT " WRITE_GUARD "; SAVEPOINT "
                          WRITE_GUARD, 0, 0, 0, pzErr);
  }
  rc = remoteSessSavepoint(pSc, WRITE_GUARD, &zOut, pzErr);
  sqlite3_free(zOut);
  return rc;
}
static void writeGuardUndo(SessConn *pSc){
  char *zOut = 0, *zErr = 0;
  if( pSc->nDepth>0 && pSc->eTxn==TXN_OK && pSc->nSave>0
   && strcmp(pSc->azSave[pSc->nSave-1], WRITE_GUARD)==0 ){
    remoteSessRelease2(pSc, WRITE_GUARD, 1, &zOut, &zErr);
  }
  sqlite3_free(zOut);
  sqlite3_free(zErr);
}

/* Send the statement built in w->q: rows queued on the CONN go first */
static int writeRun(Write *w){
  RemoteVtab *pTab = w->pTab;
  SessConn *pSc = w->pSc;
  sqlite3_int64 nChange = 0;
  char *zSql;
  int rc = SQLITE_OK, bGuard;
  if( remoteBatchPending(pSc) ){
    rc = remoteBatchFlush(pSc, &w->zErr);
    if( rc ) return rc;
  }
  zSql = sqlite3_str_finish(w->q.pStr);
  w->q.pStr = 0;
  if( zSql==0 || w->q.bFull ){
    sqlite3_free(zSql);
    return SQLITE_NOMEM;
  }
  bGuard = w->q.pRules->bWriteGuard && pSc->nDepth>0 && pSc->eTxn==TXN_OK
        && !sqlite3_get_autocommit(pTab->db);
  if( bGuard ) rc = writeGuardBegin(pSc, &w->zErr);
  if( rc==SQLITE_OK ){
    pSc->mQuery = REMOTE_QUERY_UTC;     /* times in UTC (dialect.h) */
    rc = remoteSessExec(pSc, zSql, w->q.nParam, w->q.aParam, &nChange, &w->zErr);
    pSc->mQuery = 0;
    if( rc && bGuard ) writeGuardUndo(pSc);
  }
  sqlite3_free(zSql);
  return rc;
}

/*
** xUpdate: argc==1 deletes the row whose key is argv[0]; argv[0] NULL
** inserts the row argv[2..]; otherwise the row argv[0] is updated to
** argv[2..].
*/
int vtabUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
               sqlite3_int64 *pRowid){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  RemoteEngine *pE;
  Write w;
  int rc;

  memset(&w, 0, sizeof(w));
  w.pTab = pTab;
  w.pSc = vtabConn(pTab);
  if( w.pSc==0 ) return SQLITE_ERROR;
  if( !pTab->bWritable ){
    vtabSetError(pVtab, sqlite3_mprintf("remote: %s: table %s is read-only",
                 pTab->zEngine, pTab->zTable ? pTab->zTable : "query"));
    return SQLITE_READONLY;
  }
  pE = remoteSessEngine(w.pSc, &w.zErr);
  if( pE==0 ){ vtabSetError(pVtab, w.zErr); return SQLITE_ERROR; }
  w.pD = pE->pDialect;
  vtabSqlInit(&w.q, pTab->pRules, 0);

  if( argc==1 ){
    rc = writeDelete(&w, argv[0]);
  }else if( sqlite3_value_type(argv[0])==SQLITE_NULL ){
    rc = writeInsert(&w, argv, pRowid);
  }else{
    rc = writeUpdate(&w, argv);
  }
  if( rc==SQLITE_OK ) rc = writeRun(&w);
  if( rc==SQLITE_DONE ) rc = SQLITE_OK;
  if( rc ){
    vtabStaleCheck(pTab, pE, w.zErr);
    vtabSetError(pVtab, w.zErr);
    w.zErr = 0;
  }
  sqlite3_free(w.zErr);
  vtabSqlClear(&w.q);
  remoteEngineRelease(pE);
  return rc;
}
