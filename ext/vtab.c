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
**   K_BOOL      PostgreSQL boolean (INTEGER 0/1): compared as "col"::int4
**   K_TEXT      a native string type: exact in byte order (COLLATE "C" /
**               BINARY), LIKE and GLOB exact where the dialect can be
**   K_TEXTCAST  (PostgreSQL) a type whose ::text is the value we return
**               (date, timestamp, uuid, json, ...): compared as text
**   K_REAL8     double: pushed as a superset (NaN becomes NULL here)
**   K_REAL4     float4 / MySQL FLOAT: IS NOT NULL only
**   K_NUMERIC   numeric/decimal: pushed as a superset
**   K_BLOB      bytea/binary: exact on PostgreSQL and SQLite
**   K_OTHER     only pushed as IS NULL / IS NOT NULL
**   K_NATIVE    the sqlite dialect: the remote is SQLite itself, so every
**               comparison means the same there (the column keeps its
**               affinity); only the affinity question below remains
**
** Affinity. SQLite converts one side of a comparison by the affinities of
** both sides (datatype3.html 4.2). Against a numeric column the other side
** always gets NUMERIC affinity, which remoteFilter() applies before sending
** the value. Against a TEXT column (or a BLOB-affinity one holding values of
** several classes, the sqlite dialect) the conversion depends on the other
** side's affinity, which xBestIndex cannot see: `t = 10` compares '10' but
** `t = CAST(10 AS INTEGER)` or `t = other.intcol` converts t to a number.
** Such a comparison is pushed only for values where both readings agree
** (cmpValueOk()); other values leave the constraint to SQLite, so it is
** never omitted unless its value is a constant known at planning time.
**
** A comparison between different storage classes (an integer column with a
** text value, ...) is decided here as SQLite orders classes (NULL < numbers
** < text < blob) and sent as a constant predicate.
**
** Plan encoding (idxStr, sqlite3_malloc'd): tokens separated by spaces
**   wC:O:A:X:K constraint on column C, operator O (SQLITE_INDEX_CONSTRAINT_*),
**              argv index A (0 = none), X = 1 when exact (omitted), K = 1
**              when its value was a constant known at planning time
**   iC:A:X     C IN (all values at argv A), X = 1 when exact (omitted)
**   oC:D       ORDER BY column C, D = 1 for DESC
**   lA / fA    LIMIT / OFFSET at argv A
**   d          DISTINCT over the ORDER BY columns (every used column is one)
**   uMASK      hex mask of the columns used (bit 63: 63 and above)
** idxNum is 1 for a lookup of one row by an exact primary-key equality (the
** plan is also flagged SQLITE_INDEX_SCAN_UNIQUE), else 0.
**
** Keys. A one-column primary key is declared WITHOUT ROWID on it. A
** composite key gives a rowid table whose rowid stands for the key values
** (RowMap). A table without a key is read-only and its rows have no
** identity, so no plan may look cheaper than half a full scan (SQLite
** would otherwise merge several scans by rowid for an OR).
**
** Writes (remoteUpdate) are by key, values converted by the column's
** affinity first. Outside an explicit transaction INSERT rows are queued
** (batch.c, batch_size) and sent by the statement's end (xSync), before
** any read or other write on the engine. Inside SQLite's transaction a
** PostgreSQL write gets a savepoint of its own (writeGuardBegin), so that
** its failure undoes only that statement, as in SQLite.
*/
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "func.h"
#include "sqlcheck.h"

/*
** A scan without parameters (no pushed-down constraint values) that may
** return at least this many rows is flagged REMOTE_QUERY_SCAN: the dialect
** may then stream it its fastest way, which can cost a round trip more.
** Unique lookups, a LIMIT below it, tables the catalog says are smaller
** and tables whose last such scan (to the end) returned fewer rows are not
** flagged; any complete scan without parameters updates that count.
*/
#define REMOTE_SCAN_MIN_ROWS 1000

#define K_INT       1
#define K_TEXT      2
#define K_TEXTCAST  3
#define K_REAL8     4
#define K_REAL4     5
#define K_NUMERIC   6
#define K_BLOB      7
#define K_OTHER     8
#define K_BOOL      9
#define K_NATIVE   10

#define D_PG      1
#define D_MYSQL   2
#define D_SQLITE  3

/* Affinity of a declared type */
#define AFF_INT   'I'
#define AFF_REAL  'R'
#define AFF_NUM   'N'
#define AFF_TEXT  'T'
#define AFF_BLOB  'B'

/*
** A composite primary key cannot be SQLite's key of a WITHOUT ROWID virtual
** table that is writable, so such a table is declared with a rowid: the
** rowid of a row is a number this map hands out for its key values, the
** same number each time within a statement (and a transaction). xUpdate
** finds the key of a row to change by it.
*/
typedef struct RowKey RowKey;
struct RowKey {
  RowKey *pHashNext;
  sqlite3_int64 iId;        /* the rowid */
  int n;                    /* bytes of the encoded key at a[] */
  char a[8];                /* the key values, encoded by keyEncode() */
};
typedef struct RowMap RowMap;
struct RowMap {
  int nHash;                /* buckets in aHash (power of 2) */
  RowKey **aHash;
  int nKey, nAlloc;
  RowKey **aKey;            /* aKey[iId-1] */
};

typedef struct RemoteVtab RemoteVtab;
/* Key values a unique lookup's kept SQL may take (composite keys) */
#define REMOTE_ONE_MAX 8

typedef struct RemoteCursor2 RemoteCursor2;

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
  char **azQuoted;          /* azCol quoted for the remote, made when needed */
  char **azDecl;            /* declared types */
  int *aKind;               /* K_* per column */
  char *aAff;               /* AFF_* per column */
  int iPk;                  /* single-column primary key index, -1 none */
  int nPk;                  /* columns in the primary key (0: none) */
  int *aiPk;                /* their indexes, in key order */
  RowMap *pMap;             /* composite key: rowid <-> key values */
  int nOpen;                /* cursors open */
  int bWritable;
  int nFetch;               /* fetch_size option, 0 = engine's */
  int nBatch;               /* batch_size option */
  sqlite3_int64 nRowEst;
  sqlite3_int64 nScanRows;  /* rows the last complete scan without
                            ** parameters returned, -1 none yet */
  /* The last scan's "SELECT cols FROM target", reused while the columns
  ** used, DISTINCT and the mapped schema stay the same (point lookups
  ** build the same prefix every time) */
  char *zSel;
  sqlite3_uint64 mSel;
  int bSelDistinct;
  char *zSelSchema;
  /* The last batched INSERT's text, reused while the conflict mode and the
  ** mapped schema stay the same: a bulk INSERT then only collects values */
  char *zInsPrefix;         /* "INSERT INTO t (cols) VALUES " */
  char *zInsSuffix;         /* its conflict clause, may be "" */
  int eInsConflict;
  char *zInsSchema;
  /* The last unique lookup's whole SQL, reused while the plan, the mapped
  ** schema and the types of the key values stay the same (see
  ** lookupReuse): its parameters are those values as they are */
  char *zOneIdx;            /* the plan (idxStr) it was built for */
  char *zOneSql;
  char *zOneSchema;
  int nOne;                 /* parameters, at most REMOTE_ONE_MAX */
  int aOneArg[REMOTE_ONE_MAX];   /* xFilter argument of each */
  int aOneType[REMOTE_ONE_MAX];  /* its type, SQLITE_INTEGER or SQLITE_TEXT */
  RemoteCursor2 *pSpare;    /* a closed cursor, for the next xOpen */
};

struct RemoteCursor2 {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  RemoteResult *pRes;
  int *aMap;                /* vtab column -> result column, -1 not selected */
  int bEof;
  int bNone;                /* a constant-false predicate: no rows */
  int bCount;               /* a scan without parameters or LIMIT: its row
                            ** count is kept in RemoteVtab.nScanRows */
  sqlite3_int64 nRow;       /* rows returned so far */
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

/* cacheMutex is a leaf lock: keep it usable in a forked child */
static pthread_once_t cacheForkOnce = PTHREAD_ONCE_INIT;
static void cacheForkLock(void){ pthread_mutex_lock(&cacheMutex); }
static void cacheForkUnlock(void){ pthread_mutex_unlock(&cacheMutex); }
static void cacheForkInit(void){
  pthread_atfork(cacheForkLock, cacheForkUnlock, cacheForkUnlock);
}

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
  CacheEntry *pEnt;
  pthread_once(&cacheForkOnce, cacheForkInit);
  pEnt = sqlite3_malloc(sizeof(*pEnt));
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

/* Forget the cached definition zKey of engine pE (if any) */
static void cacheDrop(RemoteEngine *pE, const char *zKey){
  CacheEntry **pp, *pDel = 0;
  pthread_mutex_lock(&cacheMutex);
  if( pE->pCache ){
    for(pp=&((InfoCache*)pE->pCache)->pFirst; *pp; pp=&(*pp)->pNext){
      if( strcmp((*pp)->zKey, zKey)==0 ){
        pDel = *pp;
        *pp = pDel->pNext;
        break;
      }
    }
  }
  pthread_mutex_unlock(&cacheMutex);
  if( pDel ){
    sqlite3_free(pDel->zKey);
    remoteTableInfoFree(pDel->pInfo);
    sqlite3_free(pDel);
  }
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

/* The affinity (AFF_*) of a declared type */
static char affOf(const char *zDecl){
  if( strcmp(zDecl, "INTEGER")==0 ) return AFF_INT;
  if( strcmp(zDecl, "REAL")==0 ) return AFF_REAL;
  if( strcmp(zDecl, "NUMERIC")==0 ) return AFF_NUM;
  if( strcmp(zDecl, "TEXT")==0 ) return AFF_TEXT;
  return AFF_BLOB;
}

/* The kind of a column from its declared type and remote type */
static int colKind(int eDialect, const char *zDecl, const char *zRemote){
  if( zRemote==0 ) zRemote = "";
  if( eDialect==D_SQLITE ) return K_NATIVE;
  if( strcmp(zDecl, "INTEGER")==0 ){
    if( eDialect==D_PG ){
      /* a whitelist: domains, oid, ... are compared only in SQLite */
      if( strcmp(zRemote, "smallint")==0 || strcmp(zRemote, "integer")==0
       || strcmp(zRemote, "bigint")==0 ) return K_INT;
      if( strcmp(zRemote, "boolean")==0 ) return K_BOOL;
      return K_OTHER;
    }
    if( startsWith(zRemote, "bit") ) return K_OTHER;
    return K_INT;
  }
  if( strcmp(zDecl, "NUMERIC")==0 ){
    if( eDialect==D_PG && strcmp(zRemote, "unknown")!=0 && !startsWith(zRemote, "numeric") ){
      return K_OTHER;
    }
    return K_NUMERIC;
  }
  if( strcmp(zDecl, "BLOB")==0 ){
    if( eDialect==D_PG ) return strcmp(zRemote, "bytea")==0 ? K_BLOB : K_OTHER;
    if( startsWith(zRemote, "binary") || startsWith(zRemote, "varbinary")
     || strstr(zRemote, "blob") ) return K_BLOB;
    return K_OTHER;
  }
  if( strcmp(zDecl, "REAL")==0 ){
    if( eDialect==D_PG ){
      if( strcmp(zRemote, "double precision")==0 ) return K_REAL8;
      if( strcmp(zRemote, "real")==0 ) return K_REAL4;
      return K_OTHER;
    }
    if( startsWith(zRemote, "double") ) return K_REAL8;
    return K_REAL4;
  }
  /* TEXT */
  if( eDialect==D_PG ){
    if( strstr(zRemote, "[]") ) return K_OTHER;
    if( strcmp(zRemote, "text")==0 || startsWith(zRemote, "character varying")
     || strcmp(zRemote, "name")==0 ) return K_TEXT;
    if( strcmp(zRemote, "date")==0
     || (startsWith(zRemote, "timestamp") && !strstr(zRemote, "with time zone"))
     || (startsWith(zRemote, "time") && strstr(zRemote, "without time zone"))
     || strcmp(zRemote, "uuid")==0
     || strcmp(zRemote, "json")==0 || strcmp(zRemote, "jsonb")==0 ){
      return K_TEXTCAST;
    }
    return K_OTHER;
  }
  /* MySQL: string types compare as their UTF-8 bytes */
  if( startsWith(zRemote, "varchar") || startsWith(zRemote, "char")
   || strstr(zRemote, "text") || startsWith(zRemote, "enum") ){
    return K_TEXT;
  }
  return K_OTHER;
}

/* Append the SQL of column iCol as it is compared and ordered: exact text
** (byte) order, integers for PostgreSQL booleans, the value we return for
** float4 */
/* Column iCol's name quoted by pD, kept with the table; NULL on OOM */
static const char *colQuoted(RemoteVtab *pTab, const RemoteDialect *pD, int iCol){
  if( pTab->azQuoted==0 ){
    pTab->azQuoted = sqlite3_malloc64(sizeof(char*)*pTab->nCol);
    if( pTab->azQuoted==0 ) return 0;
    memset(pTab->azQuoted, 0, sizeof(char*)*pTab->nCol);
  }
  if( pTab->azQuoted[iCol]==0 ){
    pTab->azQuoted[iCol] = pD->xQuoteIdent(pTab->azCol[iCol]);
  }
  return pTab->azQuoted[iCol];
}

static void appendColCmp(sqlite3_str *p, RemoteVtab *pTab, const RemoteDialect *pD,
                         int iCol){
  const char *zQ = colQuoted(pTab, pD, iCol);
  int k = pTab->aKind[iCol];
  if( zQ==0 ) return;
  if( pTab->eDialect==D_PG ){
    switch( k ){
      case K_TEXT:     sqlite3_str_appendf(p, "%s COLLATE \"C\"", zQ); break;
      case K_TEXTCAST: sqlite3_str_appendf(p, "%s::text COLLATE \"C\"", zQ); break;
      case K_BOOL:     sqlite3_str_appendf(p, "%s::int4", zQ); break;
      case K_REAL4:    sqlite3_str_appendf(p, "%s::text::float8", zQ); break;
      case K_NUMERIC:  sqlite3_str_appendf(p, "%s::float8", zQ); break;
      default:         sqlite3_str_appendall(p, zQ); break;
    }
  }else if( pTab->eDialect==D_MYSQL && k==K_TEXT ){
    sqlite3_str_appendf(p, "BINARY CONVERT(%s USING utf8mb4)", zQ);
  }else if( pTab->eDialect==D_SQLITE ){
    sqlite3_str_appendf(p, "%s COLLATE BINARY", zQ);
  }else{
    sqlite3_str_appendall(p, zQ);
  }
}

/* Append a placeholder for parameter number iParam (1-based) */
static void appendParam(sqlite3_str *p, int eDialect, int iParam){
  if( eDialect==D_PG ) sqlite3_str_appendf(p, "$%d", iParam);
  else sqlite3_str_appendchar(p, 1, '?');
}

static int isCmpOp(int op){
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_EQ: case SQLITE_INDEX_CONSTRAINT_NE:
    case SQLITE_INDEX_CONSTRAINT_LT: case SQLITE_INDEX_CONSTRAINT_LE:
    case SQLITE_INDEX_CONSTRAINT_GT: case SQLITE_INDEX_CONSTRAINT_GE:
    case SQLITE_INDEX_CONSTRAINT_IS: case SQLITE_INDEX_CONSTRAINT_ISNOT:
      return 1;
  }
  return 0;
}

/* 1 if comparisons against column iCol convert its values by the other
** side's affinity, which the vtab cannot see (see the header comment) */
static int affinityAmbiguous(RemoteVtab *pTab, int iCol){
  int k = pTab->aKind[iCol];
  if( k==K_TEXT || k==K_TEXTCAST ) return 1;
  if( k==K_NATIVE ) return pTab->aAff[iCol]==AFF_TEXT || pTab->aAff[iCol]==AFF_BLOB;
  return 0;
}

/* Is comparison op on a column of kind k evaluated exactly remotely (for
** the values cmpValueOk() accepts)? */
static int isExact(RemoteVtab *pTab, int k, int op){
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_ISNULL:
    case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
      /* PostgreSQL NaN arrives as NULL */
      return !((k==K_REAL8 || k==K_REAL4) && pTab->eDialect==D_PG);
    case SQLITE_INDEX_CONSTRAINT_EQ:
    case SQLITE_INDEX_CONSTRAINT_NE:
    case SQLITE_INDEX_CONSTRAINT_LT:
    case SQLITE_INDEX_CONSTRAINT_LE:
    case SQLITE_INDEX_CONSTRAINT_GT:
    case SQLITE_INDEX_CONSTRAINT_GE:
    case SQLITE_INDEX_CONSTRAINT_IS:
    case SQLITE_INDEX_CONSTRAINT_ISNOT:
      if( k==K_INT || k==K_BOOL || k==K_TEXT || k==K_TEXTCAST || k==K_NATIVE ) return 1;
      if( k==K_BLOB ) return pTab->eDialect!=D_MYSQL;
      return 0;
  }
  return 0;
}

/* Can constraint op on kind k be pushed at all (exactly or as a superset)? */
static int isPushable(RemoteVtab *pTab, int k, int op){
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_ISNULL:
      return isExact(pTab, k, op);
    case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
      return 1;
    case SQLITE_INDEX_CONSTRAINT_LIKE:
    case SQLITE_INDEX_CONSTRAINT_GLOB:
      return k==K_TEXT || k==K_NATIVE;
  }
  if( !isCmpOp(op) ) return 0;
  if( isExact(pTab, k, op) ) return 1;
  if( k==K_REAL4 ) return pTab->eDialect==D_PG;
  return k==K_REAL8 || k==K_NUMERIC || k==K_BLOB;
}

/* Column class of a kind (what its values are), for cross-class folding */
static int kindRank(int k){
  if( k==K_INT || k==K_BOOL || k==K_REAL8 || k==K_REAL4 ) return 1;
  if( k==K_TEXT || k==K_TEXTCAST ) return 2;
  if( k==K_BLOB ) return 3;
  return -1;          /* values of several classes: never folded */
}

/*
** 1 if text z[0..n) can be sent to the remote as it is: PostgreSQL and
** MySQL take valid UTF-8 without NUL bytes (SQLite text may be anything).
*/
static int textSendable(RemoteVtab *pTab, const unsigned char *z, int n){
  int i = 0;
  if( pTab->eDialect==D_SQLITE ) return 1;
  if( z==0 ) return 0;
  while( i<n ){
    unsigned char c = z[i];
    int nExtra, j;
    unsigned int u;
    if( c==0 ) return 0;
    if( c<0x80 ){ i++; continue; }
    if( c>=0xc2 && c<=0xdf ){ nExtra = 1; u = c & 0x1f; }
    else if( c>=0xe0 && c<=0xef ){ nExtra = 2; u = c & 0x0f; }
    else if( c>=0xf0 && c<=0xf4 ){ nExtra = 3; u = c & 0x07; }
    else return 0;
    for(j=1; j<=nExtra; j++){
      if( i+j>=n || (z[i+j] & 0xc0)!=0x80 ) return 0;
      u = (u<<6) | (z[i+j] & 0x3f);
    }
    /* overlong forms, surrogates, beyond U+10FFFF */
    if( (nExtra==2 && u<0x800) || (nExtra==3 && (u<0x10000 || u>0x10ffff))
     || (u>=0xd800 && u<=0xdfff) ) return 0;
    i += nExtra+1;
  }
  return 1;
}

/* textSendable() for a text sqlite3_value (other classes: 1) */
static int valueSendable(RemoteVtab *pTab, sqlite3_value *pVal){
  if( sqlite3_value_type(pVal)!=SQLITE_TEXT ) return 1;
  return textSendable(pTab, sqlite3_value_text(pVal), sqlite3_value_bytes(pVal));
}

/*
** May comparison op of column iCol with a value of storage class eType
** (before any conversion) be pushed? bConst: the value is a constant
** known at planning time (not a column of another table or a parameter).
** See "Affinity" in the header comment.
*/
static int cmpValueOk(RemoteVtab *pTab, int iCol, int op, int eType, int bConst){
  if( eType==SQLITE_NULL || eType==SQLITE_BLOB ) return 1;
  if( !affinityAmbiguous(pTab, iCol) ) return 1;
  if( pTab->aAff[iCol]==AFF_BLOB ) return 0;     /* sqlite dialect, no type */
  if( eType!=SQLITE_TEXT ) return 0;
  /* text against text: only a range with a value from another column can
  ** differ (that column's NUMERIC affinity turns numeric-looking text of
  ** ours into numbers) */
  if( bConst ) return 1;
  return op==SQLITE_INDEX_CONSTRAINT_EQ || op==SQLITE_INDEX_CONSTRAINT_IS
      || op==SQLITE_INDEX_CONSTRAINT_NE || op==SQLITE_INDEX_CONSTRAINT_ISNOT;
}

/* ------------------------------------------------------------------ */
/* Connect / create                                                    */

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

/* Free a closed cursor (cursorReset2 done) */
static void cursorFree(RemoteCursor2 *p){
  if( p ){
    sqlite3_free(p->aMap);
    sqlite3_free(p);
  }
}

/* Drop the table's kept unique lookup SQL */
static void lookupForget(RemoteVtab *p){
  sqlite3_free(p->zOneIdx);
  sqlite3_free(p->zOneSql);
  sqlite3_free(p->zOneSchema);
  p->zOneIdx = p->zOneSql = p->zOneSchema = 0;
  p->nOne = 0;
}

static void vtabFree(RemoteVtab *p){
  int i;
  if( p==0 ) return;
  sqlite3_free(p->zSel);
  sqlite3_free(p->zSelSchema);
  sqlite3_free(p->zInsPrefix);
  sqlite3_free(p->zInsSuffix);
  sqlite3_free(p->zInsSchema);
  lookupForget(p);
  cursorFree(p->pSpare);
  for(i=0; i<p->nCol; i++){
    if( p->azCol ) sqlite3_free(p->azCol[i]);
    if( p->azDecl ) sqlite3_free(p->azDecl[i]);
    if( p->azQuoted ) sqlite3_free(p->azQuoted[i]);
  }
  sqlite3_free(p->azQuoted);
  sqlite3_free(p->azCol);
  sqlite3_free(p->azDecl);
  sqlite3_free(p->aKind);
  sqlite3_free(p->aAff);
  sqlite3_free(p->aiPk);
  rowMapFree(p->pMap);
  sqlite3_free(p->zEngine);
  sqlite3_free(p->zSchema);
  sqlite3_free(p->zTable);
  sqlite3_free(p->zQuery);
  sqlite3_free(p);
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
  p->nCol = remoteResultColumnCount(pRes);
  p->azCol = sqlite3_malloc64(sizeof(char*)*(p->nCol+1));
  p->azDecl = sqlite3_malloc64(sizeof(char*)*(p->nCol+1));
  p->aKind = sqlite3_malloc64(sizeof(int)*(p->nCol+1));
  p->aAff = sqlite3_malloc64(p->nCol+1);
  if( p->azCol==0 || p->azDecl==0 || p->aKind==0 || p->aAff==0 ){
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
    p->aAff[i] = affOf(p->azDecl[i]);
  }
  remoteResultClose(pRes);
  p->nRowEst = -1;
  return SQLITE_OK;
}

/* Columns of a table from the catalog (cached per engine) */
static int tableInfo(RemoteVtab *p, SessConn *pSc, RemoteEngine *pE,
                     const char *zPkOpt, char **pzErr){
  RemoteTableInfo *pInfo;
  const char *zSchema = remoteSessMapSchema(pSc, p->zSchema);
  char *zKey = sqlite3_mprintf("%s\x01%s", zSchema ? zSchema : "", p->zTable);
  int rc = SQLITE_OK, i, nPk = 0;
  if( zKey==0 ) return SQLITE_NOMEM;
  pInfo = cacheGet(pE, zKey);
  if( pInfo==0 ){
    PoolConn *pc = 0;
    rc = remoteSessAcquire(pSc, &pc, pzErr);
    if( rc==SQLITE_OK ){
      RemoteConn *pConn = pc->pConn;
      rc = pConn->pDialect->xTableInfo(pConn, zSchema, p->zTable, &pInfo);
      if( rc==SQLITE_NOTFOUND ){
        *pzErr = sqlite3_mprintf("remote: %s: no such remote table: %s%s%s",
            p->zEngine, zSchema ? zSchema : "", zSchema ? "." : "",
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
  p->aAff = sqlite3_malloc64(p->nCol+1);
  if( p->azCol==0 || p->azDecl==0 || p->aKind==0 || p->aAff==0 ){
    p->nCol = 0;
    remoteTableInfoFree(pInfo);
    return SQLITE_NOMEM;
  }
  p->iPk = -1;
  p->aiPk = sqlite3_malloc64(sizeof(int)*(p->nCol+1));
  if( p->aiPk==0 ){
    remoteTableInfoFree(pInfo);
    return SQLITE_NOMEM;
  }
  for(i=0; i<p->nCol; i++){
    RemoteColumnInfo *c = &pInfo->aCol[i];
    p->azCol[i] = sqlite3_mprintf("%s", c->zName);
    p->azDecl[i] = sqlite3_mprintf("%s", c->zDeclType);
    if( p->azCol[i]==0 || p->azDecl[i]==0 ){
      remoteTableInfoFree(pInfo);
      return SQLITE_NOMEM;
    }
    p->aKind[i] = colKind(p->eDialect, c->zDeclType, c->zRemoteType);
    p->aAff[i] = affOf(c->zDeclType);
  }
  if( zPkOpt ){
    /* primary_key=a,b: names of columns, in key order */
    const char *z = zPkOpt;
    while( *z && rc==SQLITE_OK ){
      const char *zEnd = strchr(z, ',');
      int n = zEnd ? (int)(zEnd-z) : (int)strlen(z), j;
      while( n>0 && *z==' ' ){ z++; n--; }
      while( n>0 && z[n-1]==' ' ) n--;
      for(j=0; j<p->nCol; j++){
        if( (int)strlen(p->azCol[j])==n && sqlite3_strnicmp(p->azCol[j], z, n)==0 ) break;
      }
      if( j>=p->nCol || n==0 ){
        *pzErr = sqlite3_mprintf("primary_key: no such column: %.*s", n, z);
        rc = SQLITE_ERROR;
      }else{
        p->aiPk[nPk++] = j;
      }
      z = zEnd ? zEnd+1 : z+n;
    }
  }else if( !pInfo->bView ){
    int k;
    for(k=1; k<=p->nCol; k++){
      for(i=0; i<p->nCol; i++){
        if( pInfo->aCol[i].iPk==k ){ p->aiPk[nPk++] = i; break; }
      }
    }
  }
  p->nPk = nPk;
  if( nPk==1 ) p->iPk = p->aiPk[0];
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
    /* one read-only statement, checked before anything is sent */
    rc = remoteQueryCheck(p->zEngine, pE->pDialect->zName, p->zQuery, pzErr);
    if( rc==SQLITE_OK ) rc = queryInfo(p, pSc, pzErr);
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
  p->bWritable = p->zQuery==0 && p->nPk>0 && updatable!=0;
  if( updatable==1 && !p->bWritable ){
    *pzErr = sqlite3_mprintf("remote: %s: %s has no primary key: name one with "
                             "primary_key=COLUMN to make it writable",
                             p->zEngine, p->zTable ? p->zTable : "query");
    rc = SQLITE_ERROR;
    goto connect_error;
  }
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

/* Can column iCol be ordered remotely exactly as SQLite orders it (NULLs
** first ascending, text in byte order, classes as SQLite orders them)? */
static int isOrderable(RemoteVtab *pTab, int iCol){
  int k;
  if( iCol<0 || iCol>=pTab->nCol ) return 0;
  k = pTab->aKind[iCol];
  switch( k ){
    case K_INT: case K_BOOL: case K_TEXT: case K_NATIVE: return 1;
    case K_TEXTCAST: case K_BLOB: return pTab->eDialect==D_PG;
    case K_REAL8: case K_NUMERIC: return pTab->eDialect==D_MYSQL;
  }
  return 0;
}

/* Does remote DISTINCT on column iCol keep exactly the rows SQLite's
** DISTINCT would (equality is identity of the values we return)? */
static int isDistinctable(RemoteVtab *pTab, int iCol){
  int k;
  if( iCol<0 || iCol>=pTab->nCol ) return 0;
  k = pTab->aKind[iCol];
  if( k==K_INT || k==K_BOOL || k==K_NATIVE ) return 1;
  return (k==K_TEXT || k==K_BLOB) && pTab->eDialect==D_PG;
}

/* The RHS of constraint i when it is a constant known now, else NULL */
static sqlite3_value *rhsConst(sqlite3_index_info *pInfo, int i){
  sqlite3_value *pVal = 0;
  if( sqlite3_vtab_rhs_value(pInfo, i, &pVal)!=SQLITE_OK ) return 0;
  return pVal;
}

/*
** xBestIndex: see the plan encoding in the header comment. A constraint is
** used when isPushable(); it is omitted (exact) when isExact() and, for a
** comparison, its value is a constant that cmpValueOk() accepts. LIMIT and
** OFFSET go remote only when every constraint is omitted and the ORDER BY
** (if any) is consumed; DISTINCT when SQLite allows it and every column
** used is one of the distinct columns.
*/
static int remoteBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  sqlite3_str *pPlan = sqlite3_str_new(0);
  double rRows = pTab->nRowEst>0 ? (double)pTab->nRowEst : 100000.0;
  int nArg = 0, i;
  int bAllExact = 1;
  int bUnique = 0;
  sqlite3_uint64 mEqExact = 0;   /* columns with an exact = or IS */
  int iLimit = -1, iOffset = -1;
  int bOrderOk = 1;
  int bDistinct = 0;
  int eDistinct = sqlite3_vtab_distinct(pInfo);
  sqlite3_uint64 mUsed = pInfo->colUsed;

  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    int op = c->op, k, bExact, iCol = c->iColumn;
    sqlite3_value *pRhs;
    if( op==SQLITE_INDEX_CONSTRAINT_LIMIT ){ if( c->usable ) iLimit = i; continue; }
    if( op==SQLITE_INDEX_CONSTRAINT_OFFSET ){ if( c->usable ) iOffset = i; continue; }
    if( !c->usable ){ bAllExact = 0; continue; }
    if( iCol<0 || iCol>=pTab->nCol ){ bAllExact = 0; continue; }
    k = pTab->aKind[iCol];
    if( !isPushable(pTab, k, op) ){ bAllExact = 0; continue; }
    if( op!=SQLITE_INDEX_CONSTRAINT_ISNULL && op!=SQLITE_INDEX_CONSTRAINT_ISNOTNULL
     && op!=SQLITE_INDEX_CONSTRAINT_LIKE && op!=SQLITE_INDEX_CONSTRAINT_GLOB
     && sqlite3_stricmp(sqlite3_vtab_collation(pInfo, i), "BINARY")!=0 ){
      bAllExact = 0;
      continue;
    }
    pRhs = rhsConst(pInfo, i);
    bExact = isExact(pTab, k, op);
    if( op==SQLITE_INDEX_CONSTRAINT_LIKE || op==SQLITE_INDEX_CONSTRAINT_GLOB ){
      /* Exact: any pattern on the sqlite dialect; on PostgreSQL a known
      ** pattern that is not a blob (and for GLOB has no [...] class).
      ** MySQL: a superset. */
      int eType = pRhs ? sqlite3_value_type(pRhs) : -1;
      if( pTab->eDialect==D_SQLITE ){
        bExact = 1;
      }else if( pRhs && !valueSendable(pTab, pRhs) ){
        bAllExact = 0;
        continue;             /* not pushed at all */
      }else if( pTab->eDialect==D_PG && eType>=0 && eType!=SQLITE_BLOB ){
        bExact = op==SQLITE_INDEX_CONSTRAINT_LIKE || eType==SQLITE_NULL
              || strchr((const char*)sqlite3_value_text(pRhs), '[')==0;
      }else{
        bExact = 0;
      }
    }else if( isCmpOp(op) ){
      int bIn = op==SQLITE_INDEX_CONSTRAINT_EQ && sqlite3_vtab_in(pInfo, i, -1);
      if( bIn ){
        /* all values at once; the LHS affinity applies to an IN list, the
        ** combined one to IN (SELECT ...): ambiguous as a column RHS */
        if( affinityAmbiguous(pTab, iCol) ) bExact = 0;
        sqlite3_vtab_in(pInfo, i, 1);
        sqlite3_str_appendf(pPlan, "i%d:%d:%d ", iCol, ++nArg, bExact);
        pInfo->aConstraintUsage[i].argvIndex = nArg;
        pInfo->aConstraintUsage[i].omit = (unsigned char)bExact;
        if( !bExact ) bAllExact = 0;
        rRows /= 5.0;
        continue;
      }
      if( pRhs==0 ){
        if( affinityAmbiguous(pTab, iCol) ) bExact = 0;
      }else if( !cmpValueOk(pTab, iCol, op, sqlite3_value_type(pRhs), 1)
             || (!valueSendable(pTab, pRhs) && kindRank(k)!=1 && k!=K_BLOB) ){
        bAllExact = 0;
        continue;             /* not pushed at all */
      }
    }
    if( op==SQLITE_INDEX_CONSTRAINT_ISNULL || op==SQLITE_INDEX_CONSTRAINT_ISNOTNULL ){
      sqlite3_str_appendf(pPlan, "w%d:%d:0:%d:1 ", iCol, op, bExact);
    }else{
      pInfo->aConstraintUsage[i].argvIndex = ++nArg;
      sqlite3_str_appendf(pPlan, "w%d:%d:%d:%d:%d ", iCol, op, nArg, bExact, pRhs!=0);
    }
    pInfo->aConstraintUsage[i].omit = (unsigned char)bExact;
    if( !bExact ) bAllExact = 0;
    if( op==SQLITE_INDEX_CONSTRAINT_EQ || op==SQLITE_INDEX_CONSTRAINT_IS ){
      if( bExact ) mEqExact |= (sqlite3_uint64)1 << (iCol<63 ? iCol : 63);
      rRows /= 10.0;
    }else{
      rRows /= 3.0;
    }
  }

  /* A unique lookup: every key column equal to one value, exactly */
  if( pTab->nPk>0 ){
    bUnique = 1;
    for(i=0; i<pTab->nPk; i++){
      int iCol = pTab->aiPk[i];
      if( iCol>=63 || (mEqExact & ((sqlite3_uint64)1<<iCol))==0 ) bUnique = 0;
    }
  }

  /* ORDER BY: consumed when every term is exactly orderable remotely
  ** (for an unordered DISTINCT, when every term is exactly distinctable) */
  for(i=0; i<pInfo->nOrderBy; i++){
    int iCol = pInfo->aOrderBy[i].iColumn;
    if( !isOrderable(pTab, iCol) ){ bOrderOk = 0; break; }
  }
  if( pInfo->nOrderBy>0 && eDistinct>=2 ){
    /* DISTINCT pushed when every column used is a distinct column */
    sqlite3_uint64 mOb = 0;
    int bDistOk = 1;
    for(i=0; i<pInfo->nOrderBy; i++){
      int iCol = pInfo->aOrderBy[i].iColumn;
      if( !isDistinctable(pTab, iCol) ){ bDistOk = 0; break; }
      mOb |= (sqlite3_uint64)1 << (iCol<63 ? iCol : 63);
    }
    if( bDistOk && (mUsed & ~mOb)==0 && (mOb>>63)==0 && (eDistinct==2 || bOrderOk) ){
      sqlite3_str_appendall(pPlan, "d ");
      bDistinct = 1;
      if( eDistinct==2 ) bOrderOk = 0;     /* no ORDER BY needed */
      pInfo->orderByConsumed = 1;
      rRows /= 2.0;
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
  if( bAllExact && (pInfo->nOrderBy==0 || pInfo->orderByConsumed) && iLimit>=0 ){
    pInfo->aConstraintUsage[iLimit].argvIndex = ++nArg;
    pInfo->aConstraintUsage[iLimit].omit = 1;
    sqlite3_str_appendf(pPlan, "l%d ", nArg);
    if( iOffset>=0 ){
      pInfo->aConstraintUsage[iOffset].argvIndex = ++nArg;
      pInfo->aConstraintUsage[iOffset].omit = 1;
      sqlite3_str_appendf(pPlan, "f%d ", nArg);
    }
  }
  /* The primary key is always read: SQLite identifies rows by it (the
  ** OR optimization merges the rows of several scans on it, xRowid of a
  ** composite key reads it) even when colUsed leaves it out */
  if( !bDistinct ){
    for(i=0; i<pTab->nPk; i++){
      int iCol = pTab->aiPk[i];
      mUsed |= (sqlite3_uint64)1 << (iCol<63 ? iCol : 63);
    }
  }
  if( mUsed & ((sqlite3_uint64)1<<63) ) mUsed |= ~(sqlite3_uint64)0 << 63;
  sqlite3_str_appendf(pPlan, "u%llx", (unsigned long long)mUsed);
  pInfo->idxStr = sqlite3_str_finish(pPlan);
  if( pInfo->idxStr==0 ) return SQLITE_NOMEM;
  pInfo->needToFreeIdxStr = 1;
  if( bUnique ){
    pInfo->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
    pInfo->idxNum = 1;
    rRows = 1;
  }
  if( rRows<1 ) rRows = 1;
  pInfo->estimatedRows = (sqlite3_int64)rRows;
  /* One round trip plus the rows. Without a primary key, rows have no
  ** identity (xRowid is 0): a plan must never look cheaper than half a
  ** full scan, so that SQLite never merges several scans by rowid (the OR
  ** optimization) */
  if( pTab->nPk>0 ){
    pInfo->estimatedCost = 1000.0 + rRows;
  }else{
    double rFull = pTab->nRowEst>0 ? (double)pTab->nRowEst : 100000.0;
    pInfo->estimatedCost = 1000.0 + rFull/2.0 + rRows;
  }
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
  }else if( k==K_INT || k==K_BOOL || k==K_REAL8 || k==K_REAL4 || k==K_NUMERIC ){
    if( v->eType==SQLITE_TEXT ){
      RemoteValue w;
      remoteNumericAffinity(v->z, v->n, &w);
      if( w.eType!=SQLITE_TEXT ) *v = w;
    }
  }
}

/* The remote query being built by remoteFilter() */
typedef struct Sql Sql;
struct Sql {
  sqlite3_str *pStr;
  int nParam, nParamAlloc;
  RemoteValue *aParam;      /* sqlite3_malloc'd, nParamAlloc slots */
  char **azBuf;             /* converted values to free */
  int nBuf, nBufAlloc;
  int bNone;                /* a constant-false predicate */
  int bFull;                /* out of memory while building */
  int eDialect;
};

/* Keep a sqlite3_malloc'd buffer until the query is done */
static void keepBuf(Sql *q, char *z){
  if( z==0 ) return;
  if( q->nBuf>=q->nBufAlloc ){
    int nNew = q->nBufAlloc ? q->nBufAlloc*2 : 16;
    char **azNew = sqlite3_realloc64(q->azBuf, sizeof(char*)*nNew);
    if( azNew==0 ){ sqlite3_free(z); q->bFull = 1; return; }
    q->azBuf = azNew;
    q->nBufAlloc = nNew;
  }
  q->azBuf[q->nBuf++] = z;
}

/* Append a placeholder bound to v. The bytes of a text or blob are copied:
** xFilter's values (and an IN list's, which live only until the next
** sqlite3_vtab_in_next()) must stay readable while the query streams. */
static void addParam(Sql *q, const RemoteValue *v){
  if( q->nParam>=q->nParamAlloc ){
    int nNew = q->nParamAlloc ? q->nParamAlloc*2 : 16;
    RemoteValue *aNew = sqlite3_realloc64(q->aParam, sizeof(RemoteValue)*nNew);
    if( aNew ){
      q->aParam = aNew;
      q->nParamAlloc = nNew;
    }
  }
  if( q->nParam<q->nParamAlloc ){
    RemoteValue *pP = &q->aParam[q->nParam++];
    *pP = *v;
    if( v->eType==SQLITE_TEXT || v->eType==SQLITE_BLOB ){
      char *z = sqlite3_malloc64(v->n+1);
      if( z==0 ){
        q->bFull = 1;
      }else{
        if( v->n>0 ) memcpy(z, v->z, v->n);
        z[v->n] = 0;
        pP->z = z;
        keepBuf(q, z);
      }
    }
    appendParam(q->pStr, q->eDialect, q->nParam);
  }else{
    q->bFull = 1;
    sqlite3_str_appendall(q->pStr, "NULL");
  }
}

static void addParamDouble(Sql *q, double r){
  RemoteValue v;
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_FLOAT;
  v.r = r;
  addParam(q, &v);
}

/* Truncate q's SQL back to nLen bytes and its parameters back to nParam
** (undo a partial append) */
static void sqlTruncate(Sql *q, int nLen, int nParam){
  char *zCur = sqlite3_str_finish(q->pStr);
  q->nParam = nParam;
  q->pStr = sqlite3_str_new(0);
  if( zCur ) sqlite3_str_append(q->pStr, zCur, nLen);
  sqlite3_free(zCur);
}

static const char *opSql(int op){
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_EQ: return "=";
    case SQLITE_INDEX_CONSTRAINT_NE: return "<>";
    case SQLITE_INDEX_CONSTRAINT_LT: return "<";
    case SQLITE_INDEX_CONSTRAINT_LE: return "<=";
    case SQLITE_INDEX_CONSTRAINT_GT: return ">";
    case SQLITE_INDEX_CONSTRAINT_GE: return ">=";
    case SQLITE_INDEX_CONSTRAINT_IS: return "=";
    case SQLITE_INDEX_CONSTRAINT_ISNOT: return "<>";
  }
  return "=";
}

/*
** LIKE or GLOB of column iCol with the pattern pVal. Returns 1 if a
** predicate was appended (or q->bNone set), 0 if nothing was (only for a
** constraint that is not exact).
*/
static int appendLike(Sql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                      int iCol, int op, sqlite3_value *pVal){
  char *zQ;
  RemoteValue v;
  int rc = 0;
  if( pTab->eDialect==D_SQLITE ){
    zQ = pD->xQuoteIdent(pTab->azCol[iCol]);
    if( zQ==0 ) return 0;
    sqlite3_str_appendf(q->pStr, "%s %s ", zQ,
                        op==SQLITE_INDEX_CONSTRAINT_LIKE ? "LIKE" : "GLOB");
    remoteValueFromSqlite(pVal, &v);
    addParam(q, &v);
    sqlite3_free(zQ);
    return 1;
  }
  if( sqlite3_value_type(pVal)==SQLITE_NULL ){
    q->bNone = 1;
    return 1;
  }
  if( sqlite3_value_type(pVal)==SQLITE_BLOB ) return 0;
  if( !textSendable(pTab, sqlite3_value_text(pVal), sqlite3_value_bytes(pVal)) ) return 0;
  /* the pattern as SQLite's like()/glob() read it */
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_TEXT;
  v.z = (const char*)sqlite3_value_text(pVal);
  v.n = sqlite3_value_bytes(pVal);
  if( v.z==0 ) return 0;
  zQ = pD->xQuoteIdent(pTab->azCol[iCol]);
  if( zQ==0 ) return 0;
  if( op==SQLITE_INDEX_CONSTRAINT_LIKE ){
    if( pTab->eDialect==D_PG ){
      /* lower() under "C" folds ASCII only, as SQLite's LIKE does */
      sqlite3_str_appendf(q->pStr, "lower(%s COLLATE \"C\") LIKE lower(", zQ);
      addParam(q, &v);
      sqlite3_str_appendall(q->pStr, "::text COLLATE \"C\") ESCAPE ''");
      rc = 1;
    }else if( memchr(v.z, '\\', v.n)==0 ){
      /* MySQL: a superset (LOWER folds more than ASCII) */
      sqlite3_str_appendf(q->pStr, "LOWER(%s) LIKE LOWER(", zQ);
      addParam(q, &v);
      sqlite3_str_appendchar(q->pStr, 1, ')');
      rc = 1;
    }
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
    if( zPat==0 && v.n==0 ) zPat = sqlite3_mprintf("%s", "");
    if( zPat ){
      RemoteValue w = v;
      keepBuf(q, zPat);
      w.z = zPat;
      w.n = (int)strlen(zPat);
      if( pTab->eDialect==D_PG ){
        sqlite3_str_appendf(q->pStr, "%s COLLATE \"C\" LIKE ", zQ);
        addParam(q, &w);
        sqlite3_str_appendall(q->pStr, "::text ESCAPE '\\'");
      }else{
        sqlite3_str_appendf(q->pStr, "BINARY CONVERT(%s USING utf8mb4) LIKE BINARY ", zQ);
        addParam(q, &w);
      }
      rc = 1;
    }
  }
  sqlite3_free(zQ);
  return rc;
}

/*
** Append one comparison "col OP value" for column iCol, evaluated remotely
** as SQLite would (bExact) or as a superset of it. Returns 1 if a
** predicate was appended or q->bNone set (never true), 0 if nothing was:
** the constraint stays with SQLite (only allowed when !bExact). bConst:
** the value was a constant known at planning time.
*/
static int appendCompare(Sql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                         int iCol, int op, sqlite3_value *pVal, int bExact,
                         int bConst){
  int k = pTab->aKind[iCol];
  RemoteValue v;
  char *zBuf = 0;
  int rCol = kindRank(k), rVal;
  const char *zOp = opSql(op);
  const char *zQ;

  if( op==SQLITE_INDEX_CONSTRAINT_LIKE || op==SQLITE_INDEX_CONSTRAINT_GLOB ){
    return appendLike(q, pTab, pD, iCol, op, pVal);
  }
  remoteValueFromSqlite(pVal, &v);
  if( !bExact && !cmpValueOk(pTab, iCol, op, v.eType, bConst) ) return 0;
  zQ = colQuoted(pTab, pD, iCol);
  if( zQ==0 ) return 0;

  if( v.eType==SQLITE_NULL ){
    /* comparisons with NULL are never true; IS / IS NOT test for NULL */
    if( op==SQLITE_INDEX_CONSTRAINT_IS ){
      sqlite3_str_appendf(q->pStr, "%s IS NULL", zQ);
    }else if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ){
      sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
    }else{
      q->bNone = 1;
    }
    return 1;
  }

  if( k==K_NATIVE ){
    /* the remote is SQLite: same affinity, same comparison */
    appendColCmp(q->pStr, pTab, pD, iCol);
    if( op==SQLITE_INDEX_CONSTRAINT_IS ) zOp = "IS";
    if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ) zOp = "IS NOT";
    sqlite3_str_appendf(q->pStr, " %s ", zOp);
    addParam(q, &v);
    return 1;
  }

  applyAffinity(k, &v, &zBuf);
  keepBuf(q, zBuf);
  rVal = classRank(v.eType);
  if( v.eType==SQLITE_TEXT && rVal==rCol
   && !textSendable(pTab, (const unsigned char*)v.z, v.n) ){
    return 0;                   /* cannot be sent (never exact, see xBestIndex) */
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
    return 1;
  }

  if( k==K_REAL8 || k==K_REAL4 || k==K_NUMERIC ){
    /* A superset, compared as doubles one ulp wider on each side: the
    ** local value may be a rounding of the remote one (NUMERIC), an
    ** integer may not be a double */
    double r, rLo, rHi;
    if( v.eType!=SQLITE_INTEGER && v.eType!=SQLITE_FLOAT ){
      return 0;                 /* NUMERIC against text or a blob */
    }
    r = v.eType==SQLITE_INTEGER ? (double)v.i : v.r;
    rLo = nextafter(r, -INFINITY);
    rHi = nextafter(r, INFINITY);
    switch( op ){
      case SQLITE_INDEX_CONSTRAINT_EQ: case SQLITE_INDEX_CONSTRAINT_IS:
        sqlite3_str_appendchar(q->pStr, 1, '(');
        appendColCmp(q->pStr, pTab, pD, iCol);
        sqlite3_str_appendall(q->pStr, " >= ");
        addParamDouble(q, rLo);
        sqlite3_str_appendall(q->pStr, " AND ");
        appendColCmp(q->pStr, pTab, pD, iCol);
        sqlite3_str_appendall(q->pStr, " <= ");
        addParamDouble(q, rHi);
        sqlite3_str_appendchar(q->pStr, 1, ')');
        break;
      case SQLITE_INDEX_CONSTRAINT_NE:
        sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
        break;
      case SQLITE_INDEX_CONSTRAINT_ISNOT:
        sqlite3_str_appendall(q->pStr, "1=1");
        break;
      case SQLITE_INDEX_CONSTRAINT_LT: case SQLITE_INDEX_CONSTRAINT_LE:
        appendColCmp(q->pStr, pTab, pD, iCol);
        sqlite3_str_appendall(q->pStr, " <= ");
        addParamDouble(q, rHi);
        break;
      default:
        /* PostgreSQL numeric '-Infinity' is text here: above every number */
        if( k==K_NUMERIC && pTab->eDialect==D_PG ){
          sqlite3_str_appendchar(q->pStr, 1, '(');
        }
        appendColCmp(q->pStr, pTab, pD, iCol);
        sqlite3_str_appendall(q->pStr, " >= ");
        addParamDouble(q, rLo);
        if( k==K_NUMERIC && pTab->eDialect==D_PG ){
          sqlite3_str_appendall(q->pStr, " OR ");
          appendColCmp(q->pStr, pTab, pD, iCol);
          sqlite3_str_appendall(q->pStr, " = '-Infinity'::float8)");
        }
        break;
    }
    return 1;
  }
  if( rCol<0 ){
    /* K_OTHER: never pushed */
    return 0;
  }

  if( (k==K_INT || k==K_BOOL) && v.eType==SQLITE_FLOAT ){
    /* An integer column against a real: integral bounds, exactly */
    double r = v.r;
    int bIntegral = r==floor(r) && r>=-9.2233720368547758e18 && r<9.2233720368547758e18;
    if( bIntegral ){
      v.eType = SQLITE_INTEGER;
      v.i = (sqlite3_int64)r;
    }else if( r!=r ){
      q->bNone = 1;             /* NaN: not reachable from SQL values */
      return 1;
    }else if( op==SQLITE_INDEX_CONSTRAINT_EQ || op==SQLITE_INDEX_CONSTRAINT_IS ){
      q->bNone = 1;
      return 1;
    }else if( op==SQLITE_INDEX_CONSTRAINT_NE ){
      sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
      return 1;
    }else if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ){
      sqlite3_str_appendall(q->pStr, "1=1");
      return 1;
    }else{
      int bUpper = op==SQLITE_INDEX_CONSTRAINT_LT || op==SQLITE_INDEX_CONSTRAINT_LE;
      double b = bUpper ? floor(r) : ceil(r);
      if( b>=9.2233720368547758e18 || b<-9.2233720368547758e18 ){
        /* beyond every integer */
        if( (b>0)==bUpper ) sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
        else q->bNone = 1;
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
  }else{
    appendColCmp(q->pStr, pTab, pD, iCol);
    sqlite3_str_appendf(q->pStr, " %s ", zOp);
  }
  if( pTab->eDialect==D_MYSQL && k==K_TEXT ) sqlite3_str_appendall(q->pStr, "BINARY ");
  addParam(q, &v);
  if( pTab->eDialect==D_PG && (k==K_TEXT || k==K_TEXTCAST) ){
    sqlite3_str_appendall(q->pStr, "::text");
  }
  if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ){
    sqlite3_str_appendf(q->pStr, " OR %s IS NULL)", zQ);
  }
  return 1;
}

static void cursorReset2(RemoteCursor2 *p){
  remoteResultClose(p->pRes);
  p->pRes = 0;
  p->bEof = 1;
  p->bNone = 0;
}

static int remoteOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCur){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  RemoteCursor2 *p = pTab->pSpare;
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
  RemoteCursor2 *p = (RemoteCursor2*)pCur;
  pTab->nOpen--;
  cursorReset2(p);
  if( pTab->pSpare==0 ){
    pTab->pSpare = p;
  }else{
    cursorFree(p);
  }
  return SQLITE_OK;
}

static void setVtabError(sqlite3_vtab *pVtab, char *zErr){
  sqlite3_free(pVtab->zErrMsg);
  pVtab->zErrMsg = zErr;
}

/* Two texts, either possibly NULL, are the same */
static int sameText(const char *z1, const char *z2){
  if( z1==0 || z2==0 ) return z1==z2;
  return strcmp(z1, z2)==0;
}

/* Append the FROM target: "schema"."table" or (query). The schema goes
** through the CONN's schema_translate_map when the statement is built, as
** SQLAlchemy applies it at execution. */
static void appendTarget(sqlite3_str *p, RemoteVtab *pTab, SessConn *pSc,
                         const RemoteDialect *pD){
  if( pTab->zQuery ){
    sqlite3_str_appendf(p, "(%s\n) AS sr_q", pTab->zQuery);  /* \n: ends a -- comment */
  }else{
    char *zT = pD->xQuoteIdent(pTab->zTable);
    const char *zSchema = remoteSessMapSchema(pSc, pTab->zSchema);
    if( zSchema ){
      char *zS = pD->xQuoteIdent(zSchema);
      sqlite3_str_appendf(p, "%s.", zS);
      sqlite3_free(zS);
    }
    sqlite3_str_appendall(p, zT);
    sqlite3_free(zT);
  }
}

/* Send the INSERT rows queued on pSc (batch_size), if any */
static int flushBatch(SessConn *pSc, char **pzErr){
  if( remoteBatchPending(pSc)==0 ) return SQLITE_OK;
  return remoteBatchFlush(pSc, pzErr);
}

/*
** A statement on pTab failed with zErr. When the remote says a column does
** not exist (PostgreSQL 42703, MySQL 1054, SQLite "no such column"), the
** table changed since its definition was cached: forget it, so that the
** next CREATE VIRTUAL TABLE (or connect) reads the catalog again.
*/
static void staleCheck(RemoteVtab *pTab, RemoteEngine *pE, const char *zErr){
  char *zKey;
  if( zErr==0 || pTab->zTable==0 ) return;
  if( strstr(zErr, "ERROR 42703")==0 && strstr(zErr, "ERROR 1054 ")==0
   && strstr(zErr, "no such column")==0 ) return;
  {
    char *zIgnore = 0;
    SessConn *pSc = remoteSessConnByName(pTab->pSess, pTab->zEngine, &zIgnore);
    const char *zSchema = pSc ? remoteSessMapSchema(pSc, pTab->zSchema) : pTab->zSchema;
    sqlite3_free(zIgnore);
    zKey = sqlite3_mprintf("%s\x01%s", zSchema ? zSchema : "", pTab->zTable);
  }
  if( zKey ) cacheDrop(pE, zKey);
  sqlite3_free(zKey);
}

static int remoteNext(sqlite3_vtab_cursor *pCur){
  RemoteCursor2 *p = (RemoteCursor2*)pCur;
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
  setVtabError(pCur->pVtab, zErr);
  return rc;
}

/*
** Read n integers separated by ':' from a plan token at z (what follows
** its letter) into a[]. 1 if all n were there.
*/
static int planInts(const char *z, int *a, int n){
  int i;
  for(i=0; i<n; i++){
    int bNeg = 0, v = 0, nDigit = 0;
    if( i>0 ){
      if( *z!=':' ) return 0;
      z++;
    }
    if( *z=='-' ){ bNeg = 1; z++; }
    while( *z>='0' && *z<='9' && nDigit<9 ){ v = v*10 + (*z - '0'); z++; nDigit++; }
    if( nDigit==0 ) return 0;
    a[i] = bNeg ? -v : v;
  }
  return 1;
}

/*
** xFilter: build and open the remote SELECT from the plan (see the header
** comment for the encoding): the used columns, the pushed constraints, IN
** lists, ORDER BY, DISTINCT, LIMIT/OFFSET.
*/
/*
** 1 if appendCompare() builds the constraint op on column iCol against a
** value of type eType as "column = parameter" with the value unchanged,
** whatever the value (a text one must also be textSendable()): what a
** unique lookup's kept SQL may be reused for.
*/
static int plainKey(RemoteVtab *pTab, int iCol, int op, int eType){
  int k = pTab->aKind[iCol];
  if( op!=SQLITE_INDEX_CONSTRAINT_EQ && op!=SQLITE_INDEX_CONSTRAINT_IS ) return 0;
  if( eType==SQLITE_INTEGER ) return k==K_INT || k==K_BOOL || k==K_NATIVE;
  if( eType==SQLITE_TEXT ) return k==K_TEXT || k==K_TEXTCAST || k==K_NATIVE;
  return 0;
}

/*
** The unique lookup kept in pTab fits plan idxStr, the mapped schema
** zSchema and these arguments: 1 with its parameters in aParam (OUT,
** REMOTE_ONE_MAX slots, pointing into argv), else 0.
*/
static int lookupReuse(RemoteVtab *pTab, const char *idxStr, const char *zSchema,
                       int argc, sqlite3_value **argv, RemoteValue *aParam){
  int i;
  if( pTab->zOneSql==0 || idxStr==0 || strcmp(idxStr, pTab->zOneIdx)!=0
   || !sameText(zSchema, pTab->zOneSchema) ){
    return 0;
  }
  for(i=0; i<pTab->nOne; i++){
    sqlite3_value *pVal;
    if( pTab->aOneArg[i]>=argc ) return 0;
    pVal = argv[pTab->aOneArg[i]];
    if( sqlite3_value_type(pVal)!=pTab->aOneType[i] ) return 0;
    remoteValueFromSqlite(pVal, &aParam[i]);
    if( aParam[i].eType==SQLITE_TEXT
     && !textSendable(pTab, (const unsigned char*)aParam[i].z, aParam[i].n) ){
      return 0;
    }
  }
  return 1;
}

/* Keep zSql, built for plan idxStr and schema zSchema with the nOne
** plain key parameters aArg/aType, as the table's unique lookup SQL */
static void lookupKeep(RemoteVtab *pTab, const char *idxStr, const char *zSchema,
                       const char *zSql, int nOne, const int *aArg,
                       const int *aType){
  lookupForget(pTab);
  pTab->zOneIdx = sqlite3_mprintf("%s", idxStr);
  pTab->zOneSql = sqlite3_mprintf("%s", zSql);
  pTab->zOneSchema = zSchema ? sqlite3_mprintf("%s", zSchema) : 0;
  if( pTab->zOneIdx==0 || pTab->zOneSql==0 || (zSchema && pTab->zOneSchema==0) ){
    lookupForget(pTab);
    return;
  }
  pTab->nOne = nOne;
  memcpy(pTab->aOneArg, aArg, sizeof(int)*nOne);
  memcpy(pTab->aOneType, aType, sizeof(int)*nOne);
}

/*
** Run a filter's remote query zSql with its parameters on p and step to
** the first row. bSmall: few rows expected (no REMOTE_QUERY_SCAN); bCount:
** a complete read counts the table's rows (RemoteVtab.nScanRows).
*/
static int filterOpen(RemoteCursor2 *p, RemoteVtab *pTab, SessConn *pSc,
                      RemoteEngine *pE, int idxNum, const char *zSql,
                      int nParam, const RemoteValue *aParam, int bSmall,
                      int bCount, char **pzErr){
  int nSaveFetch = pSc->nFetch;
  int rc;
  /* (rows a statement queued on pSc are sent first by remoteSessAcquire) */
  if( pTab->nFetch>0 ) pSc->nFetch = pTab->nFetch;
  p->bCount = bCount;
  p->nRow = 0;
  if( idxNum==1 ){
    pSc->mQuery = REMOTE_QUERY_ONE;
  }else if( !bSmall && nParam==0
         && (pTab->nRowEst<0 || pTab->nRowEst>=REMOTE_SCAN_MIN_ROWS)
         && (pTab->nScanRows<0 || pTab->nScanRows>=REMOTE_SCAN_MIN_ROWS) ){
    pSc->mQuery = REMOTE_QUERY_SCAN;
  }
  if( pTab->zQuery ) pSc->mQuery |= REMOTE_QUERY_SINGLE;
  rc = remoteResultOpen(pSc, zSql, nParam, aParam, 1, &p->pRes, pzErr);
  pSc->nFetch = nSaveFetch;
  pSc->mQuery = 0;
  if( rc ){
    staleCheck(pTab, pE, *pzErr);
    return rc;
  }
  p->bEof = 0;
  return remoteNext(&p->base);
}

static int remoteFilter(sqlite3_vtab_cursor *pCur, int idxNum,
                        const char *idxStr, int argc, sqlite3_value **argv){
  RemoteCursor2 *p = (RemoteCursor2*)pCur;
  RemoteVtab *pTab = (RemoteVtab*)pCur->pVtab;
  RemoteEngine *pE = 0;
  const RemoteDialect *pD;
  SessConn *pSc;
  Sql q;
  char *zErr = 0;
  char *zSql = 0;
  const char *z;
  int nWhere = 0, nOrder = 0, nSel = 0, i, rc = SQLITE_OK;
  int iLimitArg = 0, iOffsetArg = 0;
  int bDistinct = 0;
  int bSmall = idxNum==1;   /* few rows expected: no REMOTE_QUERY_SCAN */
  sqlite3_uint64 mUsed = ~(sqlite3_uint64)0;
  sqlite3_str *pOrder = 0;  /* " ORDER BY ...", made when needed */
  const char *zSchema;
  /* a unique lookup of plain key values (plainKey) keeps its SQL */
  int bPlain = idxNum==1;
  int nPlain = 0;
  int aPlainArg[REMOTE_ONE_MAX], aPlainType[REMOTE_ONE_MAX];

  cursorReset2(p);
  memset(&q, 0, sizeof(q));
  q.eDialect = pTab->eDialect;
  pSc = remoteSessConnByName(pTab->pSess, pTab->zEngine, &zErr);
  if( pSc==0 ){ setVtabError(pCur->pVtab, zErr); return SQLITE_ERROR; }
  pE = remoteSessEngine(pSc, &zErr);
  if( pE==0 ){ setVtabError(pCur->pVtab, zErr); return SQLITE_ERROR; }
  pD = pE->pDialect;

  for(z=idxStr; z && *z; ){
    if( *z=='u' ) mUsed = strtoull(z+1, 0, 16);
    if( *z=='d' ) bDistinct = 1;
    while( *z && *z!=' ' ) z++;
    while( *z==' ' ) z++;
  }
  /* aMap is the cursor's for its life: the table's columns never change */
  if( p->aMap==0 ) p->aMap = sqlite3_malloc64(sizeof(int)*(pTab->nCol+1));
  if( p->aMap==0 ){ rc = SQLITE_NOMEM; goto filter_done; }
  for(i=0; i<pTab->nCol; i++){
    p->aMap[i] = (mUsed & ((sqlite3_uint64)1<<(i<63 ? i : 63))) ? nSel++ : -1;
  }
  zSchema = remoteSessMapSchema(pSc, pTab->zSchema);
  if( bPlain ){
    RemoteValue aOne[REMOTE_ONE_MAX];
    if( lookupReuse(pTab, idxStr, zSchema, argc, argv, aOne) ){
      rc = filterOpen(p, pTab, pSc, pE, idxNum, pTab->zOneSql, pTab->nOne, aOne,
                      1, 0, &zErr);
      goto filter_done;
    }
  }
  q.pStr = sqlite3_str_new(0);
  {
    int bReuse = pTab->zSel && pTab->mSel==mUsed && pTab->bSelDistinct==bDistinct
      && sameText(zSchema, pTab->zSelSchema);
    if( !bReuse ){
      sqlite3_str_appendall(q.pStr, bDistinct ? "SELECT DISTINCT " : "SELECT ");
    }
    for(i=0; !bReuse && i<pTab->nCol; i++){
      if( p->aMap[i]<0 ) continue;
      if( p->aMap[i]>0 ) sqlite3_str_appendall(q.pStr, ", ");
      if( bDistinct ){
        /* the distinct values as they compare (ORDER BY is by position) */
        appendColCmp(q.pStr, pTab, pD, i);
      }else{
        const char *zQ = colQuoted(pTab, pD, i);
        if( zQ ) sqlite3_str_appendall(q.pStr, zQ);
        else q.bFull = 1;
      }
    }
    if( bReuse ){
      sqlite3_str_appendall(q.pStr, pTab->zSel);
    }else{
      if( nSel==0 ) sqlite3_str_appendall(q.pStr, "1");
      sqlite3_str_appendall(q.pStr, " FROM ");
      appendTarget(q.pStr, pTab, pSc, pD);
      if( sqlite3_str_errcode(q.pStr)==SQLITE_OK ){
        sqlite3_free(pTab->zSel);
        sqlite3_free(pTab->zSelSchema);
        pTab->zSel = sqlite3_mprintf("%s", sqlite3_str_value(q.pStr));
        pTab->zSelSchema = zSchema ? sqlite3_mprintf("%s", zSchema) : 0;
        pTab->mSel = mUsed;
        pTab->bSelDistinct = bDistinct;
        if( zSchema && pTab->zSelSchema==0 ){
          sqlite3_free(pTab->zSel);
          pTab->zSel = 0;
        }
      }
    }
  }

  for(z=idxStr; z && *z; ){
    char c = *z++;
    if( c!='w' && c!='u' ) bPlain = 0;
    if( c=='w' ){
      int a[5];
      if( planInts(z, a, 5) && a[0]>=0 && a[0]<pTab->nCol ){
        int iCol = a[0], op = a[1], iArg = a[2], bExact = a[3], bConst = a[4];
        int nBefore = sqlite3_str_length(q.pStr);
        int nParamBefore = q.nParam;
        int bDone = 0;
        sqlite3_str_appendall(q.pStr, nWhere ? " AND " : " WHERE ");
        if( bPlain ){
          bPlain = nPlain<REMOTE_ONE_MAX && iArg>0 && iArg<=argc
                && plainKey(pTab, iCol, op, sqlite3_value_type(argv[iArg-1]));
          if( bPlain ){
            aPlainArg[nPlain] = iArg-1;
            aPlainType[nPlain++] = sqlite3_value_type(argv[iArg-1]);
          }
        }
        if( op==SQLITE_INDEX_CONSTRAINT_ISNULL || op==SQLITE_INDEX_CONSTRAINT_ISNOTNULL ){
          char *zQ = pD->xQuoteIdent(pTab->azCol[iCol]);
          sqlite3_str_appendf(q.pStr, "%s IS %sNULL", zQ,
                              op==SQLITE_INDEX_CONSTRAINT_ISNULL ? "" : "NOT ");
          sqlite3_free(zQ);
          bDone = 1;
        }else if( iArg>0 && iArg<=argc ){
          bDone = appendCompare(&q, pTab, pD, iCol, op, argv[iArg-1], bExact, bConst);
        }
        if( q.nParam!=nParamBefore+1 || q.bNone ) bPlain = 0;
        if( bDone ){
          if( sqlite3_str_length(q.pStr)==nBefore+(nWhere ? 5 : 7) ){
            sqlite3_str_appendall(q.pStr, "1=0");   /* q.bNone: never true */
          }
          nWhere++;
        }else{
          /* nothing appended: take the connective back */
          sqlTruncate(&q, nBefore, nParamBefore);
          if( bExact ){
            zErr = sqlite3_mprintf("remote: %s: cannot push an exact constraint "
                                   "on %s", pTab->zEngine, pTab->azCol[iCol]);
            rc = SQLITE_INTERNAL;
            goto filter_done;
          }
        }
      }else{
        bPlain = 0;
      }
    }else if( c=='i' ){
      int a[3];
      int iCol = 0, iArg = 0, bExact = 0;
      if( planInts(z, a, 3) && (iCol = a[0], iArg = a[1], bExact = a[2], 1)
       && iArg>0 && iArg<=argc && iCol>=0 && iCol<pTab->nCol ){
        sqlite3_value *pVal = 0;
        int nBefore = sqlite3_str_length(q.pStr);
        int nParamBefore = q.nParam;
        int nIn = 0, bSkip = 0;
        int bNoneBefore = q.bNone;
        if( !bExact ){
          /* pushed only when every value compares the same either way */
          for(rc=sqlite3_vtab_in_first(argv[iArg-1], &pVal);
              rc==SQLITE_OK && pVal; rc=sqlite3_vtab_in_next(argv[iArg-1], &pVal)){
            if( !cmpValueOk(pTab, iCol, SQLITE_INDEX_CONSTRAINT_EQ,
                            sqlite3_value_type(pVal), 0) ) bSkip = 1;
          }
          if( rc==SQLITE_DONE ) rc = SQLITE_OK;
          if( rc ) goto filter_done;
        }
        if( !bSkip ){
          sqlite3_str_appendall(q.pStr, nWhere ? " AND (" : " WHERE (");
          for(rc=sqlite3_vtab_in_first(argv[iArg-1], &pVal);
              rc==SQLITE_OK && pVal; rc=sqlite3_vtab_in_next(argv[iArg-1], &pVal)){
            int nValBefore = sqlite3_str_length(q.pStr);
            int nValParam = q.nParam;
            int bDone;
            if( nIn ) sqlite3_str_appendall(q.pStr, " OR ");
            q.bNone = 0;
            bDone = appendCompare(&q, pTab, pD, iCol, SQLITE_INDEX_CONSTRAINT_EQ,
                                  pVal, 1, 1);
            if( !bDone ){
              bSkip = 1;          /* a value that cannot go: push nothing */
            }else if( q.bNone ){
              sqlTruncate(&q, nValBefore, nValParam);  /* never equal: left out */
            }else{
              nIn++;
            }
          }
          q.bNone = bNoneBefore;
          if( rc==SQLITE_DONE ) rc = SQLITE_OK;
          if( rc ) goto filter_done;
          if( nIn==0 ){
            sqlite3_str_appendall(q.pStr, "1=0");
            q.bNone = 1;
          }
          sqlite3_str_appendchar(q.pStr, 1, ')');
        }
        if( bSkip ){
          sqlTruncate(&q, nBefore, nParamBefore);
          if( bExact ){
            zErr = sqlite3_mprintf("remote: %s: cannot push an exact IN "
                                   "on %s", pTab->zEngine, pTab->azCol[iCol]);
            rc = SQLITE_INTERNAL;
            goto filter_done;
          }
        }else{
          nWhere++;
        }
      }
    }else if( c=='o' ){
      int a[2];
      int iCol = 0, bDesc = 0;
      if( planInts(z, a, 2) && (iCol = a[0], bDesc = a[1], 1)
       && iCol>=0 && iCol<pTab->nCol ){
        if( pOrder==0 ) pOrder = sqlite3_str_new(0);
        sqlite3_str_appendall(pOrder, nOrder ? ", " : " ORDER BY ");
        if( bDistinct ){
          sqlite3_str_appendf(pOrder, "%d", p->aMap[iCol]+1);
        }else{
          appendColCmp(pOrder, pTab, pD, iCol);
        }
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
    if( nLimit>=0 && nLimit<REMOTE_SCAN_MIN_ROWS ) bSmall = 1;
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
  if( q.bFull ){
    rc = SQLITE_NOMEM;
    goto filter_done;
  }
  if( q.bNone ){
    p->bEof = 1;
    goto filter_done;
  }
  if( bPlain && nPlain==q.nParam ){
    lookupKeep(pTab, idxStr, zSchema, zSql, nPlain, aPlainArg, aPlainType);
  }
  rc = filterOpen(p, pTab, pSc, pE, idxNum, zSql, q.nParam, q.aParam, bSmall,
                  idxNum!=1 && q.nParam==0 && iLimitArg==0, &zErr);

filter_done:
  if( zErr ){
    setVtabError(pCur->pVtab, zErr);
    zErr = 0;
  }
  if( q.pStr ) sqlite3_free(sqlite3_str_finish(q.pStr));
  if( pOrder ) sqlite3_free(sqlite3_str_finish(pOrder));
  for(i=0; i<q.nBuf; i++) sqlite3_free(q.azBuf[i]);
  sqlite3_free(q.azBuf);
  sqlite3_free(q.aParam);
  sqlite3_free(zSql);
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

/* xRowid: for a composite key, the number RowMap gives its values; other
** tables are WITHOUT ROWID or have no key (rowid 0, see xBestIndex) */
static int remoteRowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid){
  RemoteCursor2 *p = (RemoteCursor2*)pCur;
  RemoteVtab *pTab = (RemoteVtab*)pCur->pVtab;
  RemoteValue aKey[16];
  char *zKey;
  int i, n = 0;
  *pRowid = 0;
  if( pTab->nPk<2 || p->pRes==0 || p->aMap==0 ) return SQLITE_OK;
  if( pTab->nPk>16 ){
    setVtabError(pCur->pVtab, sqlite3_mprintf("remote: %s: a primary key of "
                 "more than 16 columns", pTab->zEngine));
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
  zKey = keyEncode(aKey, pTab->nPk, &n);
  if( zKey ) *pRowid = rowMapId(pTab, zKey, n);
  sqlite3_free(zKey);
  return *pRowid ? SQLITE_OK : SQLITE_NOMEM;
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

/* A new row of a composite-key table: its rowid is the number of its key
** values (aParam holds the row's values in column order) */
static void newRowRowid(RemoteVtab *pTab, const RemoteValue *aParam,
                        sqlite3_int64 *pRowid){
  RemoteValue aKey[16];
  char *zKey;
  int k, n = 0;
  if( pTab->nPk<=1 || pTab->nPk>16 ) return;
  for(k=0; k<pTab->nPk; k++) aKey[k] = aParam[pTab->aiPk[k]];
  zKey = keyEncode(aKey, pTab->nPk, &n);
  if( zKey ) *pRowid = rowMapId(pTab, zKey, n);
  sqlite3_free(zKey);
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
  int nParam = 0, nBuf = 0, i, rc = SQLITE_OK;
  int bGuard, bBatch = 0, bBool = 0, nPrefix = 0, nRowEnd = 0;
  RemoteValue aKey[16];
  sqlite3_int64 nChange = 0;
  char *zSql = 0, *zErr = 0;

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

  if( argc>1 && sqlite3_value_type(argv[0])==SQLITE_NULL && pTab->zInsPrefix
   && pTab->nBatch>1 && pSc->bVtabTxn && sqlite3_get_autocommit(pTab->db)
   && pTab->eInsConflict==sqlite3_vtab_on_conflict(pTab->db)
   && sameText(pTab->zInsSchema, remoteSessMapSchema(pSc, pTab->zSchema)) ){
    /* A batched INSERT this table has written before: the text is the
    ** same for every row, only the row's values are collected */
    for(i=0; i<pTab->nCol; i++){
      char *zB = 0;
      remoteValueFromSqlite(argv[i+2], &aParam[i]);
      storeAffinity(pTab->azDecl[i], &aParam[i], &zB);
      if( zB ) azBuf[nBuf++] = zB;
    }
    nParam = pTab->nCol;
    boolsAsIntegers(pTab, aParam);
    newRowRowid(pTab, aParam, pRowid);
    rc = remoteBatchAdd(pSc, pTab->zInsPrefix, pTab->zInsSuffix,
                        pTab->eDialect==D_PG, pTab->nBatch, nParam, aParam, &zErr);
    if( rc ){
      staleCheck(pTab, pE, zErr);
      setVtabError(pVtab, zErr);
      zErr = 0;
    }
    goto update_done;
  }

#define ADD_PARAM(pVal, iCol) do{ \
    char *zB = 0; \
    remoteValueFromSqlite(pVal, &aParam[nParam]); \
    storeAffinity(pTab->azDecl[iCol], &aParam[nParam], &zB); \
    if( zB ) azBuf[nBuf++] = zB; \
    nParam++; \
    if( pTab->aKind[iCol]==K_BOOL ) sqlite3_str_appendchar(pStr, 1, '('); \
    appendParam(pStr, pTab->eDialect, nParam); \
    if( pTab->aKind[iCol]==K_BOOL ) sqlite3_str_appendall(pStr, "::int8 <> 0)"); \
  }while(0)

  /* The row's key values: argv[0] for a one-column key, else the values
  ** its rowid stands for (RowMap) */
#define ADD_KEY_WHERE() do{ \
    sqlite3_str_appendall(pStr, " WHERE "); \
    if( pTab->nPk==1 ){ \
      char *zK = pD->xQuoteIdent(pTab->azCol[pTab->iPk]); \
      sqlite3_str_appendf(pStr, "%s = ", zK); \
      sqlite3_free(zK); \
      ADD_PARAM(argv[0], pTab->iPk); \
    }else{ \
      int k; \
      if( pTab->nPk>16 \
       || !keyDecode(pTab, sqlite3_value_int64(argv[0]), aKey, pTab->nPk) ){ \
        zErr = sqlite3_mprintf("remote: %s: no key known for rowid %lld", \
                               pTab->zEngine, sqlite3_value_int64(argv[0])); \
        rc = SQLITE_ERROR; \
        goto update_done; \
      } \
      for(k=0; k<pTab->nPk; k++){ \
        int iKc = pTab->aiPk[k]; \
        char *zK = pD->xQuoteIdent(pTab->azCol[iKc]); \
        sqlite3_str_appendf(pStr, "%s%s = ", k ? " AND " : "", zK); \
        sqlite3_free(zK); \
        aParam[nParam++] = aKey[k]; \
        if( pTab->aKind[iKc]==K_BOOL ) sqlite3_str_appendchar(pStr, 1, '('); \
        appendParam(pStr, pTab->eDialect, nParam); \
        if( pTab->aKind[iKc]==K_BOOL ) sqlite3_str_appendall(pStr, "::int8 <> 0)"); \
      } \
    } \
  }while(0)

  if( argc==1 ){
    /* DELETE by primary key */
    sqlite3_str_appendall(pStr, "DELETE FROM ");
    appendTarget(pStr, pTab, pSc, pD);
    ADD_KEY_WHERE();
  }else if( sqlite3_value_type(argv[0])==SQLITE_NULL ){
    /* INSERT, OR REPLACE as an upsert, OR IGNORE skipping conflicts */
    int eConflict = sqlite3_vtab_on_conflict(pTab->db);
    int nSet = 0;
    bBatch = pTab->nBatch>1 && pSc->bVtabTxn && sqlite3_get_autocommit(pTab->db);
    if( pTab->eDialect==D_SQLITE && eConflict==SQLITE_REPLACE ){
      sqlite3_str_appendall(pStr, "INSERT OR REPLACE INTO ");
    }else if( pTab->eDialect==D_SQLITE && eConflict==SQLITE_IGNORE ){
      sqlite3_str_appendall(pStr, "INSERT OR IGNORE INTO ");
    }else{
      sqlite3_str_appendall(pStr, "INSERT INTO ");
    }
    appendTarget(pStr, pTab, pSc, pD);
    sqlite3_str_appendall(pStr, " (");
    for(i=0; i<pTab->nCol; i++){
      char *zQ = pD->xQuoteIdent(pTab->azCol[i]);
      sqlite3_str_appendf(pStr, "%s%s", i ? ", " : "", zQ);
      sqlite3_free(zQ);
    }
    sqlite3_str_appendall(pStr, ") VALUES ");
    nPrefix = sqlite3_str_length(pStr);
    sqlite3_str_appendchar(pStr, 1, '(');
    for(i=0; i<pTab->nCol; i++){
      if( i ) sqlite3_str_appendall(pStr, ", ");
      if( pTab->aKind[i]==K_BOOL ) bBool = 1;
      ADD_PARAM(argv[i+2], i);
    }
    sqlite3_str_appendchar(pStr, 1, ')');
    nRowEnd = sqlite3_str_length(pStr);
    newRowRowid(pTab, aParam, pRowid);
    if( eConflict==SQLITE_REPLACE && pTab->eDialect==D_PG ){
      bBatch = 0;   /* ON CONFLICT DO UPDATE cannot take a key twice */
    }
    if( bBool && (pTab->eDialect!=D_PG || eConflict==SQLITE_IGNORE
                  || eConflict==SQLITE_REPLACE) ){
      /* A boolean needs its "($n::int8 <> 0)" in a multi-row INSERT, which
      ** the batch does not write; a plain INSERT batches as COPY, where
      ** 1 and 0 are booleans */
      bBatch = 0;
    }
    if( eConflict==SQLITE_REPLACE && pTab->eDialect!=D_SQLITE ){
      char *zPk = pD->xQuoteIdent(pTab->azCol[pTab->aiPk[0]]);
      if( pTab->eDialect==D_PG ){
        int k;
        sqlite3_str_appendall(pStr, " ON CONFLICT (");
        for(k=0; k<pTab->nPk; k++){
          char *zK = pD->xQuoteIdent(pTab->azCol[pTab->aiPk[k]]);
          sqlite3_str_appendf(pStr, "%s%s", k ? ", " : "", zK);
          sqlite3_free(zK);
        }
        sqlite3_str_appendall(pStr, ") DO UPDATE SET ");
      }else{
        sqlite3_str_appendall(pStr, " ON DUPLICATE KEY UPDATE ");
      }
      for(i=0; i<pTab->nCol; i++){
        char *zQ;
        int k, bKey = 0;
        for(k=0; k<pTab->nPk; k++) if( pTab->aiPk[k]==i ) bKey = 1;
        if( bKey ) continue;
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
    }else if( eConflict==SQLITE_IGNORE && pTab->eDialect==D_MYSQL ){
      /* not INSERT IGNORE: that also turns data errors into warnings */
      char *zPk = pD->xQuoteIdent(pTab->azCol[pTab->aiPk[0]]);
      sqlite3_str_appendf(pStr, " ON DUPLICATE KEY UPDATE %s = %s", zPk, zPk);
      sqlite3_free(zPk);
    }
  }else{
    /* UPDATE (the key may change too) */
    int nSet = 0;
    sqlite3_str_appendall(pStr, "UPDATE ");
    appendTarget(pStr, pTab, pSc, pD);
    sqlite3_str_appendall(pStr, " SET ");
    for(i=0; i<pTab->nCol; i++){
      char *zQ;
      if( sqlite3_value_nochange(argv[i+2]) ) continue;
      zQ = pD->xQuoteIdent(pTab->azCol[i]);
      sqlite3_str_appendf(pStr, "%s%s = ", nSet ? ", " : "", zQ);
      sqlite3_free(zQ);
      ADD_PARAM(argv[i+2], i);
      nSet++;
    }
    if( nSet==0 ){
      rc = SQLITE_OK;
      goto update_done;
    }
    ADD_KEY_WHERE();
  }
#undef ADD_KEY_WHERE
#undef ADD_PARAM
  zSql = sqlite3_str_finish(pStr);
  pStr = 0;
  if( zSql==0 ){ rc = SQLITE_NOMEM; goto update_done; }
  if( bBatch ){
    /* queued; sent batch_size rows at a time and at the statement's end
    ** (xSync), before any read or other write on this engine */
    char *zPrefix = sqlite3_mprintf("%.*s", nPrefix, zSql);
    if( bBool ) boolsAsIntegers(pTab, aParam);
    if( zPrefix ){
      /* Remember the INSERT's text for the statement's next rows */
      const char *zSchema = remoteSessMapSchema(pSc, pTab->zSchema);
      sqlite3_free(pTab->zInsPrefix);
      sqlite3_free(pTab->zInsSuffix);
      sqlite3_free(pTab->zInsSchema);
      pTab->zInsPrefix = sqlite3_mprintf("%s", zPrefix);
      pTab->zInsSuffix = sqlite3_mprintf("%s", &zSql[nRowEnd]);
      pTab->zInsSchema = zSchema ? sqlite3_mprintf("%s", zSchema) : 0;
      pTab->eInsConflict = sqlite3_vtab_on_conflict(pTab->db);
      if( pTab->zInsSuffix==0 || (zSchema && pTab->zInsSchema==0) ){
        sqlite3_free(pTab->zInsPrefix);
        pTab->zInsPrefix = 0;
      }
    }
    rc = zPrefix ? remoteBatchAdd(pSc, zPrefix, &zSql[nRowEnd],
                                  pTab->eDialect==D_PG, pTab->nBatch,
                                  nParam, aParam, &zErr) : SQLITE_NOMEM;
    sqlite3_free(zPrefix);
    if( rc ){
      staleCheck(pTab, pE, zErr);
      setVtabError(pVtab, zErr);
      zErr = 0;
    }
    goto update_done;
  }
  rc = flushBatch(pSc, &zErr);
  if( rc ){
    setVtabError(pVtab, zErr);
    zErr = 0;
    goto update_done;
  }
  /* PostgreSQL inside SQLite's explicit transaction: see writeGuardBegin() */
  bGuard = pTab->eDialect==D_PG && pSc->nDepth>0 && pSc->eTxn==TXN_OK
        && !sqlite3_get_autocommit(pTab->db);
  if( bGuard ) rc = writeGuardBegin(pSc, &zErr);
  if( rc==SQLITE_OK ){
    rc = remoteSessExec(pSc, zSql, nParam, aParam, &nChange, &zErr);
    if( rc && bGuard ) writeGuardUndo(pSc);
    if( rc ) staleCheck(pTab, pE, zErr);
  }
  if( rc ){
    setVtabError(pVtab, zErr);
    zErr = 0;
  }

update_done:
  if( zErr && rc ){
    setVtabError(pVtab, zErr);
    zErr = 0;
  }
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
    if( pSc->bVtabTxn || pSc->eTxn!=TXN_OK
     || findSavepoint(pSc, BASE_SAVEPOINT)>=0 ) return SQLITE_OK;
    rc = remoteSessSavepoint(pSc, BASE_SAVEPOINT, &zOut, &zErr);
    sqlite3_free(zOut);
    if( rc ) setVtabError(pVtab, zErr);
    return rc;
  }
  rc = remoteSessBegin(pSc, 0, &zErr);
  if( rc ){
    setVtabError(pVtab, zErr);
    return rc;
  }
  pSc->bVtabTxn = 1;
  return SQLITE_OK;
}

/* xSync: the end of the statement (autocommit) or of the transaction:
** queued INSERT rows go now, so that their errors fail it */
static int remoteSync(sqlite3_vtab *pVtab){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char *zErr = 0;
  int rc;
  if( pSc==0 ) return SQLITE_ERROR;
  rc = flushBatch(pSc, &zErr);
  if( rc ) setVtabError(pVtab, zErr);
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
  if( pTab->nOpen==0 ){
    rowMapFree(pTab->pMap);
    pTab->pMap = 0;
  }
  if( remoteBatchPending(pSc) ){
    /* xSync sends them; should a commit come without it, they go now */
    rc = flushBatch(pSc, &zErr);
    if( rc ){
      setVtabError(pVtab, zErr);
      return rc;
    }
  }
  if( pSc->bVtabTxn ){
    pSc->bVtabTxn = 0;
    rc = remoteSessCommit(pSc, &zErr);
    if( rc ){
      char *zErr2 = 0;
      remoteSessRollback(pSc, &zErr2);
      sqlite3_free(zErr2);
      setVtabError(pVtab, zErr);
    }
  }else{
    rc = endBase(pSc, 0, &zErr);
    if( rc ) setVtabError(pVtab, zErr);
  }
  return rc;
}

static int remoteRollback(sqlite3_vtab *pVtab){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char *zErr = 0;
  if( pSc==0 ) return SQLITE_ERROR;
  remoteBatchDiscard(pSc);
  if( pTab->nOpen==0 ){
    rowMapFree(pTab->pMap);
    pTab->pMap = 0;
  }
  if( pSc->bVtabTxn ){
    pSc->bVtabTxn = 0;
    remoteSessRollback(pSc, &zErr);
  }else{
    endBase(pSc, 1, &zErr);
  }
  sqlite3_free(zErr);
  return SQLITE_OK;
}

/* SQLite savepoint N <-> remote savepoint sr_sp_N (statement atomicity and
** SAVEPOINT/RELEASE/ROLLBACK TO); several vtabs of one engine share it. */
static int remoteSavepoint(sqlite3_vtab *pVtab, int iSave){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  SessConn *pSc = vtabConn(pTab);
  char zName[32], *zOut = 0, *zErr = 0;
  int rc;
  if( pSc==0 ) return SQLITE_ERROR;
  if( pSc->nDepth==0 || pSc->eTxn!=TXN_OK ) return SQLITE_OK;
  snprintf(zName, sizeof(zName), "sr_sp_%d", iSave);
  if( findSavepoint(pSc, zName)>=0 ) return SQLITE_OK;
  rc = remoteSessSavepoint(pSc, zName, &zOut, &zErr);
  sqlite3_free(zOut);
  if( rc ) setVtabError(pVtab, zErr);
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
  int i, rc = SQLITE_OK;
  if( pSc==0 ) return SQLITE_ERROR;
  if( bRollback ){
    remoteBatchDiscard(pSc);
  }else{
    rc = flushBatch(pSc, &zErr);
    if( rc ){
      setVtabError(pVtab, zErr);
      return rc;
    }
  }
  if( pSc->nDepth==0 || pSc->eTxn!=TXN_OK ) return SQLITE_OK;
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
      rc = remoteSessBegin(pSc, 0, &zErr);
      if( rc==SQLITE_OK ) pSc->bVtabTxn = 1;
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
  if( rc ) setVtabError(pVtab, zErr);
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
  rc = pc->pConn->pDialect->xListTables(pc->pConn, remoteSessMapSchema(pSc, zRemote), &nTable, &azTable);
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
