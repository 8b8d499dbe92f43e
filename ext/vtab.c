/* SPDX-License-Identifier: MIT */
/*
** vtab.c: the `remote` virtual-table module.
**
**   CREATE VIRTUAL TABLE temp.t USING remote(pg, 'public.items' [, fetch_size=N]
**        [, batch_size=N] [, updatable=0|1] [, primary_key=col]);
**   CREATE VIRTUAL TABLE temp.v USING remote(pg, query='SELECT ...');
**   SELECT remote_import('pg', 'public', 'temp', 'prefix=pg_');   (import.c)
**
** This file is the module itself: connecting a table (its columns, types
** and key from the remote catalog, through the engine's cache), the
** cursor, the xFilter driver, and the transaction and savepoint hooks.
** What a scan sends to the server (column kinds, exactness, the plan
** grammar, the SQL of WHERE / ORDER BY / LIMIT) is vtab_plan.c; writes are
** vtab_write.c; vtab.h says what each offers the others.
**
** Keys. A one-column primary key is declared WITHOUT ROWID on it. A
** composite key gives a rowid table whose rowid stands for the key values
** (RowMap, below). A table without a key is read-only and its rows have no
** identity, so no plan may look cheaper than half a full scan (SQLite
** would otherwise merge several scans by rowid for an OR).
**
** Transactions. The first writing vtab of an engine begins one remote
** transaction on the engine-name CONN (unless a remote_begin() is open
** there: it is joined); SQLite savepoints are mirrored as remote ones.
** Read remoteFilter() and remoteBegin() first.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtab.h"
#include "func.h"
#include "twophase.h"
#include "sqlcheck.h"

/* ------------------------------------------------------------------ */
/* Composite keys: the rowid map                                       */

static void rowMapFree(RowMap *pMap){
  int i;
  if( pMap==0 ) return;
  for(i=0; i<pMap->nKey; i++) sqlite3_free(pMap->aKey[i]);
  sqlite3_free(pMap->aKey);
  sqlite3_free(pMap->aHash);
  sqlite3_free(pMap);
}

static unsigned int keyHash(const char *a, int n){
  unsigned int h = 2166136261u;
  int i;
  for(i=0; i<n; i++) h = (h ^ (unsigned char)a[i]) * 16777619u;
  return h;
}

/* The rowid of the encoded key a[0..n): found, or handed out now. 0 on
** out of memory. */
static sqlite3_int64 rowMapId(RemoteVtab *pTab, const char *a, int n){
  RowMap *pMap = pTab->pMap;
  RowKey *pKey;
  unsigned int h = keyHash(a, n);
  if( pMap==0 ){
    pMap = pTab->pMap = sqlite3_malloc(sizeof(RowMap));
    if( pMap==0 ) return 0;
    memset(pMap, 0, sizeof(*pMap));
  }
  if( pMap->nHash ){
    for(pKey=pMap->aHash[h & (pMap->nHash-1)]; pKey; pKey=pKey->pHashNext){
      if( pKey->n==n && memcmp(pKey->a, a, n)==0 ) return pKey->iId;
    }
  }
  if( pMap->nKey>=pMap->nHash ){
    /* grow: twice as many buckets, every key rehashed */
    int nNew = pMap->nHash ? pMap->nHash*2 : 64, i;
    RowKey **aNew = sqlite3_malloc64(sizeof(RowKey*)*nNew);
    if( aNew==0 ) return 0;
    memset(aNew, 0, sizeof(RowKey*)*nNew);
    for(i=0; i<pMap->nKey; i++){
      RowKey *p = pMap->aKey[i];
      unsigned int hh = keyHash(p->a, p->n) & (nNew-1);
      p->pHashNext = aNew[hh];
      aNew[hh] = p;
    }
    sqlite3_free(pMap->aHash);
    pMap->aHash = aNew;
    pMap->nHash = nNew;
  }
  if( pMap->nKey>=pMap->nAlloc ){
    int nNew = pMap->nAlloc ? pMap->nAlloc*2 : 64;
    RowKey **aNew = sqlite3_realloc64(pMap->aKey, sizeof(RowKey*)*nNew);
    if( aNew==0 ) return 0;
    pMap->aKey = aNew;
    pMap->nAlloc = nNew;
  }
  pKey = sqlite3_malloc64(sizeof(RowKey)+n);
  if( pKey==0 ) return 0;
  pKey->iId = pMap->nKey+1;
  pKey->n = n;
  if( n ) memcpy(pKey->a, a, n);
  pKey->pHashNext = pMap->aHash[h & (pMap->nHash-1)];
  pMap->aHash[h & (pMap->nHash-1)] = pKey;
  pMap->aKey[pMap->nKey++] = pKey;
  return pKey->iId;
}

/* Encode the values aVal[0..nVal) (sqlite3_malloc'd, *pn bytes) */
static char *keyEncode(const RemoteValue *aVal, int nVal, int *pn){
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i;
  for(i=0; i<nVal; i++){
    const RemoteValue *v = &aVal[i];
    char c = (char)v->eType;
    sqlite3_str_append(pStr, &c, 1);
    if( v->eType==SQLITE_INTEGER ){
      sqlite3_str_append(pStr, (const char*)&v->i, 8);
    }else if( v->eType==SQLITE_FLOAT ){
      sqlite3_str_append(pStr, (const char*)&v->r, 8);
    }else if( v->eType==SQLITE_TEXT || v->eType==SQLITE_BLOB ){
      int n = v->n;
      sqlite3_str_append(pStr, (const char*)&n, 4);
      if( n>0 ) sqlite3_str_append(pStr, v->z, n);
    }
  }
  *pn = sqlite3_str_length(pStr);
  if( *pn==0 ) sqlite3_str_appendchar(pStr, 1, 0);
  return sqlite3_str_finish(pStr);
}

/* Decode the key of rowid iId into aVal[0..nVal) (pointing into the map).
** 0 if the rowid is unknown. */
static int keyDecode(RemoteVtab *pTab, sqlite3_int64 iId, RemoteValue *aVal, int nVal){
  RowKey *pKey;
  const char *a;
  int i;
  if( pTab->pMap==0 || iId<1 || iId>pTab->pMap->nKey ) return 0;
  pKey = pTab->pMap->aKey[iId-1];
  a = pKey->a;
  for(i=0; i<nVal; i++){
    RemoteValue *v = &aVal[i];
    memset(v, 0, sizeof(*v));
    v->eType = *a++;
    if( v->eType==SQLITE_INTEGER ){
      memcpy(&v->i, a, 8);
      a += 8;
    }else if( v->eType==SQLITE_FLOAT ){
      memcpy(&v->r, a, 8);
      a += 8;
    }else if( v->eType==SQLITE_TEXT || v->eType==SQLITE_BLOB ){
      memcpy(&v->n, a, 4);
      a += 4;
      v->z = a;
      a += v->n;
    }
  }
  return 1;
}

sqlite3_int64 vtabRowidOf(RemoteVtab *pTab, const RemoteValue *aVal){
  sqlite3_int64 iId = 0;
  int n = 0;
  char *zKey = keyEncode(aVal, pTab->nPk, &n);
  if( zKey ) iId = rowMapId(pTab, zKey, n);
  sqlite3_free(zKey);
  return iId;
}

int vtabKeyOf(RemoteVtab *pTab, sqlite3_int64 iRowid, RemoteValue *aVal){
  if( pTab->nPk>REMOTE_PK_MAX ) return 0;
  return keyDecode(pTab, iRowid, aVal, pTab->nPk);
}

/* Strip SQL quotes from an argument: sqlite3_malloc'd */
static char *dequote(const char *z){
  char q = z[0];
  int n = (int)strlen(z), i, j;
  char *zOut;
  if( (q=='\'' || q=='"' || q=='`' || q=='[') && n>=2 ){
    char qEnd = q=='[' ? ']' : q;
    zOut = sqlite3_malloc(n);
    if( zOut==0 ) return 0;
    for(i=1, j=0; i<n-1; i++){
      zOut[j++] = z[i];
      if( z[i]==qEnd && z[i+1]==qEnd ) i++;
    }
    zOut[j] = 0;
    return zOut;
  }
  return sqlite3_mprintf("%s", z);
}

/* ------------------------------------------------------------------ */
/* Connect / create                                                    */

/* Free a closed cursor (cursorReset done) */
static void cursorFree(RemoteVtabCursor *p){
  if( p ){
    sqlite3_free(p->aMap);
    sqlite3_free(p);
  }
}

static void vtabFree(RemoteVtab *p){
  int i;
  if( p==0 ) return;
  sqlite3_free(p->base.zErrMsg);   /* left by a method whose text SQLite
                                   ** never reads (xCommit, xRelease, ...) */
  sqlite3_free(p->zSel);
  sqlite3_free(p->zSelSchema);
  vtabWriteFree(p);
  sqlite3_free(p->aTextRead);
  vtabLookupForget(p);
  vtabPlanForget(p);
  cursorFree(p->pSpare);
  for(i=0; i<p->nCol; i++){
    if( p->azCol ) sqlite3_free(p->azCol[i]);
    if( p->azDecl ) sqlite3_free(p->azDecl[i]);
    if( p->azQuoted ) sqlite3_free(p->azQuoted[i]);
  }
  for(i=0; p->azCanonType && i<p->nCol; i++) sqlite3_free(p->azCanonType[i]);
  sqlite3_free(p->azCanonType);
  sqlite3_free(p->azQuoted);
  sqlite3_free(p->azCol);
  sqlite3_free(p->azDecl);
  sqlite3_free(p->aKind);
  sqlite3_free(p->aAff);
  sqlite3_free(p->aColFlag);
  sqlite3_free(p->aiPk);
  rowMapFree(p->pMap);
  sqlite3_free(p->zEngine);
  sqlite3_free(p->zSchema);
  sqlite3_free(p->zTable);
  sqlite3_free(p->zQuery);
  sqlite3_free(p);
}

/* Room for nCol columns' names, types, kinds and affinities */
static int columnsAlloc(RemoteVtab *p, int nCol){
  p->nCol = nCol;
  p->azCol = sqlite3_malloc64(sizeof(char*)*(nCol+1));
  p->azDecl = sqlite3_malloc64(sizeof(char*)*(nCol+1));
  p->aKind = sqlite3_malloc64(sizeof(int)*(nCol+1));
  p->aAff = sqlite3_malloc64(nCol+1);
  p->aiPk = sqlite3_malloc64(sizeof(int)*(nCol+1));
  p->aColFlag = sqlite3_malloc64(nCol+1);
  if( p->azCol==0 || p->azDecl==0 || p->aKind==0 || p->aAff==0 || p->aiPk==0
   || p->aColFlag==0 ){
    p->nCol = 0;
    return SQLITE_NOMEM;
  }
  memset(p->azCol, 0, sizeof(char*)*(nCol+1));
  memset(p->azDecl, 0, sizeof(char*)*(nCol+1));
  memset(p->aColFlag, 0, nCol+1);
  return SQLITE_OK;
}

/* Column i is zName of declared type zDecl (remote type zRemote) */
static int columnSet(RemoteVtab *p, int i, const char *zName, const char *zDecl,
                     const char *zRemote){
  p->azCol[i] = sqlite3_mprintf("%s", zName);
  p->azDecl[i] = sqlite3_mprintf("%s", zDecl);
  if( p->azCol[i]==0 || p->azDecl[i]==0 ) return SQLITE_NOMEM;
  p->aKind[i] = p->pRules->xKind(zDecl, zRemote ? zRemote : "");
  p->aAff[i] = vtabAffinity(zDecl);
  return SQLITE_OK;
}

/* Columns of a query= table: run it with LIMIT 0 */
static int queryInfo(RemoteVtab *p, SessConn *pSc, char **pzErr){
  RemoteResult *pRes = 0;
  char *zSql = sqlite3_mprintf("SELECT * FROM (%s\n) AS sr_q LIMIT 0", p->zQuery);
  int rc, i;
  if( zSql==0 ) return SQLITE_NOMEM;
  pSc->mQuery = REMOTE_QUERY_SINGLE;
  rc = remoteResultOpen(pSc, zSql, 0, 0, 1, &pRes, pzErr);
  pSc->mQuery = 0;
  sqlite3_free(zSql);
  if( rc ) return rc;
  rc = columnsAlloc(p, remoteResultColumnCount(pRes));
  for(i=0; rc==SQLITE_OK && i<p->nCol; i++){
    /* No remote type names here: text columns are compared only in SQLite */
    rc = columnSet(p, i, remoteResultColumnName(pRes, i),
                   remoteResultColumnDeclType(pRes, i), "unknown");
  }
  remoteResultClose(pRes);
  p->nRowEst = -1;
  return rc;
}

/* primary_key=a,b: the columns' indexes into p->aiPk, in key order */
static int primaryKeyOption(RemoteVtab *p, const char *zPkOpt, char **pzErr){
  const char *z = zPkOpt;
  int nPk = 0;
  while( *z ){
    const char *zEnd = strchr(z, ',');
    int n = zEnd ? (int)(zEnd-z) : (int)strlen(z), j;
    while( n>0 && *z==' ' ){ z++; n--; }
    while( n>0 && z[n-1]==' ' ) n--;
    for(j=0; j<p->nCol; j++){
      if( (int)strlen(p->azCol[j])==n && sqlite3_strnicmp(p->azCol[j], z, n)==0 ) break;
    }
    if( j>=p->nCol || n==0 ){
      *pzErr = sqlite3_mprintf("primary_key: no such column: %.*s", n, z);
      return SQLITE_ERROR;
    }
    p->aiPk[nPk++] = j;
    z = zEnd ? zEnd+1 : z+n;
  }
  p->nPk = nPk;
  return SQLITE_OK;
}

/* The definition of p's table: from the engine's cache, or read from the
** remote catalog (and cached). OUT: *ppInfo, remoteTableInfoFree() it. */
static int tableDefinition(RemoteVtab *p, SessConn *pSc, RemoteEngine *pE,
                           RemoteTableInfo **ppInfo, char **pzErr){
  const char *zSchema = remoteSessMapSchema(pSc, p->zSchema);
  PoolConn *pc = 0;
  int rc;
  *ppInfo = remoteTableCacheGet(pE, zSchema, p->zTable);
  if( *ppInfo ) return SQLITE_OK;
  rc = remoteSessAcquire(pSc, &pc, pzErr);
  if( rc ) return rc;
  rc = pc->pConn->pDialect->xTableInfo(pc->pConn, zSchema, p->zTable, ppInfo);
  if( rc==SQLITE_NOTFOUND ){
    *pzErr = sqlite3_mprintf("remote: %s: no such remote table: %s%s%s",
        p->zEngine, zSchema ? zSchema : "", zSchema ? "." : "", p->zTable);
    rc = SQLITE_ERROR;
  }else if( rc ){
    rc = remoteSessError(pSc, pc, pzErr);
  }
  remoteSessRelease(pSc, pc);
  if( rc==SQLITE_OK ) remoteTableCachePut(pE, zSchema, p->zTable, *ppInfo);
  return rc;
}

/* Options of a CREATE VIRTUAL TABLE, as parsed by connectArgs() */
typedef struct ConnectArgs ConnectArgs;
struct ConnectArgs {
  char *zPkOpt;             /* primary_key=, or NULL */
  int bUpdatable;           /* updatable=: -1 not given */
  int bDefaultsAll;         /* defaults=all */
  int bNumericText;         /* numeric=text */
};

/* Columns of a table from the catalog (cached per engine). numeric=text
** declares NUMERIC columns TEXT, read as the server's text (the rules'
** zTextRead, in the SELECT list: aTextRead) */
static int tableInfo(RemoteVtab *p, SessConn *pSc, RemoteEngine *pE,
                     const ConnectArgs *pA, char **pzErr){
  const char *zPkOpt = pA->zPkOpt;
  RemoteTableInfo *pInfo = 0;
  int rc, i, k;
  rc = tableDefinition(p, pSc, pE, &pInfo, pzErr);
  if( rc ) return rc;
  p->nRowEst = pInfo->nRowEst;
  rc = columnsAlloc(p, pInfo->nCol);
  if( rc==SQLITE_OK && pA->bNumericText && p->pRules->zTextRead ){
    p->aTextRead = sqlite3_malloc64(p->nCol+1);
    if( p->aTextRead==0 ) rc = SQLITE_NOMEM;
    else memset(p->aTextRead, 0, p->nCol+1);
  }
  for(i=0; rc==SQLITE_OK && i<p->nCol; i++){
    RemoteColumnInfo *c = &pInfo->aCol[i];
    const char *zDecl = c->zDeclType;
    if( p->aTextRead && strcmp(zDecl, "NUMERIC")==0 ){
      zDecl = "TEXT";
      p->aTextRead[i] = 1;
    }
    rc = columnSet(p, i, c->zName, zDecl, c->zRemoteType);
    if( rc==SQLITE_OK ) rc = vtabColumnInfo(p, i, c);
  }
  if( rc==SQLITE_OK && zPkOpt ){
    rc = primaryKeyOption(p, zPkOpt, pzErr);
  }else if( rc==SQLITE_OK && !pInfo->bView ){
    for(k=1; k<=p->nCol; k++){
      for(i=0; i<p->nCol; i++){
        if( pInfo->aCol[i].iPk==k ){ p->aiPk[p->nPk++] = i; break; }
      }
    }
  }
  if( p->nPk==1 ) p->iPk = p->aiPk[0];
  if( rc==SQLITE_OK ) rc = vtabWriteInit(p, pInfo, pA->bDefaultsAll);
  remoteTableInfoFree(pInfo);
  return rc;
}

/* CREATE TABLE text for sqlite3_declare_vtab */
static char *schemaSql(RemoteVtab *p){
  sqlite3_str *pStr = sqlite3_str_new(0);
  int i;
  sqlite3_str_appendall(pStr, "CREATE TABLE x(");
  for(i=0; i<p->nCol; i++){
    sqlite3_str_appendf(pStr, "%s\"%w\" %s", i ? ", " : "", p->azCol[i], p->azDecl[i]);
  }
  if( p->nPk==1 ){
    sqlite3_str_appendf(pStr, ", PRIMARY KEY(\"%w\")) WITHOUT ROWID", p->azCol[p->iPk]);
  }else if( p->nPk>1 ){
    /* a rowid table: see RowMap */
    sqlite3_str_appendall(pStr, ", PRIMARY KEY(");
    for(i=0; i<p->nPk; i++){
      sqlite3_str_appendf(pStr, "%s\"%w\"", i ? ", " : "", p->azCol[p->aiPk[i]]);
    }
    sqlite3_str_appendall(pStr, "))");
  }else{
    sqlite3_str_appendchar(pStr, 1, ')');
  }
  return sqlite3_str_finish(pStr);
}

/* Set "invalid value" in *pzErr for option zArg (its name ends at zEq) */
static int badValue(const char *zArg, const char *zEq, const char *zVal,
                    char **pzErr){
  *pzErr = sqlite3_mprintf("invalid value '%s' for %.*s", zVal ? zVal : "",
                           (int)(zEq-zArg), zArg);
  return SQLITE_ERROR;
}

/* One key=value argument zArg (zEq at its '=') into p and pA */
static int connectOption(RemoteVtab *p, ConnectArgs *pA, const char *zArg,
                         const char *zEq, char **pzErr){
  char *zVal = dequote(zEq+1);
  int rc = SQLITE_OK;
  if( zVal==0 ) return SQLITE_NOMEM;
#define ARG_IS(K) ((int)(zEq-zArg)==(int)sizeof(K)-1 && strncmp(zArg, K, zEq-zArg)==0)
  if( ARG_IS("query") ){
    sqlite3_free(p->zQuery);
    p->zQuery = zVal;
    zVal = 0;
  }else if( ARG_IS("fetch_size") ){
    p->nFetch = atoi(zVal);
    if( p->nFetch<=0 ) rc = badValue(zArg, zEq, zVal, pzErr);
  }else if( ARG_IS("batch_size") ){
    p->nBatch = atoi(zVal);
    if( p->nBatch<=0 ) rc = badValue(zArg, zEq, zVal, pzErr);
  }else if( ARG_IS("updatable") ){
    pA->bUpdatable = remoteParseBool(zVal);
    if( pA->bUpdatable<0 ) rc = badValue(zArg, zEq, zVal, pzErr);
  }else if( ARG_IS("primary_key") ){
    sqlite3_free(pA->zPkOpt);
    pA->zPkOpt = zVal;
    zVal = 0;
  }else if( ARG_IS("defaults") ){
    if( sqlite3_stricmp(zVal, "all")==0 ) pA->bDefaultsAll = 1;
    else if( sqlite3_stricmp(zVal, "auto")==0 ) pA->bDefaultsAll = 0;
    else rc = badValue(zArg, zEq, zVal, pzErr);
  }else if( ARG_IS("numeric") ){
    if( sqlite3_stricmp(zVal, "text")==0 ) pA->bNumericText = 1;
    else if( sqlite3_stricmp(zVal, "number")==0 ) pA->bNumericText = 0;
    else rc = badValue(zArg, zEq, zVal, pzErr);
  }else{
    *pzErr = sqlite3_mprintf("unknown remote table option '%.*s'",
                             (int)(zEq-zArg), zArg);
    rc = SQLITE_ERROR;
  }
#undef ARG_IS
  sqlite3_free(zVal);
  return rc;
}

/*
** One part of a remote table name at *pz, advanced past it: "quoted" (""
** stands for "), or bare up to the first '.' (bRest: to the end).
** sqlite3_malloc'd; NULL on OOM, or for a quoted part not closed.
*/
static char *namePart(const char **pz, int bRest){
  const char *z = *pz;
  sqlite3_str *p;
  if( *z!='"' ){
    int n = bRest ? (int)strlen(z) : (int)strcspn(z, ".");
    *pz = z+n;
    return sqlite3_mprintf("%.*s", n, z);
  }
  p = sqlite3_str_new(0);
  for(z++; *z; z++){
    if( *z=='"' ){
      if( z[1]!='"' ) break;
      z++;
    }
    sqlite3_str_appendchar(p, 1, *z);
  }
  if( *z!='"' ){
    sqlite3_free(sqlite3_str_finish(p));
    return 0;
  }
  *pz = z+1;
  if( sqlite3_str_length(p)==0 ){
    sqlite3_free(sqlite3_str_finish(p));
    return sqlite3_mprintf("%s", "");
  }
  return sqlite3_str_finish(p);
}

/*
** The remote table (the first argument after the engine) into p:
** 'table', 'schema.table' (split at the first dot), or with either part
** "quoted" as an SQL identifier, so that any name can be given:
** '"s.d"."x.y"' is table x.y of schema s.d. The argument itself may be an
** SQL string or identifier ('...', `...`, [...]) around that.
*/
static int connectTarget(RemoteVtab *p, const char *zArg, char **pzErr){
  char *zName = (zArg[0]=='\'' || zArg[0]=='`' || zArg[0]=='[')
              ? dequote(zArg) : sqlite3_mprintf("%s", zArg);
  const char *z = zName;
  char *zFirst;
  int rc = SQLITE_OK;
  if( zName==0 ) return SQLITE_NOMEM;
  zFirst = namePart(&z, 0);
  if( zFirst && *z=='.' ){
    z++;
    p->zSchema = zFirst;
    p->zTable = namePart(&z, 1);
  }else{
    p->zTable = zFirst;
  }
  if( p->zTable==0 || *z ){
    *pzErr = sqlite3_mprintf("remote: malformed remote table name: %s", zArg);
    rc = SQLITE_ERROR;
  }
  sqlite3_free(zName);
  return rc;
}

/* The module arguments argv[4..argc) into p and pA */
static int connectArgs(RemoteVtab *p, ConnectArgs *pA, int argc,
                       const char *const *argv, char **pzErr){
  int i, rc = SQLITE_OK;
  for(i=4; rc==SQLITE_OK && i<argc; i++){
    const char *zArg = argv[i];
    const char *zEq = strchr(zArg, '=');
    if( i==4 && (zEq==0 || zArg[0]=='\'' || zArg[0]=='"') ){
      rc = connectTarget(p, zArg, pzErr);
    }else if( zEq==0 ){
      *pzErr = sqlite3_mprintf("unknown remote table argument: %s", zArg);
      rc = SQLITE_ERROR;
    }else{
      rc = connectOption(p, pA, zArg, zEq, pzErr);
    }
  }
  if( rc==SQLITE_OK && (p->zTable==0)==(p->zQuery==0) ){
    *pzErr = sqlite3_mprintf("remote: give either 'schema.table' or query='...'");
    rc = SQLITE_ERROR;
  }
  return rc;
}

/* The table's columns and key (query= or catalog), and whether it may be
** written */
static int connectColumns(RemoteVtab *p, RemoteEngine *pE, ConnectArgs *pA,
                          char **pzErr){
  SessConn *pSc = remoteSessConnByName(p->pSess, p->zEngine, pzErr);
  int rc;
  if( pSc==0 ) return SQLITE_ERROR;
  if( p->zQuery ){
    /* one read-only statement, checked before anything is sent */
    rc = remoteQueryCheck(p->zEngine, pE->pDialect->zName, p->zQuery, pzErr);
    if( rc==SQLITE_OK ) rc = queryInfo(p, pSc, pzErr);
  }else{
    rc = tableInfo(p, pSc, pE, pA, pzErr);
  }
  if( rc ) return rc;
  if( p->nCol==0 ){
    *pzErr = sqlite3_mprintf("remote: %s: %s has no columns", p->zEngine,
                             p->zTable ? p->zTable : "query");
    return SQLITE_ERROR;
  }
  p->bWritable = p->zQuery==0 && p->nPk>0 && pA->bUpdatable!=0;
  if( pA->bUpdatable==1 && !p->bWritable ){
    *pzErr = sqlite3_mprintf("remote: %s: %s has no primary key: name one with "
                             "primary_key=COLUMN to make it writable",
                             p->zEngine, p->zTable ? p->zTable : "query");
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* xCreate and xConnect: the remote table stays as it is */
static int remoteConnectCreate(sqlite3 *db, void *pAux, int argc,
                               const char *const *argv, sqlite3_vtab **ppVtab,
                               char **pzErr){
  RemoteVtab *p = 0;
  RemoteEngine *pE = 0;
  ConnectArgs a;
  char *zSql = 0;
  int rc = SQLITE_OK;

  memset(&a, 0, sizeof(a));
  a.bUpdatable = -1;
  if( argc<5 ){
    *pzErr = sqlite3_mprintf("usage: remote(ENGINE, 'schema.table' | query='...' "
                             "[, option=value ...])");
    return SQLITE_ERROR;
  }
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pSess = (RemoteSession*)pAux;
  p->iPk = -1;
  p->nScanRows = -1;
  p->nBatch = 1000;
  p->zEngine = dequote(argv[3]);
  if( p->zEngine==0 ){ rc = SQLITE_NOMEM; goto connect_error; }
  pE = remoteEngineFind(p->zEngine);
  if( pE==0 ){
    *pzErr = sqlite3_mprintf("no such remote engine: %s", p->zEngine);
    rc = SQLITE_ERROR;
    goto connect_error;
  }
  p->pRules = vtabRulesFor(pE->pDialect);
  p->pDialect = pE->pDialect;
  rc = connectArgs(p, &a, argc, argv, pzErr);
  if( rc==SQLITE_OK ) rc = connectColumns(p, pE, &a, pzErr);
  if( rc ) goto connect_error;
  zSql = schemaSql(p);
  if( zSql==0 ){ rc = SQLITE_NOMEM; goto connect_error; }
  rc = sqlite3_declare_vtab(db, zSql);
  if( rc ){
    *pzErr = sqlite3_mprintf("remote: cannot declare %s: %s", zSql, sqlite3_errmsg(db));
    goto connect_error;
  }
  sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
  sqlite3_free(zSql);
  sqlite3_free(a.zPkOpt);
  remoteEngineRelease(pE);
  *ppVtab = &p->base;
  return SQLITE_OK;

connect_error:
  sqlite3_free(zSql);
  sqlite3_free(a.zPkOpt);
  remoteEngineRelease(pE);
  vtabFree(p);
  return rc;
}

static int remoteDisconnect(sqlite3_vtab *pVtab){
  vtabFree((RemoteVtab*)pVtab);
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* What the other files of the module share                            */

void vtabSetError(sqlite3_vtab *pVtab, char *zErr){
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = zErr;
}

SessConn *vtabConn(RemoteVtab *pTab){
  char *zErr = 0;
  SessConn *pSc = remoteSessConnByName(pTab->pSess, pTab->zEngine, &zErr);
  if( pSc==0 ) vtabSetError(&pTab->base, zErr);
  return pSc;
}

int vtabSameText(const char *z1, const char *z2){
  if( z1==0 || z2==0 ) return z1==z2;
  return strcmp(z1, z2)==0;
}

/*
** A statement on pTab failed with zErr. When the remote says a column does
** not exist (PostgreSQL 42703, MySQL 1054, SQLite "no such column"), the
** table changed since its definition was cached: forget it, so that the
** next CREATE VIRTUAL TABLE (or connect) reads the catalog again.
*/
void vtabStaleCheck(RemoteVtab *pTab, RemoteEngine *pE, const char *zErr){
  char *zIgnore = 0;
  SessConn *pSc;
  if( zErr==0 || pTab->zTable==0 ) return;
  if( strstr(zErr, "ERROR 42703")==0 && strstr(zErr, "ERROR 1054 ")==0
   && strstr(zErr, "no such column")==0 ) return;
  pSc = remoteSessConnByName(pTab->pSess, pTab->zEngine, &zIgnore);
  sqlite3_free(zIgnore);
  remoteTableCacheDrop(pE, pSc ? remoteSessMapSchema(pSc, pTab->zSchema)
                              : pTab->zSchema, pTab->zTable);
}

/* ------------------------------------------------------------------ */
/* Cursors                                                             */

static void cursorReset(RemoteVtabCursor *p){
  remoteResultClose(p->pRes);
  p->pRes = 0;
  p->bEof = 1;
}

static int remoteOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  RemoteVtabCursor *p = pTab->pSpare;
  int *aMap = 0;
  if( p ){
    pTab->pSpare = 0;
    aMap = p->aMap;         /* the columns are the table's: still right */
  }else{
    p = sqlite3_malloc(sizeof(*p));
    if( p==0 ) return SQLITE_NOMEM;
  }
  if( pTab->nOpen==0 && pTab->pMap ){
    /* rowids are kept for a statement (a transaction when writing): with
    ** no cursor open and no transaction, no statement still uses them */
    char *zErr = 0;
    SessConn *pSc = remoteSessConnByName(pTab->pSess, pTab->zEngine, &zErr);
    sqlite3_free(zErr);
    if( pSc==0 || pSc->nDepth==0 ){
      rowMapFree(pTab->pMap);
      pTab->pMap = 0;
    }
  }
  pTab->nOpen++;
  memset(p, 0, sizeof(*p));
  p->aMap = aMap;
  p->bEof = 1;
  *ppCur = &p->base;
  return SQLITE_OK;
}

/* xClose: the table keeps one closed cursor for its next xOpen (a
** statement stepped again opens and closes one each time) */
static int remoteClose(sqlite3_vtab_cursor *pCur){
  RemoteVtab *pTab = (RemoteVtab*)pCur->pVtab;
  RemoteVtabCursor *p = (RemoteVtabCursor*)pCur;
  pTab->nOpen--;
  cursorReset(p);
  if( pTab->pSpare==0 ){
    pTab->pSpare = p;
  }else{
    cursorFree(p);
  }
  return SQLITE_OK;
}

static int remoteNext(sqlite3_vtab_cursor *pCur){
  RemoteVtabCursor *p = (RemoteVtabCursor*)pCur;
  char *zErr = 0;
  int rc;
  if( p->pRes==0 ){ p->bEof = 1; return SQLITE_OK; }
  rc = remoteResultStep(p->pRes, &zErr);
  if( rc==SQLITE_ROW ){
    p->nRow++;
    return SQLITE_OK;
  }
  p->bEof = 1;
  remoteResultClose(p->pRes);
  p->pRes = 0;
  if( rc==SQLITE_DONE ){
    if( p->bCount ) ((RemoteVtab*)pCur->pVtab)->nScanRows = p->nRow;
    return SQLITE_OK;
  }
  vtabSetError(pCur->pVtab, zErr);
  return rc;
}

/*
** 1 if the plan (not a unique lookup) scans the table for a statement
** that writes it, which reads all it reads of the table before it writes
** the first row: SQLite reads every row an UPDATE or DELETE of a virtual
** table changes into a table of its own first (the "two-pass"
** statement). Two signs tell:
**   - an UPDATE's scan asks for every column, all 64 bits of colUsed,
**     which no SELECT of a table of under 64 columns sets;
**   - the table's xBegin named the statement running now (vtabWrittenNow:
**     every statement outside BEGIN, the first that writes the table
**     inside one).
*/
static int writeScan(RemoteVtab *pTab, const VtabPlan *pPlan){
  return (pTab->nCol<64 && pPlan->mUsed==~(sqlite3_uint64)0)
      || vtabWrittenNow(pTab);
}

/*
** Run a filter's remote query zSql with its parameters on p and step to
** the first row. bSmall: few rows expected (no REMOTE_QUERY_SCAN); bCount:
** a complete read counts the table's rows (RemoteVtab.nScanRows);
** bWriteScan: writeScan(), a scan that streams even where other scans
** would share the connection through a server-side cursor
** (REMOTE_QUERY_STREAM): it ends before the statement's rows go, so only
** a read of the same engine in the middle of it (a subquery) finds it
** open, and that read then holds its rest in memory (result.c), as SQLite
** holds the rows to change (or their keys) itself. A server-side cursor
** costs more:
** MariaDB's computes the whole result into a temporary table first (4.6
** of 13 ms for 20,000 rows), then a round trip per fetch_size rows.
*/
static int filterOpen(RemoteVtabCursor *p, RemoteVtab *pTab, SessConn *pSc,
                      RemoteEngine *pE, int idxNum, const char *zSql,
                      int nParam, const RemoteValue *aParam, int bSmall,
                      int bCount, int bWriteScan, char **pzErr){
  int nSaveFetch = pSc->nFetch;
  int rc;
  /* (rows a statement queued on pSc are sent first by remoteSessAcquire) */
  if( pTab->nFetch>0 ) pSc->nFetch = pTab->nFetch;
  p->bCount = bCount;
  p->nRow = 0;
  /* the module's own SQL: times in UTC (dialect.h) */
  if( idxNum==1 ){
    pSc->mQuery = REMOTE_QUERY_UTC|REMOTE_QUERY_ONE;
  }else if( !bSmall && nParam==0
         && (pTab->nRowEst<0 || pTab->nRowEst>=REMOTE_SCAN_MIN_ROWS)
         && (pTab->nScanRows<0 || pTab->nScanRows>=REMOTE_SCAN_MIN_ROWS) ){
    pSc->mQuery = REMOTE_QUERY_UTC|REMOTE_QUERY_SCAN|REMOTE_QUERY_STREAM;
  }else if( bSmall ){
    /* few rows wanted (a LIMIT): read as they come, never through a
    ** server-side cursor, which would compute the whole result first
    ** (SQLite before 3.46 takes LIMIT as a hint only: vtab_plan.c) */
    pSc->mQuery = REMOTE_QUERY_UTC;
  }else{
    pSc->mQuery = REMOTE_QUERY_UTC|REMOTE_QUERY_STREAM;
  }
  if( bWriteScan ) pSc->mQuery &= ~REMOTE_QUERY_STREAM;
  if( pTab->zQuery ) pSc->mQuery |= REMOTE_QUERY_SINGLE;
  rc = remoteResultOpen(pSc, zSql, nParam, aParam, 1, &p->pRes, pzErr);
  pSc->nFetch = nSaveFetch;
  pSc->mQuery = 0;
  if( rc ){
    vtabStaleCheck(pTab, pE, *pzErr);
    return rc;
  }
  p->bEof = 0;
  return remoteNext(&p->base);
}

/* 1 if the plan's LIMIT (and OFFSET) ask for fewer rows than a big
** scan's (a hint too: the rows SQLite will likely read) */
static int limitSmall(const VtabPlan *pPlan, int argc, sqlite3_value **argv){
  sqlite3_int64 nLimit, nOffset = 0;
  if( pPlan->iLimitArg<=0 || pPlan->iLimitArg>argc ) return 0;
  nLimit = sqlite3_value_int64(argv[pPlan->iLimitArg-1]);
  if( pPlan->iOffsetArg>0 && pPlan->iOffsetArg<=argc ){
    nOffset = sqlite3_value_int64(argv[pPlan->iOffsetArg-1]);
  }
  if( nOffset<0 ) nOffset = 0;
  return nLimit>=0 && nLimit<REMOTE_SCAN_MIN_ROWS && nOffset<REMOTE_SCAN_MIN_ROWS;
}

/*
** xFilter: the plan (vtab_plan.c's header has its grammar) becomes the
** remote SELECT: the columns used, the pushed constraints, IN lists,
** ORDER BY, DISTINCT, LIMIT/OFFSET. A unique lookup reuses the table's
** kept SQL when it fits.
*/
static int remoteFilter(sqlite3_vtab_cursor *pCur, int idxNum,
                        const char *idxStr, int argc, sqlite3_value **argv){
  RemoteVtabCursor *p = (RemoteVtabCursor*)pCur;
  RemoteVtab *pTab = (RemoteVtab*)pCur->pVtab;
  RemoteEngine *pE = 0;
  SessConn *pSc;
  const VtabPlan *pPlan = 0;
  RemoteValue aOne[REMOTE_ONE_MAX];
  char *zErr = 0;
  int i, nSel = 0, rc;

  cursorReset(p);
  if( pTab->pWr ) vtabWriteNote(pTab, idxNum==1 ? VTAB_NOTE_UNIQUE : VTAB_NOTE_SCAN);
  pSc = remoteSessConnByName(pTab->pSess, pTab->zEngine, &zErr);
  if( pSc ) pE = remoteSessEngine(pSc, &zErr);
  if( pE==0 ){ vtabSetError(pCur->pVtab, zErr); return SQLITE_ERROR; }
  rc = vtabPlanGet(pTab, idxStr, &pPlan);
  /* aMap is the cursor's for its life: the table's columns never change */
  if( rc==SQLITE_OK && p->aMap==0 ){
    p->aMap = sqlite3_malloc64(sizeof(int)*(pTab->nCol+1));
    if( p->aMap==0 ) rc = SQLITE_NOMEM;
  }
  for(i=0; rc==SQLITE_OK && i<pTab->nCol; i++){
    p->aMap[i] = (pPlan->mUsed & ((sqlite3_uint64)1<<(i<63 ? i : 63))) ? nSel++ : -1;
  }
  if( rc==SQLITE_OK && idxNum==1
   && vtabLookupReuse(pTab, idxStr, remoteSessMapSchema(pSc, pTab->zSchema),
                      argc, argv, aOne) ){
    rc = filterOpen(p, pTab, pSc, pE, idxNum, pTab->zOneSql, pTab->nOne, aOne,
                    1, 0, 0, &zErr);
  }else if( rc==SQLITE_OK ){
    VtabSql q;
    vtabSqlInit(&q, pTab->pRules, 1);
    rc = vtabScanSql(pTab, pSc, pE->pDialect, idxStr, idxNum, pPlan, argc, argv,
                     p->aMap, &q, &zErr);
    if( rc==SQLITE_OK && !q.bNone ){
      rc = filterOpen(p, pTab, pSc, pE, idxNum, sqlite3_str_value(q.pStr),
                      q.nParam, q.aParam, idxNum==1 || limitSmall(pPlan, argc, argv),
                      idxNum!=1 && q.nParam==0 && pPlan->iLimitArg==0,
                      writeScan(pTab, pPlan), &zErr);
    }
    vtabSqlClear(&q);
  }
  if( zErr ) vtabSetError(pCur->pVtab, zErr);
  remoteEngineRelease(pE);
  return rc;
}

static int remoteEof(sqlite3_vtab_cursor *pCur){
  return ((RemoteVtabCursor*)pCur)->bEof;
}

static int remoteColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  RemoteVtabCursor *p = (RemoteVtabCursor*)pCur;
  RemoteValue v;
  if( sqlite3_vtab_nochange(ctx) ){
    RemoteVtab *pTab = (RemoteVtab*)pCur->pVtab;
    if( pTab->pWr ) vtabWriteNote(pTab, VTAB_NOTE_NOCHANGE);
    return SQLITE_OK;
  }
  if( p->pRes==0 || p->aMap==0 || p->aMap[i]<0 ) return SQLITE_OK;
  remoteResultColumn(p->pRes, p->aMap[i], &v);
  remoteResultValue(ctx, &v);
  return SQLITE_OK;
}

/* xRowid: for a composite key, the number RowMap gives its values; other
** tables are WITHOUT ROWID or have no key (rowid 0, see xBestIndex) */
static int remoteRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  RemoteVtabCursor *p = (RemoteVtabCursor*)pCur;
  RemoteVtab *pTab = (RemoteVtab*)pCur->pVtab;
  RemoteValue aKey[REMOTE_PK_MAX];
  int i;
  *pRowid = 0;
  if( pTab->nPk<2 || p->pRes==0 || p->aMap==0 ) return SQLITE_OK;
  if( pTab->nPk>REMOTE_PK_MAX ){
    vtabSetError(pCur->pVtab, sqlite3_mprintf("remote: %s: a primary key of "
                 "more than %d columns", pTab->zEngine, REMOTE_PK_MAX));
    return SQLITE_ERROR;
  }
  for(i=0; i<pTab->nPk; i++){
    int iRes = p->aMap[pTab->aiPk[i]];
    if( iRes<0 ){
      memset(&aKey[i], 0, sizeof(aKey[i]));
      aKey[i].eType = SQLITE_NULL;
    }else{
      remoteResultColumn(p->pRes, iRes, &aKey[i]);
    }
  }
  *pRowid = vtabRowidOf(pTab, aKey);
  return *pRowid ? SQLITE_OK : SQLITE_NOMEM;
}

/* ------------------------------------------------------------------ */
/* Transactions and savepoints                                         */

/* Send the INSERT rows queued on pSc (batch_size), if any */
static int flushBatch(SessConn *pSc, char **pzErr){
  if( remoteBatchPending(pSc)==0 ) return SQLITE_OK;
  return remoteBatchFlush(pSc, pzErr);
}

/*
** Transactions: the first writing vtab of an engine begins one remote
** transaction on the engine-name CONN (unless a remote_begin() is open
** there: it is joined). SQLite calls xCommit/xRollback on every vtab; the
** first one ends it, the others find nothing to do.
**
** A joined transaction gets the savepoint sr_sp_base at SQLite's BEGIN:
** SQLite's ROLLBACK (or ROLLBACK TO its first savepoint) rolls back to it,
** its COMMIT releases it; the remote transaction itself ends only with
** remote_commit() / remote_rollback().
*/
#define BASE_SAVEPOINT "sr_sp_base"

/* Index of savepoint zName in pSc's stack, or -1 */
static int findSavepoint(SessConn *pSc, const char *zName){
  int i;
  for(i=pSc->nSave-1; i>=0; i--){
    if( strcmp(pSc->azSave[i], zName)==0 ) return i;
  }
  return -1;
}

static int remoteBegin(sqlite3_vtab *pVtab){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char *zErr = 0, *zOut = 0;
  int rc;
  if( pSc==0 ) return SQLITE_ERROR;
  if( pSc->nDepth>0 ){
    /* ours already (another vtab of this engine), or a remote_begin() */
    if( pSc->bVtabTxn || pSc->eTxn!=TXN_OK || !pSc->bBegun
     || findSavepoint(pSc, BASE_SAVEPOINT)>=0 ){
      rc = vtabWriteBegun(pTab, pSc, &zErr);
      if( rc ) vtabSetError(pVtab, zErr);
      return rc;
    }
    rc = remoteSessSavepoint(pSc, BASE_SAVEPOINT, &zOut, &zErr);
    sqlite3_free(zOut);
    if( rc==SQLITE_OK ) rc = vtabWriteBegun(pTab, pSc, &zErr);
    if( rc ) vtabSetError(pVtab, zErr);
    return rc;
  }
  /* a transaction of the vtab's own (bVtabTxn), ready for a two-phase
  ** commit with the other engines written (twophase.c) */
  rc = remoteTpcBegin(pSc, &zErr);
  if( rc ){
    vtabSetError(pVtab, zErr);
    return rc;
  }
  /* (writes: what a statement's rows may wait for; under AUTOCOMMIT, an
  ** autocommit statement's own remote transaction) */
  rc = vtabWriteBegun(pTab, pSc, &zErr);
  if( rc ) vtabSetError(pVtab, zErr);
  return rc;
}

/* xSync: the end of the statement (autocommit) or of the transaction:
** queued INSERT rows go now, so that their errors fail it; then the remote
** commit is decided for every engine written (twophase.c), so that a
** failed remote commit fails SQLite's COMMIT */
static int remoteSync(sqlite3_vtab *pVtab){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char *zErr = 0;
  int rc;
  if( pSc==0 ) return SQLITE_ERROR;
  rc = flushBatch(pSc, &zErr);
  if( rc==SQLITE_OK ) rc = remoteTpcSync(pTab->pSess, &zErr);
  if( rc ) vtabSetError(pVtab, zErr);
  return rc;
}

/* End the joined transaction's base savepoint: release it, or roll back
** to it (bRollback) */
static int endBase(SessConn *pSc, int bRollback, char **pzErr){
  char *zOut = 0;
  int rc = SQLITE_OK;
  if( pSc->nDepth>0 && pSc->eTxn==TXN_OK && findSavepoint(pSc, BASE_SAVEPOINT)>=0 ){
    rc = remoteSessRelease2(pSc, BASE_SAVEPOINT, bRollback, &zOut, pzErr);
    sqlite3_free(zOut);
  }
  return rc;
}

static int remoteCommit(sqlite3_vtab *pVtab){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char *zErr = 0;
  int rc = SQLITE_OK;
  if( pSc==0 ) return SQLITE_ERROR;
  vtabWriteNote(pTab, VTAB_NOTE_END);
  if( pTab->nOpen==0 ){
    rowMapFree(pTab->pMap);
    pTab->pMap = 0;
  }
  if( remoteBatchPending(pSc) ){
    /* xSync sends them; should a commit come without it, they go now, and
    ** a failure rolls the remote transactions back */
    rc = flushBatch(pSc, &zErr);
    sqlite3_free(zErr);
    zErr = 0;
    if( rc ){
      remoteTpcRollback(pTab->pSess);
      return rc;
    }
  }
  if( pSc->bVtabTxn || pTab->pSess->bCommitting ){
    /* xSync committed or prepared every engine: the first xCommit
    ** finishes them all (twophase.c) */
    remoteTpcCommit(pTab->pSess);
  }
  if( !pSc->bVtabTxn ){
    /* a joined remote_begin() (SQLite ignores what xCommit returns:
    ** nothing to report to) */
    endBase(pSc, 0, &zErr);
    sqlite3_free(zErr);
  }
  return SQLITE_OK;
}

static int remoteRollback(sqlite3_vtab *pVtab){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char *zErr = 0;
  if( pSc==0 ) return SQLITE_ERROR;
  vtabWriteNote(pTab, VTAB_NOTE_END);
  remoteBatchDiscard(pSc);
  if( pTab->nOpen==0 ){
    rowMapFree(pTab->pMap);
    pTab->pMap = 0;
  }
  if( pSc->bVtabTxn || pTab->pSess->bCommitting ){
    /* every engine's vtab transaction, prepared or not (twophase.c) */
    remoteTpcRollback(pTab->pSess);
  }
  if( !pSc->bVtabTxn ) endBase(pSc, 1, &zErr);   /* a joined remote_begin() */
  sqlite3_free(zErr);
  return SQLITE_OK;
}

/* SQLite savepoint N <-> remote savepoint sr_sp_N (statement atomicity and
** SAVEPOINT/RELEASE/ROLLBACK TO); several vtabs of one engine share it. */
static int remoteSavepoint(sqlite3_vtab *pVtab, int iSave){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char zName[32], *zOut = 0, *zErr = 0;
  int rc, bSkip = 0;
  if( pSc==0 ) return SQLITE_ERROR;
  /* (writes: a statement savepoint lets its rows wait in the queue) */
  rc = vtabWriteSavepoint(pTab, pSc, iSave, &bSkip, &zErr);
  if( rc ){
    vtabSetError(pVtab, zErr);
    return rc;
  }
  if( pSc->nDepth==0 || pSc->eTxn!=TXN_OK || bSkip ) return SQLITE_OK;
  snprintf(zName, sizeof(zName), "sr_sp_%d", iSave);
  if( findSavepoint(pSc, zName)>=0 ) return SQLITE_OK;
  rc = remoteSessSavepoint(pSc, zName, &zOut, &zErr);
  sqlite3_free(zOut);
  if( rc ) vtabSetError(pVtab, zErr);
  return rc;
}

/*
** Release (bRollback=0) or roll back to savepoint iSave. With none of
** ours numbered iSave or above, a rollback goes back to the start of
** SQLite's transaction (iSave is -1 for the savepoint that began it):
** the remote transaction is rolled back and begun again, or, joined, rolled
** back to its base savepoint.
*/
static int vtabSavepointEnd(sqlite3_vtab *pVtab, int iSave, int bRollback){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char *zOut = 0, *zErr = 0;
  int i, rc = SQLITE_OK, bSkip = 0;
  if( pSc==0 ) return SQLITE_ERROR;
  /* (writes: the statement's queued rows are sent, or dropped) */
  rc = vtabWriteSavepointEnd(pTab, pSc, iSave, bRollback, &bSkip, &zErr);
  if( rc ){
    vtabSetError(pVtab, zErr);
    return rc;
  }
  if( pSc->nDepth==0 || pSc->eTxn!=TXN_OK || bSkip ) return SQLITE_OK;
  /* The outermost of our savepoints numbered >= iSave */
  for(i=0; i<pSc->nSave; i++){
    int n;
    if( strcmp(pSc->azSave[i], BASE_SAVEPOINT)!=0
     && sscanf(pSc->azSave[i], "sr_sp_%d", &n)==1 && n>=iSave ) break;
  }
  if( i>=pSc->nSave ){
    if( !bRollback ) return SQLITE_OK;
    if( pSc->bVtabTxn ){
      remoteSessRollback(pSc, &zErr);
      sqlite3_free(zErr);
      zErr = 0;
      rc = remoteTpcBegin(pSc, &zErr);
    }else if( findSavepoint(pSc, BASE_SAVEPOINT)>=0 ){
      rc = endBase(pSc, 1, &zErr);
      if( rc==SQLITE_OK ) rc = remoteSessSavepoint(pSc, BASE_SAVEPOINT, &zOut, &zErr);
    }
  }else{
    char *zName = sqlite3_mprintf("%s", pSc->azSave[i]);
    if( zName==0 ) return SQLITE_NOMEM;
    rc = remoteSessRelease2(pSc, zName, bRollback, &zOut, &zErr);
    if( rc==SQLITE_OK && bRollback ){
      /* ROLLBACK TO keeps the savepoint open in SQLite: re-establish it */
      sqlite3_free(zOut);
      zOut = 0;
      rc = remoteSessSavepoint(pSc, zName, &zOut, &zErr);
    }
    sqlite3_free(zName);
  }
  sqlite3_free(zOut);
  if( rc ) vtabSetError(pVtab, zErr);
  else sqlite3_free(zErr);
  return rc;
}

static int remoteRelease(sqlite3_vtab *pVtab, int iSave){
  return vtabSavepointEnd(pVtab, iSave, 0);
}

static int remoteRollbackTo(sqlite3_vtab *pVtab, int iSave){
  return vtabSavepointEnd(pVtab, iSave, 1);
}

static sqlite3_module remoteModule = {
  2,                        /* iVersion: savepoints */
  remoteConnectCreate,      /* xCreate */
  remoteConnectCreate,      /* xConnect */
  vtabBestIndex,
  remoteDisconnect,
  remoteDisconnect,         /* xDestroy: the remote table stays */
  remoteOpen,
  remoteClose,
  remoteFilter,
  remoteNext,
  remoteEof,
  remoteColumn,
  remoteRowid,
  vtabUpdate,
  remoteBegin,
  remoteSync,
  remoteCommit,
  remoteRollback,
  0,                        /* xFindFunction */
  0,                        /* xRename */
  remoteSavepoint,
  remoteRelease,
  remoteRollbackTo,
  0                         /* xShadowName */
#if SQLITE_VERSION_NUMBER>=3044000
  , 0                       /* xIntegrity: SQLite 3.44's headers have it */
#endif
};

int remoteVtabRegister(sqlite3 *db, RemoteSession *pSess, void (*xDestroy)(void*)){
  return sqlite3_create_module_v2(db, "remote", &remoteModule, pSess, xDestroy);
}
