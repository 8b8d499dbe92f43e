/*
** vtab.c: the `remote` virtual-table module.
**
**   CREATE VIRTUAL TABLE temp.t USING remote(pg, 'public.items' [, fetch_size=N]
**        [, batch_size=N] [, updatable=0|1] [, primary_key=col]);
**   CREATE VIRTUAL TABLE temp.v USING remote(pg, query='SELECT ...');
**   SELECT remote_import('pg', 'public', 'temp', 'prefix=pg_');
**
** Read remoteBestIndex() and remoteFilter() first: they decide what runs on
** the server. The rule (API.md, "Results are the local results"): a
** constraint is pushed with omit=1 only where the remote evaluates it
** exactly as SQLite would; anything else is pushed as a superset (omit=0,
** SQLite checks again) or not at all. Each column has a kind (colKind())
** that says which of its comparisons are exact:
**
**   K_INT       integers: every comparison exact
**   K_TEXT      a native string type: exact in byte order (COLLATE "C" /
**               BINARY), LIKE and GLOB exact where the dialect can be
**   K_TEXTCAST  (PostgreSQL) a type whose ::text is the value we return
**               (date, timestamp, uuid, json, ...): compared as text
**   K_REAL8     double: pushed as a superset (NaN becomes NULL here)
**   K_NUMERIC   numeric/decimal: pushed as a superset
**   K_BLOB      bytea/binary: exact on PostgreSQL and SQLite
**   K_OTHER     only pushed as IS NULL / IS NOT NULL
**
** A comparison between different storage classes (an integer column with a
** text value, ...) is decided here as SQLite orders classes (NULL < numbers
** < text < blob) and sent as a constant predicate.
**
** Plan encoding (idxStr, sqlite3_malloc'd): tokens separated by spaces
**   wC:O:A:X   constraint on column C, operator O (SQLITE_INDEX_CONSTRAINT_*),
**              argv index A (0 = none), X = 1 when exact (omitted)
**   iC:A       C IN (list at argv A), exact
**   oC:D       ORDER BY column C, D = 1 for DESC
**   lA / fA    LIMIT / OFFSET at argv A
**   d          DISTINCT over the ORDER BY columns
**   uMASK      hex mask of the columns used (bit 63: 63 and above)
*/
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "func.h"

#define K_INT       1
#define K_TEXT      2
#define K_TEXTCAST  3
#define K_REAL8     4
#define K_REAL4     5
#define K_NUMERIC   6
#define K_BLOB      7
#define K_OTHER     8

#define D_PG      1
#define D_MYSQL   2
#define D_SQLITE  3

typedef struct RemoteVtab RemoteVtab;
struct RemoteVtab {
  sqlite3_vtab base;        /* Base class - must be first */
  sqlite3 *db;
  RemoteSession *pSess;
  char *zEngine;
  char *zSchema;            /* remote schema/database, or NULL */
  char *zTable;             /* remote table, or NULL for query= */
  char *zQuery;             /* query= text, or NULL */
  int eDialect;             /* D_* */
  int nCol;
  char **azCol;             /* column names */
  char **azDecl;            /* declared types */
  int *aKind;               /* K_* per column */
  int iPk;                  /* single-column primary key index, -1 none */
  int bWritable;
  int nFetch;               /* fetch_size option, 0 = engine's */
  int nBatch;               /* batch_size option */
  sqlite3_int64 nRowEst;
};

typedef struct RemoteCursor2 RemoteCursor2;
struct RemoteCursor2 {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  RemoteResult *pRes;
  int *aMap;                /* vtab column -> result column, -1 not selected */
  int bEof;
  int bNone;                /* a constant-false predicate: no rows */
};

/* ------------------------------------------------------------------ */
/* The table-definition cache, per engine                              */

typedef struct CacheEntry CacheEntry;
struct CacheEntry {
  char *zKey;               /* "schema\x01table" */
  RemoteTableInfo *pInfo;
  CacheEntry *pNext;
};
typedef struct InfoCache InfoCache;
struct InfoCache {
  CacheEntry *pFirst;
};
static pthread_mutex_t cacheMutex = PTHREAD_MUTEX_INITIALIZER;

static void cacheFree(void *p){
  InfoCache *pCache = (InfoCache*)p;
  CacheEntry *pE, *pNext;
  for(pE=pCache->pFirst; pE; pE=pNext){
    pNext = pE->pNext;
    sqlite3_free(pE->zKey);
    remoteTableInfoFree(pE->pInfo);
    sqlite3_free(pE);
  }
  sqlite3_free(pCache);
}

static RemoteTableInfo *infoDup(const RemoteTableInfo *p){
  RemoteTableInfo *q = sqlite3_malloc(sizeof(*q));
  int i;
  if( q==0 ) return 0;
  *q = *p;
  q->zSchema = p->zSchema ? sqlite3_mprintf("%s", p->zSchema) : 0;
  q->zTable = sqlite3_mprintf("%s", p->zTable);
  q->aCol = sqlite3_malloc64(sizeof(RemoteColumnInfo)*(p->nCol ? p->nCol : 1));
  if( q->aCol==0 ){
    q->nCol = 0;
    remoteTableInfoFree(q);
    return 0;
  }
  for(i=0; i<p->nCol; i++){
    q->aCol[i] = p->aCol[i];
    q->aCol[i].zName = sqlite3_mprintf("%s", p->aCol[i].zName);
    q->aCol[i].zDeclType = sqlite3_mprintf("%s", p->aCol[i].zDeclType);
    q->aCol[i].zRemoteType = sqlite3_mprintf("%s",
        p->aCol[i].zRemoteType ? p->aCol[i].zRemoteType : "");
  }
  return q;
}

/* A copy of the cached definition of zSchema.zTable, or NULL */
static RemoteTableInfo *cacheGet(RemoteEngine *pE, const char *zKey){
  RemoteTableInfo *p = 0;
  CacheEntry *pEnt;
  pthread_mutex_lock(&cacheMutex);
  if( pE->pCache ){
    for(pEnt=((InfoCache*)pE->pCache)->pFirst; pEnt; pEnt=pEnt->pNext){
      if( strcmp(pEnt->zKey, zKey)==0 ){ p = infoDup(pEnt->pInfo); break; }
    }
  }
  pthread_mutex_unlock(&cacheMutex);
  return p;
}

static void cachePut(RemoteEngine *pE, const char *zKey, const RemoteTableInfo *pInfo){
  CacheEntry *pEnt = sqlite3_malloc(sizeof(*pEnt));
  if( pEnt==0 ) return;
  pEnt->zKey = sqlite3_mprintf("%s", zKey);
  pEnt->pInfo = infoDup(pInfo);
  if( pEnt->zKey==0 || pEnt->pInfo==0 ){
    sqlite3_free(pEnt->zKey);
    remoteTableInfoFree(pEnt->pInfo);
    sqlite3_free(pEnt);
    return;
  }
  pthread_mutex_lock(&cacheMutex);
  if( pE->pCache==0 ){
    pE->pCache = sqlite3_malloc(sizeof(InfoCache));
    if( pE->pCache ){
      ((InfoCache*)pE->pCache)->pFirst = 0;
      pE->xCacheFree = cacheFree;
    }
  }
  if( pE->pCache ){
    pEnt->pNext = ((InfoCache*)pE->pCache)->pFirst;
    ((InfoCache*)pE->pCache)->pFirst = pEnt;
    pEnt = 0;
  }
  pthread_mutex_unlock(&cacheMutex);
  if( pEnt ){
    sqlite3_free(pEnt->zKey);
    remoteTableInfoFree(pEnt->pInfo);
    sqlite3_free(pEnt);
  }
}

static int cacheClear(RemoteEngine *pE){
  int n = 0;
  InfoCache *pCache;
  pthread_mutex_lock(&cacheMutex);
  pCache = (InfoCache*)pE->pCache;
  pE->pCache = 0;
  pthread_mutex_unlock(&cacheMutex);
  if( pCache ){
    CacheEntry *pEnt;
    for(pEnt=pCache->pFirst; pEnt; pEnt=pEnt->pNext) n++;
    cacheFree(pCache);
  }
  return n;
}

int remoteClearCache(const char *zName){
  int n = 0;
  if( zName ){
    RemoteEngine *pE = remoteEngineFind(zName);
    if( pE ){
      n = cacheClear(pE);
      remoteEngineRelease(pE);
    }
  }else{
    RemoteEngine **ap = 0;
    int nE = 0, i;
    if( remoteEngineList(&ap, &nE)==SQLITE_OK ){
      for(i=0; i<nE; i++){
        n += cacheClear(ap[i]);
        remoteEngineRelease(ap[i]);
      }
      sqlite3_free(ap);
    }
  }
  return n;
}

/* ------------------------------------------------------------------ */
/* Column kinds and dialect SQL rules                                  */

static int dialectOf(const RemoteDialect *pD){
  if( strcmp(pD->zName, "postgresql")==0 ) return D_PG;
  if( strcmp(pD->zName, "mysql")==0 ) return D_MYSQL;
  return D_SQLITE;
}

static int startsWith(const char *z, const char *zPrefix){
  return sqlite3_strnicmp(z, zPrefix, (int)strlen(zPrefix))==0;
}

/* The kind of a column from its declared type and remote type */
static int colKind(int eDialect, const char *zDecl, const char *zRemote){
  if( zRemote==0 ) zRemote = "";
  if( strcmp(zDecl, "INTEGER")==0 ) return K_INT;
  if( strcmp(zDecl, "NUMERIC")==0 ) return K_NUMERIC;
  if( strcmp(zDecl, "BLOB")==0 ) return K_BLOB;
  if( strcmp(zDecl, "REAL")==0 ){
    if( eDialect==D_SQLITE ) return K_REAL8;
    if( startsWith(zRemote, "double") ) return K_REAL8;
    return K_REAL4;
  }
  /* TEXT */
  if( eDialect==D_SQLITE ) return K_TEXT;
  if( eDialect==D_PG ){
    if( strstr(zRemote, "[]") ) return K_OTHER;
    if( strcmp(zRemote, "text")==0 || startsWith(zRemote, "character varying")
     || strcmp(zRemote, "name")==0 ) return K_TEXT;
    if( strcmp(zRemote, "date")==0 || startsWith(zRemote, "timestamp without")
     || (startsWith(zRemote, "timestamp") && !strstr(zRemote, "with time zone"))
     || startsWith(zRemote, "time without") || strcmp(zRemote, "uuid")==0
     || strcmp(zRemote, "json")==0 || strcmp(zRemote, "jsonb")==0 ){
      return K_TEXTCAST;
    }
    return K_OTHER;
  }
  /* MySQL: string types compare with BINARY */
  if( startsWith(zRemote, "varchar") || startsWith(zRemote, "char")
   || strstr(zRemote, "text") || startsWith(zRemote, "enum") ){
    return K_TEXT;
  }
  return K_OTHER;
}

/* Append the SQL of column iCol as it is compared (exact text order) */
static void appendColCmp(sqlite3_str *p, RemoteVtab *pTab, const RemoteDialect *pD,
                         int iCol){
  char *zQ = pD->xQuoteIdent(pTab->azCol[iCol]);
  int k = pTab->aKind[iCol];
  if( pTab->eDialect==D_PG && k==K_TEXT ){
    sqlite3_str_appendf(p, "%s COLLATE \"C\"", zQ);
  }else if( pTab->eDialect==D_PG && k==K_TEXTCAST ){
    sqlite3_str_appendf(p, "%s::text COLLATE \"C\"", zQ);
  }else if( pTab->eDialect==D_MYSQL && k==K_TEXT ){
    sqlite3_str_appendf(p, "BINARY %s", zQ);
  }else{
    sqlite3_str_appendall(p, zQ);
  }
  sqlite3_free(zQ);
}

/* Append a placeholder for parameter number iParam (1-based) */
static void appendParam(sqlite3_str *p, int eDialect, int iParam){
  if( eDialect==D_PG ) sqlite3_str_appendf(p, "$%d", iParam);
  else sqlite3_str_appendchar(p, 1, '?');
}

/* Is constraint op on a column of kind k evaluated exactly remotely? */
static int isExact(RemoteVtab *pTab, int k, int op){
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_ISNULL:
    case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
      /* PostgreSQL double NaN arrives as NULL */
      return !((k==K_REAL8 || k==K_REAL4) && pTab->eDialect==D_PG);
    case SQLITE_INDEX_CONSTRAINT_EQ:
    case SQLITE_INDEX_CONSTRAINT_NE:
    case SQLITE_INDEX_CONSTRAINT_LT:
    case SQLITE_INDEX_CONSTRAINT_LE:
    case SQLITE_INDEX_CONSTRAINT_GT:
    case SQLITE_INDEX_CONSTRAINT_GE:
    case SQLITE_INDEX_CONSTRAINT_IS:
    case SQLITE_INDEX_CONSTRAINT_ISNOT:
      if( k==K_INT || k==K_TEXT ) return 1;
      if( k==K_TEXTCAST ) return 1;
      if( k==K_BLOB ) return pTab->eDialect!=D_MYSQL;
      return 0;
  }
  return 0;
}

/* Can constraint op on kind k be pushed at all (exactly or as a superset)? */
static int isPushable(RemoteVtab *pTab, int k, int op){
  if( isExact(pTab, k, op) ) return 1;
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
      return 1;
    case SQLITE_INDEX_CONSTRAINT_EQ:
    case SQLITE_INDEX_CONSTRAINT_LT:
    case SQLITE_INDEX_CONSTRAINT_LE:
    case SQLITE_INDEX_CONSTRAINT_GT:
    case SQLITE_INDEX_CONSTRAINT_GE:
    case SQLITE_INDEX_CONSTRAINT_IS:
      return k==K_REAL8 || k==K_NUMERIC || k==K_BLOB;
    case SQLITE_INDEX_CONSTRAINT_LIKE:
    case SQLITE_INDEX_CONSTRAINT_GLOB:
      return k==K_TEXT;
  }
  return 0;
}

/* ------------------------------------------------------------------ */
/* Connect / create                                                    */

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

static void vtabFree(RemoteVtab *p){
  int i;
  if( p==0 ) return;
  for(i=0; i<p->nCol; i++){
    if( p->azCol ) sqlite3_free(p->azCol[i]);
    if( p->azDecl ) sqlite3_free(p->azDecl[i]);
  }
  sqlite3_free(p->azCol);
  sqlite3_free(p->azDecl);
  sqlite3_free(p->aKind);
  sqlite3_free(p->zEngine);
  sqlite3_free(p->zSchema);
  sqlite3_free(p->zTable);
  sqlite3_free(p->zQuery);
  sqlite3_free(p);
}

/* Columns of a query= table: run it with LIMIT 0 */
static int queryInfo(RemoteVtab *p, SessConn *pSc, char **pzErr){
  RemoteResult *pRes = 0;
  char *zSql = sqlite3_mprintf("SELECT * FROM (%s) AS sr_q LIMIT 0", p->zQuery);
  int rc, i;
  if( zSql==0 ) return SQLITE_NOMEM;
  rc = remoteResultOpen(pSc, zSql, 0, 0, 1, &pRes, pzErr);
  sqlite3_free(zSql);
  if( rc ) return rc;
  p->nCol = remoteResultColumnCount(pRes);
  p->azCol = sqlite3_malloc64(sizeof(char*)*(p->nCol+1));
  p->azDecl = sqlite3_malloc64(sizeof(char*)*(p->nCol+1));
  p->aKind = sqlite3_malloc64(sizeof(int)*(p->nCol+1));
  if( p->azCol==0 || p->azDecl==0 || p->aKind==0 ){
    remoteResultClose(pRes);
    p->nCol = 0;
    return SQLITE_NOMEM;
  }
  for(i=0; i<p->nCol; i++){
    p->azCol[i] = sqlite3_mprintf("%s", remoteResultColumnName(pRes, i));
    p->azDecl[i] = sqlite3_mprintf("%s", remoteResultColumnDeclType(pRes, i));
    /* No remote type names here: text columns are compared only in SQLite */
    p->aKind[i] = colKind(p->eDialect, p->azDecl[i],
                          p->eDialect==D_SQLITE ? "" : "unknown");
  }
  remoteResultClose(pRes);
  p->nRowEst = -1;
  return SQLITE_OK;
}

/* Columns of a table from the catalog (cached per engine) */
static int tableInfo(RemoteVtab *p, SessConn *pSc, RemoteEngine *pE,
                     const char *zPkOpt, char **pzErr){
  RemoteTableInfo *pInfo;
  char *zKey = sqlite3_mprintf("%s\x01%s", p->zSchema ? p->zSchema : "", p->zTable);
  int rc = SQLITE_OK, i, nPk = 0;
  if( zKey==0 ) return SQLITE_NOMEM;
  pInfo = cacheGet(pE, zKey);
  if( pInfo==0 ){
    PoolConn *pc = 0;
    rc = remoteSessAcquire(pSc, &pc, pzErr);
    if( rc==SQLITE_OK ){
      RemoteConn *pConn = pc->pConn;
      rc = pConn->pDialect->xTableInfo(pConn, p->zSchema, p->zTable, &pInfo);
      if( rc==SQLITE_NOTFOUND ){
        *pzErr = sqlite3_mprintf("remote: %s: no such remote table: %s%s%s",
            p->zEngine, p->zSchema ? p->zSchema : "", p->zSchema ? "." : "",
            p->zTable);
        rc = SQLITE_ERROR;
      }else if( rc ){
        rc = remoteSessError(pSc, pc, pzErr);
      }
      remoteSessRelease(pSc, pc);
    }
    if( rc==SQLITE_OK ) cachePut(pE, zKey, pInfo);
  }
  sqlite3_free(zKey);
  if( rc ) return rc;
  p->nCol = pInfo->nCol;
  p->nRowEst = pInfo->nRowEst;
  p->azCol = sqlite3_malloc64(sizeof(char*)*(p->nCol+1));
  p->azDecl = sqlite3_malloc64(sizeof(char*)*(p->nCol+1));
  p->aKind = sqlite3_malloc64(sizeof(int)*(p->nCol+1));
  if( p->azCol==0 || p->azDecl==0 || p->aKind==0 ){
    p->nCol = 0;
    remoteTableInfoFree(pInfo);
    return SQLITE_NOMEM;
  }
  p->iPk = -1;
  for(i=0; i<p->nCol; i++){
    RemoteColumnInfo *c = &pInfo->aCol[i];
    p->azCol[i] = sqlite3_mprintf("%s", c->zName);
    p->azDecl[i] = sqlite3_mprintf("%s", c->zDeclType);
    p->aKind[i] = colKind(p->eDialect, c->zDeclType, c->zRemoteType);
    if( zPkOpt ){
      if( sqlite3_stricmp(zPkOpt, c->zName)==0 ){ p->iPk = i; nPk = 1; }
    }else if( c->iPk ){
      nPk++;
      p->iPk = i;
    }
  }
  if( zPkOpt && nPk==0 ){
    *pzErr = sqlite3_mprintf("primary_key: no such column: %s", zPkOpt);
    rc = SQLITE_ERROR;
  }
  if( nPk!=1 ) p->iPk = -1;   /* composite keys: read-only for now */
  if( pInfo->bView && zPkOpt==0 ) p->iPk = -1;
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
  if( p->iPk>=0 ){
    sqlite3_str_appendf(pStr, ", PRIMARY KEY(\"%w\")) WITHOUT ROWID", p->azCol[p->iPk]);
  }else{
    sqlite3_str_appendchar(pStr, 1, ')');
  }
  return sqlite3_str_finish(pStr);
}

static int remoteConnectCreate(sqlite3 *db, void *pAux, int argc,
                               const char *const *argv, sqlite3_vtab **ppVtab,
                               char **pzErr){
  RemoteSession *pSess = (RemoteSession*)pAux;
  RemoteVtab *p = 0;
  RemoteEngine *pE = 0;
  SessConn *pSc;
  char *zPkOpt = 0;
  char *zSql = 0;
  int updatable = -1;
  int rc = SQLITE_OK, i;

  if( argc<5 ){
    *pzErr = sqlite3_mprintf("usage: remote(ENGINE, 'schema.table' | query='...' "
                             "[, option=value ...])");
    return SQLITE_ERROR;
  }
  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->db = db;
  p->pSess = pSess;
  p->iPk = -1;
  p->nBatch = 1000;
  p->zEngine = dequote(argv[3]);
  if( p->zEngine==0 ){ rc = SQLITE_NOMEM; goto connect_error; }
  pE = remoteEngineFind(p->zEngine);
  if( pE==0 ){
    *pzErr = sqlite3_mprintf("no such remote engine: %s", p->zEngine);
    rc = SQLITE_ERROR;
    goto connect_error;
  }
  p->eDialect = dialectOf(pE->pDialect);
  for(i=4; i<argc; i++){
    const char *zArg = argv[i];
    const char *zEq = strchr(zArg, '=');
    char *zVal;
    if( i==4 && (zEq==0 || zArg[0]=='\'' || zArg[0]=='"') ){
      /* 'schema.table' */
      char *zName = dequote(zArg);
      char *zDot;
      if( zName==0 ){ rc = SQLITE_NOMEM; goto connect_error; }
      zDot = strchr(zName, '.');
      if( zDot ){
        *zDot = 0;
        p->zSchema = sqlite3_mprintf("%s", zName);
        p->zTable = sqlite3_mprintf("%s", zDot+1);
      }else{
        p->zTable = sqlite3_mprintf("%s", zName);
      }
      sqlite3_free(zName);
      continue;
    }
    if( zEq==0 ){
      *pzErr = sqlite3_mprintf("unknown remote table argument: %s", zArg);
      rc = SQLITE_ERROR;
      goto connect_error;
    }
    zVal = dequote(zEq+1);
    if( zVal==0 ){ rc = SQLITE_NOMEM; goto connect_error; }
#define ARG_IS(K) ((int)(zEq-zArg)==(int)sizeof(K)-1 && strncmp(zArg, K, zEq-zArg)==0)
    if( ARG_IS("query") ){
      sqlite3_free(p->zQuery);
      p->zQuery = zVal;
      zVal = 0;
    }else if( ARG_IS("fetch_size") ){
      p->nFetch = atoi(zVal);
      if( p->nFetch<=0 ) rc = SQLITE_ERROR;
    }else if( ARG_IS("batch_size") ){
      p->nBatch = atoi(zVal);
      if( p->nBatch<=0 ) rc = SQLITE_ERROR;
    }else if( ARG_IS("updatable") ){
      updatable = remoteParseBool(zVal);
      if( updatable<0 ) rc = SQLITE_ERROR;
    }else if( ARG_IS("primary_key") ){
      sqlite3_free(zPkOpt);
      zPkOpt = zVal;
      zVal = 0;
      if( strchr(zPkOpt, ',') ){
        *pzErr = sqlite3_mprintf("primary_key: only a single-column key is "
                                 "supported: %s", zPkOpt);
        rc = SQLITE_ERROR;
        goto connect_error;
      }
    }else{
      *pzErr = sqlite3_mprintf("unknown remote table option '%.*s'",
                               (int)(zEq-zArg), zArg);
      sqlite3_free(zVal);
      rc = SQLITE_ERROR;
      goto connect_error;
    }
#undef ARG_IS
    if( rc ){
      *pzErr = sqlite3_mprintf("invalid value '%s' for %.*s", zVal ? zVal : "",
                               (int)(zEq-zArg), zArg);
      sqlite3_free(zVal);
      goto connect_error;
    }
    sqlite3_free(zVal);
  }
  if( (p->zTable==0)==(p->zQuery==0) ){
    *pzErr = sqlite3_mprintf("remote: give either 'schema.table' or query='...'");
    rc = SQLITE_ERROR;
    goto connect_error;
  }
  pSc = remoteSessConnByName(pSess, p->zEngine, pzErr);
  if( pSc==0 ){ rc = SQLITE_ERROR; goto connect_error; }
  if( p->zQuery ){
    rc = queryInfo(p, pSc, pzErr);
  }else{
    rc = tableInfo(p, pSc, pE, zPkOpt, pzErr);
  }
  if( rc ) goto connect_error;
  if( p->nCol==0 ){
    *pzErr = sqlite3_mprintf("remote: %s: %s has no columns", p->zEngine,
                             p->zTable ? p->zTable : "query");
    rc = SQLITE_ERROR;
    goto connect_error;
  }
  p->bWritable = p->zQuery==0 && p->iPk>=0 && updatable!=0;
  if( updatable==1 && !p->bWritable ){
    *pzErr = sqlite3_mprintf("remote: %s: %s has no primary key: name one with "
                             "primary_key=COLUMN to make it writable",
                             p->zEngine, p->zTable ? p->zTable : "query");
    rc = SQLITE_ERROR;
    goto connect_error;
  }
  if( !p->bWritable ) p->iPk = -1;
  zSql = schemaSql(p);
  if( zSql==0 ){ rc = SQLITE_NOMEM; goto connect_error; }
  rc = sqlite3_declare_vtab(db, zSql);
  if( rc ){
    *pzErr = sqlite3_mprintf("remote: cannot declare %s: %s", zSql, sqlite3_errmsg(db));
    goto connect_error;
  }
  sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
  sqlite3_free(zSql);
  sqlite3_free(zPkOpt);
  remoteEngineRelease(pE);
  *ppVtab = &p->base;
  return SQLITE_OK;

connect_error:
  sqlite3_free(zSql);
  sqlite3_free(zPkOpt);
  remoteEngineRelease(pE);
  vtabFree(p);
  return rc;
}

static int remoteDisconnect(sqlite3_vtab *pVtab){
  vtabFree((RemoteVtab*)pVtab);
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* Planning                                                            */

static int remoteBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  sqlite3_str *pPlan = sqlite3_str_new(0);
  double rRows = pTab->nRowEst>0 ? (double)pTab->nRowEst : 100000.0;
  int nArg = 0, i;
  int bAllExact = 1;
  int bUnique = 0;
  int iLimit = -1, iOffset = -1;
  int bOrderOk = 1;
  sqlite3_uint64 mUsed = pInfo->colUsed;

  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    int op = c->op, k, bExact;
    if( op==SQLITE_INDEX_CONSTRAINT_LIMIT ){ if( c->usable ) iLimit = i; continue; }
    if( op==SQLITE_INDEX_CONSTRAINT_OFFSET ){ if( c->usable ) iOffset = i; continue; }
    if( !c->usable ) continue;
    if( c->iColumn<0 || c->iColumn>=pTab->nCol ){ bAllExact = 0; continue; }
    k = pTab->aKind[c->iColumn];
    if( !isPushable(pTab, k, op) ){ bAllExact = 0; continue; }
    if( (k==K_TEXT || k==K_TEXTCAST) && op!=SQLITE_INDEX_CONSTRAINT_ISNULL
     && op!=SQLITE_INDEX_CONSTRAINT_ISNOTNULL
     && sqlite3_stricmp(sqlite3_vtab_collation(pInfo, i), "BINARY")!=0 ){
      bAllExact = 0;
      continue;
    }
    bExact = isExact(pTab, k, op);
    if( op==SQLITE_INDEX_CONSTRAINT_LIKE || op==SQLITE_INDEX_CONSTRAINT_GLOB ){
      /* Exact only on PostgreSQL (LIKE: ASCII folding under "C"), and
      ** GLOB when the pattern has no [...] class */
      sqlite3_value *pRhs = 0;
      bExact = 0;
      if( pTab->eDialect==D_PG || pTab->eDialect==D_SQLITE ){
        if( op==SQLITE_INDEX_CONSTRAINT_LIKE ){
          bExact = 1;
        }else if( sqlite3_vtab_rhs_value(pInfo, i, &pRhs)==SQLITE_OK && pRhs
               && sqlite3_value_type(pRhs)==SQLITE_TEXT
               && strchr((const char*)sqlite3_value_text(pRhs), '[')==0 ){
          bExact = 1;
        }
      }
    }
    if( op==SQLITE_INDEX_CONSTRAINT_EQ && bExact
     && sqlite3_vtab_in(pInfo, i, -1) ){
      sqlite3_vtab_in(pInfo, i, 1);
      sqlite3_str_appendf(pPlan, "i%d:%d ", c->iColumn, ++nArg);
      pInfo->aConstraintUsage[i].argvIndex = nArg;
      pInfo->aConstraintUsage[i].omit = 1;
      rRows /= 5.0;
      continue;
    }
    if( op==SQLITE_INDEX_CONSTRAINT_ISNULL || op==SQLITE_INDEX_CONSTRAINT_ISNOTNULL ){
      sqlite3_str_appendf(pPlan, "w%d:%d:0:%d ", c->iColumn, op, bExact);
    }else{
      pInfo->aConstraintUsage[i].argvIndex = ++nArg;
      sqlite3_str_appendf(pPlan, "w%d:%d:%d:%d ", c->iColumn, op, nArg, bExact);
    }
    pInfo->aConstraintUsage[i].omit = (unsigned char)bExact;
    if( !bExact ) bAllExact = 0;
    if( op==SQLITE_INDEX_CONSTRAINT_EQ || op==SQLITE_INDEX_CONSTRAINT_IS ){
      if( c->iColumn==pTab->iPk ) bUnique = 1;
      rRows /= 10.0;
    }else{
      rRows /= 3.0;
    }
  }

  /* ORDER BY: consumed when every term is exactly orderable remotely */
  for(i=0; i<pInfo->nOrderBy; i++){
    int iCol = pInfo->aOrderBy[i].iColumn;
    int k = (iCol>=0 && iCol<pTab->nCol) ? pTab->aKind[iCol] : 0;
    if( k!=K_INT && k!=K_TEXT && !(k==K_TEXTCAST && pTab->eDialect==D_PG) ){
      bOrderOk = 0;
      break;
    }
  }
  if( pInfo->nOrderBy>0 && bOrderOk ){
    for(i=0; i<pInfo->nOrderBy; i++){
      sqlite3_str_appendf(pPlan, "o%d:%d ", pInfo->aOrderBy[i].iColumn,
                          pInfo->aOrderBy[i].desc);
    }
    pInfo->orderByConsumed = 1;
  }
  /* LIMIT/OFFSET only when the remote computes exactly this result */
  if( bAllExact && (pInfo->nOrderBy==0 || bOrderOk) ){
    if( iLimit>=0 ){
      pInfo->aConstraintUsage[iLimit].argvIndex = ++nArg;
      pInfo->aConstraintUsage[iLimit].omit = 1;
      sqlite3_str_appendf(pPlan, "l%d ", nArg);
      if( iOffset>=0 ){
        pInfo->aConstraintUsage[iOffset].argvIndex = ++nArg;
        pInfo->aConstraintUsage[iOffset].omit = 1;
        sqlite3_str_appendf(pPlan, "f%d ", nArg);
      }
    }
  }
  if( mUsed & ((sqlite3_uint64)1<<63) ) mUsed |= ~(sqlite3_uint64)0 << 63;
  sqlite3_str_appendf(pPlan, "u%llx", (unsigned long long)mUsed);
  pInfo->idxStr = sqlite3_str_finish(pPlan);
  if( pInfo->idxStr==0 ) return SQLITE_NOMEM;
  pInfo->needToFreeIdxStr = 1;
  if( bUnique ){
    pInfo->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
    rRows = 1;
  }
  if( rRows<1 ) rRows = 1;
  pInfo->estimatedRows = (sqlite3_int64)rRows;
  /* One round trip plus the rows */
  pInfo->estimatedCost = 1000.0 + rRows;
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* Scanning                                                            */

/* Storage-class rank as SQLite orders classes */
static int classRank(int eType){
  switch( eType ){
    case SQLITE_NULL: return 0;
    case SQLITE_INTEGER: case SQLITE_FLOAT: return 1;
    case SQLITE_TEXT: return 2;
    default: return 3;
  }
}

/* Apply affinity of a column kind to v (SQLite's comparison affinity). The
** result may point into *pzBuf (sqlite3_malloc'd, caller frees). */
static void applyAffinity(int k, RemoteValue *v, char **pzBuf){
  if( k==K_TEXT || k==K_TEXTCAST ){
    if( v->eType==SQLITE_INTEGER ){
      *pzBuf = sqlite3_mprintf("%lld", v->i);
    }else if( v->eType==SQLITE_FLOAT ){
      *pzBuf = sqlite3_mprintf("%!.15g", v->r);
    }else{
      return;
    }
    v->eType = SQLITE_TEXT;
    v->z = *pzBuf ? *pzBuf : "";
    v->n = (int)strlen(v->z);
  }else if( k==K_INT || k==K_REAL8 || k==K_REAL4 || k==K_NUMERIC ){
    if( v->eType==SQLITE_TEXT ){
      RemoteValue w;
      remoteNumericAffinity(v->z, v->n, &w);
      if( w.eType!=SQLITE_TEXT ) *v = w;
    }
  }
}

/* Column class of a kind (what its values are), for cross-class folding */
static int kindRank(int k){
  if( k==K_INT || k==K_REAL8 || k==K_REAL4 ) return 1;
  if( k==K_TEXT || k==K_TEXTCAST ) return 2;
  if( k==K_BLOB ) return 3;
  return -1;          /* values of several classes: never folded */
}

typedef struct Sql Sql;
struct Sql {
  sqlite3_str *pStr;
  int nParam;
  RemoteValue aParam[64];
  char *azBuf[64];          /* converted values to free */
  int nBuf;
  int bNone;                /* a constant-false predicate */
  int eDialect;
};

static void addParam(Sql *q, const RemoteValue *v){
  if( q->nParam<64 ){
    q->aParam[q->nParam++] = *v;
    appendParam(q->pStr, q->eDialect, q->nParam);
  }
}

/* Append one comparison "col OP value" (exact per the kind), or nothing
** for a superset push that cannot use this value. Returns 1 if appended. */
static int appendCompare(Sql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                         int iCol, int op, sqlite3_value *pVal, int bExact){
  int k = pTab->aKind[iCol];
  RemoteValue v;
  char *zBuf = 0;
  int rCol = kindRank(k), rVal;
  const char *zOp = 0;
  char *zQ;
  remoteValueFromSqlite(pVal, &v);
  applyAffinity(k, &v, &zBuf);
  if( zBuf && q->nBuf<64 ) q->azBuf[q->nBuf++] = zBuf;
  rVal = classRank(v.eType);
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_EQ: zOp = "="; break;
    case SQLITE_INDEX_CONSTRAINT_NE: zOp = "<>"; break;
    case SQLITE_INDEX_CONSTRAINT_LT: zOp = "<"; break;
    case SQLITE_INDEX_CONSTRAINT_LE: zOp = "<="; break;
    case SQLITE_INDEX_CONSTRAINT_GT: zOp = ">"; break;
    case SQLITE_INDEX_CONSTRAINT_GE: zOp = ">="; break;
    case SQLITE_INDEX_CONSTRAINT_IS: zOp = "="; break;
    case SQLITE_INDEX_CONSTRAINT_ISNOT: zOp = "<>"; break;
  }
  zQ = pD->xQuoteIdent(pTab->azCol[iCol]);
  if( zQ==0 ) return 0;
  if( op==SQLITE_INDEX_CONSTRAINT_LIKE || op==SQLITE_INDEX_CONSTRAINT_GLOB ){
    int rc = 0;
    if( v.eType==SQLITE_NULL ){
      q->bNone = 1;
    }else if( v.eType==SQLITE_TEXT ){
      if( op==SQLITE_INDEX_CONSTRAINT_LIKE ){
        if( pTab->eDialect==D_PG ){
          sqlite3_str_appendf(q->pStr, "lower(%s COLLATE \"C\") LIKE lower(", zQ);
          addParam(q, &v);
          sqlite3_str_appendall(q->pStr, "::text COLLATE \"C\") ESCAPE ''");
          rc = 1;
        }else if( pTab->eDialect==D_SQLITE ){
          sqlite3_str_appendf(q->pStr, "%s LIKE ", zQ);
          addParam(q, &v);
          rc = 1;
        }else if( memchr(v.z, '\\', v.n)==0 ){
          sqlite3_str_appendf(q->pStr, "LOWER(%s) LIKE LOWER(", zQ);
          addParam(q, &v);
          sqlite3_str_appendchar(q->pStr, 1, ')');
          rc = 1;
        }
      }else if( pTab->eDialect==D_SQLITE ){
        sqlite3_str_appendf(q->pStr, "%s GLOB ", zQ);
        addParam(q, &v);
        rc = 1;
      }else if( memchr(v.z, '[', v.n)==0
             && !(pTab->eDialect==D_MYSQL && memchr(v.z, '?', v.n)) ){
        /* GLOB -> LIKE with every LIKE metacharacter escaped */
        sqlite3_str *pPat = sqlite3_str_new(0);
        int j;
        char *zPat;
        for(j=0; j<v.n; j++){
          char c = v.z[j];
          if( c=='*' ) sqlite3_str_appendchar(pPat, 1, '%');
          else if( c=='?' ) sqlite3_str_appendchar(pPat, 1, '_');
          else if( c=='%' || c=='_' || c=='\\' ){
            sqlite3_str_appendchar(pPat, 1, '\\');
            sqlite3_str_appendchar(pPat, 1, c);
          }else sqlite3_str_appendchar(pPat, 1, c);
        }
        zPat = sqlite3_str_finish(pPat);
        if( zPat && q->nBuf<64 ){
          RemoteValue w = v;
          q->azBuf[q->nBuf++] = zPat;
          w.z = zPat;
          w.n = (int)strlen(zPat);
          if( pTab->eDialect==D_PG ){
            sqlite3_str_appendf(q->pStr, "%s COLLATE \"C\" LIKE ", zQ);
            addParam(q, &w);
            sqlite3_str_appendall(q->pStr, "::text ESCAPE '\\'");
          }else{
            sqlite3_str_appendf(q->pStr, "BINARY %s LIKE ", zQ);
            addParam(q, &w);
          }
          rc = 1;
        }else{
          sqlite3_free(zPat);
        }
      }
    }
    sqlite3_free(zQ);
    return rc;
  }
  if( v.eType==SQLITE_NULL ){
    /* comparisons with NULL are never true; IS / IS NOT test for NULL */
    if( op==SQLITE_INDEX_CONSTRAINT_IS ){
      sqlite3_str_appendf(q->pStr, "%s IS NULL", zQ);
    }else if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ){
      sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
    }else{
      q->bNone = 1;
      sqlite3_free(zQ);
      return 0;
    }
    sqlite3_free(zQ);
    return 1;
  }
  if( rCol>0 && rCol!=rVal ){
    /* Different classes: decided by class order */
    int bColLess = rCol<rVal;
    const char *zPred = 0;    /* 0 = false */
    switch( op ){
      case SQLITE_INDEX_CONSTRAINT_EQ: case SQLITE_INDEX_CONSTRAINT_IS: break;
      case SQLITE_INDEX_CONSTRAINT_NE: zPred = "NN"; break;
      case SQLITE_INDEX_CONSTRAINT_ISNOT: zPred = "TRUE"; break;
      case SQLITE_INDEX_CONSTRAINT_LT: case SQLITE_INDEX_CONSTRAINT_LE:
        if( bColLess ) zPred = "NN";
        break;
      default:
        if( !bColLess ) zPred = "NN";
        break;
    }
    if( zPred==0 ){
      q->bNone = 1;
    }else if( zPred[0]=='N' ){
      sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
    }else{
      sqlite3_str_appendall(q->pStr, "1=1");
    }
    sqlite3_free(zQ);
    return 1;
  }
  if( rCol<0 && !bExact && rVal!=1 ){
    /* NUMERIC with a non-number: leave it to SQLite */
    sqlite3_free(zQ);
    return 0;
  }
  if( k==K_INT && v.eType==SQLITE_FLOAT ){
    /* An integer column against a real: integral bounds, exactly */
    double r = v.r;
    int bIntegral = r==floor(r) && r>-9.2233720368547758e18 && r<9.2233720368547758e18;
    if( bIntegral ){
      v.eType = SQLITE_INTEGER;
      v.i = (sqlite3_int64)r;
    }else if( op==SQLITE_INDEX_CONSTRAINT_EQ || op==SQLITE_INDEX_CONSTRAINT_IS ){
      q->bNone = 1;
      sqlite3_free(zQ);
      return 1;
    }else if( op==SQLITE_INDEX_CONSTRAINT_NE ){
      sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
      sqlite3_free(zQ);
      return 1;
    }else if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ){
      sqlite3_str_appendall(q->pStr, "1=1");
      sqlite3_free(zQ);
      return 1;
    }else{
      int bUpper = op==SQLITE_INDEX_CONSTRAINT_LT || op==SQLITE_INDEX_CONSTRAINT_LE;
      double b = bUpper ? floor(r) : ceil(r);
      if( b>=9.2233720368547758e18 || b<-9.2233720368547758e18 ){
        /* beyond every integer */
        if( (b>0)==bUpper ) sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
        else q->bNone = 1;
        sqlite3_free(zQ);
        return 1;
      }
      v.eType = SQLITE_INTEGER;
      v.i = (sqlite3_int64)b;
      zOp = bUpper ? "<=" : ">=";
    }
  }
  if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ){
    sqlite3_str_appendchar(q->pStr, 1, '(');
    appendColCmp(q->pStr, pTab, pD, iCol);
    sqlite3_str_appendall(q->pStr, " <> ");
    addParam(q, &v);
    if( pTab->eDialect==D_PG && (k==K_TEXT || k==K_TEXTCAST) ){
      sqlite3_str_appendall(q->pStr, "::text");
    }
    sqlite3_str_appendf(q->pStr, " OR %s IS NULL)", zQ);
  }else{
    appendColCmp(q->pStr, pTab, pD, iCol);
    sqlite3_str_appendf(q->pStr, " %s ", zOp);
    if( pTab->eDialect==D_MYSQL && k==K_TEXT ) sqlite3_str_appendall(q->pStr, "BINARY ");
    addParam(q, &v);
    if( pTab->eDialect==D_PG && (k==K_TEXT || k==K_TEXTCAST) ){
      sqlite3_str_appendall(q->pStr, "::text");
    }
  }
  sqlite3_free(zQ);
  return 1;
}

static void cursorReset2(RemoteCursor2 *p){
  remoteResultClose(p->pRes);
  p->pRes = 0;
  sqlite3_free(p->aMap);
  p->aMap = 0;
  p->bEof = 1;
  p->bNone = 0;
}

static int remoteOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  RemoteCursor2 *p = sqlite3_malloc(sizeof(*p));
  (void)pVtab;
  if( p==0 ) return SQLITE_NOMEM;
  memset(p, 0, sizeof(*p));
  p->bEof = 1;
  *ppCur = &p->base;
  return SQLITE_OK;
}

static int remoteClose(sqlite3_vtab_cursor *pCur){
  cursorReset2((RemoteCursor2*)pCur);
  sqlite3_free(pCur);
  return SQLITE_OK;
}

static void setVtabError(sqlite3_vtab *pVtab, char *zErr){
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = zErr;
}

/* Append the FROM target: "schema"."table" or (query) */
static void appendTarget(sqlite3_str *p, RemoteVtab *pTab, const RemoteDialect *pD){
  if( pTab->zQuery ){
    sqlite3_str_appendf(p, "(%s) AS sr_q", pTab->zQuery);
  }else{
    char *zT = pD->xQuoteIdent(pTab->zTable);
    if( pTab->zSchema ){
      char *zS = pD->xQuoteIdent(pTab->zSchema);
      sqlite3_str_appendf(p, "%s.", zS);
      sqlite3_free(zS);
    }
    sqlite3_str_appendall(p, zT);
    sqlite3_free(zT);
  }
}

static int remoteNext(sqlite3_vtab_cursor *pCur){
  RemoteCursor2 *p = (RemoteCursor2*)pCur;
  char *zErr = 0;
  int rc;
  if( p->pRes==0 ){ p->bEof = 1; return SQLITE_OK; }
  rc = remoteResultStep(p->pRes, &zErr);
  if( rc==SQLITE_ROW ) return SQLITE_OK;
  p->bEof = 1;
  remoteResultClose(p->pRes);
  p->pRes = 0;
  if( rc==SQLITE_DONE ) return SQLITE_OK;
  setVtabError(pCur->pVtab, zErr);
  return rc;
}

static int remoteFilter(sqlite3_vtab_cursor *pCur, int idxNum,
                        const char *idxStr, int argc, sqlite3_value **argv){
  RemoteCursor2 *p = (RemoteCursor2*)pCur;
  RemoteVtab *pTab = (RemoteVtab*)pCur->pVtab;
  RemoteEngine *pE = 0;
  SessConn *pSc;
  Sql q;
  char *zErr = 0;
  char *zSql = 0;
  const char *z;
  int nWhere = 0, nOrder = 0, nSel = 0, i, rc = SQLITE_OK;
  int iLimitArg = 0, iOffsetArg = 0;
  sqlite3_uint64 mUsed = ~(sqlite3_uint64)0;
  sqlite3_str *pOrder;
  (void)idxNum;

  cursorReset2(p);
  memset(&q, 0, sizeof(q));
  q.eDialect = pTab->eDialect;
  pSc = remoteSessConnByName(pTab->pSess, pTab->zEngine, &zErr);
  if( pSc==0 ){ setVtabError(pCur->pVtab, zErr); return SQLITE_ERROR; }
  pE = remoteSessEngine(pSc, &zErr);
  if( pE==0 ){ setVtabError(pCur->pVtab, zErr); return SQLITE_ERROR; }

  for(z=idxStr; z && *z; ){
    if( *z=='u' ) mUsed = strtoull(z+1, 0, 16);
    while( *z && *z!=' ' ) z++;
    while( *z==' ' ) z++;
  }
  p->aMap = sqlite3_malloc64(sizeof(int)*(pTab->nCol+1));
  q.pStr = sqlite3_str_new(0);
  pOrder = sqlite3_str_new(0);
  if( p->aMap==0 ){ rc = SQLITE_NOMEM; goto filter_done; }
  sqlite3_str_appendall(q.pStr, "SELECT ");
  for(i=0; i<pTab->nCol; i++){
    if( (mUsed & ((sqlite3_uint64)1<<(i<63 ? i : 63))) ){
      char *zQ = pE->pDialect->xQuoteIdent(pTab->azCol[i]);
      sqlite3_str_appendf(q.pStr, "%s%s", nSel ? ", " : "", zQ);
      sqlite3_free(zQ);
      p->aMap[i] = nSel++;
    }else{
      p->aMap[i] = -1;
    }
  }
  if( nSel==0 ) sqlite3_str_appendall(q.pStr, "1");
  sqlite3_str_appendall(q.pStr, " FROM ");
  appendTarget(q.pStr, pTab, pE->pDialect);

  for(z=idxStr; z && *z; ){
    char c = *z++;
    if( c=='w' ){
      int iCol, op, iArg, bExact;
      if( sscanf(z, "%d:%d:%d:%d", &iCol, &op, &iArg, &bExact)==4 ){
        size_t nBefore = sqlite3_str_length(q.pStr);
        const char *zWord = nWhere ? " AND " : " WHERE ";
        sqlite3_str_appendall(q.pStr, zWord);
        if( op==SQLITE_INDEX_CONSTRAINT_ISNULL || op==SQLITE_INDEX_CONSTRAINT_ISNOTNULL ){
          char *zQ = pE->pDialect->xQuoteIdent(pTab->azCol[iCol]);
          sqlite3_str_appendf(q.pStr, "%s IS %sNULL", zQ,
                              op==SQLITE_INDEX_CONSTRAINT_ISNULL ? "" : "NOT ");
          sqlite3_free(zQ);
          nWhere++;
        }else if( iArg>0 && iArg<=argc
               && appendCompare(&q, pTab, pE->pDialect, iCol, op, argv[iArg-1], bExact) ){
          nWhere++;
        }else{
          /* nothing appended: take the connective back */
          char *zCur = sqlite3_str_finish(q.pStr);
          q.pStr = sqlite3_str_new(0);
          if( zCur ) sqlite3_str_append(q.pStr, zCur, (int)nBefore);
          sqlite3_free(zCur);
        }
      }
    }else if( c=='i' ){
      int iCol, iArg;
      if( sscanf(z, "%d:%d", &iCol, &iArg)==2 && iArg>0 && iArg<=argc ){
        sqlite3_value *pVal = 0;
        int nIn = 0;
        sqlite3_str_appendall(q.pStr, nWhere ? " AND (" : " WHERE (");
        for(rc=sqlite3_vtab_in_first(argv[iArg-1], &pVal);
            rc==SQLITE_OK && pVal; rc=sqlite3_vtab_in_next(argv[iArg-1], &pVal)){
          size_t nBefore = sqlite3_str_length(q.pStr);
          if( nIn ) sqlite3_str_appendall(q.pStr, " OR ");
          q.bNone = 0;
          if( !appendCompare(&q, pTab, pE->pDialect, iCol,
                             SQLITE_INDEX_CONSTRAINT_EQ, pVal, 1) || q.bNone ){
            char *zCur = sqlite3_str_finish(q.pStr);
            q.pStr = sqlite3_str_new(0);
            if( zCur ) sqlite3_str_append(q.pStr, zCur, (int)nBefore);
            sqlite3_free(zCur);
            q.bNone = 0;
          }else{
            nIn++;
          }
        }
        if( rc==SQLITE_DONE ) rc = SQLITE_OK;
        if( nIn==0 ) sqlite3_str_appendall(q.pStr, "1=0");
        sqlite3_str_appendchar(q.pStr, 1, ')');
        nWhere++;
        if( rc ) goto filter_done;
      }
    }else if( c=='o' ){
      int iCol, bDesc;
      if( sscanf(z, "%d:%d", &iCol, &bDesc)==2 ){
        sqlite3_str_appendall(pOrder, nOrder ? ", " : " ORDER BY ");
        appendColCmp(pOrder, pTab, pE->pDialect, iCol);
        if( pTab->eDialect==D_PG ){
          sqlite3_str_appendall(pOrder, bDesc ? " DESC NULLS LAST" : " ASC NULLS FIRST");
        }else{
          sqlite3_str_appendall(pOrder, bDesc ? " DESC" : " ASC");
        }
        nOrder++;
      }
    }else if( c=='l' ){
      iLimitArg = atoi(z);
    }else if( c=='f' ){
      iOffsetArg = atoi(z);
    }
    while( *z && *z!=' ' ) z++;
    while( *z==' ' ) z++;
  }
  if( nOrder ){
    char *zOrder = sqlite3_str_finish(pOrder);
    pOrder = 0;
    if( zOrder ) sqlite3_str_appendall(q.pStr, zOrder);
    sqlite3_free(zOrder);
  }
  if( iLimitArg>0 && iLimitArg<=argc ){
    sqlite3_int64 nLimit = sqlite3_value_int64(argv[iLimitArg-1]);
    sqlite3_int64 nOffset = (iOffsetArg>0 && iOffsetArg<=argc)
                          ? sqlite3_value_int64(argv[iOffsetArg-1]) : 0;
    if( nOffset<0 ) nOffset = 0;
    if( nLimit<0 ){
      if( nOffset>0 ){
        sqlite3_str_appendf(q.pStr, " LIMIT %s OFFSET %lld",
            pTab->eDialect==D_PG ? "ALL" : pTab->eDialect==D_MYSQL
            ? "18446744073709551615" : "-1", nOffset);
      }
    }else{
      sqlite3_str_appendf(q.pStr, " LIMIT %lld", nLimit);
      if( nOffset>0 ) sqlite3_str_appendf(q.pStr, " OFFSET %lld", nOffset);
    }
  }
  zSql = sqlite3_str_finish(q.pStr);
  q.pStr = 0;
  if( zSql==0 ){ rc = SQLITE_NOMEM; goto filter_done; }
  if( q.bNone ){
    p->bEof = 1;
    goto filter_done;
  }
  {
    int nSaveFetch = pSc->nFetch;
    if( pTab->nFetch>0 ) pSc->nFetch = pTab->nFetch;
    rc = remoteResultOpen(pSc, zSql, q.nParam, q.aParam, 1, &p->pRes, &zErr);
    pSc->nFetch = nSaveFetch;
  }
  if( rc ){
    setVtabError(pCur->pVtab, zErr);
    zErr = 0;
    goto filter_done;
  }
  p->bEof = 0;
  rc = remoteNext(pCur);

filter_done:
  if( q.pStr ) sqlite3_free(sqlite3_str_finish(q.pStr));
  if( pOrder ) sqlite3_free(sqlite3_str_finish(pOrder));
  for(i=0; i<q.nBuf; i++) sqlite3_free(q.azBuf[i]);
  sqlite3_free(zSql);
  sqlite3_free(zErr);
  remoteEngineRelease(pE);
  return rc;
}

static int remoteEof(sqlite3_vtab_cursor *pCur){
  return ((RemoteCursor2*)pCur)->bEof;
}

static int remoteColumn(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int i){
  RemoteCursor2 *p = (RemoteCursor2*)pCur;
  RemoteValue v;
  if( sqlite3_vtab_nochange(ctx) ) return SQLITE_OK;
  if( p->pRes==0 || p->aMap==0 || p->aMap[i]<0 ) return SQLITE_OK;
  remoteResultColumn(p->pRes, p->aMap[i], &v);
  remoteResultValue(ctx, &v);
  return SQLITE_OK;
}

static int remoteRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  (void)pCur;
  *pRowid = 0;
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* Writes and transactions                                             */

/* Convert a value for a column of declared type zDecl as SQLite's column
** affinity would store it. May point into *pzBuf. */
static void storeAffinity(const char *zDecl, RemoteValue *v, char **pzBuf){
  if( strcmp(zDecl, "TEXT")==0 ){
    applyAffinity(K_TEXT, v, pzBuf);
  }else if( strcmp(zDecl, "INTEGER")==0 || strcmp(zDecl, "NUMERIC")==0 ){
    applyAffinity(K_INT, v, pzBuf);
    if( v->eType==SQLITE_FLOAT && v->r==floor(v->r)
     && v->r>-9.2233720368547758e18 && v->r<9.2233720368547758e18 ){
      v->eType = SQLITE_INTEGER;
      v->i = (sqlite3_int64)v->r;
    }
  }else if( strcmp(zDecl, "REAL")==0 ){
    applyAffinity(K_REAL8, v, pzBuf);
    if( v->eType==SQLITE_INTEGER ){
      v->eType = SQLITE_FLOAT;
      v->r = (double)v->i;
    }
  }
}

static SessConn *vtabConn(RemoteVtab *pTab){
  char *zErr = 0;
  SessConn *pSc = remoteSessConnByName(pTab->pSess, pTab->zEngine, &zErr);
  if( pSc==0 ) setVtabError(&pTab->base, zErr);
  return pSc;
}

static int remoteUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv,
                        sqlite3_int64 *pRowid){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  RemoteEngine *pE;
  const RemoteDialect *pD;
  sqlite3_str *pStr;
  RemoteValue *aParam = 0;
  char **azBuf = 0;
  int nParam = 0, nBuf = 0, i, rc;
  sqlite3_int64 nChange = 0;
  char *zSql = 0, *zErr = 0;
  (void)pRowid;

  if( pSc==0 ) return SQLITE_ERROR;
  if( !pTab->bWritable ){
    setVtabError(pVtab, sqlite3_mprintf("remote: %s: table %s is read-only",
                 pTab->zEngine, pTab->zTable ? pTab->zTable : "query"));
    return SQLITE_READONLY;
  }
  pE = remoteSessEngine(pSc, &zErr);
  if( pE==0 ){ setVtabError(pVtab, zErr); return SQLITE_ERROR; }
  pD = pE->pDialect;
  aParam = sqlite3_malloc64(sizeof(RemoteValue)*(pTab->nCol*2+2));
  azBuf = sqlite3_malloc64(sizeof(char*)*(pTab->nCol*2+2));
  pStr = sqlite3_str_new(0);
  if( aParam==0 || azBuf==0 ){ rc = SQLITE_NOMEM; goto update_done; }

#define ADD_PARAM(pVal, zDecl) do{ \
    char *zB = 0; \
    remoteValueFromSqlite(pVal, &aParam[nParam]); \
    storeAffinity(zDecl, &aParam[nParam], &zB); \
    if( zB ) azBuf[nBuf++] = zB; \
    nParam++; \
    appendParam(pStr, pTab->eDialect, nParam); \
  }while(0)

  if( argc==1 ){
    /* DELETE by primary key */
    char *zPk = pD->xQuoteIdent(pTab->azCol[pTab->iPk]);
    sqlite3_str_appendall(pStr, "DELETE FROM ");
    appendTarget(pStr, pTab, pD);
    sqlite3_str_appendf(pStr, " WHERE %s = ", zPk);
    sqlite3_free(zPk);
    ADD_PARAM(argv[0], pTab->azDecl[pTab->iPk]);
  }else if( sqlite3_value_type(argv[0])==SQLITE_NULL ){
    /* INSERT, OR REPLACE as an upsert, OR IGNORE skipping conflicts */
    int eConflict = sqlite3_vtab_on_conflict(pTab->db);
    int nSet = 0;
    if( pTab->eDialect==D_MYSQL && eConflict==SQLITE_IGNORE ){
      sqlite3_str_appendall(pStr, "INSERT IGNORE INTO ");
    }else if( pTab->eDialect==D_SQLITE && eConflict==SQLITE_REPLACE ){
      sqlite3_str_appendall(pStr, "INSERT OR REPLACE INTO ");
    }else if( pTab->eDialect==D_SQLITE && eConflict==SQLITE_IGNORE ){
      sqlite3_str_appendall(pStr, "INSERT OR IGNORE INTO ");
    }else{
      sqlite3_str_appendall(pStr, "INSERT INTO ");
    }
    appendTarget(pStr, pTab, pD);
    sqlite3_str_appendall(pStr, " (");
    for(i=0; i<pTab->nCol; i++){
      char *zQ = pD->xQuoteIdent(pTab->azCol[i]);
      sqlite3_str_appendf(pStr, "%s%s", i ? ", " : "", zQ);
      sqlite3_free(zQ);
    }
    sqlite3_str_appendall(pStr, ") VALUES (");
    for(i=0; i<pTab->nCol; i++){
      if( i ) sqlite3_str_appendall(pStr, ", ");
      ADD_PARAM(argv[i+2], pTab->azDecl[i]);
    }
    sqlite3_str_appendchar(pStr, 1, ')');
    if( eConflict==SQLITE_REPLACE && pTab->eDialect!=D_SQLITE ){
      char *zPk = pD->xQuoteIdent(pTab->azCol[pTab->iPk]);
      if( pTab->eDialect==D_PG ){
        sqlite3_str_appendf(pStr, " ON CONFLICT (%s) DO UPDATE SET ", zPk);
      }else{
        sqlite3_str_appendall(pStr, " ON DUPLICATE KEY UPDATE ");
      }
      for(i=0; i<pTab->nCol; i++){
        char *zQ;
        if( i==pTab->iPk ) continue;
        zQ = pD->xQuoteIdent(pTab->azCol[i]);
        if( pTab->eDialect==D_PG ){
          sqlite3_str_appendf(pStr, "%s%s = EXCLUDED.%s", nSet ? ", " : "", zQ, zQ);
        }else{
          sqlite3_str_appendf(pStr, "%s%s = VALUES(%s)", nSet ? ", " : "", zQ, zQ);
        }
        nSet++;
        sqlite3_free(zQ);
      }
      if( nSet==0 ){
        /* a key-only table: nothing to update */
        if( pTab->eDialect==D_PG ){
          char *zCur = sqlite3_str_finish(pStr);
          char *zAt = zCur ? strstr(zCur, " DO UPDATE SET ") : 0;
          pStr = sqlite3_str_new(0);
          if( zAt ){
            *zAt = 0;
            sqlite3_str_appendf(pStr, "%s DO NOTHING", zCur);
          }
          sqlite3_free(zCur);
        }else{
          sqlite3_str_appendf(pStr, "%s = %s", zPk, zPk);
        }
      }
      sqlite3_free(zPk);
    }else if( eConflict==SQLITE_IGNORE && pTab->eDialect==D_PG ){
      sqlite3_str_appendall(pStr, " ON CONFLICT DO NOTHING");
    }
  }else{
    /* UPDATE (the key may change too) */
    int nSet = 0;
    char *zPk = pD->xQuoteIdent(pTab->azCol[pTab->iPk]);
    sqlite3_str_appendall(pStr, "UPDATE ");
    appendTarget(pStr, pTab, pD);
    sqlite3_str_appendall(pStr, " SET ");
    for(i=0; i<pTab->nCol; i++){
      char *zQ;
      if( sqlite3_value_nochange(argv[i+2]) ) continue;
      zQ = pD->xQuoteIdent(pTab->azCol[i]);
      sqlite3_str_appendf(pStr, "%s%s = ", nSet ? ", " : "", zQ);
      sqlite3_free(zQ);
      ADD_PARAM(argv[i+2], pTab->azDecl[i]);
      nSet++;
    }
    if( nSet==0 ){
      sqlite3_free(zPk);
      rc = SQLITE_OK;
      goto update_done;
    }
    sqlite3_str_appendf(pStr, " WHERE %s = ", zPk);
    sqlite3_free(zPk);
    ADD_PARAM(argv[0], pTab->azDecl[pTab->iPk]);
  }
#undef ADD_PARAM
  zSql = sqlite3_str_finish(pStr);
  pStr = 0;
  if( zSql==0 ){ rc = SQLITE_NOMEM; goto update_done; }
  rc = remoteSessExec(pSc, zSql, nParam, aParam, &nChange, &zErr);
  if( rc ){
    setVtabError(pVtab, zErr);
    zErr = 0;
  }

update_done:
  if( pStr ) sqlite3_free(sqlite3_str_finish(pStr));
  for(i=0; i<nBuf; i++) sqlite3_free(azBuf[i]);
  sqlite3_free(azBuf);
  sqlite3_free(aParam);
  sqlite3_free(zSql);
  sqlite3_free(zErr);
  remoteEngineRelease(pE);
  return rc;
}

/*
** Transactions: the first writing vtab of an engine begins one remote
** transaction on the engine-name CONN (unless a remote_begin() is open
** there: it is joined). SQLite calls xCommit/xRollback on every vtab; the
** first one ends it, the others find nothing to do.
*/
static int remoteBegin(sqlite3_vtab *pVtab){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char *zErr = 0;
  int rc;
  if( pSc==0 ) return SQLITE_ERROR;
  if( pSc->nDepth>0 ) return SQLITE_OK;   /* joined: ends with remote_commit */
  rc = remoteSessBegin(pSc, 0, &zErr);
  if( rc ){
    setVtabError(pVtab, zErr);
    return rc;
  }
  pSc->bVtabTxn = 1;
  return SQLITE_OK;
}

static int remoteSync(sqlite3_vtab *pVtab){
  (void)pVtab;
  return SQLITE_OK;
}

static int remoteCommit(sqlite3_vtab *pVtab){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char *zErr = 0;
  int rc = SQLITE_OK;
  if( pSc==0 ) return SQLITE_ERROR;
  if( pSc->bVtabTxn ){
    pSc->bVtabTxn = 0;
    rc = remoteSessCommit(pSc, &zErr);
    if( rc ){
      char *zErr2 = 0;
      remoteSessRollback(pSc, &zErr2);
      sqlite3_free(zErr2);
      setVtabError(pVtab, zErr);
    }
  }
  return rc;
}

static int remoteRollback(sqlite3_vtab *pVtab){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char *zErr = 0;
  if( pSc==0 ) return SQLITE_ERROR;
  if( pSc->bVtabTxn ){
    pSc->bVtabTxn = 0;
    remoteSessRollback(pSc, &zErr);
    sqlite3_free(zErr);
  }
  return SQLITE_OK;
}

/* SQLite savepoint N <-> remote savepoint sr_sp_N (statement atomicity and
** SAVEPOINT/RELEASE/ROLLBACK TO); several vtabs of one engine share it. */
static int remoteSavepoint(sqlite3_vtab *pVtab, int iSave){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char zName[32], *zOut = 0, *zErr = 0;
  int i, rc;
  if( pSc==0 ) return SQLITE_ERROR;
  if( pSc->nDepth==0 || pSc->eTxn!=TXN_OK ) return SQLITE_OK;
  snprintf(zName, sizeof(zName), "sr_sp_%d", iSave);
  for(i=0; i<pSc->nSave; i++){
    if( strcmp(pSc->azSave[i], zName)==0 ) return SQLITE_OK;
  }
  rc = remoteSessSavepoint(pSc, zName, &zOut, &zErr);
  sqlite3_free(zOut);
  if( rc ) setVtabError(pVtab, zErr);
  return rc;
}

/* Release (bRollback=0) or roll back to savepoint iSave */
static int vtabSavepointEnd(sqlite3_vtab *pVtab, int iSave, int bRollback){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char *zOut = 0, *zErr = 0;
  int i, rc = SQLITE_OK;
  if( pSc==0 ) return SQLITE_ERROR;
  if( pSc->nDepth==0 || pSc->eTxn!=TXN_OK ) return SQLITE_OK;
  /* The outermost of our savepoints numbered >= iSave */
  for(i=0; i<pSc->nSave; i++){
    int n;
    if( sscanf(pSc->azSave[i], "sr_sp_%d", &n)==1 && n>=iSave ) break;
  }
  if( i>=pSc->nSave ) return SQLITE_OK;
  {
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
  if( rc ) setVtabError(pVtab, zErr);
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
  remoteBestIndex,
  remoteDisconnect,
  remoteDisconnect,         /* xDestroy: the remote table stays */
  remoteOpen,
  remoteClose,
  remoteFilter,
  remoteNext,
  remoteEof,
  remoteColumn,
  remoteRowid,
  remoteUpdate,
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
};

/* ------------------------------------------------------------------ */
/* remote_import                                                       */

/* 1 if zName is in the comma-separated list zList */
static int inList(const char *zList, const char *zName){
  int n = (int)strlen(zName);
  const char *z = zList;
  while( z && *z ){
    const char *zEnd = strchr(z, ',');
    int nItem = zEnd ? (int)(zEnd-z) : (int)strlen(z);
    while( nItem>0 && *z==' ' ){ z++; nItem--; }
    while( nItem>0 && z[nItem-1]==' ' ) nItem--;
    if( nItem==n && strncmp(z, zName, n)==0 ) return 1;
    z = zEnd ? zEnd+1 : 0;
  }
  return 0;
}

static void fImport(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  RemoteSession *pSess = (RemoteSession*)sqlite3_user_data(ctx);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zEngine = (const char*)sqlite3_value_text(argv[0]);
  const char *zRemote = argc>1 ? (const char*)sqlite3_value_text(argv[1]) : 0;
  const char *zLocal = argc>2 && sqlite3_value_type(argv[2])!=SQLITE_NULL
                     ? (const char*)sqlite3_value_text(argv[2]) : "temp";
  const char *zLimit = 0, *zExcept = 0, *zPrefix = "";
  int bReplace = 0;
  SessConn *pSc;
  PoolConn *pc = 0;
  char **azTable = 0;
  int nTable = 0, nDone = 0, i, rc;
  char *zErr = 0;

  if( zEngine==0 ){
    sqlite3_result_error(ctx, "remote_import: ENGINE is required", -1);
    return;
  }
  for(i=3; i<argc; i++){
    const char *zOpt = (const char*)sqlite3_value_text(argv[i]);
    if( zOpt==0 ) continue;
    if( strncmp(zOpt, "limit_to=", 9)==0 ) zLimit = zOpt+9;
    else if( strncmp(zOpt, "except=", 7)==0 ) zExcept = zOpt+7;
    else if( strncmp(zOpt, "prefix=", 7)==0 ) zPrefix = zOpt+7;
    else if( strncmp(zOpt, "replace=", 8)==0 ) bReplace = remoteParseBool(zOpt+8)==1;
    else{
      char *z = sqlite3_mprintf("unknown remote_import option '%s'", zOpt);
      sqlite3_result_error(ctx, z, -1);
      sqlite3_free(z);
      return;
    }
  }
  pSc = remoteSessConnByName(pSess, zEngine, &zErr);
  if( pSc==0 ) goto import_error;
  rc = remoteSessAcquire(pSc, &pc, &zErr);
  if( rc ) goto import_error;
  rc = pc->pConn->pDialect->xListTables(pc->pConn, zRemote, &nTable, &azTable);
  if( rc ) rc = remoteSessError(pSc, pc, &zErr);
  remoteSessRelease(pSc, pc);
  if( rc ) goto import_error;
  for(i=0; i<nTable; i++){
    char *zSql;
    if( zLimit && !inList(zLimit, azTable[i]) ) continue;
    if( zExcept && inList(zExcept, azTable[i]) ) continue;
    if( bReplace ){
      zSql = sqlite3_mprintf("DROP TABLE IF EXISTS \"%w\".\"%w%w\"",
                             zLocal, zPrefix, azTable[i]);
      rc = zSql ? sqlite3_exec(db, zSql, 0, 0, &zErr) : SQLITE_NOMEM;
      sqlite3_free(zSql);
      if( rc ) goto import_error;
    }
    zSql = sqlite3_mprintf(
        "CREATE VIRTUAL TABLE \"%w\".\"%w%w\" USING remote(\"%w\", '%q%s%q')",
        zLocal, zPrefix, azTable[i], zEngine, zRemote ? zRemote : "",
        zRemote ? "." : "", azTable[i]);
    rc = zSql ? sqlite3_exec(db, zSql, 0, 0, &zErr) : SQLITE_NOMEM;
    sqlite3_free(zSql);
    if( rc ) goto import_error;
    nDone++;
  }
  for(i=0; i<nTable; i++) sqlite3_free(azTable[i]);
  sqlite3_free(azTable);
  sqlite3_result_int(ctx, nDone);
  return;

import_error:
  for(i=0; i<nTable; i++) sqlite3_free(azTable[i]);
  sqlite3_free(azTable);
  sqlite3_result_error(ctx, zErr ? zErr : "remote_import failed", -1);
  sqlite3_free(zErr);
}

int remoteVtabRegister(sqlite3 *db, RemoteSession *pSess){
  int rc = sqlite3_create_module_v2(db, "remote", &remoteModule, pSess,
                                    remoteSessionFree);
  if( rc==SQLITE_OK ){
    rc = sqlite3_create_function_v2(db, "remote_import", -1,
                                    SQLITE_UTF8|SQLITE_DIRECTONLY, pSess,
                                    fImport, 0, 0, 0);
  }
  return rc;
}
