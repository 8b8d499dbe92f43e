/* SPDX-License-Identifier: MIT */
/*
** vtab_plan.c: what a scan of a `remote` table sends to the server.
**
**   SELECT name FROM items WHERE id = 42;
**     -> SELECT "id", "name" FROM "public"."items" WHERE "id" = $1
**
** Read vtabBestIndex() and vtabScanSql() first: they decide what runs on
** the server. The rule (README, "Results are the local results"): a
** constraint is pushed with omit=1 only where the remote evaluates it
** exactly as SQLite would; anything else is pushed as a superset (omit=0,
** SQLite checks again) or not at all. Each column has a kind (the rules'
** xKind) that says which of its comparisons are exact:
**
**   K_INT       integers: every comparison exact
**   K_BOOL      PostgreSQL boolean (INTEGER 0/1): compared as "col"::int4
**   K_TEXT      a native string type: exact in byte order (COLLATE "C" /
**               BINARY), LIKE and GLOB exact where the dialect can be
**   K_TEXTCAST  (PostgreSQL) a type whose ::text is the value we return
**               (date, timestamp, uuid, json, ...): compared as text, or
**               typed for a canonical text (see Index-friendly)
**   K_REAL8     double: pushed as a superset (NaN becomes NULL here)
**   K_REAL4     float4 / MySQL FLOAT: IS NOT NULL only
**   K_NUMERIC   numeric/decimal: pushed as a superset
**   K_BLOB      bytea/binary: exact on PostgreSQL and SQLite
**   K_OTHER     only pushed as IS NULL / IS NOT NULL
**   K_NATIVE    the sqlite dialect: the remote is SQLite itself, so every
**               comparison means the same there (the column keeps its
**               affinity); only the affinity question below remains
**
** What each kind allows on each backend, and how the SQL is written, is a
** row of the rules table (VtabRules, below): one row per built-in dialect
** and a conservative one for a dialect registered through the C API, which
** pushes nothing, so that SQLite evaluates everything.
**
** Affinity. SQLite converts one side of a comparison by the affinities of
** both sides (datatype3.html 4.2). Against a numeric column the other side
** always gets NUMERIC affinity, which vtabScanSql() applies before sending
** the value. Against a TEXT column (or a BLOB-affinity one holding values of
** several classes, the sqlite dialect) the conversion depends on the other
** side's affinity, which xBestIndex cannot see: `t = 10` compares '10' but
** `t = CAST(10 AS INTEGER)` or `t = other.intcol` converts t to a number.
** Such a comparison is pushed only for values where both readings agree
** (vtabCmpValueOk()); other values leave the constraint to SQLite, so it is
** never omitted unless its value is a constant known at planning time.
**
** A comparison between different storage classes (an integer column with a
** text value, ...) is decided here as SQLite orders classes (NULL < numbers
** < text < blob) and sent as a constant predicate.
**
** Index-friendly. Within that rule each predicate is written in the form
** the server's planner matches to an index, from what the catalog says
** (vtabColumnInfo(): VCOL_* flags):
**   - text under a deterministic collation: bare equality (byte equality
**     there); under one that orders like bytes (C, POSIX, C.UTF-8): bare
**     ranges and ORDER BY too (VtabRules.azCmpEq, azCmpBytes)
**   - MySQL text equality: `col = ?` (the collation's equality, a superset
**     the index serves) AND the exact byte comparison (azEqIndex)
**   - types whose canonical text is the value we return (TC_*: date,
**     timestamp, time, uuid, timestamptz, MySQL DATE/DATETIME; enum and
**     char(n) for equality only): a canonical text value is compared
**     bare, typed (`"day" = $1::date`; appendCanonCmp); other texts as
**     text (or not at all). Where some values' texts do not order as the
**     values (BC, years from 10000), the ranges on a column are written
**     as one index range plus those values (appendCanonRanges): a
**     superset. Such texts never look numeric, so a range with a value
**     from a parameter (unknown at planning) is pushed when xFilter sees
**     its type.
**   - ORDER BY a NOT NULL column: no NULLS FIRST/LAST (zAscNotNull); an
**     ORDER BY term on a column a pushed = holds is left out, as SQLite
**     takes it as satisfied (bestOrder)
**   - PostgreSQL boolean = 0/1: `col = false/true`
**
** idxStr (sqlite3_malloc'd) is two nul-terminated strings in one
** allocation: first the remote SQL as it will be sent for typical values
** (placeholders and all: what EXPLAIN QUERY PLAN shows, as "VIRTUAL TABLE
** INDEX 0:SELECT ..."), then the plan encoding below, which xFilter reads
** after the first nul (vtabPlanPart()). SQLite hands xFilter the very pointer
** xBestIndex set (OP_VFilter's P4, P4_DYNAMIC / P4_MPRINTF: never copied,
** in 3.40 as in 3.53); EXPLAIN prints it with %s, up to the nul.
**
** Plan encoding: tokens separated by spaces
**   wC:O:A:X:K constraint on column C, operator O (SQLITE_INDEX_CONSTRAINT_*),
**              argv index A (0 = none), X = 1 when exact (omitted), K = 1
**              when its value was a constant known at planning time
**   iC:A:X     C IN (all values at argv A), X = 1 when exact (omitted)
**   oC:D       ORDER BY column C, D = 1 for DESC
**   lA / fA    LIMIT / OFFSET at argv A, sent to the server
**   hA / gA    LIMIT / OFFSET at argv A as a hint only (SQLite before 3.46:
**              see limitIsExact()), never sent
**   d          DISTINCT over the ORDER BY columns (every used column is one)
**   uMASK      hex mask of the columns used (bit 63: 63 and above)
** idxNum is 1 for a lookup of one row by an exact primary-key equality (the
** plan is also flagged SQLITE_INDEX_SCAN_UNIQUE), else 0. xFilter parses
** the text once into a VtabPlan (vtabPlanParse).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vtab.h"

/* ------------------------------------------------------------------ */
/* Column kinds and the dialect rules                                  */

static int startsWith(const char *z, const char *zPrefix){
  return sqlite3_strnicmp(z, zPrefix, (int)strlen(zPrefix))==0;
}

char vtabAffinity(const char *zDecl){
  if( strcmp(zDecl, "INTEGER")==0 ) return AFF_INT;
  if( strcmp(zDecl, "REAL")==0 ) return AFF_REAL;
  if( strcmp(zDecl, "NUMERIC")==0 ) return AFF_NUM;
  if( strcmp(zDecl, "TEXT")==0 ) return AFF_TEXT;
  return AFF_BLOB;
}

/* PostgreSQL: the kind of a column from its declared and catalog type */
static int pgKind(const char *zDecl, const char *zRemote){
  if( strcmp(zDecl, "INTEGER")==0 ){
    /* a whitelist: domains, oid, ... are compared only in SQLite */
    if( strcmp(zRemote, "smallint")==0 || strcmp(zRemote, "integer")==0
     || strcmp(zRemote, "bigint")==0 ) return K_INT;
    if( strcmp(zRemote, "boolean")==0 ) return K_BOOL;
    return K_OTHER;
  }
  if( strcmp(zDecl, "NUMERIC")==0 ){
    if( strcmp(zRemote, "unknown")!=0 && !startsWith(zRemote, "numeric") ){
      return K_OTHER;
    }
    return K_NUMERIC;
  }
  if( strcmp(zDecl, "BLOB")==0 ){
    return strcmp(zRemote, "bytea")==0 ? K_BLOB : K_OTHER;
  }
  if( strcmp(zDecl, "REAL")==0 ){
    if( strcmp(zRemote, "double precision")==0 ) return K_REAL8;
    if( strcmp(zRemote, "real")==0 ) return K_REAL4;
    return K_OTHER;
  }
  /* TEXT */
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

/* MySQL/MariaDB: string types compare as their UTF-8 bytes */
static int mysqlKind(const char *zDecl, const char *zRemote){
  if( strcmp(zDecl, "INTEGER")==0 ){
    return startsWith(zRemote, "bit") ? K_OTHER : K_INT;
  }
  if( strcmp(zDecl, "NUMERIC")==0 ) return K_NUMERIC;
  if( strcmp(zDecl, "BLOB")==0 ){
    if( startsWith(zRemote, "binary") || startsWith(zRemote, "varbinary")
     || strstr(zRemote, "blob") ) return K_BLOB;
    return K_OTHER;
  }
  if( strcmp(zDecl, "REAL")==0 ){
    return startsWith(zRemote, "double") ? K_REAL8 : K_REAL4;
  }
  if( startsWith(zRemote, "varchar") || startsWith(zRemote, "char")
   || strstr(zRemote, "text") || startsWith(zRemote, "enum") ){
    return K_TEXT;
  }
  return K_OTHER;
}

/* SQLite: every column keeps its meaning there */
static int sqliteKind(const char *zDecl, const char *zRemote){
  (void)zDecl; (void)zRemote;
  return K_NATIVE;
}

/* A dialect not built in: nothing is known of its comparisons */
static int otherKind(const char *zDecl, const char *zRemote){
  (void)zDecl; (void)zRemote;
  return K_OTHER;
}

/* PostgreSQL: the types whose canonical text (ISO dates, UTC session) is
** the value we return, and which have an index-friendly typed comparison */
static int pgCanon(const RemoteColumnInfo *c){
  const char *zRemote = c->zRemoteType ? c->zRemoteType : "";
  if( c->bEnum ) return TC_ENUM;
  if( startsWith(zRemote, "character(") ) return TC_CHAR;
  if( strcmp(zRemote, "date")==0 ) return TC_DATE;
  if( startsWith(zRemote, "timestamp") && strstr(zRemote, "without time zone") ){
    return TC_TS;
  }
  if( startsWith(zRemote, "time") && strstr(zRemote, "without time zone") ){
    return TC_TIME;
  }
  if( strcmp(zRemote, "uuid")==0 ) return TC_UUID;
  if( startsWith(zRemote, "timestamp") && strstr(zRemote, "with time zone") ){
    return TC_TSTZ;
  }
  return 0;
}

/* MySQL/MariaDB: DATE and DATETIME, whose text (years 0 to 9999, fraction
** without trailing zeros) is the value we return, in the value's order */
static int myCanon(const RemoteColumnInfo *c){
  const char *zRemote = c->zRemoteType ? c->zRemoteType : "";
  if( strcmp(zRemote, "date")==0 ) return TC_DATE;
  if( startsWith(zRemote, "datetime") ) return TC_TS;
  return 0;
}

int vtabColumnInfo(RemoteVtab *p, int iCol, const RemoteColumnInfo *c){
  const VtabRules *pR = p->pRules;
  int k = p->aKind[iCol], eCanon = 0;
  unsigned char f = 0;
  if( c->bNotNull ) f |= VCOL_NOTNULL;
  if( k==K_TEXT && c->eColl>=REMOTE_COLL_EQ ) f |= VCOL_BYTEEQ;
  if( k==K_TEXT && c->eColl==REMOTE_COLL_BYTES ) f |= VCOL_BYTEORDER;
  if( (k==K_TEXTCAST || k==K_OTHER) && pR->xCanon ) eCanon = pR->xCanon(c);
  if( eCanon==TC_ENUM || eCanon==TC_CHAR ){
    /* compared by the type's name: kept */
    if( p->azCanonType==0 ){
      p->azCanonType = sqlite3_malloc64(sizeof(char*)*p->nCol);
      if( p->azCanonType==0 ) return SQLITE_NOMEM;
      memset(p->azCanonType, 0, sizeof(char*)*p->nCol);
    }
    p->azCanonType[iCol] = sqlite3_mprintf("%s", c->zRemoteType);
    if( p->azCanonType[iCol]==0 ) return SQLITE_NOMEM;
  }
  p->aColFlag[iCol] = (unsigned char)(f | (eCanon<<4));
  return SQLITE_OK;
}

#define KM_CMP_EXACT (KM(K_INT)|KM(K_BOOL)|KM(K_TEXT)|KM(K_TEXTCAST)|KM(K_NATIVE))
#define KM_ORDER     (KM(K_INT)|KM(K_BOOL)|KM(K_TEXT)|KM(K_NATIVE))

static const VtabRules aRules[] = {
  { "postgresql", 1, pgKind,
    /* mCmpExact */    KM_CMP_EXACT|KM(K_BLOB),
    /* mCmpSuperset */ KM(K_REAL4)|KM(K_REAL8)|KM(K_NUMERIC)|KM(K_BLOB),
    /* mNullExact: NaN arrives as NULL */ KM_ALL & ~(KM(K_REAL8)|KM(K_REAL4)),
    /* mNotNull */     KM_ALL,
    /* mLike */        KM(K_TEXT)|KM(K_NATIVE),
    /* mOrder */       KM_ORDER|KM(K_TEXTCAST)|KM(K_BLOB),
    /* mDistinct */    KM(K_INT)|KM(K_BOOL)|KM(K_NATIVE)|KM(K_TEXT)|KM(K_BLOB),
    { [K_TEXT] = "%c COLLATE \"C\"", [K_TEXTCAST] = "%c::text COLLATE \"C\"",
      [K_BOOL] = "%c::int4", [K_REAL4] = "%c::text::float8",
      [K_NUMERIC] = "%c::float8" },
    { [K_TEXT] = "%p::text", [K_TEXTCAST] = "%p::text" },
    { [K_BOOL] = "(%p::int8 <> 0)" },
    0, 0,
    /* lower() under "C" folds ASCII only, as SQLite's LIKE does */
    "lower(%c COLLATE \"C\") LIKE lower(%p::text COLLATE \"C\") ESCAPE ''", 1, 0,
    "%c COLLATE \"C\" LIKE %p::text ESCAPE '\\'", 0,
    /* PostgreSQL numeric '-Infinity' is text here: above every number */
    " = '-Infinity'::float8",
    " ASC NULLS FIRST", " DESC NULLS LAST", "ALL",
    UPSERT_ON_CONFLICT, 1, 1,
    /* a deterministic collation's equality is byte equality; C, POSIX and
    ** C.UTF-8 order like bytes: the bare column, which its index serves */
    { [K_TEXT] = "%c" }, { [K_TEXT] = "%c" }, { 0 },
    " ASC", " DESC",
    pgCanon,
    { [TC_DATE] = "%p::date", [TC_TS] = "%p::timestamp",
      [TC_TIME] = "%p::time", [TC_UUID] = "%p::uuid",
      [TC_TSTZ] = "%p::timestamptz",
      /* (%c: the type) the value of that label, or NULL: no error */
      [TC_ENUM] = "(SELECT v FROM pg_catalog.unnest(pg_catalog.enum_range(NULL::%c)) v"
                  " WHERE v::text = %p::text)",
      [TC_CHAR] = "%p::bpchar" },
    { [TC_DATE] = "%c < '0001-01-01'::date OR %c >= '10000-01-01'::date",
      [TC_TS] = "%c < '0001-01-01'::timestamp OR %c >= '10000-01-01'::timestamp",
      [TC_TSTZ] = "%c < '0001-01-01 00:00:00+00'::timestamptz"
                  " OR %c >= '10000-01-01 00:00:00+00'::timestamptz" },
    "%c = false", "%c = true",
    BATCH_UPDATE_VALUES, 1, " DEFAULT VALUES", LAST_ID_RETURNING, 1, "%c::text", 1, 0 },
  { "mysql", 0, mysqlKind,
    KM_CMP_EXACT,
    KM(K_REAL8)|KM(K_NUMERIC)|KM(K_BLOB),
    KM_ALL, KM_ALL,
    KM(K_TEXT)|KM(K_NATIVE),
    KM_ORDER|KM(K_REAL8)|KM(K_NUMERIC),
    KM(K_INT)|KM(K_BOOL)|KM(K_NATIVE),
    { [K_TEXT] = "BINARY CONVERT(%c USING utf8mb4)" },
    { [K_TEXT] = "BINARY %p" },
    { 0 },
    0, 0,
    /* a superset: LOWER folds more than ASCII */
    "LOWER(%c) LIKE LOWER(%p)", 0, 1,
    /* '_' would match one byte, not one character */
    "BINARY CONVERT(%c USING utf8mb4) LIKE BINARY %p", 1,
    0,
    " ASC", " DESC", "18446744073709551615",
    UPSERT_ON_DUP, 0, 0,
    /* any collation's equality holds for equal bytes: the bare column's
    ** equality is a superset its index serves */
    { 0 }, { 0 }, { [K_TEXT] = "%c = %p" },
    " ASC", " DESC",
    myCanon,
    { [TC_DATE] = "CAST(%p AS DATE)", [TC_TS] = "CAST(%p AS DATETIME(6))" },
    { 0 }, 0, 0,
    BATCH_UPDATE_JOIN, 1, " () VALUES ()", LAST_ID_DRIVER, 0, "CAST(%c AS CHAR)", 0,
    "SELECT @@optimizer_switch LIKE '%derived_with_keys=on%'"
    " FROM JSON_TABLE('[1]', '$[*]' COLUMNS(x INT PATH '$')) AS sr_j" },
  { "sqlite", 0, sqliteKind,
    KM_CMP_EXACT|KM(K_BLOB),
    KM(K_REAL8)|KM(K_NUMERIC)|KM(K_BLOB),
    KM_ALL, KM_ALL,
    KM(K_TEXT)|KM(K_NATIVE),
    KM_ORDER,
    KM(K_INT)|KM(K_BOOL)|KM(K_NATIVE),
    { [K_NATIVE] = "%c COLLATE BINARY" },
    { 0 },
    { 0 },
    1, 1,
    0, 1, 0,
    0, 0,
    0,
    " ASC", " DESC", "-1",
    UPSERT_OR_VERB, 0, 0,
    { 0 }, { 0 }, { 0 }, " ASC", " DESC", 0, { 0 }, { 0 }, 0, 0,
    BATCH_UPDATE_NONE, 1, " DEFAULT VALUES", LAST_ID_RETURNING, 0, 0, 0, 0 },
  /* any other dialect: no pushdown, no upsert, ? placeholders */
  { 0, 0, otherKind,
    0, 0, 0, 0, 0, 0, 0,
    { 0 }, { 0 }, { 0 },
    0, 0,
    0, 0, 0,
    0, 0,
    0,
    " ASC", " DESC", 0,
    UPSERT_NONE, 0, 0,
    { 0 }, { 0 }, { 0 }, " ASC", " DESC", 0, { 0 }, { 0 }, 0, 0,
    BATCH_UPDATE_NONE, 0, 0, LAST_ID_NONE, 0, 0, 0, 0 },
};

const VtabRules *vtabRulesFor(const RemoteDialect *pD){
  int i;
  for(i=0; aRules[i].zDialect; i++){
    if( pD->zName && strcmp(pD->zName, aRules[i].zDialect)==0 ) break;
  }
  return &aRules[i];
}

/* ------------------------------------------------------------------ */
/* What may be pushed, and how exactly                                 */

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

int vtabIsLikeOp(int op){
  return op==SQLITE_INDEX_CONSTRAINT_LIKE || op==SQLITE_INDEX_CONSTRAINT_GLOB;
}

int vtabIsNullOp(int op){
  return op==SQLITE_INDEX_CONSTRAINT_ISNULL || op==SQLITE_INDEX_CONSTRAINT_ISNOTNULL;
}

/* 1 if comparisons against column iCol convert its values by the other
** side's affinity, which the vtab cannot see (see the header comment) */
static int affinityAmbiguous(RemoteVtab *pTab, int iCol){
  int k = pTab->aKind[iCol];
  if( k==K_TEXT || k==K_TEXTCAST ) return 1;
  if( k==K_NATIVE ) return pTab->aAff[iCol]==AFF_TEXT || pTab->aAff[iCol]==AFF_BLOB;
  return 0;
}

/* Is constraint op on a column of kind k evaluated exactly remotely (for
** the values vtabCmpValueOk() accepts)? */
static int isExact(RemoteVtab *pTab, int k, int op){
  const VtabRules *pR = pTab->pRules;
  if( vtabIsNullOp(op) ) return (pR->mNullExact & KM(k))!=0;
  if( isCmpOp(op) ) return (pR->mCmpExact & KM(k))!=0;
  return 0;
}

/* Is a range on column iCol pushed exactly? (not for a canonical type whose
** values do not all order as their texts: see appendCanonCmp) */
static int rangeExact(RemoteVtab *pTab, int iCol){
  int eCanon = pTab->aColFlag ? VCOL_CANON(pTab->aColFlag[iCol]) : 0;
  return eCanon==0 || pTab->pRules->azCanonOut[eCanon]==0;
}

/* Can constraint op on kind k be pushed at all (exactly or as a superset)? */
static int isPushable(RemoteVtab *pTab, int k, int op){
  const VtabRules *pR = pTab->pRules;
  if( op==SQLITE_INDEX_CONSTRAINT_ISNULL ) return isExact(pTab, k, op);
  if( op==SQLITE_INDEX_CONSTRAINT_ISNOTNULL ) return (pR->mNotNull & KM(k))!=0;
  if( vtabIsLikeOp(op) ) return (pR->mLike & KM(k))!=0;
  if( !isCmpOp(op) ) return 0;
  return ((pR->mCmpExact|pR->mCmpSuperset) & KM(k))!=0;
}

/* Column class of a kind (what its values are), for cross-class folding */
int vtabKindRank(int k){
  if( k==K_INT || k==K_BOOL || k==K_REAL8 || k==K_REAL4 ) return 1;
  if( k==K_TEXT || k==K_TEXTCAST ) return 2;
  if( k==K_BLOB ) return 3;
  return -1;          /* values of several classes: never folded */
}

/*
** 1 if text z[0..n) can be sent to the remote as it is: PostgreSQL and
** MySQL take valid UTF-8 without NUL bytes (SQLite text may be anything).
*/
int vtabTextSendable(const VtabRules *pR, const unsigned char *z, int n){
  int i = 0;
  if( pR->bAnyText ) return 1;
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

/* vtabTextSendable() for a text sqlite3_value (other classes: 1) */
static int valueSendable(RemoteVtab *pTab, sqlite3_value *pVal){
  if( sqlite3_value_type(pVal)!=SQLITE_TEXT ) return 1;
  return vtabTextSendable(pTab->pRules, sqlite3_value_text(pVal),
                          sqlite3_value_bytes(pVal));
}

/*
** May comparison op of column iCol with a value of storage class eType
** (before any conversion) be pushed? bConst: the value is a constant
** known at planning time (not a column of another table or a parameter).
** See "Affinity" in the header comment.
*/
int vtabCmpValueOk(RemoteVtab *pTab, int iCol, int op, int eType, int bConst){
  if( eType==SQLITE_NULL || eType==SQLITE_BLOB ) return 1;
  if( !affinityAmbiguous(pTab, iCol) ) return 1;
  if( pTab->aAff[iCol]==AFF_BLOB ) return 0;     /* sqlite dialect, no type */
  if( eType!=SQLITE_TEXT ) return 0;
  /* text against text: only a range with a value from another column can
  ** differ (that column's NUMERIC affinity turns numeric-looking text of
  ** ours into numbers); the text of a date, a timestamp, a time or a uuid
  ** never looks numeric: a range with a bound parameter is pushed then */
  if( bConst ) return 1;
  if( pTab->aColFlag && VCOL_CANON(pTab->aColFlag[iCol]) ) return 1;
  return op==SQLITE_INDEX_CONSTRAINT_EQ || op==SQLITE_INDEX_CONSTRAINT_IS
      || op==SQLITE_INDEX_CONSTRAINT_NE || op==SQLITE_INDEX_CONSTRAINT_ISNOT;
}

/* Can column iCol be ordered remotely exactly as SQLite orders it (NULLs
** first ascending, text in byte order, classes as SQLite orders them)? */
static int isOrderable(RemoteVtab *pTab, int iCol){
  if( iCol<0 || iCol>=pTab->nCol ) return 0;
  return (pTab->pRules->mOrder & KM(pTab->aKind[iCol]))!=0;
}

/* Does remote DISTINCT on column iCol keep exactly the rows SQLite's
** DISTINCT would (equality is identity of the values we return)? */
static int isDistinctable(RemoteVtab *pTab, int iCol){
  if( iCol<0 || iCol>=pTab->nCol ) return 0;
  return (pTab->pRules->mDistinct & KM(pTab->aKind[iCol]))!=0;
}

/* ------------------------------------------------------------------ */
/* Planning                                                            */

static int planParse(const char *zPlan, int nCol, VtabPlan *p);
static char *planWithSql(RemoteVtab *pTab, char *zPlan);

/* The RHS of constraint i when it is a constant known now, else NULL */
static sqlite3_value *rhsConst(sqlite3_index_info *pInfo, int i){
  sqlite3_value *pVal = 0;
  if( sqlite3_vtab_rhs_value(pInfo, i, &pVal)!=SQLITE_OK ) return 0;
  return pVal;
}

/* What xBestIndex has decided so far */
typedef struct BestState BestState;
struct BestState {
  sqlite3_str *pPlan;       /* the idxStr being written */
  double rRows;             /* estimated rows */
  int nArg;                 /* argv slots handed out */
  int bAllExact;            /* every constraint omitted so far */
  sqlite3_uint64 mEqExact;  /* columns with an exact = or IS */
  int iLimit, iOffset;      /* LIMIT / OFFSET constraints, -1 none */
};

/* Is LIKE/GLOB constraint i pushed exactly? -1: not pushed at all */
static int bestLikeExact(RemoteVtab *pTab, sqlite3_index_info *pInfo, int i,
                         sqlite3_value *pRhs){
  const VtabRules *pR = pTab->pRules;
  int eType = pRhs ? sqlite3_value_type(pRhs) : -1;
  (void)pInfo; (void)i;
  if( pR->bLikeNative ) return 1;       /* any pattern: SQLite's own */
  if( pRhs && !valueSendable(pTab, pRhs) ) return -1;
  if( pR->bLikeExact && eType>=0 && eType!=SQLITE_BLOB ){
    /* a known pattern that is not a blob (for GLOB: no [...] class) */
    return pInfo->aConstraint[i].op==SQLITE_INDEX_CONSTRAINT_LIKE
        || eType==SQLITE_NULL
        || strchr((const char*)sqlite3_value_text(pRhs), '[')==0;
  }
  return 0;
}

/* Plan constraint i (usable, on a column); updates *pS */
static void bestConstraint(RemoteVtab *pTab, sqlite3_index_info *pInfo, int i,
                           BestState *pS){
  const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
  int op = c->op, iCol = c->iColumn, k = pTab->aKind[iCol], bExact;
  sqlite3_value *pRhs;
  if( !isPushable(pTab, k, op)
   && !(isCmpOp(op) && pTab->aColFlag && VCOL_CANON(pTab->aColFlag[iCol])) ){
    /* (a column of a canonical type compared only typed: timestamptz) */
    pS->bAllExact = 0;
    return;
  }
  if( !vtabIsNullOp(op) && !vtabIsLikeOp(op)
   && sqlite3_stricmp(sqlite3_vtab_collation(pInfo, i), "BINARY")!=0 ){
    pS->bAllExact = 0;
    return;
  }
  pRhs = rhsConst(pInfo, i);
  bExact = isExact(pTab, k, op);
  if( vtabIsLikeOp(op) ){
    bExact = bestLikeExact(pTab, pInfo, i, pRhs);
    if( bExact<0 ){ pS->bAllExact = 0; return; }
  }else if( isCmpOp(op) ){
    if( op==SQLITE_INDEX_CONSTRAINT_EQ && sqlite3_vtab_in(pInfo, i, -1) ){
      /* all values at once; the LHS affinity applies to an IN list, the
      ** combined one to IN (SELECT ...): ambiguous as a column RHS */
      if( affinityAmbiguous(pTab, iCol) ) bExact = 0;
      sqlite3_vtab_in(pInfo, i, 1);
      sqlite3_str_appendf(pS->pPlan, "i%d:%d:%d ", iCol, ++pS->nArg, bExact);
      pInfo->aConstraintUsage[i].argvIndex = pS->nArg;
      pInfo->aConstraintUsage[i].omit = (unsigned char)bExact;
      if( !bExact ) pS->bAllExact = 0;
      pS->rRows /= 5.0;
      return;
    }
    if( pRhs==0 ){
      if( affinityAmbiguous(pTab, iCol) ) bExact = 0;
    }else if( !vtabCmpValueOk(pTab, iCol, op, sqlite3_value_type(pRhs), 1)
           || (!valueSendable(pTab, pRhs) && vtabKindRank(k)!=1 && k!=K_BLOB) ){
      pS->bAllExact = 0;
      return;                 /* not pushed at all */
    }
  }
  if( isCmpOp(op) && op!=SQLITE_INDEX_CONSTRAINT_EQ && op!=SQLITE_INDEX_CONSTRAINT_IS
   && op!=SQLITE_INDEX_CONSTRAINT_NE && op!=SQLITE_INDEX_CONSTRAINT_ISNOT
   && !rangeExact(pTab, iCol) ){
    bExact = 0;
  }
  if( vtabIsNullOp(op) ){
    sqlite3_str_appendf(pS->pPlan, "w%d:%d:0:%d:1 ", iCol, op, bExact);
  }else{
    pInfo->aConstraintUsage[i].argvIndex = ++pS->nArg;
    sqlite3_str_appendf(pS->pPlan, "w%d:%d:%d:%d:%d ", iCol, op, pS->nArg,
                        bExact, pRhs!=0);
  }
  pInfo->aConstraintUsage[i].omit = (unsigned char)bExact;
  if( !bExact ) pS->bAllExact = 0;
  if( op==SQLITE_INDEX_CONSTRAINT_EQ || op==SQLITE_INDEX_CONSTRAINT_IS ){
    if( bExact ) pS->mEqExact |= (sqlite3_uint64)1 << (iCol<63 ? iCol : 63);
    pS->rRows /= 10.0;
  }else{
    pS->rRows /= 3.0;
  }
}

/*
** ORDER BY and DISTINCT: ORDER BY is consumed when every term is exactly
** orderable remotely (for an unordered DISTINCT, when every term is exactly
** distinctable); DISTINCT is pushed when every column used is a distinct
** column. Returns 1 when DISTINCT was pushed.
*/
static int bestOrder(RemoteVtab *pTab, sqlite3_index_info *pInfo, BestState *pS){
  int eDistinct = sqlite3_vtab_distinct(pInfo);
  int bOrderOk = 1, bDistinct = 0, i;
  sqlite3_uint64 mEq = 0;
  /* Columns held equal to one value by an = or IS this plan uses (pushed:
  ** the loop then runs inside the one giving the value; not an IN): SQLite
  ** takes an ORDER BY term on them as satisfied, so rows that differ there
  ** but pass by affinity ('10' and '10.0' = 10) are ordered by the terms
  ** after it; the remote ORDER BY leaves such a term out (not with a
  ** DISTINCT that may be pushed: it orders by position, every term) */
  for(i=0; eDistinct<2 && i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if( c->usable && pInfo->aConstraintUsage[i].argvIndex>0
     && c->iColumn>=0 && c->iColumn<63
     && (c->op==SQLITE_INDEX_CONSTRAINT_EQ || c->op==SQLITE_INDEX_CONSTRAINT_IS)
     && sqlite3_vtab_in(pInfo, i, -1)==0
     && sqlite3_stricmp(sqlite3_vtab_collation(pInfo, i), "BINARY")==0 ){
      mEq |= (sqlite3_uint64)1 << c->iColumn;
    }
  }
  for(i=0; i<pInfo->nOrderBy; i++){
    int iCol = pInfo->aOrderBy[i].iColumn;
    if( iCol>=0 && iCol<63 && (mEq & ((sqlite3_uint64)1<<iCol)) ) continue;
    if( !isOrderable(pTab, iCol) ){ bOrderOk = 0; break; }
  }
  if( pInfo->nOrderBy>0 && eDistinct>=2 ){
    sqlite3_uint64 mOb = 0;
    int bDistOk = 1;
    for(i=0; i<pInfo->nOrderBy; i++){
      int iCol = pInfo->aOrderBy[i].iColumn;
      if( !isDistinctable(pTab, iCol) ){ bDistOk = 0; break; }
      mOb |= (sqlite3_uint64)1 << (iCol<63 ? iCol : 63);
    }
    if( bDistOk && (pInfo->colUsed & ~mOb)==0 && (mOb>>63)==0
     && (eDistinct==2 || bOrderOk) ){
      sqlite3_str_appendall(pS->pPlan, "d ");
      bDistinct = 1;
      if( eDistinct==2 ) bOrderOk = 0;     /* no ORDER BY needed */
      pInfo->orderByConsumed = 1;
      pS->rRows /= 2.0;
    }
  }
  if( pInfo->nOrderBy>0 && bOrderOk ){
    for(i=0; i<pInfo->nOrderBy; i++){
      int iCol = pInfo->aOrderBy[i].iColumn;
      if( !bDistinct && iCol>=0 && iCol<63 && (mEq & ((sqlite3_uint64)1<<iCol)) ){
        continue;
      }
      sqlite3_str_appendf(pS->pPlan, "o%d:%d ", iCol, pInfo->aOrderBy[i].desc);
    }
    pInfo->orderByConsumed = 1;
  }
  return bDistinct;
}

/*
** 1 when the running SQLite offers LIMIT/OFFSET to xBestIndex only if every
** WHERE term on the table was offered too. Up to 3.45 it hides the terms
** whose right side refers to the same table (a = a, b = c, a =
** COALESCE('8', a), a correlated subquery on the same table) and still
** offers LIMIT and OFFSET (SQLite's test/bestindexC.test 3.1-3.3 and 6.2,
** fixed by check-in 72c8ed9698 in 3.46.0): such a term is evaluated by
** SQLite after xFilter, so a LIMIT sent to the server would cut rows before
** it. Decided by the library running, not the headers compiled against.
*/
static int limitIsExact(void){
  return sqlite3_libversion_number()>=3046000;
}

/*
** LIMIT/OFFSET only when the remote computes exactly this result: every
** constraint omitted, the ORDER BY (if any) consumed. Where the running
** SQLite may have hidden terms (limitIsExact() is 0) they are taken as a
** hint only (omit=0: SQLite applies both; the SQL has neither; the plan
** says how many rows would do when nothing is hidden: tokens h and g).
*/
static void bestLimit(RemoteVtab *pTab, sqlite3_index_info *pInfo, BestState *pS){
  if( pS->bAllExact && pTab->pRules->zNoLimit
   && (pInfo->nOrderBy==0 || pInfo->orderByConsumed) && pS->iLimit>=0 ){
    int bCut = limitIsExact();
    pInfo->aConstraintUsage[pS->iLimit].argvIndex = ++pS->nArg;
    pInfo->aConstraintUsage[pS->iLimit].omit = (unsigned char)bCut;
    sqlite3_str_appendf(pS->pPlan, "%c%d ", bCut ? 'l' : 'h', pS->nArg);
    if( pS->iOffset>=0 ){
      pInfo->aConstraintUsage[pS->iOffset].argvIndex = ++pS->nArg;
      pInfo->aConstraintUsage[pS->iOffset].omit = (unsigned char)bCut;
      sqlite3_str_appendf(pS->pPlan, "%c%d ", bCut ? 'f' : 'g', pS->nArg);
    }
  }
}

/*
** xBestIndex: see the plan encoding in the header comment. A constraint is
** used when isPushable(); it is omitted (exact) when isExact() and, for a
** comparison, its value is a constant that vtabCmpValueOk() accepts. LIMIT and
** OFFSET go remote only when every constraint is omitted and the ORDER BY
** (if any) is consumed; DISTINCT when SQLite allows it and every column
** used is one of the distinct columns.
*/
int vtabBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo){
  RemoteVtab *pTab = (RemoteVtab*)pVtab;
  BestState s;
  int i, bUnique = 0, bDistinct;
  sqlite3_uint64 mUsed = pInfo->colUsed;

  memset(&s, 0, sizeof(s));
  s.pPlan = sqlite3_str_new(0);
  s.rRows = pTab->nRowEst>0 ? (double)pTab->nRowEst : 100000.0;
  s.bAllExact = 1;
  s.iLimit = s.iOffset = -1;
  for(i=0; i<pInfo->nConstraint; i++){
    const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
    if( c->op==SQLITE_INDEX_CONSTRAINT_LIMIT ){ if( c->usable ) s.iLimit = i; continue; }
    if( c->op==SQLITE_INDEX_CONSTRAINT_OFFSET ){ if( c->usable ) s.iOffset = i; continue; }
    if( !c->usable || c->iColumn<0 || c->iColumn>=pTab->nCol ){
      s.bAllExact = 0;
      continue;
    }
    bestConstraint(pTab, pInfo, i, &s);
  }

  /* A unique lookup: every key column equal to one value, exactly */
  if( pTab->nPk>0 ){
    bUnique = 1;
    for(i=0; i<pTab->nPk; i++){
      int iCol = pTab->aiPk[i];
      if( iCol>=63 || (s.mEqExact & ((sqlite3_uint64)1<<iCol))==0 ) bUnique = 0;
    }
  }
  bDistinct = bestOrder(pTab, pInfo, &s);
  bestLimit(pTab, pInfo, &s);

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
  sqlite3_str_appendf(s.pPlan, "u%llx", (unsigned long long)mUsed);
  pInfo->idxStr = planWithSql(pTab, sqlite3_str_finish(s.pPlan));
  if( pInfo->idxStr==0 ) return SQLITE_NOMEM;
  pInfo->needToFreeIdxStr = 1;
  if( bUnique ){
    pInfo->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
    pInfo->idxNum = 1;
    s.rRows = 1;
  }
  if( s.rRows<1 ) s.rRows = 1;
  pInfo->estimatedRows = (sqlite3_int64)s.rRows;
  /* One round trip plus the rows. Without a primary key, rows have no
  ** identity (xRowid is 0): a plan must never look cheaper than half a
  ** full scan, so that SQLite never merges several scans by rowid (the OR
  ** optimization) */
  if( pTab->nPk>0 ){
    pInfo->estimatedCost = 1000.0 + s.rRows;
  }else{
    double rFull = pTab->nRowEst>0 ? (double)pTab->nRowEst : 100000.0;
    pInfo->estimatedCost = 1000.0 + rFull/2.0 + s.rRows;
  }
  return SQLITE_OK;
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

static void planFree(VtabPlan *p){
  if( p->aTerm!=p->aSmall ) sqlite3_free(p->aTerm);
  p->aTerm = 0;
  p->nTerm = 0;
}

/* The plan encoding of idxStr: after the SQL shown by EXPLAIN */
const char *vtabPlanPart(const char *idxStr){
  return idxStr ? idxStr + strlen(idxStr) + 1 : 0;
}

/* Parse idxStr (see the header comment) into *p; tokens naming a column
** outside 0..nCol-1 are dropped. SQLITE_OK or SQLITE_NOMEM. */
static int planParse(const char *idxStr, int nCol, VtabPlan *p){
  const char *z;
  int nAlloc = 1;
  p->nTerm = 0;
  p->bDistinct = p->iLimitArg = p->iOffsetArg = p->bLimitHint = 0;
  p->mUsed = ~(sqlite3_uint64)0;
  for(z=idxStr; z && *z; z++) if( *z==' ' ) nAlloc++;
  p->aTerm = p->aSmall;
  if( nAlloc>VTAB_PLAN_TERMS ){
    VtabTerm *aTerm = sqlite3_malloc64(sizeof(VtabTerm)*nAlloc);
    if( aTerm==0 ) return SQLITE_NOMEM;
    p->aTerm = aTerm;
  }
  for(z=idxStr; z && *z; ){
    char c = *z++;
    int a[5];
    VtabTerm *t = &p->aTerm[p->nTerm];
    memset(t, 0, sizeof(*t));
    t->eTerm = c;
    if( c=='w' && planInts(z, a, 5) && a[0]>=0 && a[0]<nCol ){
      t->iCol = a[0]; t->op = a[1]; t->iArg = a[2]; t->bExact = a[3]; t->bConst = a[4];
      p->nTerm++;
    }else if( c=='i' && planInts(z, a, 3) && a[0]>=0 && a[0]<nCol ){
      t->iCol = a[0]; t->iArg = a[1]; t->bExact = a[2];
      p->nTerm++;
    }else if( c=='o' && planInts(z, a, 2) && a[0]>=0 && a[0]<nCol ){
      t->iCol = a[0]; t->bDesc = a[1];
      p->nTerm++;
    }else if( c=='l' ){
      p->iLimitArg = atoi(z);
    }else if( c=='f' ){
      p->iOffsetArg = atoi(z);
    }else if( c=='h' ){
      p->iLimitArg = atoi(z);
      p->bLimitHint = 1;
    }else if( c=='g' ){
      p->iOffsetArg = atoi(z);
    }else if( c=='d' ){
      p->bDistinct = 1;
    }else if( c=='u' ){
      p->mUsed = strtoull(z, 0, 16);
    }
    while( *z && *z!=' ' ) z++;
    while( *z==' ' ) z++;
  }
  return SQLITE_OK;
}

void vtabPlanForget(RemoteVtab *pTab){
  planFree(&pTab->plan);
  sqlite3_free(pTab->zPlanIdx);
  pTab->zPlanIdx = 0;
}

int vtabPlanGet(RemoteVtab *pTab, const char *idxStr, const VtabPlan **ppPlan){
  const char *zPlan = idxStr ? vtabPlanPart(idxStr) : "";
  if( pTab->zPlanIdx==0 || strcmp(pTab->zPlanIdx, zPlan)!=0 ){
    int rc;
    vtabPlanForget(pTab);
    rc = planParse(zPlan, pTab->nCol, &pTab->plan);
    if( rc==SQLITE_OK ){
      pTab->zPlanIdx = sqlite3_mprintf("%s", zPlan);
      if( pTab->zPlanIdx==0 ) rc = SQLITE_NOMEM;
    }
    if( rc ){
      vtabPlanForget(pTab);
      return rc;
    }
  }
  *ppPlan = &pTab->plan;
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* The idxStr: the SQL EXPLAIN QUERY PLAN shows, then the plan         */

/*
** The idxStr of plan zPlan (sqlite3_malloc'd, taken): the SQL shown by
** EXPLAIN QUERY PLAN, a nul, then zPlan (see the header comment). When the
** SQL cannot be made (the engine is gone), the plan is shown instead.
** NULL on OOM.
*/
static char *planWithSql(RemoteVtab *pTab, char *zPlan){
  char *zErr = 0, *zOut = 0;
  const char *zSql = zPlan;
  SessConn *pSc;
  VtabPlan plan;
  VtabSql q;
  int *aMap = 0;
  int i, nSel = 0;
  size_t nSql, nPlan;
  if( zPlan==0 ) return 0;
  memset(&plan, 0, sizeof(plan));
  vtabSqlInit(&q, pTab->pRules, 0);
  pSc = remoteSessConnByName(pTab->pSess, pTab->zEngine, &zErr);
  sqlite3_free(zErr);
  if( pSc && pTab->pDialect && planParse(zPlan, pTab->nCol, &plan)==SQLITE_OK
   && (aMap = sqlite3_malloc64(sizeof(int)*(pTab->nCol+1)))!=0 ){
    for(i=0; i<pTab->nCol; i++){
      aMap[i] = (plan.mUsed & ((sqlite3_uint64)1<<(i<63 ? i : 63))) ? nSel++ : -1;
    }
    vtabExplainSql(&q, pTab, pSc, &plan, aMap);
    if( !q.bFull && sqlite3_str_errcode(q.pStr)==SQLITE_OK ){
      zSql = sqlite3_str_value(q.pStr);
    }
  }
  nSql = strlen(zSql);
  nPlan = strlen(zPlan);
  zOut = sqlite3_malloc64(nSql + nPlan + 2);
  if( zOut ){
    memcpy(zOut, zSql, nSql+1);
    memcpy(zOut+nSql+1, zPlan, nPlan+1);
  }
  sqlite3_free(aMap);
  planFree(&plan);
  vtabSqlClear(&q);
  sqlite3_free(zPlan);
  return zOut;
}

