/* SPDX-License-Identifier: MIT */
/*
** vtab.h: the internal interface of the `remote` virtual-table module.
**
**   vtab.c        the module: connect, cursors, the xFilter driver,
**                 transactions and savepoints, the rowid map of composite
**                 keys
**   vtab_plan.c   column kinds, the per-dialect SQL rules, xBestIndex and
**                 the plan
**   vtab_sql.c    the SQL of reads from a plan (WHERE, ORDER BY, LIMIT),
**                 and the sticky-error SQL builder
**   vtab_write.c  xUpdate: one builder per statement (DELETE, INSERT,
**                 upsert, UPDATE), and when a statement's rows are queued
**   vtab_encode.c values in the forms the remote takes (array literals,
**                 a batch's rows as arrays or JSON)
**
** The table-definition cache (tablecache.c) is declared in engine.h, the
** value conversions (value.c) in value.h, remote_import (import.c) in
** func.h. Read RemoteVtab first, then "Interface to code in vtab_plan.c".
*/
#ifndef REMOTE_VTAB_H
#define REMOTE_VTAB_H

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "session.h"
#include "value.h"

/*
** A scan without parameters (no pushed-down constraint values) that may
** return at least this many rows is flagged REMOTE_QUERY_SCAN: the dialect
** may then stream it its fastest way, which can cost a round trip more.
** Unique lookups, a LIMIT below it, tables the catalog says are smaller
** and tables whose last such scan (to the end) returned fewer rows are not
** flagged; any complete scan without parameters updates that count.
*/
#define REMOTE_SCAN_MIN_ROWS 1000

/* Column kinds: what a column's comparisons mean remotely (vtab_plan.c's
** header says which are exact where) */
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
#define K_MAX      10
#define KM(k)      (1u<<(k))          /* a set of kinds */
#define KM_ALL     0x7feu             /* every kind 1..10 */

/* Column flags (RemoteVtab.aColFlag), from the catalog */
#define VCOL_NOTNULL   0x01   /* NOT NULL */
#define VCOL_BYTEEQ    0x02   /* text: equality under its collation is byte
                              ** equality (deterministic) */
#define VCOL_BYTEORDER 0x04   /* text: its collation orders like bytes */
#define VCOL_CANON(f)  ((f)>>4)  /* TC_* of a column compared typed, 0 none */

/* Types whose canonical text is the value we return (VtabRules.xCanon) */
#define TC_DATE  1
#define TC_TS    2            /* timestamp without time zone */
#define TC_TIME  3            /* time without time zone */
#define TC_UUID  4
#define TC_TSTZ  5            /* timestamp with time zone, returned in UTC
                              ** as "YYYY-MM-DD HH:MM:SS[.f]+00:00" */
#define TC_ENUM  6            /* an enum: equality by label only */
#define TC_CHAR  7            /* character(n): returned padded to n */
#define TC_MAX   7

/* Affinity of a declared type */
#define AFF_INT   'I'
#define AFF_REAL  'R'
#define AFF_NUM   'N'
#define AFF_TEXT  'T'
#define AFF_BLOB  'B'

/* Key values a unique lookup's kept SQL may take (composite keys) */
#define REMOTE_ONE_MAX 8

/* Columns of a primary key the module can handle (rowid map, writes) */
#define REMOTE_PK_MAX 16

/* How an INSERT OR REPLACE / OR IGNORE is written (VtabRules.eUpsert) */
#define UPSERT_NONE       0   /* not supported: the statement fails */
#define UPSERT_ON_CONFLICT 1  /* PostgreSQL: ON CONFLICT (k) DO UPDATE SET */
#define UPSERT_ON_DUP     2   /* MySQL: ON DUPLICATE KEY UPDATE */
#define UPSERT_OR_VERB    3   /* SQLite: INSERT OR REPLACE / OR IGNORE */

/*
** The SQL rules of one dialect: everything the module writes differently
** for one backend, as data. vtab_plan.c holds one row per built-in dialect
** and a conservative row for a dialect registered through the C API, which
** pushes nothing and claims nothing exact (vtabRulesFor()).
**
** Format strings: %c is the quoted column, %p the placeholder.
*/
typedef struct VtabRules VtabRules;
struct VtabRules {
  const char *zDialect;     /* RemoteDialect.zName, NULL = any other */
  int bDollar;              /* $N placeholders (else ?) */
  int (*xKind)(const char *zDecl, const char *zRemote);  /* K_* of a column */
  unsigned mCmpExact;       /* kinds whose = != < <= > >= IS IS NOT are exact */
  unsigned mCmpSuperset;    /* kinds whose comparisons go as a superset */
  unsigned mNullExact;      /* kinds whose IS [NOT] NULL is exact */
  unsigned mNotNull;        /* kinds IS NOT NULL may be pushed for at all */
  unsigned mLike;           /* kinds LIKE and GLOB may be pushed for */
  unsigned mOrder;          /* kinds ORDER BY orders exactly as SQLite */
  unsigned mDistinct;       /* kinds remote DISTINCT keeps SQLite's rows for */
  const char *azCmp[K_MAX+1];    /* a column as compared and ordered */
  const char *azParam[K_MAX+1];  /* a compared parameter, by column kind */
  const char *azWrite[K_MAX+1];  /* a written parameter, by column kind */
  int bAnyText;             /* takes any SQLite text (else valid UTF-8, no NUL) */
  int bLikeNative;          /* LIKE/GLOB sent as they are: SQLite's own */
  const char *zLike;        /* LIKE, ASCII case folded, pattern as given */
  int bLikeExact;           /* ... and it is exact */
  int bLikeNoBackslash;     /* ... only for a pattern without '\' */
  const char *zGlob;        /* GLOB as LIKE with escaped pattern ('\') */
  int bGlobNoQmark;         /* ... only for a pattern without '?' */
  const char *zNumericGe;   /* a NUMERIC column's ">=" also takes the
                            ** compared column followed by this */
  const char *zAsc, *zDesc; /* ORDER BY direction, NULLs as SQLite puts them */
  const char *zNoLimit;     /* LIMIT text for "no limit" before an OFFSET */
  int eUpsert;              /* UPSERT_* */
  int bCopyBools;           /* a batched plain INSERT may carry booleans
                            ** (the COPY path takes 1/0) */
  int bWriteGuard;          /* a failed write aborts the remote transaction:
                            ** each write in a transaction gets a savepoint */
  /* Forms the server's indexes serve (vtab_plan.c, "Index-friendly") */
  const char *azCmpEq[K_MAX+1];    /* the column in = <> IS IS NOT when its
                                   ** equality is byte equality (VCOL_BYTEEQ) */
  const char *azCmpBytes[K_MAX+1]; /* the column compared and ordered when its
                                   ** collation orders like bytes */
  const char *azEqIndex[K_MAX+1];  /* an equality an index serves, a superset
                                   ** ANDed before the exact one ("%c = %p") */
  const char *zAscNotNull, *zDescNotNull;  /* ORDER BY a NOT NULL column */
  int (*xCanon)(const RemoteColumnInfo*);  /* TC_* of a column type, or 0 */
  const char *azCanonParam[TC_MAX+1];  /* a canonical text as a value of the
                                       ** column's type ("%p::date") */
  const char *azCanonOut[TC_MAX+1];    /* values whose text does not order as
                                       ** they do (BC, years from 10000): ORed
                                       ** to a range, which is then a superset */
  const char *zBoolFalse, *zBoolTrue;  /* a K_BOOL column = 0 / = 1 ("%c") */
  /* Writes of several rows at once (vtab_write.c) */
  int eBatchUpdate;         /* BATCH_UPDATE_*: an UPDATE of several rows of
                            ** a table with an integer key */
  int bBatchDelete;         /* DELETE ... WHERE key IN (...) */
  const char *zNoColumns;   /* an INSERT of no column: " DEFAULT VALUES" */
  int eLastId;              /* LAST_ID_*: how a generated key is read */
  int bArrayJson;           /* a JSON array written to an array column (a
                            ** remote type ending in "[]") goes as an array
                            ** literal */
  const char *zTextRead;    /* numeric=text: such a column as it is read,
                            ** its text ("%c::text"); NULL: not offered */
  int bArrayParams;         /* a batch may bind each column's values as one
                            ** array: unnest($1::int[], ...), = ANY($1) */
  const char *zJsonProbe;   /* a batch may bind all its rows as one JSON
                            ** text that JSON_TABLE reads, where this
                            ** statement runs (MariaDB 10.6+, MySQL 8); its
                            ** value 1: a derived table of them gets a key
                            ** (vtab_write.c's updateJsonTable) */
};

/* VtabRules.eBatchUpdate */
#define BATCH_UPDATE_NONE   0  /* one UPDATE per row */
#define BATCH_UPDATE_VALUES 1  /* PostgreSQL: UPDATE t SET c = v.c
                               ** FROM (VALUES ...) AS v(...) WHERE t.k = v.k */
#define BATCH_UPDATE_JOIN   2  /* MySQL: UPDATE t JOIN (SELECT ? AS k, ...
                               ** UNION ALL SELECT ...) AS v ON ... SET ... */

/* VtabRules.eLastId */
#define LAST_ID_NONE        0  /* not read */
#define LAST_ID_RETURNING   1  /* INSERT ... RETURNING the key */
#define LAST_ID_DRIVER      2  /* the driver's last insert id (the first row
                               ** of a multi-row INSERT: see vtab_write.c) */

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

/*
** One term of a plan, parsed from idxStr (grammar in vtab_plan.c's header).
*/
typedef struct VtabTerm VtabTerm;
struct VtabTerm {
  char eTerm;               /* 'w' constraint, 'i' IN list, 'o' ORDER BY */
  int iCol;
  int op;                   /* 'w': SQLITE_INDEX_CONSTRAINT_* */
  int iArg;                 /* argv index (1-based; 0 = none) */
  int bExact;               /* omitted: the remote result is exact */
  int bConst;               /* 'w': a constant known at planning time */
  int bDesc;                /* 'o': descending */
};
#define VTAB_PLAN_TERMS 8
typedef struct VtabPlan VtabPlan;
struct VtabPlan {
  int nTerm;
  VtabTerm *aTerm;          /* aSmall, or sqlite3_malloc'd when longer */
  VtabTerm aSmall[VTAB_PLAN_TERMS];
  sqlite3_uint64 mUsed;     /* columns read (bit 63: 63 and above) */
  int bDistinct;
  int iLimitArg, iOffsetArg;  /* argv index (1-based) of LIMIT / OFFSET, 0 */
  int bLimitHint;           /* ... a hint only: SQLite applies them */
};

typedef struct RemoteVtab RemoteVtab;
typedef struct RemoteVtabCursor RemoteVtabCursor;
typedef struct VtabWrite VtabWrite;

struct RemoteVtab {
  sqlite3_vtab base;        /* Base class - must be first */
  sqlite3 *db;
  RemoteSession *pSess;
  char *zEngine;
  char *zSchema;            /* remote schema/database, or NULL */
  char *zTable;             /* remote table, or NULL for query= */
  char *zQuery;             /* query= text, or NULL */
  const VtabRules *pRules;  /* the dialect's SQL rules */
  const RemoteDialect *pDialect;  /* the engine's dialect at connect */
  int nCol;
  char **azCol;             /* column names */
  char **azQuoted;          /* azCol quoted for the remote, made when needed */
  char **azDecl;            /* declared types */
  int *aKind;               /* K_* per column */
  char *aAff;               /* AFF_* per column */
  unsigned char *aColFlag;  /* VCOL_* per column */
  char **azCanonType;       /* the remote type of an enum or char(n) column
                            ** (compared typed by it), else NULL; or NULL */
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
  VtabWrite *pWr;           /* what writes need (vtab_write.c), or NULL */
  unsigned char *aTextRead; /* numeric=text: 1 for a column read as its
                            ** text (VtabRules.zTextRead), or NULL */
  /* The last unique lookup's whole SQL, reused while the plan, the mapped
  ** schema and the types of the key values stay the same (see
  ** vtabLookupReuse): its parameters are those values as they are */
  char *zOneIdx;            /* the plan (idxStr) it was built for */
  char *zOneSql;
  char *zOneSchema;
  int nOne;                 /* parameters, at most REMOTE_ONE_MAX */
  int aOneArg[REMOTE_ONE_MAX];   /* xFilter argument of each */
  int aOneType[REMOTE_ONE_MAX];  /* its type, SQLITE_INTEGER or SQLITE_TEXT */
  RemoteVtabCursor *pSpare; /* a closed cursor, for the next xOpen */
  /* The last plan xFilter parsed (a statement run again filters with the
  ** same idxStr): vtabPlanGet() */
  char *zPlanIdx;           /* its idxStr */
  VtabPlan plan;
};

struct RemoteVtabCursor {
  sqlite3_vtab_cursor base; /* Base class - must be first */
  RemoteResult *pRes;
  int *aMap;                /* vtab column -> result column, -1 not selected */
  int bEof;
  int bCount;               /* a scan without parameters or LIMIT: its row
                            ** count is kept in RemoteVtab.nScanRows */
  sqlite3_int64 nRow;       /* rows returned so far */
};

/*
** A statement being built, with its bound parameters: a sticky-error
** builder (bFull once memory ran out: every later append is harmless, one
** check at the end). Text and blob parameters are copied (bCopy) when the
** values they point at do not outlive the statement (xFilter's, an IN
** list's); kept buffers are freed by vtabSqlClear().
*/
typedef struct VtabSql VtabSql;
struct VtabSql {
  sqlite3_str *pStr;
  const VtabRules *pRules;
  int nParam, nParamAlloc;
  RemoteValue *aParam;      /* sqlite3_malloc'd, nParamAlloc slots */
  char **azBuf;             /* converted values to free */
  int nBuf, nBufAlloc;
  int bCopy;                /* copy text/blob parameters */
  int bNone;                /* a constant-false predicate: no rows */
  int bFull;                /* out of memory while building */
};

/**************************************************************************
** Interface to code in vtab.c
*/
/* Set the table's error message (takes zErr, sqlite3_malloc'd) */
void vtabSetError(sqlite3_vtab*, char *zErr);
/* The engine-name CONN of pTab's engine in this session, or NULL with the
** table's error set */
SessConn *vtabConn(RemoteVtab *pTab);
/* A statement on pTab failed with zErr: forget a stale cached definition */
void vtabStaleCheck(RemoteVtab*, RemoteEngine*, const char *zErr);
/* Composite keys: the rowid of key values aVal (handed out now when new;
** 0 on OOM), and the key values of a rowid (0 if unknown) */
sqlite3_int64 vtabRowidOf(RemoteVtab*, const RemoteValue *aVal);
int vtabKeyOf(RemoteVtab*, sqlite3_int64 iRowid, RemoteValue *aVal);
/* 1 if texts z1 and z2 (either possibly NULL) are the same */
int vtabSameText(const char *z1, const char *z2);
/*
** End of interface to vtab.c
**************************************************************************/

/**************************************************************************
** Interface to code in vtab_plan.c
*/
/* The rules of dialect pD (the conservative row for one not built in) */
const VtabRules *vtabRulesFor(const RemoteDialect *pD);
/* The affinity (AFF_*) of a declared type */
char vtabAffinity(const char *zDecl);
/* Column iCol's VCOL_* flags (and azCanonType) from its catalog entry */
int vtabColumnInfo(RemoteVtab*, int iCol, const RemoteColumnInfo*);
/* 1 if text z[0..n) can be sent to the remote as it is */
int vtabTextSendable(const VtabRules*, const unsigned char *z, int n);
/* Apply the comparison affinity of a column of kind k to v; the result may
** point into *pzBuf (sqlite3_malloc'd, caller frees) */
void vtabApplyAffinity(int k, RemoteValue *v, char **pzBuf);

int vtabBestIndex(sqlite3_vtab*, sqlite3_index_info*);

/* The plan of idxStr, parsed (kept with the table until the next other
** one): OUT *ppPlan. SQLITE_OK or SQLITE_NOMEM. vtabPlanForget() frees it. */
int vtabPlanGet(RemoteVtab*, const char *idxStr, const VtabPlan **ppPlan);
void vtabPlanForget(RemoteVtab*);
/* The plan encoding of idxStr: after the SQL EXPLAIN QUERY PLAN shows */
const char *vtabPlanPart(const char *idxStr);

/* What the SQL writers ask of the planning rules */
int vtabIsLikeOp(int op);                /* LIKE or GLOB */
int vtabIsNullOp(int op);                /* IS NULL or IS NOT NULL */
int vtabKindRank(int k);                 /* class of a kind's values, -1 mixed */
/* May comparison op of column iCol with a value of class eType be pushed
** (bConst: a constant known at planning time)? */
int vtabCmpValueOk(RemoteVtab*, int iCol, int op, int eType, int bConst);

/*
** End of interface to vtab_plan.c
**************************************************************************/

/**************************************************************************
** Interface to code in vtab_sql.c
*/
/* Column iCol's name quoted by pD, kept with the table; NULL on OOM */
const char *vtabColQuoted(RemoteVtab*, const RemoteDialect *pD, int iCol);
/* Append the FROM target: "schema"."table" or (query) AS sr_q */
void vtabAppendTarget(sqlite3_str*, RemoteVtab*, SessConn*, const RemoteDialect*);
/* The SQL builder */
void vtabSqlInit(VtabSql*, const VtabRules*, int bCopy);
void vtabSqlClear(VtabSql*);
void vtabSqlKeep(VtabSql*, char *zBuf);           /* freed with q */
int vtabSqlBind(VtabSql*, const RemoteValue *v);  /* no text appended */
void vtabSqlParam(VtabSql*, const RemoteValue *v);
void vtabSqlFmt(VtabSql*, const char *zFmt, const char *zCol, const RemoteValue *v);

/*
** The SELECT of a scan: SQL text and parameters for plan pPlan (parsed
** from idxStr) with xFilter's arguments, into q (whose pStr holds the
** text; q->bNone when no row can match). aMap is the cursor's column map
** (vtab column -> result column). A unique lookup (idxNum 1) keeps its SQL
** for vtabLookupReuse(). Returns an SQLite code with *pzErr set.
*/
int vtabScanSql(RemoteVtab*, SessConn*, const RemoteDialect*, const char *idxStr,
                int idxNum, const VtabPlan *pPlan, int argc, sqlite3_value **argv,
                const int *aMap, VtabSql *q, char **pzErr);

/* Unique lookups: the kept SQL fits (1, parameters in aParam) or not (0);
** keep zSql for the next one; forget it */
int vtabLookupReuse(RemoteVtab*, const char *idxStr, const char *zSchema,
                    int argc, sqlite3_value **argv, RemoteValue *aParam);
void vtabLookupForget(RemoteVtab*);
/* The SQL plan pPlan sends for typical values, into q (EXPLAIN QUERY
** PLAN shows it): a mapped column map aMap as vtabScanSql's */
void vtabExplainSql(VtabSql*, RemoteVtab*, SessConn*, const VtabPlan*,
                    const int *aMap);
/*
** End of interface to vtab_sql.c
**************************************************************************/

/**************************************************************************
** Interface to code in vtab_encode.c
*/
/* The PostgreSQL array literal of the JSON array z[0..n) (bJson: of a
** json[] / jsonb[] column: elements as JSON text): sqlite3_malloc'd, NULL
** when z is not one well-formed JSON array or on OOM */
char *vtabJsonToArray(const char *z, int n, int bJson);
/* Column iEnc of nRow rows of nCol values as a PostgreSQL array literal;
** the nRow rows as one JSON text (iEnc unused). sqlite3_malloc'd, NULL on
** OOM. (The xEncode of a batch, batch.c.) */
char *vtabPgArrayColumn(int iEnc, int nRow, int nCol, const RemoteValue *aVal);
char *vtabJsonRows(int iEnc, int nRow, int nCol, const RemoteValue *aVal);
/*
** End of interface to vtab_encode.c
**************************************************************************/

/**************************************************************************
** Interface to code in vtab_write.c
*/
int vtabUpdate(sqlite3_vtab*, int argc, sqlite3_value **argv,
               sqlite3_int64 *pRowid);

/* The write side of a table connected from catalog entry pInfo
** (defaults, generated keys, array columns); bDefaultsAll: the option
** defaults=all. Freed with vtabWriteFree(). */
int vtabWriteInit(RemoteVtab*, const RemoteTableInfo *pInfo, int bDefaultsAll);
void vtabWriteFree(RemoteVtab*);

/*
** What the module's hooks tell the writer, which decides from it when the
** rows of a statement may wait in the CONN's queue (vtab_write.c's header):
**   vtabWriteBegun       xBegin succeeded on pSc
**   vtabWriteSavepoint   xSavepoint(iSave), before the remote savepoint;
**                        *pbSkip: no remote savepoint is wanted (AUTOCOMMIT)
**   vtabWriteSavepointEnd xRelease / xRollbackTo(iSave): the queued rows
**                        are sent or dropped first; *pbSkip as above
**   vtabWriteNote        a scan of the table (VTAB_NOTE_*)
** and what it tells back:
**   vtabWrittenNow       the statement running now writes the table (its
**                        xBegin), and reads it whole before it writes
*/
int vtabWriteBegun(RemoteVtab*, SessConn*, char **pzErr);
int vtabWriteSavepoint(RemoteVtab*, SessConn*, int iSave, int *pbSkip,
                       char **pzErr);
int vtabWriteSavepointEnd(RemoteVtab*, SessConn*, int iSave, int bRollback,
                          int *pbSkip, char **pzErr);
#define VTAB_NOTE_SCAN     1   /* xFilter of a plan that may return many rows */
#define VTAB_NOTE_UNIQUE   2   /* xFilter of a unique lookup (idxNum 1) */
#define VTAB_NOTE_NOCHANGE 3   /* xColumn asked for an unchanged column */
#define VTAB_NOTE_END      4   /* xCommit or xRollback: the transaction ended */
void vtabWriteNote(RemoteVtab*, int eNote);
int vtabWrittenNow(RemoteVtab*);
/*
** End of interface to vtab_write.c
**************************************************************************/

#endif /* REMOTE_VTAB_H */
