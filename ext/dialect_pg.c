/* SPDX-License-Identifier: MIT */
/*
** dialect_pg.c: the PostgreSQL dialect, over libpq.
**
** Defines remotePgDialect (see dialect.h). The core calls it to connect
** from a parsed URL, run statements with bound parameters, stream results
** row by row, and read the catalog for the virtual tables. Read first:
**
**   pgConnect()  keywords from the URL, ISO output (the time zone stays the
**                user's: "Time zones")
**   pgRun()      every statement goes through it: binding, the cache of
**                prepared statements, the first result
**   pgColumn()   the type mapping (README.md, "Virtual tables") from
**                PostgreSQL's text output (or binary values, read as the
**                binary COPY's)
**
** Conventions: values are sent as int8 / float8 (binary), untyped text, or
** bytea (binary); results are requested in text form, except a cursor's
** from a cached statement whose every column has a binary reading (PGB_*,
** the binary COPY's): binary from its second run on. Errors are filled in
** by pgSetError() alone, and classified by pgErrorClass() alone. The
** connection is non-blocking: every wait on the server is pgAwait()'s (or
** another of "Waiting on the server"), bounded by io_timeout and SQLite's
** interrupt (wait.c).
*/
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stddef.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "dialect.h"
#include "log.h"

/* Type OIDs of the built-in types the mapping names (pg_type.dat) */
#define PG_BOOLOID         16
#define PG_BYTEAOID        17
#define PG_INT8OID         20
#define PG_INT2OID         21
#define PG_INT4OID         23
#define PG_OIDOID          26
#define PG_FLOAT4OID       700
#define PG_FLOAT8OID       701
#define PG_TIMESTAMPTZOID  1184
#define PG_NUMERICOID      1700
#define PG_NAMEOID         19
#define PG_TEXTOID         25
#define PG_JSONOID         114
#define PG_BPCHAROID       1042
#define PG_VARCHAROID      1043
#define PG_DATEOID         1082
#define PG_TIMEOID         1083
#define PG_TIMESTAMPOID    1114
#define PG_UUIDOID         2950
#define PG_JSONBOID        3802
#define PG_FIRST_BOOTSTRAP 10000   /* catalog row types start here */
#define PG_FIRST_NORMAL    16384   /* OIDs of user-created objects */

/* How a result column is converted (PgCol.eKind) */
#define PGK_TEXT     0   /* the server's text as it is */
#define PGK_INT      1   /* int2, int4, int8, oid */
#define PGK_BOOL     2   /* 't' / 'f' -> 1 / 0 */
#define PGK_FLOAT    3   /* float4, float8: NaN -> NULL */
#define PGK_NUMERIC  4   /* SQLite's NUMERIC affinity */
#define PGK_BLOB     5   /* bytea, hex (or escape) output decoded */
#define PGK_TSTZ     6   /* timestamptz: "+00" -> "+00:00" */
#define PGK_ARRAY    7   /* array -> JSON, elements per PgCol.eElem */
#define PGK_GUESS    8   /* unknown type: JSON if its text is an array */

/* How the elements of an array are written in JSON (PgCol.eElem) */
#define PGE_TEXT     0   /* JSON string */
#define PGE_NUM      1   /* number; NaN null, +-Infinity +-9e999 */
#define PGE_BOOL     2   /* true / false */
#define PGE_JSON     3   /* json, jsonb: the element is JSON already */
#define PGE_TSTZ     4   /* string, with the UTC offset as "+00:00" */

/*
** How a column of a binary COPY (pgCopyQuery) is read: the types whose
** binary form gives exactly what the text path gives. A result with any
** other type is read as text, by the plain query.
*/
#define PGB_NONE     0   /* no binary reading: use the plain query */
#define PGB_BOOL     1
#define PGB_INT2     2
#define PGB_INT4     3
#define PGB_INT8     4
#define PGB_OID      5   /* unsigned 32 bits */
#define PGB_FLOAT8   6
#define PGB_NUMERIC  7   /* base-10000 digits -> numeric_out's text */
#define PGB_TEXT     8   /* text, varchar, bpchar, name, json: the bytes */
#define PGB_JSONB    9   /* a version byte (1), then the text */
#define PGB_BYTEA    10
#define PGB_DATE     11  /* days since 2000-01-01 */
#define PGB_TIME     12  /* microseconds since midnight */
#define PGB_TS       13  /* microseconds since 2000-01-01 00:00 */
#define PGB_TSTZ     14  /* the same, in UTC: "+00:00" appended */
#define PGB_UUID     15

/* Built-in array types (OID < 10000), sorted by OID, with their element
** kind: every type with typcategory 'A' and typlen -1, and record[] (2287).
** int2vector (22) and oidvector (30) print without braces: text. */
static const struct PgArrayType {
  unsigned short oid;
  unsigned char eElem;
} aPgArrayType[] = {
  {  143, PGE_TEXT }, {  199, PGE_JSON }, {  210, PGE_TEXT }, {  270, PGE_TEXT },
  {  271, PGE_TEXT }, {  272, PGE_TEXT }, {  273, PGE_TEXT }, {  629, PGE_TEXT },
  {  651, PGE_TEXT }, {  719, PGE_TEXT }, {  775, PGE_TEXT }, {  791, PGE_TEXT },
  { 1000, PGE_BOOL }, { 1001, PGE_TEXT }, { 1002, PGE_TEXT }, { 1003, PGE_TEXT },
  { 1005, PGE_NUM  }, { 1006, PGE_TEXT }, { 1007, PGE_NUM  }, { 1008, PGE_TEXT },
  { 1009, PGE_TEXT }, { 1010, PGE_TEXT }, { 1011, PGE_TEXT }, { 1012, PGE_TEXT },
  { 1013, PGE_TEXT }, { 1014, PGE_TEXT }, { 1015, PGE_TEXT }, { 1016, PGE_NUM  },
  { 1017, PGE_TEXT }, { 1018, PGE_TEXT }, { 1019, PGE_TEXT }, { 1020, PGE_TEXT },
  { 1021, PGE_NUM  }, { 1022, PGE_NUM  }, { 1027, PGE_TEXT }, { 1028, PGE_NUM  },
  { 1034, PGE_TEXT }, { 1040, PGE_TEXT }, { 1041, PGE_TEXT }, { 1115, PGE_TEXT },
  { 1182, PGE_TEXT }, { 1183, PGE_TEXT }, { 1185, PGE_TSTZ }, { 1187, PGE_TEXT },
  { 1231, PGE_NUM  }, { 1263, PGE_TEXT }, { 1270, PGE_TEXT }, { 1561, PGE_TEXT },
  { 1563, PGE_TEXT }, { 2201, PGE_TEXT }, { 2207, PGE_TEXT }, { 2208, PGE_TEXT },
  { 2209, PGE_TEXT }, { 2210, PGE_TEXT }, { 2211, PGE_TEXT }, { 2287, PGE_TEXT },
  { 2949, PGE_TEXT },
  { 2951, PGE_TEXT }, { 3221, PGE_TEXT }, { 3643, PGE_TEXT },
  { 3644, PGE_TEXT }, { 3645, PGE_TEXT }, { 3735, PGE_TEXT }, { 3770, PGE_TEXT },
  { 3807, PGE_JSON }, { 3905, PGE_TEXT }, { 3907, PGE_TEXT }, { 3909, PGE_TEXT },
  { 3911, PGE_TEXT }, { 3913, PGE_TEXT }, { 3927, PGE_TEXT }, { 4073, PGE_TEXT },
  { 4090, PGE_TEXT }, { 4097, PGE_TEXT }, { 4192, PGE_TEXT }, { 5039, PGE_TEXT },
  { 6150, PGE_TEXT }, { 6151, PGE_TEXT }, { 6152, PGE_TEXT }, { 6153, PGE_TEXT },
  { 6155, PGE_TEXT }, { 6157, PGE_TEXT },
};
#define PG_BOX_ARRAYOID 1020   /* its elements are separated by ';' */

/*
** Sent once per new connection, in one round trip: stable output formats
** (the time zone stays the user's: see "Time zones" below),
** then the user-defined types (extensions' base types, enums, ranges and
** arrays of them) so that pgKind() knows which unknown OIDs are arrays.
** Composite types (one per table) are left out: there can be many. The
** first row (OID 0) carries the server's pg_backend_pid() instead, to
** compare with the one the connection reports (pgSetup: a pooler).
*/
static const char zPgSetup[] =
  "SET DateStyle='ISO, YMD';"
  "SET IntervalStyle='postgres';"
  "SET extra_float_digits=1;"
  "SET bytea_output='hex';"
  "SELECT 0::pg_catalog.oid, NULL::pg_catalog.\"char\", NULL::pg_catalog.\"char\","
  " NULL::pg_catalog.\"char\", pg_catalog.pg_backend_pid()"
  " UNION ALL "
  "SELECT t.oid, t.typcategory, e.typcategory, e.typdelim, NULL"
  " FROM pg_catalog.pg_type t"
  " LEFT JOIN pg_catalog.pg_type e"
  "  ON e.oid=t.typelem AND t.typcategory='A' AND t.typlen=-1"
  " WHERE t.oid>=16384 AND t.typtype IN ('b','d','e','r','m')"
  "  AND (e.oid IS NULL OR e.typtype<>'c')"
  " ORDER BY 1";

/* One user-defined type known to a connection (from zPgSetup) */
typedef struct PgUserType PgUserType;
struct PgUserType {
  Oid oid;
  unsigned char eKind;    /* PGK_TEXT or PGK_ARRAY */
  unsigned char eElem;    /* PGE_* for an array */
  char cDelim;            /* element delimiter for an array */
};

/*
** A prepared statement in a connection's cache (stmtcache.c); the key is
** the SQL text plus the parameter type OIDs. zSql and aType point into the
** same allocation.
*/
typedef struct PgStmt PgStmt;
struct PgStmt {
  RemoteStmt base;        /* the cache entry: first */
  unsigned int iName;     /* server-side name is "sr_<iName>" */
  char zName[16];         /* that name */
  int nParam;
  Oid *aType;             /* nParam parameter types */
  char *zSql;
  int eResFmt;            /* 0: not run yet; 1: every result column has a
                          ** binary reading (pgBinKind); -1: some has none */
  Oid *aSrvType;          /* nParam types the server gave the parameters
                          ** (described when first needed: pgTzParams) */
};

typedef struct PgConn PgConn;
struct PgConn {
  RemoteConn base;        /* Base class - must be first */
  PGconn *pg;
  RemoteStmtCache cache;  /* prepared statements (stmtcache.c) */
  int bDropQuiet;         /* the cache lets statements go without a
                          ** DEALLOCATE (the server has lost them) */
  unsigned int iNextName; /* numbers statements sr_1, sr_2, ... */
  unsigned int iNextCursor;  /* numbers shared cursors sr_c1, sr_c2, ... */
  int nDealloc;           /* evicted, not yet deallocated on the server */
  int nDeallocAlloc;
  unsigned int *aDealloc; /* iName of each of those */
  int nUserType;
  PgUserType *aUserType;  /* sorted by oid */
  struct PgCursor *pSpare;  /* a finalized cursor kept for the next query */
  int bPooled;            /* a pooler (PgBouncer...) stands between us and
                          ** the server: see "Poolers" below */
  char *zCopyTz;          /* the session's TimeZone while a COPY runs in
                          ** UTC (pgTzToUtc), sqlite3_malloc'd, else NULL */
  int bLost;              /* a wait failed (io_timeout, unanswered cancel):
                          ** the connection is unusable (see pgAwait) */
};

/* One column of an open cursor: its conversion and its buffer */
typedef struct PgCol PgCol;
struct PgCol {
  unsigned char eKind;    /* PGK_* */
  unsigned char eElem;    /* PGE_* when eKind is PGK_ARRAY or PGK_GUESS */
  char cDelim;            /* array element delimiter */
  unsigned char eBin;     /* PGB_* (binary COPY cursors only) */
  char *zBuf;             /* converted value of the current row */
  int nAlloc;             /* bytes allocated at zBuf */
  const unsigned char *aRaw;  /* binary COPY: this row's bytes of the value */
  int nRaw;               /* their length, -1 for NULL */
};

typedef struct PgCursor PgCursor;
struct PgCursor {
  RemoteCursor base;      /* Base class - must be first */
  PGresult *pRes;         /* current row, or the final result when done */
  int nCol;
  PgCol *aCol;            /* nCol conversions */
  int bFirst;             /* pRes is the first result, not yet stepped to */
  int iRow;               /* current row of pRes (a whole result's rows) */
  int bEof;               /* every result of the query has been read */
  int bCancel;            /* may be cancelled when abandoned (see pgFinalize) */
  int bCopy;              /* rows come from a binary COPY (pgCopyQuery) */
  int bBinary;            /* pRes holds binary values (see pgRun) */
  int bCopyHead;          /* the COPY header is still to be read */
  char *zRow;             /* binary COPY: current row, PQfreemem'd */
  unsigned int iShared;   /* a shared cursor: its number (sr_c<N>), 0 = none */
  int nShared;            /* shared cursor: rows per FETCH */
  int bSharedTxn;         /* shared cursor: declared inside a transaction */
  int nColAlloc;          /* PgCols allocated after the cursor, 0 if aCol
                          ** is a separate allocation (binary COPY) */
};

/* Parameters laid out for PQexecParams and friends (see pgBindInit) */
typedef struct PgBind PgBind;
struct PgBind {
  int n;
  Oid *aType;
  const char **azVal;
  int *anLen;
  int *aFmt;
  void *pHeap;            /* sqlite3_malloc'd block when aStack is too small */
  sqlite3_int64 aStack[64];
};

static const RemoteDialect *pgDialect(void);

/*
** ----------------------------------------------------------------------
** Errors
** ----------------------------------------------------------------------
*/

/*
** Copy of zMsg on one line, for error texts: each line break with the
** indentation after it becomes one space, trailing space is trimmed, and
** any occurrence of zPassword (if not NULL or empty) becomes "***".
** Returns a sqlite3_malloc'd string, or NULL when out of memory.
*/
static char *pgOneLine(const char *zMsg, const char *zPassword){
  sqlite3_str *pStr = sqlite3_str_new(0);
  int nPw = zPassword ? (int)strlen(zPassword) : 0;
  const char *z = zMsg ? zMsg : "";
  char *zOut;
  int n;
  while( *z ){
    if( nPw>0 && strncmp(z, zPassword, nPw)==0 ){
      sqlite3_str_append(pStr, "***", 3);
      z += nPw;
    }else if( *z=='\n' || *z=='\r' ){
      while( *z && isspace((unsigned char)*z) ) z++;
      sqlite3_str_appendchar(pStr, 1, ' ');
    }else{
      sqlite3_str_appendchar(pStr, 1, *z);
      z++;
    }
  }
  zOut = sqlite3_str_finish(pStr);
  if( zOut ){
    n = (int)strlen(zOut);
    while( n>0 && isspace((unsigned char)zOut[n-1]) ) zOut[--n] = 0;
  }else if( zMsg==0 || zMsg[0]==0 ){
    zOut = sqlite3_mprintf("");
  }
  return zOut;
}

/*
** The one place errors are classified. pg may be NULL; zState is the
** SQLSTATE or NULL; zMsg the message or NULL. Returns a REMOTE_ERR_*.
*/
static int pgErrorClass(PGconn *pg, const char *zState, const char *zMsg){
  static const char *azGone[] = {
    "server closed the connection unexpectedly",
    "terminating connection",
    "could not receive data from server",
    "could not send data to server",
    "connection not open",
    "no connection to the server",
    "SSL connection has been closed unexpectedly",
    "lost synchronization with server",
  };
  size_t i;
  if( pg && PQstatus(pg)==CONNECTION_BAD ) return REMOTE_ERR_DISCONNECT;
  if( zState && zState[0] ){
    if( zState[0]=='0' && zState[1]=='8' ) return REMOTE_ERR_DISCONNECT;
    if( strcmp(zState, "57P01")==0 || strcmp(zState, "57P02")==0
     || strcmp(zState, "57P03")==0 ){
      return REMOTE_ERR_DISCONNECT;
    }
    if( zState[0]=='2' && zState[1]=='3' ) return REMOTE_ERR_CONSTRAINT;
  }
  if( zMsg ){
    for(i=0; i<sizeof(azGone)/sizeof(azGone[0]); i++){
      if( strstr(zMsg, azGone[i]) ) return REMOTE_ERR_DISCONNECT;
    }
  }
  return REMOTE_ERR_OTHER;
}

/*
** Fill p's error fields from the failed result pRes, or from the
** connection when pRes is NULL or carries no SQLSTATE (libpq's own
** errors: code 08006). The text is "ERROR 23505: <primary message>",
** FATAL or PANIC in place of ERROR for those severities.
*/
static void pgSetError(PgConn *p, const PGresult *pRes){
  const char *zState = pRes ? PQresultErrorField(pRes, PG_DIAG_SQLSTATE) : 0;
  if( p->bLost ){
    /* a wait gave up: its error stands (or is told again) */
    if( p->base.eErr!=REMOTE_ERR_DISCONNECT ){
      remoteConnSetError(&p->base, REMOTE_ERR_DISCONNECT, "08006",
                         "ERROR 08006: the connection was lost");
    }
    return;
  }
  if( zState && zState[0] ){
    const char *zSev = PQresultErrorField(pRes, PG_DIAG_SEVERITY_NONLOCALIZED);
    const char *zMsg = PQresultErrorField(pRes, PG_DIAG_MESSAGE_PRIMARY);
    char *zLine;
    if( zSev==0 || (strcmp(zSev, "FATAL")!=0 && strcmp(zSev, "PANIC")!=0) ){
      zSev = "ERROR";
    }
    zLine = pgOneLine(zMsg ? zMsg : PQresultErrorMessage(pRes), 0);
    remoteConnSetError(&p->base, pgErrorClass(p->pg, zState, zLine), zState,
                       "%s %s: %s", zSev, zState, zLine ? zLine : "");
    sqlite3_free(zLine);
    if( p->base.eCancel!=REMOTE_CANCEL_NONE ){
      remoteWaitCancelled(&p->base, strcmp(zState, "57014")==0);
    }
  }else{
    const char *zMsg = pRes ? PQresultErrorMessage(pRes) : 0;
    char *zLine;
    if( zMsg==0 || zMsg[0]==0 ) zMsg = PQerrorMessage(p->pg);
    if( zMsg==0 || zMsg[0]==0 ) zMsg = "no connection to the server";
    zLine = pgOneLine(zMsg, 0);
    remoteConnSetError(&p->base, pgErrorClass(p->pg, 0, zLine), "08006",
                       "ERROR 08006: %s", zLine ? zLine : "");
    sqlite3_free(zLine);
  }
}

static void pgSetNoMem(PgConn *p){
  remoteConnSetError(&p->base, REMOTE_ERR_OTHER, 0, "out of memory");
}

/*
** ----------------------------------------------------------------------
** Waiting on the server
** ----------------------------------------------------------------------
**
** libpq has no read timeout, so the connection is non-blocking
** (PQsetnonblocking) and this dialect never lets libpq wait by itself:
** every wait goes through remoteWait() (wait.c), bounded by io_timeout,
** interrupted by SQLite's interrupt and statement_timeout (a cancel
** request, pgCancelRequest). When a wait gives up, bLost is set and the
** connection answers every later call with an error (a disconnect: the
** pool replaces it).
**
**   pgGetResult()     PQgetResult, waiting without a bound no more
**   pgGetCopyData()   PQgetCopyData of a COPY OUT
**   pgFlushAll()      send what libpq holds (COPY IN)
**   pgExecWait()      PQexec / PQexecParams / PQprepare, bounded
*/

/* CancelRequest's code (1234 << 16 | 5678) */
#define PG_CANCEL_REQUEST_CODE 80877102

/* libpq's PGcancel begins so from libpq 9 to 17 (libpq-int.h: SockAddr
** raddr; int be_pid; int be_key): its key is read from there, checked
** against PQbackendPID(), since PQgetCancel() has no other way out */
typedef struct PgCancelHead PgCancelHead;
struct PgCancelHead {
  struct {
    struct sockaddr_storage addr;
    socklen_t salen;
  } raddr;
  int be_pid;
  int be_key;
};

static void pgPut32(unsigned char *a, unsigned int v){
  a[0] = (unsigned char)(v>>24); a[1] = (unsigned char)(v>>16);
  a[2] = (unsigned char)(v>>8);  a[3] = (unsigned char)v;
}

/*
** Send a CancelRequest for pHead's backend over a new connection to its
** address and wait for the server to close it (it has then signalled the
** backend), all within rLimit seconds. SQLITE_OK when that happened.
*/
static int pgCancelSend(const PgCancelHead *pHead, double rLimit){
  double tEnd = remoteMonotonic() + rLimit;
  unsigned char a[16];
  int fd, rc = SQLITE_ERROR;
  fd = remoteSocketConnect(&pHead->raddr.addr, (int)pHead->raddr.salen, rLimit);
  if( fd<0 ) return SQLITE_ERROR;
  pgPut32(a, 16);
  pgPut32(&a[4], PG_CANCEL_REQUEST_CODE);
  pgPut32(&a[8], (unsigned int)pHead->be_pid);
  pgPut32(&a[12], (unsigned int)pHead->be_key);
  if( send(fd, a, sizeof(a), MSG_NOSIGNAL)==(ssize_t)sizeof(a) ){
    for(;;){
      struct pollfd pfd;
      double tLeft = tEnd - remoteMonotonic();
      ssize_t n;
      if( tLeft<=0 ) break;
      pfd.fd = fd;
      pfd.events = POLLIN;
      pfd.revents = 0;
      if( poll(&pfd, 1, (int)(tLeft*1000.0)+1)<0 && errno!=EINTR ) break;
      n = recv(fd, a, sizeof(a), MSG_DONTWAIT);
      if( n==0 || (n<0 && errno==ECONNRESET) ){ rc = SQLITE_OK; break; }
      if( n<0 && errno!=EAGAIN && errno!=EWOULDBLOCK && errno!=EINTR ) break;
    }
  }
  close(fd);
  return rc;
}

/*
** xCancel of remoteWait(): ask the server to cancel the command running
** on pConn, bounded by REMOTE_CANCEL_LIMIT seconds. libpq 18 and later
** (another PGcancel layout) fall back to PQcancel(), which is not bounded.
*/
static int pgCancelRequest(RemoteConn *pConn){
  PgConn *p = (PgConn*)pConn;
  PGcancel *pCancel;
  PgCancelHead head;
  int rc = SQLITE_ERROR;
  if( p->bLost ) return SQLITE_ERROR;
  pCancel = PQgetCancel(p->pg);
  if( pCancel==0 ) return SQLITE_ERROR;
  memcpy(&head, pCancel, sizeof(head));
  if( PQlibVersion()<180000 && head.be_pid==PQbackendPID(p->pg)
   && head.raddr.salen>0 && head.raddr.salen<=sizeof(head.raddr.addr) ){
    rc = pgCancelSend(&head, REMOTE_CANCEL_LIMIT);
  }else{
    char zErr[256];
    rc = PQcancel(pCancel, zErr, sizeof(zErr)) ? SQLITE_OK : SQLITE_ERROR;
  }
  PQfreeCancel(pCancel);
  return rc;
}

/* One remoteWait() on p's socket for mEvents: >0 revents, 0 again, -1 lost */
static int pgWaitOnce(PgConn *p, int mEvents, double *ptLast){
  int r;
  if( p->bLost ) return -1;
  r = remoteWait(&p->base, PQsocket(p->pg), mEvents, ptLast, pgCancelRequest);
  if( r<0 ) p->bLost = 1;
  return r;
}

/*
** Wait until libpq holds a whole result (or knows the command is over),
** sending what it still holds on the way. SQLITE_OK: PQgetResult() will
** not block; SQLITE_ERROR: the connection is lost, its error set.
*/
static int pgAwait(PgConn *p){
  double tLast = 0;
  if( p->bLost ) return SQLITE_ERROR;
  for(;;){
    int nFlush = PQflush(p->pg);
    int r;
    if( nFlush<0 ) return SQLITE_OK;     /* PQgetResult tells the failure */
    if( nFlush==0 && !PQisBusy(p->pg) ) return SQLITE_OK;
    r = pgWaitOnce(p, POLLIN | (nFlush ? POLLOUT : 0), &tLast);
    if( r<0 ) return SQLITE_ERROR;
    if( (r & (POLLIN|POLLERR|POLLHUP))!=0 && !PQconsumeInput(p->pg) ){
      return SQLITE_OK;                   /* the same */
    }
  }
}

/* PQgetResult() with a bounded wait: NULL when the command is over or
** the connection was lost (p->bLost, the error set) */
static PGresult *pgGetResult(PgConn *p){
  PGresult *pRes;
  if( pgAwait(p)!=SQLITE_OK ) return 0;
  pRes = PQgetResult(p->pg);
  if( pRes==0 ) remoteWaitEnd(&p->base);
  return pRes;
}

/* PQgetCopyData() of a COPY OUT with a bounded wait: as PQgetCopyData,
** -2 also when the connection was lost */
static int pgGetCopyData(PgConn *p, char **pzRow){
  double tLast = 0;
  for(;;){
    int n, r;
    if( p->bLost ) return -2;
    n = PQgetCopyData(p->pg, pzRow, 1);
    if( n!=0 ) return n;
    r = pgWaitOnce(p, POLLIN, &tLast);
    if( r<0 ) return -2;
    if( r>0 && !PQconsumeInput(p->pg) ) return -2;
  }
}

/* Send everything libpq holds (COPY IN): SQLITE_OK or SQLITE_ERROR */
static int pgFlushAll(PgConn *p){
  double tLast = 0;
  for(;;){
    int n = PQflush(p->pg), r;
    if( n<=0 ) return n<0 ? SQLITE_ERROR : SQLITE_OK;
    r = pgWaitOnce(p, POLLOUT|POLLIN, &tLast);
    if( r<0 ) return SQLITE_ERROR;
    if( (r & (POLLIN|POLLERR|POLLHUP))!=0 && !PQconsumeInput(p->pg) ){
      return SQLITE_ERROR;
    }
  }
}

/*
** What PQexec (zName==0, nParam<0), PQexecParams (zName==0) or PQprepare
** (zName!=0, aType the parameter types) does, with bounded waits: the
** last result (the first COPY one), or NULL when it could not be sent or
** the connection was lost.
*/
static PGresult *pgLastResult(PgConn *p);
static PGresult *pgExecWait(PgConn *p, const char *zName, const char *zSql,
                            int nParam, const Oid *aType,
                            const char *const *azParam){
  int bSent;
  if( p->bLost ) return 0;
  remoteWaitStart(&p->base);
  if( zName ){
    bSent = PQsendPrepare(p->pg, zName, zSql, nParam, aType);
  }else if( nParam<0 ){
    bSent = PQsendQuery(p->pg, zSql);
  }else{
    bSent = PQsendQueryParams(p->pg, zSql, nParam, aType, azParam, 0, 0, 0);
  }
  return bSent ? pgLastResult(p) : 0;
}

/* PQexecParams with the values of pBind (binary ones included), bounded */
static PGresult *pgExecBindWait(PgConn *p, const char *zSql, const PgBind *pBind){
  if( p->bLost ) return 0;
  remoteWaitStart(&p->base);
  if( !PQsendQueryParams(p->pg, zSql, pBind->n, pBind->aType, pBind->azVal,
                         pBind->anLen, pBind->aFmt, 0) ){
    return 0;
  }
  return pgLastResult(p);
}

/* The last result of the command just sent (the first COPY one), read
** with bounded waits; NULL when the connection was lost */
static PGresult *pgLastResult(PgConn *p){
  PGresult *pLast = 0, *pRes;
  int eCancel = p->base.eCancel;
  while( (eCancel = p->base.eCancel, pRes = pgGetResult(p))!=0 ){
    ExecStatusType e = PQresultStatus(pRes);
    PQclear(pLast);
    pLast = pRes;
    if( e==PGRES_COPY_IN || e==PGRES_COPY_OUT || e==PGRES_COPY_BOTH
     || PQstatus(p->pg)==CONNECTION_BAD ){
      break;
    }
  }
  if( p->bLost ){
    PQclear(pLast);
    pLast = 0;
  }else{
    /* the end of the command cleared why it was cancelled: the caller's
    ** pgSetError of pLast still needs it (an interrupt is reported so) */
    p->base.eCancel = eCancel;
  }
  return pLast;
}

/*
** SQLITE_OK when the status of pRes is a success. Otherwise the error is
** set (COPY, which this dialect cannot feed, is an error too) and
** SQLITE_ERROR returned; the caller still PQclears pRes and drains.
*/
static int pgCheck(PgConn *p, const PGresult *pRes){
  switch( PQresultStatus(pRes) ){
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_SINGLE_TUPLE:
    case PGRES_EMPTY_QUERY:
      return SQLITE_OK;
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH:
      remoteConnSetError(&p->base, REMOTE_ERR_OTHER, "0A000",
                         "ERROR 0A000: COPY is not supported");
      return SQLITE_ERROR;
    default:
      pgSetError(p, pRes);
      return SQLITE_ERROR;
  }
}

/*
** Read and discard every remaining result of the current command, so
** that the connection is ready for the next one. A COPY is ended.
*/
static void pgDrain(PgConn *p){
  PGresult *pRes;
  while( (pRes = pgGetResult(p))!=0 ){
    ExecStatusType e = PQresultStatus(pRes);
    PQclear(pRes);
    if( e==PGRES_COPY_IN ){
      if( PQputCopyEnd(p->pg, "COPY is not supported")<0 ) break;
    }else if( e==PGRES_COPY_OUT ){
      char *zRow = 0;
      while( pgGetCopyData(p, &zRow)>0 ){
        PQfreemem(zRow);
        zRow = 0;
      }
    }else if( e==PGRES_COPY_BOTH ){
      break;  /* replication protocol: nothing sane to do */
    }
    if( PQstatus(p->pg)==CONNECTION_BAD && (e==PGRES_COPY_IN
        || e==PGRES_COPY_OUT) ){
      break;
    }
  }
}

/*
** ----------------------------------------------------------------------
** Parameters
** ----------------------------------------------------------------------
*/

static void pgPutInt64(unsigned char *a, sqlite3_uint64 u){
  int i;
  for(i=7; i>=0; i--){ a[i] = (unsigned char)(u & 0xff); u >>= 8; }
}

/*
** The one check of every text value this dialect sends (bound parameters
** of every statement, COPY rows): PostgreSQL text cannot hold a NUL byte,
** and a text parameter goes as a nul-terminated string, so one would be
** cut there without a word. Such a value is refused as the server refuses
** it in a COPY. SQLITE_OK, or SQLITE_ERROR with the error set.
*/
static int pgTextCheck(PgConn *p, const RemoteValue *pVal){
  if( pVal->n>0 && memchr(pVal->z, 0, pVal->n)!=0 ){
    const char *zEnc = PQparameterStatus(p->pg, "client_encoding");
    remoteConnSetError(&p->base, REMOTE_ERR_OTHER, "22021",
        "ERROR 22021: invalid byte sequence for encoding \"%s\": 0x00",
        zEnc ? zEnc : "UTF8");
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/*
** Lay out nParam values for libpq in pBind: INTEGER as binary int8,
** FLOAT as binary float8, TEXT as untyped text (OID 0, text format,
** nul-terminated copy; refused by pgTextCheck if it holds a NUL), BLOB as
** binary bytea, NULL as a NULL pointer. Small sets use the stack; free
** with pgBindFree. SQLITE_OK, or SQLITE_ERROR with p's error set.
*/
static int pgBindInit(PgConn *p, PgBind *pBind, int nParam,
                      const RemoteValue *aParam){
  sqlite3_int64 nByte;
  unsigned char *aNum;
  char *zText;
  char *pBlock;
  int i;
  memset(pBind, 0, offsetof(PgBind, aStack));
  pBind->n = nParam;
  if( nParam<=0 ){
    pBind->n = 0;
    return SQLITE_OK;
  }
  nByte = (sqlite3_int64)nParam * (sizeof(char*) + 8 + sizeof(Oid) + 2*sizeof(int));
  for(i=0; i<nParam; i++){
    if( aParam[i].eType==SQLITE_TEXT ){
      if( pgTextCheck(p, &aParam[i]) ) return SQLITE_ERROR;
      nByte += aParam[i].n + 1;
    }
  }
  if( nByte<=(sqlite3_int64)sizeof(pBind->aStack) ){
    pBlock = (char*)pBind->aStack;
  }else{
    pBlock = pBind->pHeap = sqlite3_malloc64(nByte);
    if( pBlock==0 ){
      pgSetNoMem(p);
      return SQLITE_ERROR;
    }
  }
  pBind->azVal = (const char**)pBlock;
  aNum = (unsigned char*)&pBind->azVal[nParam];
  pBind->aType = (Oid*)&aNum[8*nParam];
  pBind->anLen = (int*)&pBind->aType[nParam];
  pBind->aFmt = &pBind->anLen[nParam];
  zText = (char*)&pBind->aFmt[nParam];
  for(i=0; i<nParam; i++){
    const RemoteValue *pVal = &aParam[i];
    switch( pVal->eType ){
      case SQLITE_INTEGER:
        pgPutInt64(&aNum[8*i], (sqlite3_uint64)pVal->i);
        pBind->aType[i] = PG_INT8OID;
        pBind->azVal[i] = (const char*)&aNum[8*i];
        pBind->anLen[i] = 8;
        pBind->aFmt[i] = 1;
        break;
      case SQLITE_FLOAT: {
        sqlite3_uint64 u;
        memcpy(&u, &pVal->r, 8);
        pgPutInt64(&aNum[8*i], u);
        pBind->aType[i] = PG_FLOAT8OID;
        pBind->azVal[i] = (const char*)&aNum[8*i];
        pBind->anLen[i] = 8;
        pBind->aFmt[i] = 1;
        break;
      }
      case SQLITE_TEXT:
        if( pVal->n>0 ) memcpy(zText, pVal->z, pVal->n);
        zText[pVal->n>0 ? pVal->n : 0] = 0;
        pBind->aType[i] = 0;
        pBind->azVal[i] = zText;
        pBind->anLen[i] = 0;
        pBind->aFmt[i] = 0;
        zText += (pVal->n>0 ? pVal->n : 0) + 1;
        break;
      case SQLITE_BLOB:
        pBind->aType[i] = PG_BYTEAOID;
        pBind->azVal[i] = (pVal->n>0 && pVal->z) ? pVal->z : "";
        pBind->anLen[i] = pVal->n>0 ? pVal->n : 0;
        pBind->aFmt[i] = 1;
        break;
      default:
        pBind->aType[i] = 0;
        pBind->azVal[i] = 0;
        pBind->anLen[i] = 0;
        pBind->aFmt[i] = 0;
        break;
    }
  }
  return SQLITE_OK;
}

static void pgBindFree(PgBind *pBind){
  sqlite3_free(pBind->pHeap);
  pBind->pHeap = 0;
}

/*
** ----------------------------------------------------------------------
** The cache of prepared statements
**
** Poolers: a statement prepared by name lives in one server session. A
** transaction pooler (PgBouncer in transaction mode) hands each
** transaction, each autocommit statement, whichever server session is
** free, so a name prepared on one is missing on the next, or is another
** client's statement there (wrong rows without an error). So a name is
** only used on a session known to be ours: pgSetup compares the server's
** pg_backend_pid() with the id the connection reported at its start (a
** pooler answers with one of its own) and sets bPooled when they differ.
** Then nothing is prepared by name: every statement with parameters goes
** as one unnamed Parse/Bind/Execute, which a pooler keeps on one server
** session, and shared cursors (WITH HOLD, read by several statements) are
** not used outside a transaction. A session pooler is taken for one too:
** it only costs the cache.
** ----------------------------------------------------------------------
*/

/*
** Deallocate sr_<iName> on the server: now when no transaction is open,
** else later (pgStmtFlush), since a failing DEALLOCATE would abort the
** transaction. Failures are ignored (the session keeps a stray plan).
*/
static void pgDeallocate(PgConn *p, unsigned int iName){
  if( PQtransactionStatus(p->pg)==PQTRANS_IDLE ){
    char zSql[40];
    snprintf(zSql, sizeof(zSql), "DEALLOCATE sr_%u", iName);
    PQclear(pgExecWait(p, 0, zSql, -1, 0, 0));
  }else{
    if( p->nDealloc>=p->nDeallocAlloc ){
      int nNew = p->nDeallocAlloc ? 2*p->nDeallocAlloc : 8;
      unsigned int *aNew = sqlite3_realloc64(p->aDealloc, nNew*sizeof(unsigned int));
      if( aNew==0 ) return;
      p->aDealloc = aNew;
      p->nDeallocAlloc = nNew;
    }
    p->aDealloc[p->nDealloc++] = iName;
  }
}

/* xDrop of the statement cache: free the entry, DEALLOCATE it on the
** server unless bDropQuiet */
static void pgStmtDropped(void *pCtx, RemoteStmt *pEntry){
  PgConn *p = (PgConn*)pCtx;
  PgStmt *pStmt = (PgStmt*)pEntry;
  if( !p->bDropQuiet ) pgDeallocate(p, pStmt->iName);
  sqlite3_free(pStmt->aSrvType);
  sqlite3_free(pStmt);
}

/* Remove pStmt from the cache and free it; bDealloc: also on the server */
static void pgStmtDrop(PgConn *p, PgStmt *pStmt, int bDealloc){
  p->bDropQuiet = !bDealloc;
  remoteStmtDrop(&p->cache, &pStmt->base);
  p->bDropQuiet = 0;
}

/*
** Outside a transaction: deallocate what was evicted inside one, and
** shrink the cache if nStmtCache was lowered.
*/
static void pgStmtFlush(PgConn *p){
  if( PQtransactionStatus(p->pg)!=PQTRANS_IDLE ) return;
  while( p->nDealloc>0 ){
    pgDeallocate(p, p->aDealloc[--p->nDealloc]);
  }
  remoteStmtTrim(&p->cache, p->base.nStmtCache, 0);
}

/*
** The cached statement for zSql and the parameter types of pBind,
** prepared now if it is not cached yet (evicting the least recently used
** beyond nStmtCache). SQLITE_OK with *ppStmt set, or SQLITE_ERROR with
** the conn error set.
*/
static int pgStmtGet(PgConn *p, const char *zSql, const PgBind *pBind,
                     PgStmt **ppStmt){
  PgStmt *pStmt;
  PGresult *pRes;
  size_t nSql;
  int rc;
  pStmt = (PgStmt*)remoteStmtFind(&p->cache, zSql, pBind->aType,
                                  pBind->n*(int)sizeof(Oid));
  *ppStmt = pStmt;
  if( pStmt ) return SQLITE_OK;
  nSql = strlen(zSql);
  pStmt = sqlite3_malloc64(sizeof(PgStmt) + pBind->n*sizeof(Oid) + nSql + 1);
  if( pStmt==0 ){
    pgSetNoMem(p);
    return SQLITE_ERROR;
  }
  memset(pStmt, 0, sizeof(PgStmt));
  pStmt->iName = ++p->iNextName;
  pStmt->nParam = pBind->n;
  pStmt->aType = (Oid*)&pStmt[1];
  memcpy(pStmt->aType, pBind->aType, pBind->n*sizeof(Oid));
  pStmt->zSql = (char*)&pStmt->aType[pBind->n];
  memcpy(pStmt->zSql, zSql, nSql+1);
  remoteStmtKey(&pStmt->base, pStmt->zSql, pStmt->aType, pBind->n*(int)sizeof(Oid));
  snprintf(pStmt->zName, sizeof(pStmt->zName), "sr_%u", pStmt->iName);
  pRes = pgExecWait(p, pStmt->zName, zSql, pBind->n, pBind->aType, 0);
  rc = pRes ? pgCheck(p, pRes) : SQLITE_ERROR;
  if( pRes==0 ) pgSetError(p, 0);
  PQclear(pRes);
  if( rc!=SQLITE_OK ){
    sqlite3_free(pStmt);
    return rc;
  }
  remoteStmtAdd(&p->cache, &pStmt->base);
  remoteStmtTrim(&p->cache, p->base.nStmtCache, &pStmt->base);
  *ppStmt = pStmt;
  return SQLITE_OK;
}

/* True if pRes says a cached statement must be prepared again */
static int pgStmtIsStale(const PGresult *pRes){
  const char *zState = PQresultErrorField(pRes, PG_DIAG_SQLSTATE);
  const char *zMsg = PQresultErrorField(pRes, PG_DIAG_MESSAGE_PRIMARY);
  if( zState==0 ) return 0;
  if( strcmp(zState, "26000")==0 ) return 1;
  return strcmp(zState, "0A000")==0 && zMsg
      && strstr(zMsg, "cached plan must not change result type")!=0;
}

/* Free every cached statement, without a word to the server */
static void pgStmtFreeAll(PgConn *p){
  p->bDropQuiet = 1;
  remoteStmtClear(&p->cache);
  sqlite3_free(p->aDealloc);
  p->aDealloc = 0;
  p->nDealloc = p->nDeallocAlloc = 0;
}

/*
** ----------------------------------------------------------------------
** Time zones
** ----------------------------------------------------------------------
**
** The session keeps the time zone the user chose (TimeZone in the URL's
** options, the role's, the database's or the server's default, a later
** SET): now() and current_date in the user's SQL mean what they mean in
** psql. The type mapping still gives every timestamptz in UTC: a text
** reading carries its offset and pgColumn() moves it to UTC (array
** elements too), a binary reading is UTC already. The other way, SQLite's
** text of a time without an offset means UTC in the SQL the core builds
** (a virtual table's, flagged REMOTE_QUERY_UTC): when the session is not
** in UTC, such a text bound to a parameter the server types timestamptz
** (the statement's parameters, described once per cached statement) gets
** "+00", and a COPY (the bulk INSERT of a virtual table) runs with
** TimeZone set to UTC. The user's own SQL and parameters keep the
** session's zone, as in psql. Comparisons of timestamptz columns are not
** pushed down (vtab.c: K_OTHER), so SQLite compares the UTC texts itself.
*/

/* 1 when the session's TimeZone (reported by the server, kept by libpq)
** is UTC under one of its names; 0 otherwise or when not reported */
static int pgSessionUtc(PgConn *p){
  static const char *const azUtc[] = {
    "UTC", "Etc/UTC", "UCT", "Etc/UCT", "GMT", "Etc/GMT", "GMT0", "Etc/GMT0",
    "GMT+0", "GMT-0", "Etc/GMT+0", "Etc/GMT-0", "Greenwich", "Etc/Greenwich",
    "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"
  };
  const char *z = PQparameterStatus(p->pg, "TimeZone");
  size_t i;
  if( z==0 ) return 0;
  for(i=0; i<sizeof(azUtc)/sizeof(azUtc[0]); i++){
    if( sqlite3_stricmp(z, azUtc[i])==0 ) return 1;
  }
  return 0;
}

/*
** If z[0..n) is a date or a date and time without a time zone
** ("2020-01-02", "2020-01-02 03:04:05.5", "0044-03-15T07:03 BC"), the
** length of its date-and-time part (where an offset goes, before any era
** and trailing space) with *pbDate set when there is no time; else 0.
*/
static int pgNaiveTime(const char *z, int n, int *pbDate){
  int i = 0, j, e;
  while( i<n && z[i]==' ' ) i++;
  for(j=i; j<n && isdigit((unsigned char)z[j]); j++){}
  if( j-i<4 || j+6>n || z[j]!='-' || !isdigit((unsigned char)z[j+1])
   || !isdigit((unsigned char)z[j+2]) || z[j+3]!='-'
   || !isdigit((unsigned char)z[j+4]) || !isdigit((unsigned char)z[j+5]) ){
    return 0;
  }
  i = e = j+6;
  *pbDate = 1;
  if( i+5<=n && (z[i]==' ' || z[i]=='T') && isdigit((unsigned char)z[i+1])
   && isdigit((unsigned char)z[i+2]) && z[i+3]==':' ){
    i += 4;
    if( i+2>n || !isdigit((unsigned char)z[i]) || !isdigit((unsigned char)z[i+1]) ){
      return 0;
    }
    i += 2;
    if( i+3<=n && z[i]==':' && isdigit((unsigned char)z[i+1])
     && isdigit((unsigned char)z[i+2]) ){
      i += 3;
      if( i<n && z[i]=='.' ){
        for(i++; i<n && isdigit((unsigned char)z[i]); i++){}
      }
    }
    e = i;
    *pbDate = 0;
  }
  /* then only an era and spaces */
  while( i<n && z[i]==' ' ) i++;
  if( i+2<=n && (sqlite3_strnicmp(&z[i], "BC", 2)==0
                 || sqlite3_strnicmp(&z[i], "AD", 2)==0) ){
    i += 2;
    while( i<n && z[i]==' ' ) i++;
  }
  return i==n ? e : 0;
}

/* 1 if some TEXT among the nParam values is a time without a zone */
static int pgHasNaiveTime(int nParam, const RemoteValue *aParam){
  int i, bDate;
  for(i=0; i<nParam; i++){
    if( aParam[i].eType==SQLITE_TEXT
     && pgNaiveTime(aParam[i].z, aParam[i].n, &bDate)>0 ){
      return 1;
    }
  }
  return 0;
}

/*
** The types the server gives the parameters of prepared statement zName
** ("" the unnamed one), in the nParam slots of aType. SQLITE_OK, or
** SQLITE_ERROR with the error set.
*/
static int pgDescribeParams(PgConn *p, const char *zName, int nParam, Oid *aType){
  PGresult *pRes = 0;
  int rc;
  if( !p->bLost ){
    remoteWaitStart(&p->base);
    if( PQsendDescribePrepared(p->pg, zName) ) pRes = pgLastResult(p);
  }
  rc = pRes ? pgCheck(p, pRes) : SQLITE_ERROR;
  int i;
  if( pRes==0 ) pgSetError(p, 0);
  for(i=0; i<nParam; i++){
    aType[i] = (rc==SQLITE_OK && i<PQnparams(pRes)) ? PQparamtype(pRes, i) : 0;
  }
  PQclear(pRes);
  return rc;
}

/*
** In a session not in UTC: each naive time text in pBind whose parameter
** the server types timestamptz (aSrvType) is given "+00" (a date alone
** " 00:00:00+00"): the copies are sqlite3_malloc'd into azFree (nParam
** slots, zeroed), for pgTzFree. SQLITE_OK or SQLITE_NOMEM.
*/
static int pgTzParams(PgBind *pBind, const Oid *aSrvType, char **azFree){
  int i;
  for(i=0; i<pBind->n; i++){
    const char *z = pBind->azVal[i];
    int n, e, bDate = 0;
    if( aSrvType[i]!=PG_TIMESTAMPTZOID || pBind->aFmt[i]!=0 || z==0 ) continue;
    n = (int)strlen(z);
    e = pgNaiveTime(z, n, &bDate);
    if( e<=0 ) continue;
    azFree[i] = sqlite3_mprintf("%.*s%s%s", e, z,
                                bDate ? " 00:00:00+00" : "+00", &z[e]);
    if( azFree[i]==0 ) return SQLITE_NOMEM;
    pBind->azVal[i] = azFree[i];
  }
  return SQLITE_OK;
}

/*
** pgRun's part for pgTzParams: the server's types for the parameters of
** pStmt (described once and kept with it), or of zSql prepared now as the
** unnamed statement (pStmt NULL: the caller then runs that one), and the
** texts they need. *pazFree is allocated on first use. SQLITE_OK, or
** SQLITE_ERROR with the error set.
*/
static int pgTzBind(PgConn *p, const char *zSql, PgBind *pBind, PgStmt *pStmt,
                    char ***pazFree){
  Oid *aType;
  int rc;
  if( *pazFree==0 ){
    *pazFree = sqlite3_malloc64(sizeof(char*)*pBind->n);
    if( *pazFree==0 ){ pgSetNoMem(p); return SQLITE_ERROR; }
    memset(*pazFree, 0, sizeof(char*)*pBind->n);
  }
  if( pStmt && pStmt->aSrvType ){
    aType = pStmt->aSrvType;
  }else{
    aType = sqlite3_malloc64(sizeof(Oid)*pBind->n);
    if( aType==0 ){ pgSetNoMem(p); return SQLITE_ERROR; }
    if( pStmt==0 ){
      PGresult *pRes = pgExecWait(p, "", zSql, pBind->n, pBind->aType, 0);
      rc = pRes ? pgCheck(p, pRes) : SQLITE_ERROR;
      if( pRes==0 ) pgSetError(p, 0);
      PQclear(pRes);
      if( rc!=SQLITE_OK ){ sqlite3_free(aType); return rc; }
    }
    rc = pgDescribeParams(p, pStmt ? pStmt->zName : "", pBind->n, aType);
    if( rc!=SQLITE_OK ){ sqlite3_free(aType); return rc; }
    if( pStmt ) pStmt->aSrvType = aType;
  }
  rc = pgTzParams(pBind, aType, *pazFree);
  if( pStmt==0 ) sqlite3_free(aType);
  if( rc!=SQLITE_OK ){ pgSetNoMem(p); return SQLITE_ERROR; }
  return SQLITE_OK;
}

static void pgTzFree(int n, char **azFree){
  int i;
  if( azFree==0 ) return;
  for(i=0; i<n; i++) sqlite3_free(azFree[i]);
  sqlite3_free(azFree);
}

/*
** For a COPY in a session not in UTC: TimeZone set to UTC (set_config,
** local to an open transaction) with the session's own value saved in
** *pzSaved (sqlite3_malloc'd; NULL when nothing was changed). pgTzRestore
** puts it back. SQLITE_OK, or SQLITE_ERROR with the error set.
*/
static int pgTzToUtc(PgConn *p, char **pzSaved){
  const char *zLocal = PQtransactionStatus(p->pg)==PQTRANS_IDLE ? "false" : "true";
  const char *azParam[2];
  const char *zTz;
  PGresult *pRes;
  int rc;
  *pzSaved = 0;
  if( pgSessionUtc(p) ) return SQLITE_OK;
  zTz = PQparameterStatus(p->pg, "TimeZone");
  if( zTz==0 ) return SQLITE_OK;     /* no report: the server is not a PostgreSQL */
  *pzSaved = sqlite3_mprintf("%s", zTz);
  if( *pzSaved==0 ){ pgSetNoMem(p); return SQLITE_ERROR; }
  azParam[0] = "UTC";
  azParam[1] = zLocal;
  pRes = pgExecWait(p, 0, "SELECT pg_catalog.set_config('TimeZone', $1, $2::bool)",
                    2, 0, azParam);
  rc = pRes ? pgCheck(p, pRes) : SQLITE_ERROR;
  if( pRes==0 ) pgSetError(p, 0);
  PQclear(pRes);
  if( rc!=SQLITE_OK ){
    sqlite3_free(*pzSaved);
    *pzSaved = 0;
  }
  return rc;
}

static void pgTzRestore(PgConn *p, char *zSaved){
  const char *azParam[2];
  PGresult *pRes;
  if( zSaved==0 ) return;
  azParam[0] = zSaved;
  azParam[1] = PQtransactionStatus(p->pg)==PQTRANS_IDLE ? "false" : "true";
  /* in a failed transaction this fails, and the rollback undoes the
  ** change made inside it anyway */
  pRes = pgExecWait(p, 0, "SELECT pg_catalog.set_config('TimeZone', $1, $2::bool)",
                    2, 0, azParam);
  PQclear(pRes);
  sqlite3_free(zSaved);
}

/*
** ----------------------------------------------------------------------
** Running statements
** ----------------------------------------------------------------------
*/

/*
** Send zSql with its nParam parameters and read its first result into
** *ppRes (a success; the caller PQclears it and reads any further
** results). bSingle: single-row mode (one statement). Without parameters
** and not bSingle, zSql may hold several statements (simple protocol).
** With parameters and nStmtCache>0 the statement is prepared once and
** reused; if the server lost it or its plan changed result type, it is
** prepared again, once, when no transaction is open. ppStmt, if not NULL,
** asks for binary results when the cached statement is known to allow
** them (PgStmt.eResFmt) and gets the statement run (NULL if none): the
** caller reads PQfformat() and records eResFmt after a first run.
** mFlags: REMOTE_QUERY_UTC for the core's SQL (see "Time zones").
** On failure returns SQLITE_ERROR with the error set, every result
** consumed, and *ppRes NULL.
*/
static int pgRun(PgConn *p, const char *zSql, int nParam,
                 const RemoteValue *aParam, int bSingle, int mFlags,
                 PGresult **ppRes, PgStmt **ppStmt){
  PgBind bind;
  PgStmt *pStmt;
  PGresult *pRes = 0;
  int bRetried = 0;
  int rc;
  /* the core's SQL, with a time without a zone (for a timestamptz?), in a
  ** session not in UTC */
  int bTz = (mFlags & REMOTE_QUERY_UTC) && nParam>0
         && pgHasNaiveTime(nParam, aParam) && !pgSessionUtc(p);
  char **azTzFree = 0;

  *ppRes = 0;
  if( ppStmt ) *ppStmt = 0;
  remoteConnClearError(&p->base);
  remoteWaitStart(&p->base);
  rc = pgBindInit(p, &bind, nParam, aParam);
  if( rc!=SQLITE_OK ) return SQLITE_ERROR;
  if( p->nDealloc>0 || p->cache.nStmt>p->base.nStmtCache ) pgStmtFlush(p);
  for(;;){
    int bSent;
    pStmt = 0;
    if( p->base.nStmtCache>0 && bind.n>0 && !p->bPooled ){
      rc = pgStmtGet(p, zSql, &bind, &pStmt);
      if( rc!=SQLITE_OK ) break;
    }
    if( bTz ){
      rc = pgTzBind(p, zSql, &bind, pStmt, &azTzFree);
      if( rc!=SQLITE_OK ) break;
    }
    if( pStmt ){
      bSent = PQsendQueryPrepared(p->pg, pStmt->zName, bind.n, bind.azVal,
                                  bind.anLen, bind.aFmt,
                                  ppStmt!=0 && pStmt->eResFmt>0);
    }else if( bTz ){
      /* prepared unnamed by pgTzBind */
      bSent = PQsendQueryPrepared(p->pg, "", bind.n, bind.azVal,
                                  bind.anLen, bind.aFmt, 0);
    }else if( bind.n==0 && !bSingle ){
      bSent = PQsendQuery(p->pg, zSql);
    }else{
      bSent = PQsendQueryParams(p->pg, zSql, bind.n, bind.aType, bind.azVal,
                                bind.anLen, bind.aFmt, 0);
    }
    if( !bSent ){
      pgSetError(p, 0);
      rc = SQLITE_ERROR;
      break;
    }
    if( bSingle ) PQsetSingleRowMode(p->pg);
    pRes = pgGetResult(p);
    if( pRes==0 ){
      pgSetError(p, 0);
      rc = SQLITE_ERROR;
      break;
    }
    rc = pgCheck(p, pRes);
    if( rc==SQLITE_OK ) break;
    {
      int bStale = pStmt && !bRetried && pgStmtIsStale(pRes);
      int bPlanChanged = bStale
          && strcmp(PQresultErrorField(pRes, PG_DIAG_SQLSTATE), "0A000")==0;
      PQclear(pRes);
      pRes = 0;
      pgDrain(p);
      if( !bStale ) break;
      pgStmtDrop(p, pStmt, bPlanChanged);
      if( PQtransactionStatus(p->pg)!=PQTRANS_IDLE ) break;
      bRetried = 1;
      remoteConnClearError(&p->base);
    }
  }
  pgBindFree(&bind);
  pgTzFree(nParam, azTzFree);
  *ppRes = pRes;
  if( ppStmt && rc==SQLITE_OK ) *ppStmt = pStmt;
  return rc;
}

/*
** Run an internal query with text parameters (azParam[i] NULL = SQL NULL;
** give types with casts in zSql). *ppRes is the result for the caller to
** PQclear. SQLITE_OK, or SQLITE_ERROR with the error set.
*/
static int pgExecText(PgConn *p, const char *zSql, int nParam,
                      const char *const *azParam, PGresult **ppRes){
  PGresult *pRes;
  int rc;
  assert( p->base.pActive==0 );
  remoteConnClearError(&p->base);
  *ppRes = 0;
  pRes = pgExecWait(p, 0, zSql, nParam, 0, azParam);
  if( pRes==0 ){
    pgSetError(p, 0);
    return SQLITE_ERROR;
  }
  rc = pgCheck(p, pRes);
  if( rc!=SQLITE_OK ){
    PQclear(pRes);
    pgDrain(p);
    return rc;
  }
  *ppRes = pRes;
  return SQLITE_OK;
}

/*
** ----------------------------------------------------------------------
** Connections
** ----------------------------------------------------------------------
*/

/* libpq's connection keywords, read once from PQconndefaults() */
#define PG_MAX_KEYWORD 128
static struct {
  int n;
  char az[PG_MAX_KEYWORD][40];
} pgKeywords;
static pthread_once_t pgKeywordsOnce = PTHREAD_ONCE_INIT;

static void pgKeywordsInit(void){
  PQconninfoOption *aOpt = PQconndefaults();
  PQconninfoOption *pOpt;
  if( aOpt==0 ) return;
  for(pOpt=aOpt; pOpt->keyword && pgKeywords.n<PG_MAX_KEYWORD; pOpt++){
    size_t n = strlen(pOpt->keyword);
    if( n<sizeof(pgKeywords.az[0]) ){
      memcpy(pgKeywords.az[pgKeywords.n++], pOpt->keyword, n+1);
    }
  }
  PQconninfoFree(aOpt);
}

/*
** Any libpq connection keyword may be a URL query key; it is passed to
** PQconnectdbParams after the URL's own parts, so that a query key wins
** over the URL (?host=/run/postgresql over the URL's host, as SQLAlchemy
** passes query arguments through).
*/
static int pgIsQueryKey(const char *zKey){
  int i;
  if( zKey==0 ) return 0;
  pthread_once(&pgKeywordsOnce, pgKeywordsInit);
  for(i=0; i<pgKeywords.n; i++){
    if( strcmp(pgKeywords.az[i], zKey)==0 ) return 1;
  }
  return 0;
}

/* Notices (NOTICE, WARNING) are not printed: libpq's default would write
** them to the application's stderr. */
static void pgNoticeIgnore(void *pArg, const char *zMsg){
  (void)pArg;
  (void)zMsg;
}

/*
** Run zPgSetup on a new connection and keep its table of user types.
** SQLITE_OK, or SQLITE_ERROR with the error set.
*/
static int pgSetup(PgConn *p){
  PGresult *pRes = pgExecWait(p, 0, zPgSetup, -1, 0, 0);
  int rc, i, n;
  if( pRes==0 ){
    pgSetError(p, 0);
    return SQLITE_ERROR;
  }
  rc = pgCheck(p, pRes);
  n = rc==SQLITE_OK ? PQntuples(pRes) : 0;
  if( n>0 ){
    /* the first row: the server's id of this session; a pooler answers
    ** the startup with an id of its own */
    p->bPooled = atoi(PQgetvalue(pRes, 0, 4))!=PQbackendPID(p->pg);
    n--;
  }
  if( n>0 ){
    p->aUserType = sqlite3_malloc64(n*sizeof(PgUserType));
    if( p->aUserType==0 ){
      pgSetNoMem(p);
      rc = SQLITE_ERROR;
      n = 0;
    }
  }
  for(i=0; i<n; i++){
    PgUserType *pType = &p->aUserType[i];
    const char *zElemCat = PQgetvalue(pRes, i+1, 2);
    pType->oid = (Oid)strtoul(PQgetvalue(pRes, i+1, 0), 0, 10);
    pType->eKind = PGK_TEXT;
    pType->eElem = PGE_TEXT;
    pType->cDelim = ',';
    if( !PQgetisnull(pRes, i+1, 2) ){
      pType->eKind = PGK_ARRAY;
      if( zElemCat[0]=='N' ) pType->eElem = PGE_NUM;
      if( zElemCat[0]=='B' ) pType->eElem = PGE_BOOL;
      if( PQgetvalue(pRes, i+1, 3)[0] ) pType->cDelim = PQgetvalue(pRes, i+1, 3)[0];
    }
  }
  p->nUserType = n;
  PQclear(pRes);
  return rc;
}

/*
** Class of a failed connection attempt from libpq's message: a server
** that answered (authentication, no such database: any FATAL from the
** server other than "the database system is ...") is REMOTE_ERR_OTHER;
** not reaching one is REMOTE_ERR_DISCONNECT.
*/
static int pgConnectErrorClass(const char *zMsg){
  if( zMsg==0 ) return REMOTE_ERR_DISCONNECT;
  if( strstr(zMsg, "the database system is") ) return REMOTE_ERR_DISCONNECT;
  if( strstr(zMsg, "FATAL:") || strstr(zMsg, "fe_sendauth")
   || strstr(zMsg, "password") || strstr(zMsg, "SCRAM")
   || strstr(zMsg, "authentication") ){
    return REMOTE_ERR_OTHER;
  }
  return REMOTE_ERR_DISCONNECT;
}

/* Append keyword zKey=zVal unless zVal is NULL or empty; new count */
static int pgAddKeyword(const char **azKey, const char **azVal, int nKw,
                        const char *zKey, const char *zVal){
  if( zVal && zVal[0] ){
    azKey[nKw] = zKey;
    azVal[nKw] = zVal;
    nKw++;
  }
  return nKw;
}

/*
** PQconnectdbParams() with every wait bounded by rIoTimeout seconds
** without progress (and the URL's connect_timeout, nTimeout seconds, for
** the whole, when not 0): PQconnectStartParams() and PQconnectPoll().
** *pbTimedOut is set when a bound ended it (the PGconn is then not
** connected): 1 io_timeout, 2 connect_timeout.
*/
static PGconn *pgConnectBounded(const char *const *azKey,
                                const char *const *azVal, double rIoTimeout,
                                int nTimeout, int *pbTimedOut){
  PGconn *pg = PQconnectStartParams(azKey, azVal, 0);
  PostgresPollingStatusType e = PGRES_POLLING_WRITING;
  RemoteConn w;             /* only for its clocks in remoteWait() */
  double tLast = 0;
  double tEnd = 0;
  *pbTimedOut = 0;
  if( pg==0 || PQstatus(pg)==CONNECTION_BAD ) return pg;
  memset(&w, 0, sizeof(w));
  w.rIoTimeout = rIoTimeout;
  if( nTimeout>0 ) tEnd = remoteMonotonic() + (nTimeout<2 ? 2 : nTimeout);
  while( e!=PGRES_POLLING_OK && e!=PGRES_POLLING_FAILED ){
    int r = remoteWait(&w, PQsocket(pg),
                       e==PGRES_POLLING_READING ? POLLIN : POLLOUT, &tLast, 0);
    if( r<0 || (tEnd>0 && remoteMonotonic()>=tEnd) ){
      *pbTimedOut = r<0 ? 1 : 2;
      break;
    }
    if( r>0 ) e = PQconnectPoll(pg);
  }
  remoteConnClearError(&w);
  return pg;
}

/*
** xConnect: keywords host, port, user, password, dbname from the URL
** (empty parts left out, so PGPASSWORD, .pgpass and services still work),
** then every query key (so a query key wins), client_encoding=UTF8 unless
** given; expand_dbname=0. On success the session is set to ISO dates,
** shortest-exact floats and hex bytea (zPgSetup); its time zone stays the
** one the user chose ("Time zones"). On failure
** *pzErr is libpq's message on one line, any password text as "***", and
** *peErr REMOTE_ERR_DISCONNECT when no server answered.
*/
static int pgConnectOpts(const RemoteUrl *pUrl, const RemoteConnectOpts *pOpts,
                         RemoteConn **ppConn, char **pzErr, int *peErr){
  const char **azKey = 0;
  const char **azVal = 0;
  char zPort[16];
  PGconn *pg = 0;
  PgConn *p = 0;
  int nKw = 0;
  int bEncoding = 0;
  int bTimedOut = 0;
  int nTimeout = 0;
  int i;
  int rc = SQLITE_OK;

  *ppConn = 0;
  *pzErr = 0;
  *peErr = REMOTE_ERR_NONE;
  azKey = sqlite3_malloc64(2*sizeof(char*)*(pUrl->nQuery + 10));
  if( azKey==0 ) goto connect_nomem;
  azVal = &azKey[pUrl->nQuery + 10];

  nKw = pgAddKeyword(azKey, azVal, nKw, "host", pUrl->zHost);
  if( pUrl->iPort>0 ){
    snprintf(zPort, sizeof(zPort), "%d", pUrl->iPort);
    nKw = pgAddKeyword(azKey, azVal, nKw, "port", zPort);
  }
  nKw = pgAddKeyword(azKey, azVal, nKw, "user", pUrl->zUser);
  nKw = pgAddKeyword(azKey, azVal, nKw, "password", pUrl->zPassword);
  nKw = pgAddKeyword(azKey, azVal, nKw, "dbname", pUrl->zDatabase);
  nKw = pgAddKeyword(azKey, azVal, nKw, "fallback_application_name", "sqlite-remote");
  /* No GSS-encryption probe unless the URL asks (?gssencmode=prefer): it
  ** costs every connect, and a thread inside the Kerberos library when
  ** another forks leaves the child a lock it can never take. Query keys
  ** come after, and libpq takes the last value given. */
  nKw = pgAddKeyword(azKey, azVal, nKw, "gssencmode", "disable");
  for(i=0; i<pUrl->nQuery; i++){
    if( strcmp(pUrl->azKey[i], "client_encoding")==0 ) bEncoding = 1;
    if( strcmp(pUrl->azKey[i], "connect_timeout")==0 && pUrl->azVal[i] ){
      nTimeout = atoi(pUrl->azVal[i]);
    }
    nKw = pgAddKeyword(azKey, azVal, nKw, pUrl->azKey[i], pUrl->azVal[i]);
  }
  /* SQLite text is UTF-8 */
  if( !bEncoding ) nKw = pgAddKeyword(azKey, azVal, nKw, "client_encoding", "UTF8");
  azKey[nKw] = 0;
  azVal[nKw] = 0;

  if( pOpts->rIoTimeout>0 ){
    pg = pgConnectBounded(azKey, azVal, pOpts->rIoTimeout, nTimeout, &bTimedOut);
  }else{
    pg = PQconnectdbParams(azKey, azVal, 0);
  }
  if( pg==0 ) goto connect_nomem;
  if( bTimedOut ){
    *peErr = REMOTE_ERR_DISCONNECT;
    *pzErr = bTimedOut==1
        ? sqlite3_mprintf("io_timeout of %g s expired waiting for the server",
                          pOpts->rIoTimeout)
        : sqlite3_mprintf("ERROR 08001: timeout expired (connect_timeout=%d)",
                          nTimeout<2 ? 2 : nTimeout);
    rc = SQLITE_ERROR;
    goto connect_done;
  }
  if( PQstatus(pg)!=CONNECTION_OK ){
    const char *zMsg = PQerrorMessage(pg);
    char *zLine;
    /* libpq gives no SQLSTATE before a session exists: the server's own
    ** for the failures it names, else 08001 (unable to connect) */
    const char *zCode = strstr(zMsg, "password authentication failed") ? "28P01"
                      : strstr(zMsg, "no pg_hba.conf entry") ? "28000"
                      : (strstr(zMsg, "database \"") && strstr(zMsg, "does not exist"))
                        ? "3D000" : "08001";
    *peErr = pgConnectErrorClass(zMsg);
    zLine = pgOneLine(zMsg[0] ? zMsg : "could not connect to server",
                      pUrl->zPassword);
    *pzErr = zLine ? sqlite3_mprintf("ERROR %s: %s", zCode, zLine) : 0;
    sqlite3_free(zLine);
    rc = SQLITE_ERROR;
    goto connect_done;
  }

  p = sqlite3_malloc(sizeof(PgConn));
  if( p==0 ) goto connect_nomem;
  memset(p, 0, sizeof(PgConn));
  p->cache.xDrop = pgStmtDropped;
  p->cache.pCtx = p;
  p->base.pDialect = pgDialect();
  p->base.rIoTimeout = pOpts->rIoTimeout;
  p->base.rStmtTimeout = pOpts->rStmtTimeout;
  p->pg = pg;
  pg = 0;
  PQsetNoticeProcessor(p->pg, pgNoticeIgnore, 0);
  /* every wait is this dialect's own (pgAwait), bounded */
  if( PQsetnonblocking(p->pg, 1)!=0 ){
    *peErr = REMOTE_ERR_OTHER;
    *pzErr = sqlite3_mprintf("cannot make the connection non-blocking");
    rc = SQLITE_ERROR;
    goto connect_done;
  }
  rc = pgSetup(p);
  if( rc!=SQLITE_OK ){
    *peErr = p->base.eErr;
    *pzErr = pgOneLine(p->base.zErr, pUrl->zPassword);
    goto connect_done;
  }
  *ppConn = &p->base;
  p = 0;
  goto connect_done;

connect_nomem:
  *pzErr = sqlite3_mprintf("out of memory");
  *peErr = REMOTE_ERR_OTHER;
  rc = SQLITE_ERROR;
connect_done:
  if( pg ) PQfinish(pg);
  if( p ){
    PQfinish(p->pg);
    remoteConnClearError(&p->base);
    sqlite3_free(p->aUserType);
    sqlite3_free(p);
  }
  sqlite3_free(azKey);
  return rc;
}

static int pgConnect(const RemoteUrl *pUrl, RemoteConn **ppConn,
                     char **pzErr, int *peErr){
  RemoteConnectOpts opts;
  memset(&opts, 0, sizeof(opts));
  return pgConnectOpts(pUrl, &opts, ppConn, pzErr, peErr);
}

static void pgFree(PgConn *p){
  pgStmtFreeAll(p);
  sqlite3_free(p->zCopyTz);
  sqlite3_free(p->pSpare);
  remoteConnClearError(&p->base);
  sqlite3_free(p->aUserType);
  sqlite3_free(p);
}

/* xClose: terminate message, then free. Cursors must be finalized first. */
static void pgClose(RemoteConn *pConn){
  PgConn *p = (PgConn*)pConn;
  int fdWatch;
  if( p==0 ) return;
  assert( p->base.pActive==0 );
  /* a lost connection's server may never answer: no waiting for it */
  fdWatch = p->bLost ? -1 : remoteSocketWatch(PQsocket(p->pg));
  PQfinish(p->pg);
  remoteSocketAwaitClose(fdWatch, 1000);
  pgFree(p);
}

/*
** xCloseNoTerminate, for a connection inherited over fork(): the socket
** is shared with the parent, so /dev/null is dup2()'d over it first and
** PQfinish's terminate message goes nowhere. No shutdown(): that would
** end the parent's session too.
*/
static void pgCloseNoTerminate(RemoteConn *pConn){
  PgConn *p = (PgConn*)pConn;
  int fd;
  if( p==0 ) return;
  fd = PQsocket(p->pg);
  if( fd>=0 ){
    int fdNull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if( fdNull>=0 ){
      if( fdNull!=fd ){
        dup2(fdNull, fd);
        close(fdNull);
      }
    }else{
      close(fd);  /* PQfinish's write then fails on a closed descriptor */
    }
  }
  PQfinish(p->pg);
  pgFree(p);
}

/* xPing: an empty query; a failure is a disconnect */
static int pgPing(RemoteConn *pConn){
  PgConn *p = (PgConn*)pConn;
  PGresult *pRes;
  int rc = SQLITE_OK;
  assert( p->base.pActive==0 );
  remoteConnClearError(&p->base);
  pRes = pgExecWait(p, 0, "", -1, 0, 0);
  if( pRes==0 || PQresultStatus(pRes)!=PGRES_EMPTY_QUERY ){
    pgSetError(p, pRes);
    p->base.eErr = REMOTE_ERR_DISCONNECT;
    rc = SQLITE_ERROR;
  }
  PQclear(pRes);
  if( rc!=SQLITE_OK ) pgDrain(p);
  return rc;
}

static sqlite3_int64 pgBackendPid(RemoteConn *pConn){
  return PQbackendPID(((PgConn*)pConn)->pg);
}

/* xInTransaction: INTRANS, INERROR and ACTIVE count; UNKNOWN (bad) not */
static int pgInTransaction(RemoteConn *pConn){
  switch( PQtransactionStatus(((PgConn*)pConn)->pg) ){
    case PQTRANS_INTRANS:
    case PQTRANS_INERROR:
    case PQTRANS_ACTIVE:
      return 1;
    default:
      return 0;
  }
}

/*
** xExec. Without parameters zSql may hold several statements; the count
** is the last one's PQcmdTuples (0 when empty, as for DDL).
*/
static int pgExec(RemoteConn *pConn, const char *zSql, int nParam,
                  const RemoteValue *aParam, sqlite3_int64 *pnChange){
  PgConn *p = (PgConn*)pConn;
  PGresult *pRes = 0;
  sqlite3_int64 nChange = 0;
  int rc;
  assert( p->base.pActive==0 );
  rc = pgRun(p, zSql, nParam, aParam, 0, p->base.mFlags, &pRes, 0);
  while( rc==SQLITE_OK && pRes ){
    nChange = strtoll(PQcmdTuples(pRes), 0, 10);
    PQclear(pRes);
    pRes = pgGetResult(p);
    if( pRes && pgCheck(p, pRes)!=SQLITE_OK ){
      PQclear(pRes);
      pRes = 0;
      pgDrain(p);
      rc = SQLITE_ERROR;
    }
  }
  if( rc==SQLITE_OK && p->bLost ){
    pgSetError(p, 0);
    rc = SQLITE_ERROR;
  }
  if( pnChange ) *pnChange = rc==SQLITE_OK ? nChange : 0;
  return rc;
}

#ifdef LIBPQ_HAS_PIPELINING
/* Sets sent per round trip of pgExecBatch */
#define PG_PIPE_CHUNK 1000

/*
** xExecBatch: the sets in pipeline mode, PG_PIPE_CHUNK sets per round trip
** (sent without waiting, then a sync, then their results). A set whose
** parameter types are the first set's runs the statement prepared for
** them (kept in the statement cache when it keeps statements); another set
** is sent with its own types. After a failure the server skips the rest
** of the chunk; the first error is reported.
*/
static int pgExecBatch(RemoteConn *pConn, const char *zSql, int nParam,
                       int nSet, const RemoteValue *aParam,
                       sqlite3_int64 *pnChange){
  PgConn *p = (PgConn*)pConn;
  PgStmt *pStmt = 0;
  PgBind bind;
  PGresult *pRes;
  sqlite3_int64 nChange = 0;
  int rc = SQLITE_OK, iSet = 0;

  assert( p->base.pActive==0 );
  *pnChange = 0;
  remoteConnClearError(&p->base);
  /* the core's times in a session not in UTC: each set through pgRun,
  ** which binds them as UTC (see "Time zones") */
  if( (p->base.mFlags & REMOTE_QUERY_UTC) && !pgSessionUtc(p) ){
    return SQLITE_NOTFOUND;
  }
  if( p->nDealloc>0 || p->cache.nStmt>p->base.nStmtCache ) pgStmtFlush(p);
  if( pgBindInit(p, &bind, nParam, aParam) ) return SQLITE_ERROR;
  /* behind a pooler no statement is prepared by name (see "Poolers") */
  if( p->base.nStmtCache>0 && bind.n>0 && !p->bPooled ){
    rc = pgStmtGet(p, zSql, &bind, &pStmt);
  }
  pgBindFree(&bind);
  if( rc ) return rc;
  /* (the connection is non-blocking: every wait below is bounded, see
  ** "Waiting on the server") */
  remoteWaitStart(&p->base);
  if( !PQenterPipelineMode(p->pg) ){
    pgSetError(p, 0);
    return SQLITE_ERROR;
  }
  while( rc==SQLITE_OK && iSet<nSet ){
    int nChunk = nSet-iSet<PG_PIPE_CHUNK ? nSet-iSet : PG_PIPE_CHUNK;
    int nSent = 0, k, bLost = 0;
    for(k=0; k<nChunk; k++){
      const RemoteValue *aV = &aParam[(sqlite3_int64)(iSet+k)*nParam];
      int bOk;
      if( pgBindInit(p, &bind, nParam, aV) ){
        rc = SQLITE_ERROR;
        break;
      }
      if( pStmt && memcmp(pStmt->aType, bind.aType, bind.n*sizeof(Oid))==0 ){
        bOk = PQsendQueryPrepared(p->pg, pStmt->zName, bind.n, bind.azVal,
                                  bind.anLen, bind.aFmt, 0);
      }else{
        bOk = PQsendQueryParams(p->pg, zSql, bind.n, bind.aType, bind.azVal,
                                bind.anLen, bind.aFmt, 0);
      }
      pgBindFree(&bind);
      if( !bOk ){
        pgSetError(p, 0);
        rc = SQLITE_ERROR;
        break;
      }
      nSent++;
    }
    if( !PQpipelineSync(p->pg) || pgFlushAll(p) ){
      if( rc==SQLITE_OK ) pgSetError(p, 0);
      rc = SQLITE_ERROR;
      bLost = 1;
    }
    for(k=0; !bLost && k<nSent; k++){
      while( (pRes = pgGetResult(p))!=0 ){
        ExecStatusType e = PQresultStatus(pRes);
        if( e==PGRES_COMMAND_OK || e==PGRES_TUPLES_OK ){
          nChange += strtoll(PQcmdTuples(pRes), 0, 10);
        }else if( e!=PGRES_PIPELINE_ABORTED && rc==SQLITE_OK ){
          rc = pgCheck(p, pRes);
        }
        PQclear(pRes);
        if( PQstatus(p->pg)==CONNECTION_BAD ){ bLost = 1; break; }
      }
      if( p->bLost ) bLost = 1;
    }
    if( !bLost ){
      /* the chunk's sync */
      pRes = pgGetResult(p);
      if( pRes==0 || PQresultStatus(pRes)!=PGRES_PIPELINE_SYNC ){
        if( rc==SQLITE_OK ) pgSetError(p, pRes);
        rc = SQLITE_ERROR;
      }
      PQclear(pRes);
    }
    if( bLost && rc==SQLITE_OK ){
      if( !p->bLost ) pgSetError(p, 0);   /* (a lost wait set its own) */
      rc = SQLITE_ERROR;
    }
    if( bLost ) break;
    iSet += nChunk;
  }
  if( !PQexitPipelineMode(p->pg) && rc==SQLITE_OK ){
    pgSetError(p, 0);
    rc = SQLITE_ERROR;
  }
  *pnChange = rc==SQLITE_OK ? nChange : 0;
  return rc;
}
#endif /* LIBPQ_HAS_PIPELINING */

/*
** ----------------------------------------------------------------------
** Cursors and the type mapping
** ----------------------------------------------------------------------
*/

/* The conversion of a result column of type oid (PGK_*), for conn p */
static void pgKind(const PgConn *p, Oid oid, PgCol *pCol){
  int iLo = 0, iHi;
  pCol->eKind = PGK_TEXT;
  pCol->eElem = PGE_TEXT;
  pCol->cDelim = ',';
  switch( oid ){
    case PG_INT2OID: case PG_INT4OID: case PG_INT8OID: case PG_OIDOID:
      pCol->eKind = PGK_INT; return;
    case PG_BOOLOID:        pCol->eKind = PGK_BOOL; return;
    case PG_FLOAT4OID:
    case PG_FLOAT8OID:      pCol->eKind = PGK_FLOAT; return;
    case PG_NUMERICOID:     pCol->eKind = PGK_NUMERIC; return;
    case PG_BYTEAOID:       pCol->eKind = PGK_BLOB; return;
    case PG_TIMESTAMPTZOID: pCol->eKind = PGK_TSTZ; return;
    default: break;
  }
  if( oid<PG_FIRST_BOOTSTRAP ){
    iHi = (int)(sizeof(aPgArrayType)/sizeof(aPgArrayType[0])) - 1;
    while( iLo<=iHi ){
      int iMid = (iLo+iHi)/2;
      if( aPgArrayType[iMid].oid==oid ){
        pCol->eKind = PGK_ARRAY;
        pCol->eElem = aPgArrayType[iMid].eElem;
        if( oid==PG_BOX_ARRAYOID ) pCol->cDelim = ';';
        return;
      }
      if( aPgArrayType[iMid].oid<oid ) iLo = iMid+1; else iHi = iMid-1;
    }
    return;
  }
  iHi = p->nUserType - 1;
  while( iLo<=iHi ){
    int iMid = (iLo+iHi)/2;
    const PgUserType *pType = &p->aUserType[iMid];
    if( pType->oid==oid ){
      pCol->eKind = pType->eKind;
      pCol->eElem = pType->eElem;
      pCol->cDelim = pType->cDelim;
      return;
    }
    if( pType->oid<oid ) iLo = iMid+1; else iHi = iMid-1;
  }
  /* A row type (or array of one), or a type created after connecting */
  pCol->eKind = PGK_GUESS;
}

/* Declared type of a type OID after the mapping (domains resolved first) */
static const char *pgDeclType(Oid oid){
  switch( oid ){
    case PG_BOOLOID: case PG_INT2OID: case PG_INT4OID: case PG_INT8OID:
    case PG_OIDOID:
      return "INTEGER";
    case PG_FLOAT4OID: case PG_FLOAT8OID:
      return "REAL";
    case PG_NUMERICOID:
      return "NUMERIC";
    case PG_BYTEAOID:
      return "BLOB";
    default:
      return "TEXT";
  }
}

/* Buffer of at least n bytes for column pCol's converted value, or NULL */
static char *pgColBuf(PgCol *pCol, sqlite3_int64 n){
  if( n>pCol->nAlloc ){
    sqlite3_int64 nNew = n<64 ? 64 : n + n/4;
    char *zNew;
    if( nNew>0x7fffff00 ) return 0;
    zNew = sqlite3_realloc64(pCol->zBuf, nNew);
    if( zNew==0 ) return 0;
    pCol->zBuf = zNew;
    pCol->nAlloc = (int)nNew;
  }
  return pCol->zBuf;
}

/* A decimal integer as printed by the server (int2, int4, int8, oid) */
static sqlite3_int64 pgAtoi(const char *z){
  sqlite3_uint64 u = 0;
  int bNeg = 0;
  if( *z=='-' ){ bNeg = 1; z++; }
  while( *z>='0' && *z<='9' ){ u = u*10 + (sqlite3_uint64)(*z - '0'); z++; }
  return bNeg ? (sqlite3_int64)(0 - u) : (sqlite3_int64)u;
}

static int pgHexDigit(char c){
  if( c>='0' && c<='9' ) return c - '0';
  if( c>='a' && c<='f' ) return c - 'a' + 10;
  if( c>='A' && c<='F' ) return c - 'A' + 10;
  return -1;
}

/*
** Decode bytea output z[0..n) (hex "\x0a0b", or the old escape format)
** into pCol's buffer. Returns the number of bytes, or -1 (out of memory,
** or not bytea output).
*/
static int pgByteaDecode(PgCol *pCol, const char *z, int n){
  char *a = pgColBuf(pCol, n/2 + 1);
  int i, j = 0;
  if( a==0 ) return -1;
  if( n>=2 && z[0]=='\\' && z[1]=='x' ){
    for(i=2; i+1<n; i+=2){
      int hi = pgHexDigit(z[i]), lo = pgHexDigit(z[i+1]);
      if( hi<0 || lo<0 ) return -1;
      a[j++] = (char)((hi<<4) | lo);
    }
    return i==n ? j : -1;
  }
  a = pgColBuf(pCol, n + 1);
  if( a==0 ) return -1;
  for(i=0; i<n; i++){
    if( z[i]!='\\' ){
      a[j++] = z[i];
    }else if( i+1<n && z[i+1]=='\\' ){
      a[j++] = '\\';
      i++;
    }else if( i+3<n && z[i+1]>='0' && z[i+1]<='3' && z[i+2]>='0'
           && z[i+2]<='7' && z[i+3]>='0' && z[i+3]<='7' ){
      a[j++] = (char)(((z[i+1]-'0')<<6) | ((z[i+2]-'0')<<3) | (z[i+3]-'0'));
      i += 3;
    }else{
      return -1;
    }
  }
  return j;
}

/*
** Length of z[0..n) up to where ":00" goes to turn a timestamptz's
** "+HH" offset into "+HH:00" (before a trailing " BC"), or -1 when the
** offset already has minutes or there is none (infinity).
*/
static int pgTzSplit(const char *z, int n){
  int e = n;
  if( e>3 && memcmp(&z[e-3], " BC", 3)==0 ) e -= 3;
  if( e>=4 && (z[e-3]=='+' || z[e-3]=='-')
   && isdigit((unsigned char)z[e-2]) && isdigit((unsigned char)z[e-1])
   && isdigit((unsigned char)z[e-4]) ){
    return e;
  }
  return -1;
}

/*
** A timestamptz as PostgreSQL prints it in any session time zone
** ("2020-01-02 03:04:05.5+05:30", "1850-01-01 00:00:00-04:56:02",
** "0044-03-15 07:03:58-04:56:02 BC") rewritten in UTC as
** "YYYY-MM-DD HH:MM:SS[.f]+00:00[ BC]" into zOut (at least 48 bytes), as
** the binary reading gives it. Returns the length, or -1 when z is not of
** that form (infinity).
*/
static int pgTstzToUtc(const char *z, int n, char *zOut){
  char zBuf[64];
  const char *zFrac = "";
  char zFracBuf[16];
  long long y;
  int mo, d, h, mi, sec, nRead = 0, i, iTz = -1, bBC = 0;
  int tzh = 0, tzm = 0, tzs = 0, sign;
  sqlite3_int64 t, days;
  if( n<=0 || n>=(int)sizeof(zBuf) ) return -1;
  memcpy(zBuf, z, n);
  zBuf[n] = 0;
  if( n>3 && memcmp(&zBuf[n-3], " BC", 3)==0 ){
    bBC = 1;                  /* year Y BC is the astronomical year 1-Y */
    n -= 3;
    zBuf[n] = 0;
  }
  for(i=n-1; i>10; i--){
    if( zBuf[i]=='+' || zBuf[i]=='-' ){ iTz = i; break; }
  }
  if( iTz<0 ) return -1;
  if( sscanf(zBuf, "%lld-%d-%d %d:%d:%d%n", &y, &mo, &d, &h, &mi, &sec, &nRead)!=6 ){
    return -1;
  }
  if( zBuf[nRead]=='.' ){
    int nFrac = iTz - nRead;
    if( nFrac<=1 || nFrac>=(int)sizeof(zFracBuf) ) return -1;
    memcpy(zFracBuf, &zBuf[nRead], nFrac);
    zFracBuf[nFrac] = 0;
    zFrac = zFracBuf;
  }else if( nRead!=iTz ){
    return -1;
  }
  sign = zBuf[iTz]=='-' ? -1 : 1;
  if( sscanf(&zBuf[iTz+1], "%d:%d:%d", &tzh, &tzm, &tzs)<1 ) return -1;
  if( bBC ) y = 1 - y;
  t = remoteDaysFromCivil(y, mo, d)*86400 + h*3600 + mi*60 + sec
    - sign*(tzh*3600 + tzm*60 + tzs);
  days = t>=0 ? t/86400 : -((-t+86399)/86400);
  t -= days*86400;
  {
    sqlite3_int64 yy;
    remoteCivilFromDays(days, &yy, &mo, &d);
    y = yy;
  }
  bBC = y<=0;
  if( bBC ) y = 1 - y;
  if( y>99999 ) return -1;
  return snprintf(zOut, 48, "%04lld-%02d-%02d %02d:%02d:%02d%s+00:00%s",
                  y, mo, d, (int)(t/3600), (int)(t/60%60), (int)(t%60), zFrac,
                  bBC ? " BC" : "");
}

/* True if z[0..n) is a JSON number */
static int pgIsJsonNumber(const char *z, int n){
  int i = 0;
  if( i<n && z[i]=='-' ) i++;
  if( i>=n || !isdigit((unsigned char)z[i]) ) return 0;
  if( z[i]=='0' ){
    i++;
  }else{
    while( i<n && isdigit((unsigned char)z[i]) ) i++;
  }
  if( i<n && z[i]=='.' ){
    i++;
    if( i>=n || !isdigit((unsigned char)z[i]) ) return 0;
    while( i<n && isdigit((unsigned char)z[i]) ) i++;
  }
  if( i<n && (z[i]=='e' || z[i]=='E') ){
    i++;
    if( i<n && (z[i]=='+' || z[i]=='-') ) i++;
    if( i>=n || !isdigit((unsigned char)z[i]) ) return 0;
    while( i<n && isdigit((unsigned char)z[i]) ) i++;
  }
  return i==n;
}

/* State of one array-to-JSON conversion (pgArrayToJson) */
typedef struct PgJson PgJson;
struct PgJson {
  const char *z;          /* next input byte */
  const char *zEnd;       /* end of input */
  char *zOut;             /* next output byte */
  int eElem;              /* PGE_* */
  char cDelim;            /* element delimiter */
};

static void pgJsonPut(PgJson *p, const char *z, int n){
  memcpy(p->zOut, z, n);
  p->zOut += n;
}

/* Append byte c inside a JSON string, escaped as JSON requires */
static void pgJsonChar(PgJson *p, unsigned char c){
  static const char zHex[] = "0123456789abcdef";
  if( c=='"' || c=='\\' ){
    *p->zOut++ = '\\';
    *p->zOut++ = (char)c;
  }else if( c<0x20 ){
    *p->zOut++ = '\\';
    switch( c ){
      case '\b': *p->zOut++ = 'b'; break;
      case '\f': *p->zOut++ = 'f'; break;
      case '\n': *p->zOut++ = 'n'; break;
      case '\r': *p->zOut++ = 'r'; break;
      case '\t': *p->zOut++ = 't'; break;
      default:
        pgJsonPut(p, "u00", 3);
        *p->zOut++ = zHex[c>>4];
        *p->zOut++ = zHex[c&0xf];
        break;
    }
  }else{
    *p->zOut++ = (char)c;
  }
}

/* Write the element z[0..n) (already unquoted) as JSON */
static void pgJsonElement(PgJson *p, const char *z, int n, int bQuoted){
  int i;
  if( !bQuoted && n==4 && memcmp(z, "NULL", 4)==0 ){
    pgJsonPut(p, "null", 4);
    return;
  }
  switch( p->eElem ){
    case PGE_NUM:
      if( pgIsJsonNumber(z, n) ){ pgJsonPut(p, z, n); return; }
      if( n==3 && memcmp(z, "NaN", 3)==0 ){ pgJsonPut(p, "null", 4); return; }
      if( n==8 && memcmp(z, "Infinity", 8)==0 ){ pgJsonPut(p, "9e999", 5); return; }
      if( n==9 && memcmp(z, "-Infinity", 9)==0 ){ pgJsonPut(p, "-9e999", 6); return; }
      break;
    case PGE_BOOL:
      if( n==1 && z[0]=='t' ){ pgJsonPut(p, "true", 4); return; }
      if( n==1 && z[0]=='f' ){ pgJsonPut(p, "false", 5); return; }
      break;
    case PGE_JSON:
      pgJsonPut(p, z, n);
      return;
    case PGE_TSTZ: {
      int e = pgTzSplit(z, n);
      char zUtc[48];
      /* in UTC, as a timestamptz column reads (see pgColumn) */
      if( e<0 || !(z[e-3]=='+' && z[e-2]=='0' && z[e-1]=='0') ){
        int nUtc = pgTstzToUtc(z, n, zUtc);
        if( nUtc>0 ){
          *p->zOut++ = '"';
          for(i=0; i<nUtc; i++) pgJsonChar(p, (unsigned char)zUtc[i]);
          *p->zOut++ = '"';
          return;
        }
      }
      if( e>=0 ){
        *p->zOut++ = '"';
        for(i=0; i<e; i++) pgJsonChar(p, (unsigned char)z[i]);
        pgJsonPut(p, ":00", 3);
        for(i=e; i<n; i++) pgJsonChar(p, (unsigned char)z[i]);
        *p->zOut++ = '"';
        return;
      }
      break;
    }
    default:
      break;
  }
  *p->zOut++ = '"';
  for(i=0; i<n; i++) pgJsonChar(p, (unsigned char)z[i]);
  *p->zOut++ = '"';
}

/*
** Convert one "{...}" level of array output. A quoted element is unescaped
** in place into the output buffer first (it is never longer than its
** input), then rewritten as JSON after it. Returns 0, or 1 if the input
** is not array output.
*/
static int pgJsonArray(PgJson *p, int nDepth){
  if( nDepth>32 || p->z>=p->zEnd || *p->z!='{' ) return 1;
  p->z++;
  *p->zOut++ = '[';
  if( p->z<p->zEnd && *p->z=='}' ){
    p->z++;
    *p->zOut++ = ']';
    return 0;
  }
  for(;;){
    if( p->z>=p->zEnd ) return 1;
    if( *p->z=='{' ){
      if( pgJsonArray(p, nDepth+1) ) return 1;
    }else if( *p->z=='"' ){
      /* Unescape into scratch space 6*n+16 bytes past zOut: the JSON
      ** written from zOut (at most 6 bytes per byte) never reaches what
      ** is still to be read, and pgArrayToJson sized the buffer for it. */
      const char *zIn = ++p->z;
      char *zTmp;
      int n = 0, i;
      while( p->z<p->zEnd && *p->z!='"' ){
        if( *p->z=='\\' ) p->z++;
        p->z++;
        n++;
      }
      if( p->z>=p->zEnd ) return 1;
      p->z++;  /* closing quote */
      zTmp = p->zOut + 6*n + 16;
      for(i=0; i<n; i++){
        if( *zIn=='\\' ) zIn++;
        zTmp[i] = *zIn++;
      }
      pgJsonElement(p, zTmp, n, 1);
    }else{
      const char *zStart = p->z;
      while( p->z<p->zEnd && *p->z!=p->cDelim && *p->z!='}' ){
        if( *p->z=='{' || *p->z=='"' || *p->z=='\\' ) return 1;
        p->z++;
      }
      if( p->z==zStart ) return 1;
      pgJsonElement(p, zStart, (int)(p->z - zStart), 0);
    }
    if( p->z>=p->zEnd ) return 1;
    if( *p->z==p->cDelim ){
      p->z++;
      *p->zOut++ = ',';
    }else if( *p->z=='}' ){
      p->z++;
      *p->zOut++ = ']';
      return 0;
    }else{
      return 1;
    }
  }
}

/*
** Array output z[0..n) ("{1,2}", "[0:1]={1,2}", nested) as JSON text in
** pCol's buffer. Returns its length, -1 if z is not array output, or -2
** when memory ran out.
*/
static int pgArrayToJson(PgCol *pCol, const char *z, int n){
  PgJson js;
  const char *zEnd = z + n;
  char *zBuf;
  /* Dimension decoration: [lo:hi][lo:hi]= */
  if( n>0 && z[0]=='[' ){
    while( z<zEnd && *z=='[' ){
      z++;
      while( z<zEnd && (isdigit((unsigned char)*z) || *z=='-' || *z==':') ) z++;
      if( z>=zEnd || *z!=']' ) return -1;
      z++;
    }
    if( z>=zEnd || *z!='=' ) return -1;
    z++;
  }
  /* Output is at most 6 bytes per input byte, plus scratch (pgJsonArray) */
  zBuf = pgColBuf(pCol, 12*(sqlite3_int64)(zEnd - z) + 64);
  if( zBuf==0 ) return -2;
  js.z = z;
  js.zEnd = zEnd;
  js.zOut = zBuf;
  js.eElem = pCol->eElem;
  js.cDelim = pCol->cDelim;
  if( pgJsonArray(&js, 0) || js.z!=zEnd ) return -1;
  return (int)(js.zOut - zBuf);
}

/*
** ----------------------------------------------------------------------
** Binary COPY scans
**
** A scan flagged REMOTE_QUERY_SCAN without parameters is read through
** COPY (<select>) TO STDOUT (FORMAT binary): one buffer per row instead of
** single-row mode's PGresult per row, and no number parsing. Its column
** names and types come first, from the same SELECT wrapped in LIMIT 0;
** when a type has no PGB_* reading, the plain query runs instead. Each
** value is converted to exactly what the text path (pgColumn) gives.
** ----------------------------------------------------------------------
*/

/* The binary reading of a result column of type oid, or PGB_NONE */
static unsigned char pgBinKind(Oid oid){
  switch( oid ){
    case PG_BOOLOID:        return PGB_BOOL;
    case PG_INT2OID:        return PGB_INT2;
    case PG_INT4OID:        return PGB_INT4;
    case PG_INT8OID:        return PGB_INT8;
    case PG_OIDOID:         return PGB_OID;
    case PG_FLOAT8OID:      return PGB_FLOAT8;
    case PG_NUMERICOID:     return PGB_NUMERIC;
    case PG_TEXTOID: case PG_VARCHAROID: case PG_BPCHAROID:
    case PG_NAMEOID: case PG_JSONOID:
      return PGB_TEXT;
    case PG_JSONBOID:       return PGB_JSONB;
    case PG_BYTEAOID:       return PGB_BYTEA;
    case PG_DATEOID:        return PGB_DATE;
    case PG_TIMEOID:        return PGB_TIME;
    case PG_TIMESTAMPOID:   return PGB_TS;
    case PG_TIMESTAMPTZOID: return PGB_TSTZ;
    case PG_UUIDOID:        return PGB_UUID;
    default:                return PGB_NONE;
  }
}

/* Big-endian (network order) integers of the binary format */
static sqlite3_uint64 pgGetU64(const unsigned char *a){
#if defined(__GNUC__) && defined(__BYTE_ORDER__) \
    && __BYTE_ORDER__==__ORDER_LITTLE_ENDIAN__
  sqlite3_uint64 u;
  memcpy(&u, a, 8);
  return __builtin_bswap64(u);
#else
  sqlite3_uint64 u = 0;
  int i;
  for(i=0; i<8; i++) u = (u<<8) | a[i];
  return u;
#endif
}
static unsigned int pgGetU32(const unsigned char *a){
  return ((unsigned int)a[0]<<24) | ((unsigned int)a[1]<<16)
       | ((unsigned int)a[2]<<8) | a[3];
}
static unsigned int pgGetU16(const unsigned char *a){
  return ((unsigned int)a[0]<<8) | a[1];
}

/* 1 if n bytes are a well-formed binary value of kind eBin */
static int pgBinLengthOk(const PgCol *pCol, const unsigned char *a, int n){
  switch( pCol->eBin ){
    case PGB_BOOL:    return n==1;
    case PGB_INT2:    return n==2;
    case PGB_INT4: case PGB_OID: case PGB_DATE:
      return n==4;
    case PGB_INT8: case PGB_FLOAT8: case PGB_TIME: case PGB_TS: case PGB_TSTZ:
      return n==8;
    case PGB_UUID:    return n==16;
    case PGB_JSONB:   return n>=1 && a[0]==1;
    case PGB_NUMERIC: return n>=8 && n==8 + 2*(int)pgGetU16(a);
    default:          return 1;
  }
}

/* Append the decimal digits of u, at least nMin of them, at z; returns
** the number written */
static int pgPutDigits(char *z, sqlite3_uint64 u, int nMin){
  char zTmp[24];
  int n = 0, i;
  do{ zTmp[n++] = (char)('0' + u%10); u /= 10; }while( u>0 || n<nMin );
  for(i=0; i<n; i++) z[i] = zTmp[n-1-i];
  return n;
}

/* Two digits of v (0..99) at z */
static void pgPut2(char *z, int v){
  z[0] = (char)('0' + v/10);
  z[1] = (char)('0' + v%10);
}

/* "HH:MM:SS[.ffffff]" of us microseconds (fraction without trailing
** zeros, as time_out prints) at z; returns the length */
static int pgPutTime(char *z, sqlite3_int64 us){
  int sec = (int)(us/1000000);
  int frac = (int)(us%1000000);
  int n = 8, i;
  if( sec/3600>99 ) return pgPutDigits(z, (sqlite3_uint64)us, 1);
  pgPut2(z, sec/3600);
  z[2] = ':';
  pgPut2(&z[3], sec/60%60);
  z[5] = ':';
  pgPut2(&z[6], sec%60);
  if( frac ){
    z[n++] = '.';
    for(i=5; i>=0; i--){ z[n+i] = (char)('0' + frac%10); frac /= 10; }
    n += 6;
    while( z[n-1]=='0' ) n--;
  }
  return n;
}

/* "YYYY-MM-DD" of day iDay (0 = 2000-01-01) at z, the year with at least
** four digits and *pbBC set for years before 1 (the year is then printed
** as 1-y, as date_out does); returns the length */
static int pgPutDate(char *z, sqlite3_int64 iDay, int *pbBC){
  sqlite3_int64 y;
  int m, d, n;
  remoteCivilFromDays(iDay + 10957, &y, &m, &d);
  *pbBC = y<=0;
  if( y<=0 ) y = 1 - y;
  if( y<10000 ){
    pgPut2(z, (int)(y/100));
    pgPut2(&z[2], (int)(y%100));
    n = 4;
  }else{
    n = pgPutDigits(z, (sqlite3_uint64)y, 4);
  }
  z[n] = '-';
  pgPut2(&z[n+1], m);
  z[n+3] = '-';
  pgPut2(&z[n+4], d);
  return n + 6;
}

/*
** numeric_out's text of a binary numeric a[0..n) (checked by
** pgBinLengthOk) into pCol's buffer. Returns the length, or -1 when out
** of memory.
*/
static int pgNumericText(PgCol *pCol, const unsigned char *a){
  int nDigit = (int)pgGetU16(a);
  int iWeight = (int)(short)pgGetU16(&a[2]);
  unsigned int eSign = pgGetU16(&a[4]);
  int nScale = (int)pgGetU16(&a[6]) & 0x3fff;
  const unsigned char *aDig = &a[8];
  const char *zSpecial = 0;
  char *z;
  int n = 0, d, i;
  if( eSign==0xC000 ) zSpecial = "NaN";
  if( eSign==0xD000 ) zSpecial = "Infinity";
  if( eSign==0xF000 ) zSpecial = "-Infinity";
  z = pgColBuf(pCol, 16 + (iWeight>0 ? (sqlite3_int64)iWeight*4 : 0) + nScale + 4);
  if( z==0 ) return -1;
  if( zSpecial ){
    n = (int)strlen(zSpecial);
    memcpy(z, zSpecial, n);
    return n;
  }
  if( eSign==0x4000 ) z[n++] = '-';
  if( iWeight<0 ){
    d = iWeight + 1;
    z[n++] = '0';
  }else{
    for(d=0; d<=iWeight; d++){
      unsigned int dig = d<nDigit ? pgGetU16(&aDig[2*d]) : 0;
      if( d==0 ){
        n += pgPutDigits(&z[n], dig, 1);
      }else{
        pgPut2(&z[n], (int)(dig/100));
        pgPut2(&z[n+2], (int)(dig%100));
        n += 4;
      }
    }
  }
  if( nScale>0 ){
    int nEnd;
    z[n++] = '.';
    nEnd = n + nScale;
    for(i=0; i<nScale; d++, i+=4){
      unsigned int dig = (d>=0 && d<nDigit) ? pgGetU16(&aDig[2*d]) : 0;
      pgPut2(&z[n], (int)(dig/100));
      pgPut2(&z[n+2], (int)(dig%100));
      n += 4;
    }
    n = nEnd;
  }
  return n;
}

/*
** A binary numeric a[] whose digits make an integer m of at most 2^53
** with at most 22 of them after the point is converted here without text:
** m / 10^k is then what strtod of numeric_out's text gives (one correctly
** rounded division of exact doubles), and the result follows
** remoteNumericAffinity: INTEGER when the value is whole, else REAL.
** Returns 0 (nothing set) for any other numeric.
*/
static int pgNumericFast(const unsigned char *a, RemoteValue *pOut){
  static const double aPow10[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
    1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };
  static const sqlite3_uint64 aPow10Int[] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
    1000000000, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL,
    10000000000000000ULL
  };
  int nDigit = (int)pgGetU16(a);
  int iWeight = (int)(short)pgGetU16(&a[2]);
  unsigned int eSign = pgGetU16(&a[4]);
  sqlite3_uint64 m = 0;
  int d, nFrac;
  if( eSign!=0x0000 && eSign!=0x4000 ) return 0;
  if( iWeight>3 || iWeight<-6 || nDigit>4 ) return 0;   /* m < 10^16 */
  for(d=0; d<nDigit; d++) m = m*10000 + pgGetU16(&a[8+2*d]);
  nFrac = 4*(nDigit - 1 - iWeight);
  for(; nFrac<0; nFrac+=4) m *= 10000;
  if( m>((sqlite3_uint64)1<<53) || nFrac>22 ) return 0;
  if( nFrac==0 || (nFrac<=16 && m%aPow10Int[nFrac]==0) ){
    sqlite3_int64 v = (sqlite3_int64)(nFrac ? m/aPow10Int[nFrac] : m);
    pOut->eType = SQLITE_INTEGER;
    pOut->i = eSign==0x4000 ? -v : v;
  }else{
    double r = (double)m / aPow10[nFrac];
    pOut->eType = SQLITE_FLOAT;
    pOut->r = eSign==0x4000 ? -r : r;
  }
  return 1;
}

/*
** The value of column pCol in the current binary COPY row, converted as
** pgColumn converts the same type's text.
*/
static void pgColumnCopy(PgCol *pCol, RemoteValue *pOut){
  const unsigned char *a = pCol->aRaw;
  int n = pCol->nRaw;
  char *z;
  if( n<0 ) return;
  switch( pCol->eBin ){
    case PGB_BOOL:
      pOut->eType = SQLITE_INTEGER;
      pOut->i = a[0]!=0;
      return;
    case PGB_INT2:
      pOut->eType = SQLITE_INTEGER;
      pOut->i = (short)pgGetU16(a);
      return;
    case PGB_INT4:
      pOut->eType = SQLITE_INTEGER;
      pOut->i = (int)pgGetU32(a);
      return;
    case PGB_OID:
      pOut->eType = SQLITE_INTEGER;
      pOut->i = pgGetU32(a);
      return;
    case PGB_INT8:
      pOut->eType = SQLITE_INTEGER;
      pOut->i = (sqlite3_int64)pgGetU64(a);
      return;
    case PGB_FLOAT8: {
      sqlite3_uint64 u = pgGetU64(a);
      double r;
      memcpy(&r, &u, sizeof(r));
      if( isnan(r) ) return;
      pOut->eType = SQLITE_FLOAT;
      pOut->r = r;
      return;
    }
    case PGB_NUMERIC: {
      int nText;
      if( pgNumericFast(a, pOut) ) return;
      nText = pgNumericText(pCol, a);
      if( nText<0 ) return;
      remoteNumericAffinity(pCol->zBuf, nText, pOut);
      return;
    }
    case PGB_BYTEA:
      pOut->eType = SQLITE_BLOB;
      pOut->z = (const char*)a;
      pOut->n = n;
      return;
    case PGB_JSONB:
      a++;
      n--;
      break;
    case PGB_UUID: {
      static const char aHex[] = "0123456789abcdef";
      int i, j = 0;
      z = pgColBuf(pCol, 37);
      if( z==0 ) return;
      for(i=0; i<16; i++){
        if( i==4 || i==6 || i==8 || i==10 ) z[j++] = '-';
        z[j++] = aHex[a[i]>>4];
        z[j++] = aHex[a[i]&15];
      }
      a = (const unsigned char*)z;
      n = j;
      break;
    }
    case PGB_DATE: {
      int iDay = (int)pgGetU32(a);
      int bBC;
      z = pgColBuf(pCol, 48);
      if( z==0 ) return;
      if( iDay==INT32_MAX || iDay==INT32_MIN ){
        n = iDay==INT32_MAX ? 8 : 9;
        memcpy(z, iDay==INT32_MAX ? "infinity" : "-infinity", n);
      }else{
        n = pgPutDate(z, iDay, &bBC);
        if( bBC ){ memcpy(&z[n], " BC", 3); n += 3; }
      }
      a = (const unsigned char*)z;
      break;
    }
    case PGB_TIME:
      z = pgColBuf(pCol, 48);
      if( z==0 ) return;
      n = pgPutTime(z, (sqlite3_int64)pgGetU64(a));
      a = (const unsigned char*)z;
      break;
    case PGB_TS:
    case PGB_TSTZ: {
      sqlite3_int64 t = (sqlite3_int64)pgGetU64(a);
      z = pgColBuf(pCol, 64);
      if( z==0 ) return;
      if( t==INT64_MAX || t==INT64_MIN ){
        n = t==INT64_MAX ? 8 : 9;
        memcpy(z, t==INT64_MAX ? "infinity" : "-infinity", n);
      }else{
        sqlite3_int64 iDay = t>=0 ? t/86400000000LL
                                  : -((-(t+1))/86400000000LL) - 1;
        int bBC;
        n = pgPutDate(z, iDay, &bBC);
        z[n++] = ' ';
        n += pgPutTime(&z[n], t - iDay*86400000000LL);
        if( pCol->eBin==PGB_TSTZ ){ memcpy(&z[n], "+00:00", 6); n += 6; }
        if( bBC ){ memcpy(&z[n], " BC", 3); n += 3; }
      }
      a = (const unsigned char*)z;
      break;
    }
    default:
      break;
  }
  pOut->eType = SQLITE_TEXT;
  pOut->z = (const char*)a;
  pOut->n = n;
}

/*
** SQLITE_OK if pRes (NULL when libpq returned none) has status eWant;
** otherwise SQLITE_ERROR with the error set from it.
*/
static int pgExpect(PgConn *p, const PGresult *pRes, ExecStatusType eWant){
  if( pRes && PQresultStatus(pRes)==eWant ) return SQLITE_OK;
  if( pRes==0 ){
    pgSetError(p, 0);
  }else if( pgCheck(p, pRes)==SQLITE_OK ){
    remoteConnSetError(&p->base, REMOTE_ERR_OTHER, "08P01",
                       "ERROR 08P01: unexpected result status %s",
                       PQresStatus(PQresultStatus(pRes)));
  }
  return SQLITE_ERROR;
}

/* Set the error for binary COPY data this reader does not understand */
static int pgCopyMalformed(PgCursor *pCur){
  remoteConnSetError(pCur->base.pConn, REMOTE_ERR_OTHER, "08P01",
                     "ERROR 08P01: unexpected binary COPY data");
  return SQLITE_ERROR;
}

/*
** xStep of a binary COPY cursor: the next CopyData message holds one row
** (the first one also the file header, the last one only the trailer).
*/
static int pgCopyStep(PgCursor *pCur){
  static const unsigned char aSig[11] = {
    'P','G','C','O','P','Y','\n',0xff,'\r','\n',0
  };
  PgConn *p = (PgConn*)pCur->base.pConn;
  const unsigned char *a, *aEnd;
  int n, i;
  if( pCur->bEof ) return SQLITE_DONE;
  for(;;){
    PQfreemem(pCur->zRow);
    pCur->zRow = 0;
    n = pgGetCopyData(p, &pCur->zRow);
    if( n<0 ) break;
    a = (const unsigned char*)pCur->zRow;
    aEnd = &a[n];
    if( pCur->bCopyHead ){
      if( n<19 || memcmp(a, aSig, 11)!=0 ) return pgCopyMalformed(pCur);
      if( aEnd-&a[19]<(ptrdiff_t)pgGetU32(&a[15]) ) return pgCopyMalformed(pCur);
      a += 19 + pgGetU32(&a[15]);
      pCur->bCopyHead = 0;
    }
    if( aEnd-a<2 ) return pgCopyMalformed(pCur);
    if( pgGetU16(a)==0xffff ) continue;   /* the trailer: end follows */
    if( (int)pgGetU16(a)!=pCur->nCol ) return pgCopyMalformed(pCur);
    a += 2;
    for(i=0; i<pCur->nCol; i++){
      PgCol *pCol = &pCur->aCol[i];
      int nVal;
      if( aEnd-a<4 ) return pgCopyMalformed(pCur);
      nVal = (int)pgGetU32(a);
      a += 4;
      if( nVal<0 ){
        pCol->nRaw = -1;
        continue;
      }
      if( aEnd-a<nVal || !pgBinLengthOk(pCol, a, nVal) ){
        return pgCopyMalformed(pCur);
      }
      pCol->aRaw = a;
      pCol->nRaw = nVal;
      a += nVal;
    }
    if( a!=aEnd ) return pgCopyMalformed(pCur);
    return SQLITE_ROW;
  }
  pCur->zRow = 0;
  if( n==-2 ){
    pgSetError(p, 0);
    pCur->bEof = 1;
    pgDrain(p);
    return SQLITE_ERROR;
  }
  /* The COPY is over: its result says whether it succeeded */
  pCur->bEof = 1;
  {
    int rc = SQLITE_DONE;
    PGresult *pRes;
    while( (pRes = pgGetResult(p))!=0 ){
      if( rc==SQLITE_DONE && pgCheck(p, pRes)!=SQLITE_OK ) rc = SQLITE_ERROR;
      PQclear(pRes);
    }
    if( rc==SQLITE_DONE && p->bLost ){
      pgSetError(p, 0);
      rc = SQLITE_ERROR;
    }
    return rc;
  }
}

/*
** Open pCur (allocated, columns not yet set up) on a binary COPY of zSql.
** SQLITE_OK: streaming; SQLITE_NOTFOUND: a column has a type with no
** binary reading, nothing is left running and the caller runs the plain
** query; SQLITE_ERROR: the error is set and the connection is ready.
*/
static int pgCopyQuery(PgConn *p, const char *zSql, PgCursor *pCur){
  PGresult *pRes;
  char *zCopy;
  int i, nCol;
  zCopy = sqlite3_mprintf("SELECT * FROM (%s) AS sr_scan LIMIT 0", zSql);
  if( zCopy==0 ){ pgSetNoMem(p); return SQLITE_ERROR; }
  /* the extended protocol (nParam 0): the server takes one statement */
  pRes = pgExecWait(p, 0, zCopy, 0, 0, 0);
  sqlite3_free(zCopy);
  if( pgExpect(p, pRes, PGRES_TUPLES_OK)!=SQLITE_OK ){
    PQclear(pRes);
    pgDrain(p);
    return SQLITE_ERROR;
  }
  nCol = PQnfields(pRes);
  for(i=0; i<nCol && pgBinKind(PQftype(pRes, i))!=PGB_NONE; i++){}
  if( i<nCol || nCol==0 ){
    PQclear(pRes);
    return SQLITE_NOTFOUND;
  }
  pCur->aCol = sqlite3_malloc64(nCol*sizeof(PgCol));
  zCopy = sqlite3_mprintf("COPY (%s) TO STDOUT (FORMAT binary)", zSql);
  if( pCur->aCol==0 || zCopy==0 ){
    sqlite3_free(zCopy);
    PQclear(pRes);
    pgSetNoMem(p);
    return SQLITE_ERROR;
  }
  memset(pCur->aCol, 0, nCol*sizeof(PgCol));
  for(i=0; i<nCol; i++) pCur->aCol[i].eBin = pgBinKind(PQftype(pRes, i));
  pCur->nCol = nCol;
  pCur->pRes = pRes;
  pCur->bCopy = 1;
  pCur->bCopyHead = 1;
  if( !PQsendQueryParams(p->pg, zCopy, 0, 0, 0, 0, 0, 0) ){
    sqlite3_free(zCopy);
    pgSetError(p, 0);
    return SQLITE_ERROR;
  }
  sqlite3_free(zCopy);
  remoteWaitStart(&p->base);
  pRes = pgGetResult(p);
  if( pgExpect(p, pRes, PGRES_COPY_OUT)!=SQLITE_OK ){
    PQclear(pRes);
    pgDrain(p);
    return SQLITE_ERROR;
  }
  PQclear(pRes);
  return SQLITE_OK;
}

/* Fetch the next result of the stream: SQLITE_ROW, DONE or ERROR */
static int pgCursorNext(PgCursor *pCur){
  PgConn *p = (PgConn*)pCur->base.pConn;
  PGresult *pRes;
  if( pCur->bEof ) return SQLITE_DONE;
  pRes = pgGetResult(p);
  if( pRes==0 ){
    pCur->bEof = 1;
    if( p->bLost ){
      pgSetError(p, 0);
      return SQLITE_ERROR;
    }
    return SQLITE_DONE;
  }
  if( pgCheck(p, pRes)!=SQLITE_OK ){
    PQclear(pRes);
    pgDrain(p);
    pCur->bEof = 1;
    return SQLITE_ERROR;
  }
  PQclear(pCur->pRes);
  pCur->pRes = pRes;
  pCur->iRow = 0;
  if( PQresultStatus(pRes)==PGRES_SINGLE_TUPLE ) return SQLITE_ROW;
  pgDrain(p);
  pCur->bEof = 1;
  return SQLITE_DONE;
}

static int pgSharedStep(PgCursor*);

/* xStep */
static int pgStep(RemoteCursor *pCursor){
  PgCursor *pCur = (PgCursor*)pCursor;
  if( pCur->bCopy ) return pgCopyStep(pCur);
  if( pCur->iShared ) return pgSharedStep(pCur);
  if( pCur->bFirst ){
    ExecStatusType e = PQresultStatus(pCur->pRes);
    pCur->bFirst = 0;
    if( e==PGRES_SINGLE_TUPLE ) return SQLITE_ROW;
    return e==PGRES_TUPLES_OK && PQntuples(pCur->pRes)>0 ? SQLITE_ROW : SQLITE_DONE;
  }
  if( pCur->iRow+1<PQntuples(pCur->pRes)
   && PQresultStatus(pCur->pRes)==PGRES_TUPLES_OK ){
    /* a result read whole (REMOTE_QUERY_ONE) */
    pCur->iRow++;
    return SQLITE_ROW;
  }
  return pgCursorNext(pCur);
}

/*
** True when zSql starts (after spaces, comments and parentheses) with
** SELECT, VALUES, TABLE or SHOW: a statement that cancelling cannot undo
** a write of. Data-modifying WITH, INSERT ... RETURNING and the like are
** drained instead of cancelled.
*/
static int pgIsReadOnly(const char *z){
  static const char *azWord[] = { "select", "values", "table", "show" };
  size_t i;
  for(;;){
    while( isspace((unsigned char)*z) || *z=='(' ) z++;
    if( z[0]=='-' && z[1]=='-' ){
      while( *z && *z!='\n' ) z++;
    }else if( z[0]=='/' && z[1]=='*' ){
      const char *zEnd = strstr(z+2, "*/");
      if( zEnd==0 ) return 0;
      z = zEnd + 2;
    }else{
      break;
    }
  }
  for(i=0; i<sizeof(azWord)/sizeof(azWord[0]); i++){
    size_t n = strlen(azWord[i]);
    if( strncasecmp(z, azWord[i], n)==0
     && !isalnum((unsigned char)z[n]) && z[n]!='_' ){
      return 1;
    }
  }
  return 0;
}

/*
** Ask the server to cancel the running command of an abandoned stream
** (eWhy REMOTE_CANCEL_CLOSE, or _STOP on SQLite's interrupt), once; the
** rest is then read within REMOTE_CANCEL_GRACE (see remoteWait()). A
** request that cannot be delivered loses the connection.
*/
static void pgCancel(PgConn *p, int eWhy){
  if( p->base.tCancel>0 || p->bLost ) return;
  p->base.eCancel = eWhy;
  p->base.tCancel = remoteMonotonic();
  if( pgCancelRequest(&p->base)!=SQLITE_OK ){
    p->bLost = 1;
    remoteConnSetError(&p->base, REMOTE_ERR_DISCONNECT, "08006",
                       "ERROR 08006: cannot cancel an abandoned statement");
  }
  p->base.tCancel = remoteMonotonic();
}

/* 1 when SQLite's interrupt asks the statement on p to stop */
static int pgStopAsked(PgConn *p){
  return p->base.xStop!=0 && p->base.xStop(p->base.pStopArg);
}

/*
** ----------------------------------------------------------------------
** Shared cursors (REMOTE_QUERY_SHARED)
**
** A stream that other statements may need the connection for before it
** ends (a scan with a nested read when the pool has no other connection
** for it, or on a connection a transaction holds) is a server-side
** cursor, read FETCH nFetch rows at a time: between two FETCHes the
** connection is free, so nothing is read ahead into memory.
**
**   DECLARE sr_c1 NO SCROLL CURSOR [WITH HOLD] FOR <sql>;  FETCH 1000 FROM sr_c1; ...
**
** Inside a transaction the cursor lives as long as it (the server closes
** it at commit or rollback, a later FETCH then fails); outside one it is
** WITH HOLD: the server computes the whole result at the DECLARE and keeps
** it (on its disk beyond work_mem) until CLOSE. Only a single read-only
** statement (pgIsReadOnly, no ';') becomes one; anything else streams as
** usual.
** ----------------------------------------------------------------------
*/

/* FETCH the next rows of shared cursor pCur into pCur->pRes. SQLITE_OK or
** SQLITE_ERROR with the error set. */
static int pgSharedFetch(PgConn *p, PgCursor *pCur){
  char zSql[64];
  PGresult *pRes;
  snprintf(zSql, sizeof(zSql), "FETCH FORWARD %d FROM sr_c%u",
           pCur->nShared, pCur->iShared);
  pRes = pgExecWait(p, 0, zSql, -1, 0, 0);
  if( pgExpect(p, pRes, PGRES_TUPLES_OK)!=SQLITE_OK ){
    PQclear(pRes);
    pgDrain(p);
    return SQLITE_ERROR;
  }
  PQclear(pCur->pRes);
  pCur->pRes = pRes;
  pCur->iRow = 0;
  return SQLITE_OK;
}

/* xStep of a shared cursor */
static int pgSharedStep(PgCursor *pCur){
  PgConn *p = (PgConn*)pCur->base.pConn;
  if( pCur->bEof ) return SQLITE_DONE;
  if( pCur->bFirst ){
    pCur->bFirst = 0;
  }else if( pCur->iRow+1<PQntuples(pCur->pRes) ){
    pCur->iRow++;
    return SQLITE_ROW;
  }else if( PQntuples(pCur->pRes)<pCur->nShared ){
    pCur->bEof = 1;
    return SQLITE_DONE;
  }else{
    remoteConnClearError(&p->base);
    if( pgSharedFetch(p, pCur)!=SQLITE_OK ){
      pCur->bEof = 1;
      return SQLITE_ERROR;
    }
  }
  if( PQntuples(pCur->pRes)==0 ){
    pCur->bEof = 1;
    return SQLITE_DONE;
  }
  return SQLITE_ROW;
}

/*
** Close shared cursor pCur on the server. Inside the transaction it was
** declared in, CLOSE goes under a savepoint: if the cursor is gone already
** (ROLLBACK TO a savepoint older than it), the failure must not abort the
** transaction. After that transaction (IDLE, or in error) the server has
** closed it already, unless it is WITH HOLD. Errors are ignored. Nothing
** is sent while a COPY is open on the connection (the core closes a
** shared cursor then only when its statement is abandoned; a WITH HOLD
** one, never inside a transaction's COPY in practice, would stay open
** until the session ends).
*/
static void pgSharedClose(PgConn *p, PgCursor *pCur){
  char zSql[96];
  PGTransactionStatusType e = PQtransactionStatus(p->pg);
  /* ACTIVE: a COPY (a batched INSERT's) is open, which a new command
  ** would abort: the cursor is left to the end of its transaction */
  if( PQstatus(p->pg)!=CONNECTION_OK || e==PQTRANS_ACTIVE ) return;
  if( pCur->bSharedTxn ){
    PGresult *pRes;
    if( e!=PQTRANS_INTRANS ) return;
    snprintf(zSql, sizeof(zSql),
             "SAVEPOINT sr_close; CLOSE sr_c%u; RELEASE sr_close", pCur->iShared);
    pRes = pgExecWait(p, 0, zSql, -1, 0, 0);
    if( PQresultStatus(pRes)!=PGRES_COMMAND_OK ){
      PQclear(pRes);
      pgDrain(p);
      pRes = pgExecWait(p, 0, "ROLLBACK TO sr_close; RELEASE sr_close", -1, 0, 0);
    }
    PQclear(pRes);
    pgDrain(p);
  }else{
    snprintf(zSql, sizeof(zSql), "CLOSE sr_c%u", pCur->iShared);
    PQclear(pgExecWait(p, 0, zSql, -1, 0, 0));
    pgDrain(p);
  }
}

/* 1 if zSql is one statement (no ';' outside quotes, identifiers and
** comments, but a trailing one) */
static int pgIsOneStatement(const char *z){
  while( *z ){
    if( *z=='\'' || *z=='"' ){
      char q = *z++;
      while( *z && *z!=q ) z++;
      if( *z==0 ) return 1;   /* unterminated: the server says so */
    }else if( z[0]=='-' && z[1]=='-' ){
      while( *z && *z!='\n' ) z++;
      continue;
    }else if( z[0]=='/' && z[1]=='*' ){
      const char *zEnd = strstr(z+2, "*/");
      if( zEnd==0 ) return 1;
      z = zEnd+1;
    }else if( *z==';' ){
      z++;
      while( isspace((unsigned char)*z) ) z++;
      return *z==0;
    }else if( *z=='$' ){
      /* a dollar-quoted string: $tag$ ... $tag$ */
      const char *zTag = z++;
      while( isalnum((unsigned char)*z) || *z=='_' ) z++;
      if( *z=='$' ){
        size_t nTag = (size_t)(z - zTag) + 1;
        const char *zEnd = z+1;
        while( (zEnd = strchr(zEnd, '$'))!=0 && strncmp(zEnd, zTag, nTag)!=0 ) zEnd++;
        if( zEnd==0 ) return 1;
        z = zEnd + nTag;
        continue;
      }
      continue;
    }
    z++;
  }
  return 1;
}

/*
** Open pCur (allocated, zeroed, base.pConn set) as a shared cursor over
** zSql: DECLARE, then the first FETCH. SQLITE_OK; SQLITE_NOTFOUND when
** zSql cannot be one (nothing was sent); SQLITE_ERROR with the error set.
*/
static int pgSharedQuery(PgConn *p, const char *zSql, int nParam,
                         const RemoteValue *aParam, int nFetch,
                         PgCursor *pCur){
  PGTransactionStatusType eTxn = PQtransactionStatus(p->pg);
  PgBind bind;
  PGresult *pRes;
  char *zDecl;
  int rc;
  if( (eTxn!=PQTRANS_IDLE && eTxn!=PQTRANS_INTRANS)
   || (eTxn==PQTRANS_IDLE && p->bPooled)
   || !pgIsReadOnly(zSql) || !pgIsOneStatement(zSql) ){
    /* (outside a transaction a pooler would run each FETCH of a WITH
    ** HOLD cursor on whichever server session is free) */
    return SQLITE_NOTFOUND;
  }
  rc = pgBindInit(p, &bind, nParam, aParam);
  if( rc!=SQLITE_OK ) return SQLITE_ERROR;
  pCur->iShared = ++p->iNextCursor;
  pCur->nShared = nFetch>0 ? nFetch : 1000;
  pCur->bSharedTxn = eTxn==PQTRANS_INTRANS;
  zDecl = sqlite3_mprintf("DECLARE sr_c%u NO SCROLL CURSOR%s FOR %s",
                          pCur->iShared, pCur->bSharedTxn ? "" : " WITH HOLD",
                          zSql);
  if( zDecl==0 ){
    pgBindFree(&bind);
    pgSetNoMem(p);
    return SQLITE_ERROR;
  }
  pRes = pgExecBindWait(p, zDecl, &bind);
  sqlite3_free(zDecl);
  pgBindFree(&bind);
  rc = pgExpect(p, pRes, PGRES_COMMAND_OK);
  PQclear(pRes);
  if( rc!=SQLITE_OK ){
    pgDrain(p);
    return SQLITE_ERROR;
  }
  if( pgSharedFetch(p, pCur)!=SQLITE_OK ){
    pgSharedClose(p, pCur);
    return SQLITE_ERROR;
  }
  pCur->bFirst = 1;
  return SQLITE_OK;
}

/*
** xFinalize. An unfinished stream is discarded so that the connection is
** ready: what has already arrived is read without waiting; if more is
** still to come, a read-only query started outside a transaction is
** cancelled (its 57014 error is expected), and then everything left is
** read. Inside a transaction a cancel would abort it, so the rest is read.
*/
static void pgFinalize(RemoteCursor *pCursor){
  PgCursor *pCur = (PgCursor*)pCursor;
  PgConn *p;
  int i;
  if( pCur==0 ) return;
  p = (PgConn*)pCur->base.pConn;
  PQfreemem(pCur->zRow);
  pCur->zRow = 0;
  if( pCur->iShared ){
    pgSharedClose(p, pCur);
  }else if( !pCur->bEof && pCur->bCopy ){
    /* Rows of an abandoned COPY are still coming: stop them, then read
    ** up to the end (the cancel's 57014 error) */
    if( pCur->bCancel ){
      pgCancel(p, REMOTE_CANCEL_CLOSE);
    }else if( pgStopAsked(p) ){
      pgCancel(p, REMOTE_CANCEL_STOP);
    }
    pgDrain(p);
  }else if( !pCur->bEof ){
    int bDone = 0;        /* every result read: the conn is ready */
    int bComplete = 0;    /* the final result arrived: nothing to cancel */
    int nRead;
    /* What libpq holds, then one read of what the socket holds */
    for(nRead=0; ; nRead++){
      while( !PQisBusy(p->pg) ){
        PGresult *pRes = PQgetResult(p->pg);
        ExecStatusType e;
        if( pRes==0 ){
          remoteWaitEnd(&p->base);
          bDone = 1;
          break;
        }
        e = PQresultStatus(pRes);
        PQclear(pRes);
        if( e!=PGRES_SINGLE_TUPLE ) bComplete = 1;
        if( e==PGRES_COPY_IN || e==PGRES_COPY_OUT || e==PGRES_COPY_BOTH ) break;
      }
      if( bDone || bComplete || nRead>=1 || !PQconsumeInput(p->pg) ) break;
    }
    if( !bDone ){
      if( pCur->bCancel && !bComplete ){
        pgCancel(p, REMOTE_CANCEL_CLOSE);
      }else if( !bComplete && pgStopAsked(p) ){
        pgCancel(p, REMOTE_CANCEL_STOP);
      }
      pgDrain(p);
    }
  }
  PQclear(pCur->pRes);
  for(i=0; i<pCur->nCol; i++){
    if( pCur->aCol[i].zBuf ) sqlite3_free(pCur->aCol[i].zBuf);
  }
  if( pCur->nColAlloc==0 ) sqlite3_free(pCur->aCol);
  if( p->base.pActive==&pCur->base ) p->base.pActive = 0;
  if( p->pSpare==0 && pCur->nColAlloc>0 ){
    p->pSpare = pCur;
  }else{
    sqlite3_free(pCur);
  }
}

/*
** xQuery: send, switch to single-row mode and read the first result, so
** that errors show here and the columns are known before the first xStep.
** nFetch is not used: libpq 15 streams one row per PGresult. A unique
** lookup (REMOTE_QUERY_ONE) is read whole: one PGresult instead of two.
** A scan (REMOTE_QUERY_SCAN) without parameters tries pgCopyQuery first.
** REMOTE_QUERY_SHARED tries a shared cursor (pgSharedQuery) first.
*/
static int pgQuery(RemoteConn *pConn, const char *zSql, int nParam,
                   const RemoteValue *aParam, int nFetch, int mFlags,
                   RemoteCursor **ppCur){
  PgConn *p = (PgConn*)pConn;
  PgCursor *pCur = 0;
  PGresult *pRes = 0;
  PgStmt *pStmt = 0;
  PGTransactionStatusType eTxn;
  sqlite3_int64 nByte;
  int rc, i, nCol;
  (void)nFetch;
  assert( p->base.pActive==0 );
  *ppCur = 0;
  eTxn = PQtransactionStatus(p->pg);
  if( (mFlags & REMOTE_QUERY_SHARED)!=0 ){
    /* a server-side cursor, which leaves the connection free between its
    ** FETCHes: base.pActive is not set */
    pCur = sqlite3_malloc(sizeof(PgCursor));
    if( pCur==0 ){ pgSetNoMem(p); return SQLITE_ERROR; }
    memset(pCur, 0, sizeof(PgCursor));
    pCur->base.pConn = &p->base;
    remoteConnClearError(&p->base);
    rc = pgSharedQuery(p, zSql, nParam, aParam, nFetch, pCur);
    if( rc==SQLITE_OK ){
      nCol = PQnfields(pCur->pRes);
      pCur->aCol = sqlite3_malloc64((nCol>0 ? nCol : 1)*sizeof(PgCol));
      if( pCur->aCol==0 ){
        pgFinalize(&pCur->base);
        pgSetNoMem(p);
        return SQLITE_ERROR;
      }
      memset(pCur->aCol, 0, (nCol>0 ? nCol : 1)*sizeof(PgCol));
      pCur->nCol = nCol;
      for(i=0; i<nCol; i++) pgKind(p, PQftype(pCur->pRes, i), &pCur->aCol[i]);
      *ppCur = &pCur->base;
      return SQLITE_OK;
    }
    sqlite3_free(pCur);
    pCur = 0;
    if( rc!=SQLITE_NOTFOUND ) return SQLITE_ERROR;
  }
  if( (mFlags & REMOTE_QUERY_SCAN)!=0 && nParam==0 ){
    pCur = sqlite3_malloc(sizeof(PgCursor));
    if( pCur==0 ){ pgSetNoMem(p); return SQLITE_ERROR; }
    memset(pCur, 0, sizeof(PgCursor));
    pCur->base.pConn = &p->base;
    remoteConnClearError(&p->base);
    rc = pgCopyQuery(p, zSql, pCur);
    if( rc==SQLITE_OK ){
      pCur->bCancel = eTxn==PQTRANS_IDLE;
      p->base.pActive = &pCur->base;
      *ppCur = &pCur->base;
      return SQLITE_OK;
    }
    PQclear(pCur->pRes);
    sqlite3_free(pCur->aCol);
    sqlite3_free(pCur);
    pCur = 0;
    if( rc!=SQLITE_NOTFOUND ) return SQLITE_ERROR;
  }
  /* single-row mode sends with the extended protocol: one statement */
  rc = pgRun(p, zSql, nParam, aParam,
             (mFlags & (REMOTE_QUERY_ONE|REMOTE_QUERY_SINGLE))!=REMOTE_QUERY_ONE,
             mFlags, &pRes, &pStmt);
  if( rc!=SQLITE_OK ) return rc;
  /* the cursor and its columns in one allocation, the spare one if it has
  ** room enough */
  nCol = PQnfields(pRes);
  nByte = sizeof(PgCursor) + (nCol>0 ? nCol : 1)*sizeof(PgCol);
  if( p->pSpare && p->pSpare->nColAlloc>=nCol ){
    pCur = p->pSpare;
    p->pSpare = 0;
    nCol = pCur->nColAlloc;
    nByte = sizeof(PgCursor) + nCol*sizeof(PgCol);
  }else{
    pCur = sqlite3_malloc64(nByte);
    if( pCur==0 ){
      PQclear(pRes);
      pgDrain(p);
      pgSetNoMem(p);
      return SQLITE_ERROR;
    }
    nCol = nCol>0 ? nCol : 1;
  }
  memset(pCur, 0, nByte);
  pCur->nColAlloc = nCol;
  pCur->base.pConn = &p->base;
  pCur->pRes = pRes;
  pCur->bFirst = 1;
  pCur->bCancel = eTxn==PQTRANS_IDLE && pgIsReadOnly(zSql);
  pCur->nCol = PQnfields(pRes);
  pCur->aCol = (PgCol*)&pCur[1];
  p->base.pActive = &pCur->base;
  if( PQresultStatus(pRes)!=PGRES_SINGLE_TUPLE ){
    pgDrain(p);
    pCur->bEof = 1;
  }
  pCur->bBinary = pCur->nCol>0 && PQfformat(pRes, 0)==1;
  if( pStmt && pStmt->eResFmt==0 && PQresultStatus(pRes)!=PGRES_COMMAND_OK ){
    /* first run (text): the next ones come binary if every column can */
    for(i=0; i<pCur->nCol && pgBinKind(PQftype(pRes, i))!=PGB_NONE; i++){}
    pStmt->eResFmt = i==pCur->nCol ? 1 : -1;
  }
  for(i=0; i<pCur->nCol; i++){
    if( pCur->bBinary ){
      pCur->aCol[i].eBin = pgBinKind(PQftype(pRes, i));
    }else{
      pgKind(p, PQftype(pRes, i), &pCur->aCol[i]);
    }
  }
  *ppCur = &pCur->base;
  return SQLITE_OK;
}

static int pgColumnCount(RemoteCursor *pCursor){
  return ((PgCursor*)pCursor)->nCol;
}

static const char *pgColumnName(RemoteCursor *pCursor, int iCol){
  PgCursor *pCur = (PgCursor*)pCursor;
  if( iCol<0 || iCol>=pCur->nCol ) return 0;
  return PQfname(pCur->pRes, iCol);
}

static const char *pgColumnDeclType(RemoteCursor *pCursor, int iCol){
  PgCursor *pCur = (PgCursor*)pCursor;
  if( iCol<0 || iCol>=pCur->nCol ) return 0;
  return pgDeclType(PQftype(pCur->pRes, iCol));
}

/*
** xColumn: the type mapping (README.md, "Virtual tables"). Text points
** into the PGresult, or into
** the column's buffer when converted; both live until the next xStep.
** Out of memory during a conversion gives NULL.
*/
static void pgColumn(RemoteCursor *pCursor, int iCol, RemoteValue *pOut){
  PgCursor *pCur = (PgCursor*)pCursor;
  PgCol *pCol;
  const char *z;
  int n;
  memset(pOut, 0, sizeof(*pOut));
  pOut->eType = SQLITE_NULL;
  if( pCur->bCopy ){
    if( iCol>=0 && iCol<pCur->nCol && pCur->zRow ){
      pgColumnCopy(&pCur->aCol[iCol], pOut);
    }
    return;
  }
  if( iCol<0 || iCol>=pCur->nCol || PQntuples(pCur->pRes)<=pCur->iRow
   || PQgetisnull(pCur->pRes, pCur->iRow, iCol) ){
    return;
  }
  pCol = &pCur->aCol[iCol];
  if( pCur->bBinary ){
    /* the binary COPY's readings: the same values as the text below */
    pCol->aRaw = (const unsigned char*)PQgetvalue(pCur->pRes, pCur->iRow, iCol);
    pCol->nRaw = PQgetlength(pCur->pRes, pCur->iRow, iCol);
    if( pgBinLengthOk(pCol, pCol->aRaw, pCol->nRaw) ) pgColumnCopy(pCol, pOut);
    return;
  }
  z = PQgetvalue(pCur->pRes, pCur->iRow, iCol);
  n = PQgetlength(pCur->pRes, pCur->iRow, iCol);
  switch( pCol->eKind ){
    case PGK_INT:
      pOut->eType = SQLITE_INTEGER;
      pOut->i = pgAtoi(z);
      return;
    case PGK_BOOL:
      pOut->eType = SQLITE_INTEGER;
      pOut->i = z[0]=='t';
      return;
    case PGK_FLOAT: {
      double r;
      if( !remoteTextDouble(z, n, &r) ) r = strtod(z, 0);
      if( isnan(r) ) return;
      pOut->eType = SQLITE_FLOAT;
      pOut->r = r;
      return;
    }
    case PGK_NUMERIC:
      remoteNumericAffinity(z, n, pOut);
      return;
    case PGK_BLOB: {
      int nBlob = pgByteaDecode(pCol, z, n);
      if( nBlob<0 ) return;
      pOut->eType = SQLITE_BLOB;
      pOut->z = pCol->zBuf;
      pOut->n = nBlob;
      return;
    }
    case PGK_TSTZ: {
      int e = pgTzSplit(z, n);    /* the end of a "+hh" offset, or -1 */
      /* The session is not in UTC (a SET TIME ZONE): an offset other than
      ** "+00", one with minutes ("+05:30") or seconds (a local mean time,
      ** "-04:56:02"), is converted; so is nothing else but "infinity" */
      if( e<0 || !(z[e-3]=='+' && z[e-2]=='0' && z[e-1]=='0') ){
        char *zBuf = pgColBuf(pCol, 48);
        int nUtc;
        if( zBuf==0 ) return;
        nUtc = pgTstzToUtc(z, n, zBuf);
        if( nUtc>0 ){
          z = zBuf;
          n = nUtc;
          break;
        }
        if( e<0 ) break;
      }
      if( e>=0 ){
        char *zBuf = pgColBuf(pCol, n + 4);
        if( zBuf==0 ) return;
        memcpy(zBuf, z, e);
        memcpy(&zBuf[e], ":00", 3);
        memcpy(&zBuf[e+3], &z[e], n-e);
        z = zBuf;
        n += 3;
      }
      break;
    }
    case PGK_ARRAY:
    case PGK_GUESS:
      if( n>0 && (z[0]=='{' || z[0]=='[') ){
        int nJson = pgArrayToJson(pCol, z, n);
        if( nJson>=0 ){
          z = pCol->zBuf;
          n = nJson;
        }else if( nJson==-2 ){
          return;  /* out of memory */
        }
      }
      break;
    default:
      break;
  }
  pOut->eType = SQLITE_TEXT;
  pOut->z = z;
  pOut->n = n;
}

/*
** ----------------------------------------------------------------------
** SQL text for transactions
** ----------------------------------------------------------------------
*/

static char *pgQuoteIdent(const char *zIdent){
  const char *z = zIdent ? zIdent : "";
  sqlite3_int64 n = 2, i;
  char *zOut, *zo;
  for(i=0; z[i]; i++) n += z[i]=='"' ? 2 : 1;
  zOut = zo = sqlite3_malloc64(n+1);
  if( zOut==0 ) return 0;
  *zo++ = '"';
  for(i=0; z[i]; i++){
    if( z[i]=='"' ) *zo++ = '"';
    *zo++ = z[i];
  }
  *zo++ = '"';
  *zo = 0;
  return zOut;
}

/*
** The isolation level zLevel as PostgreSQL spells it: one of the four
** levels ("_" may stand for the space, any case), or NULL if it is none.
*/
static const char *pgLevel(const char *zLevel){
  static const char *azLevel[] = {
    "SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED", "READ UNCOMMITTED"
  };
  size_t i, j;
  if( zLevel==0 ) return 0;
  for(i=0; i<sizeof(azLevel)/sizeof(azLevel[0]); i++){
    const char *zL = azLevel[i];
    for(j=0; zLevel[j] && zL[j]; j++){
      char c = zLevel[j]=='_' ? ' ' : (char)toupper((unsigned char)zLevel[j]);
      if( c!=zL[j] ) break;
    }
    if( zLevel[j]==0 && zL[j]==0 ) return zL;
  }
  return 0;
}

/* "BEGIN", or "BEGIN ISOLATION LEVEL <LEVEL>"; an unknown level is sent
** with anything but letters and spaces removed, for the server to refuse */
static char *pgBeginSql(const char *zIsolation){
  const char *zLevel = pgLevel(zIsolation);
  if( zIsolation==0 || strcasecmp(zIsolation, "AUTOCOMMIT")==0 ){
    return sqlite3_mprintf("BEGIN");
  }
  if( zLevel ) return sqlite3_mprintf("BEGIN ISOLATION LEVEL %s", zLevel);
  {
    sqlite3_str *pStr = sqlite3_str_new(0);
    const char *z;
    sqlite3_str_appendall(pStr, "BEGIN ISOLATION LEVEL ");
    for(z=zIsolation; *z; z++){
      if( isalpha((unsigned char)*z) || *z==' ' ){
        sqlite3_str_appendchar(pStr, 1, *z);
      }
    }
    return sqlite3_str_finish(pStr);
  }
}

static char *pgSavepointSql(const char *zName){
  char *zQ = pgQuoteIdent(zName);
  char *zSql = zQ ? sqlite3_mprintf("SAVEPOINT %s", zQ) : 0;
  sqlite3_free(zQ);
  return zSql;
}

static char *pgReleaseSql(const char *zName){
  char *zQ = pgQuoteIdent(zName);
  char *zSql = zQ ? sqlite3_mprintf("RELEASE SAVEPOINT %s", zQ) : 0;
  sqlite3_free(zQ);
  return zSql;
}

static char *pgRollbackToSql(const char *zName){
  char *zQ = pgQuoteIdent(zName);
  char *zSql = zQ ? sqlite3_mprintf("ROLLBACK TO SAVEPOINT %s", zQ) : 0;
  sqlite3_free(zQ);
  return zSql;
}

/* xSetIsolation: the session default; NULL back to the server's default */
static int pgSetIsolation(RemoteConn *pConn, const char *zLevel){
  PgConn *p = (PgConn*)pConn;
  const char *zL;
  char *zSql;
  sqlite3_int64 nChange;
  int rc;
  if( zLevel && strcasecmp(zLevel, "AUTOCOMMIT")==0 ) return SQLITE_OK;
  if( zLevel==0 ){
    return pgExec(pConn, "SET default_transaction_isolation TO DEFAULT",
                  0, 0, &nChange);
  }
  zL = pgLevel(zLevel);
  if( zL==0 ){
    remoteConnSetError(&p->base, REMOTE_ERR_OTHER, 0,
                       "unknown isolation level '%s'", zLevel);
    return SQLITE_ERROR;
  }
  zSql = sqlite3_mprintf(
      "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL %s", zL);
  if( zSql==0 ){
    pgSetNoMem(p);
    return SQLITE_ERROR;
  }
  rc = pgExec(pConn, zSql, 0, 0, &nChange);
  sqlite3_free(zSql);
  return rc;
}

/* xGetIsolation: SHOW transaction_isolation, uppercased */
static char *pgGetIsolation(RemoteConn *pConn){
  PgConn *p = (PgConn*)pConn;
  PGresult *pRes = 0;
  char *zLevel = 0;
  if( pgExecText(p, "SHOW transaction_isolation", 0, 0, &pRes)!=SQLITE_OK ){
    return 0;
  }
  if( PQntuples(pRes)==1 && PQnfields(pRes)>=1 ){
    zLevel = sqlite3_mprintf("%s", PQgetvalue(pRes, 0, 0));
    if( zLevel ){
      char *z;
      for(z=zLevel; *z; z++) *z = (char)toupper((unsigned char)*z);
    }else{
      pgSetNoMem(p);
    }
  }else{
    remoteConnSetError(&p->base, REMOTE_ERR_OTHER, 0,
                       "unexpected result from SHOW transaction_isolation");
  }
  PQclear(pRes);
  return zLevel;
}

/*
** ----------------------------------------------------------------------
** Catalog
** ----------------------------------------------------------------------
*/

/*
** One row per column of the relation $2 in schema $1 (NULL: the first
** visible through the search path), in attnum order. A relation without
** columns gives one row with a NULL attname. Domains are resolved one
** level for the declared type. Then the type as a cast names it, whether
** the server fills the column by itself (identity, generated, a serial's
** nextval default) and whether it has a default at all.
*/
static const char zPgTableInfo[] =
  "SELECT n.nspname, c.relname, c.relkind, c.reltuples::pg_catalog.int8,"
  " a.attname,"
  " CASE WHEN t.typtype='d' THEN t.typbasetype ELSE a.atttypid END,"
  " pg_catalog.format_type(a.atttypid, a.atttypmod),"
  " a.attnotnull,"
  " (SELECT k.i FROM pg_catalog.pg_index x,"
  "   pg_catalog.unnest(x.indkey::pg_catalog.int2[]) WITH ORDINALITY AS k(attnum, i)"
  "   WHERE x.indrelid=c.oid AND x.indisprimary AND k.attnum=a.attnum),"
  /* the collation: 0 nondeterministic, 2 byte order, 1 other, NULL none
  ** (collisdeterministic from 12, datlocprovider from 15: read by name) */
  " (SELECT CASE WHEN NOT coalesce((pg_catalog.to_jsonb(co)"
  "     ->>'collisdeterministic')::boolean, true) THEN 0"
  "   WHEN CASE WHEN co.collprovider='d' THEN (SELECT coalesce(pg_catalog.to_jsonb(d)"
  "     ->>'datlocprovider', 'c')='c' AND d.datcollate IN ('C','POSIX','C.UTF-8','C.utf8')"
  "     FROM pg_catalog.pg_database d WHERE d.datname=pg_catalog.current_database())"
  "    ELSE co.collprovider='c' AND co.collcollate IN ('C','POSIX','C.UTF-8','C.utf8') END"
  "   THEN 2 ELSE 1 END"
  "  FROM pg_catalog.pg_collation co WHERE co.oid=a.attcollation),"
  " t.typtype='e',"
  " pg_catalog.format_type(a.atttypid, NULL),"
  " a.attidentity<>'' OR a.attgenerated<>''"
  "  OR coalesce(pg_catalog.pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false),"
  " a.atthasdef OR a.attidentity<>''"
  " FROM pg_catalog.pg_class c"
  " JOIN pg_catalog.pg_namespace n ON n.oid=c.relnamespace"
  " LEFT JOIN pg_catalog.pg_attribute a"
  "  ON a.attrelid=c.oid AND a.attnum>0 AND NOT a.attisdropped"
  " LEFT JOIN pg_catalog.pg_type t ON t.oid=a.atttypid"
  " LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid=c.oid AND d.adnum=a.attnum"
  " WHERE c.relkind IN ('r','p','v','m','f') AND c.relname=$2::pg_catalog.text"
  "  AND CASE WHEN $1::pg_catalog.text IS NULL"
  "   THEN pg_catalog.pg_table_is_visible(c.oid)"
  "   ELSE n.nspname=$1::pg_catalog.text END"
  " ORDER BY a.attnum";

/* Copy of column iCol of row iRow, sqlite3_malloc'd; *pbNoMem on failure */
static char *pgDup(const PGresult *pRes, int iRow, int iCol, int *pbNoMem){
  char *z = sqlite3_mprintf("%s", PQgetvalue(pRes, iRow, iCol));
  if( z==0 ) *pbNoMem = 1;
  return z;
}

/* xTableInfo. SQLITE_NOTFOUND when there is no such table or view. */
static int pgTableInfo(RemoteConn *pConn, const char *zSchema,
                       const char *zTable, RemoteTableInfo **ppInfo){
  PgConn *p = (PgConn*)pConn;
  const char *azParam[2];
  RemoteTableInfo *pInfo = 0;
  PGresult *pRes = 0;
  int bNoMem = 0;
  int nRow, i, rc;
  char cKind;

  *ppInfo = 0;
  azParam[0] = zSchema;
  azParam[1] = zTable ? zTable : "";
  rc = pgExecText(p, zPgTableInfo, 2, azParam, &pRes);
  if( rc!=SQLITE_OK ) goto table_info_done;
  nRow = PQntuples(pRes);
  if( nRow==0 ){
    rc = SQLITE_NOTFOUND;
    goto table_info_done;
  }
  pInfo = sqlite3_malloc(sizeof(RemoteTableInfo));
  if( pInfo==0 ) goto table_info_nomem;
  memset(pInfo, 0, sizeof(RemoteTableInfo));
  pInfo->zSchema = pgDup(pRes, 0, 0, &bNoMem);
  pInfo->zTable = pgDup(pRes, 0, 1, &bNoMem);
  cKind = PQgetvalue(pRes, 0, 2)[0];
  pInfo->bView = cKind=='v' || cKind=='m';
  pInfo->nRowEst = strtoll(PQgetvalue(pRes, 0, 3), 0, 10);
  if( pInfo->nRowEst<0 ) pInfo->nRowEst = -1;
  if( PQgetisnull(pRes, 0, 4) ) nRow = 0;   /* no columns */
  if( nRow>0 ){
    pInfo->aCol = sqlite3_malloc64(nRow*sizeof(RemoteColumnInfo));
    if( pInfo->aCol==0 ) goto table_info_nomem;
    memset(pInfo->aCol, 0, nRow*sizeof(RemoteColumnInfo));
    pInfo->nCol = nRow;
  }
  for(i=0; i<nRow; i++){
    RemoteColumnInfo *pCol = &pInfo->aCol[i];
    Oid oid = (Oid)strtoul(PQgetvalue(pRes, i, 5), 0, 10);
    pCol->zName = pgDup(pRes, i, 4, &bNoMem);
    pCol->zDeclType = sqlite3_mprintf("%s", pgDeclType(oid));
    if( pCol->zDeclType==0 ) bNoMem = 1;
    pCol->zRemoteType = pgDup(pRes, i, 6, &bNoMem);
    pCol->bNotNull = PQgetvalue(pRes, i, 7)[0]=='t';
    pCol->iPk = PQgetisnull(pRes, i, 8) ? 0 : atoi(PQgetvalue(pRes, i, 8));
    pCol->eColl = PQgetisnull(pRes, i, 9) ? REMOTE_COLL_UNKNOWN
                : atoi(PQgetvalue(pRes, i, 9));
    pCol->bEnum = PQgetvalue(pRes, i, 10)[0]=='t';
    pCol->zCastType = pgDup(pRes, i, 11, &bNoMem);
    pCol->bAuto = PQgetvalue(pRes, i, 12)[0]=='t';
    pCol->bDefault = PQgetvalue(pRes, i, 13)[0]=='t';
  }
  if( bNoMem ) goto table_info_nomem;
  *ppInfo = pInfo;
  pInfo = 0;
  goto table_info_done;

table_info_nomem:
  pgSetNoMem(p);
  rc = SQLITE_ERROR;
table_info_done:
  remoteTableInfoFree(pInfo);
  PQclear(pRes);
  return rc;
}

/*
** xListTables: tables, partitioned tables, views, materialized views and
** foreign tables of schema zSchema (NULL: current_schema()), in byte
** order; SQLITE_NOTFOUND when there is no schema zSchema. Partitions are left out (their rows show through the parent),
** as postgres_fdw's IMPORT FOREIGN SCHEMA does.
*/
static int pgListTables(RemoteConn *pConn, const char *zSchema,
                        int *pnTable, char ***pazTable){
  PgConn *p = (PgConn*)pConn;
  const char *azParam[1];
  PGresult *pRes = 0;
  char **azTable = 0;
  int nTable = 0, i, rc;

  *pnTable = 0;
  *pazTable = 0;
  azParam[0] = zSchema;
  /* one row with a NULL name: a schema without tables; none: no schema */
  rc = pgExecText(p,
      "SELECT c.relname FROM pg_catalog.pg_namespace n"
      " LEFT JOIN pg_catalog.pg_class c ON n.oid=c.relnamespace"
      "  AND c.relkind IN ('r','p','v','m','f') AND NOT c.relispartition"
      " WHERE n.nspname=COALESCE($1::pg_catalog.text, pg_catalog.current_schema())"
      " ORDER BY c.relname COLLATE \"C\"", 1, azParam, &pRes);
  if( rc!=SQLITE_OK ) return rc;
  if( PQntuples(pRes)==0 && zSchema ){
    PQclear(pRes);
    return SQLITE_NOTFOUND;
  }
  nTable = PQntuples(pRes);
  if( nTable==1 && PQgetisnull(pRes, 0, 0) ) nTable = 0;
  if( nTable>0 ){
    azTable = sqlite3_malloc64(nTable*sizeof(char*));
    if( azTable==0 ) goto list_tables_nomem;
    memset(azTable, 0, nTable*sizeof(char*));
    for(i=0; i<nTable; i++){
      azTable[i] = sqlite3_mprintf("%s", PQgetvalue(pRes, i, 0));
      if( azTable[i]==0 ) goto list_tables_nomem;
    }
  }
  PQclear(pRes);
  *pnTable = nTable;
  *pazTable = azTable;
  return SQLITE_OK;

list_tables_nomem:
  if( azTable ){
    for(i=0; i<nTable; i++) sqlite3_free(azTable[i]);
    sqlite3_free(azTable);
  }
  PQclear(pRes);
  pgSetNoMem(p);
  return SQLITE_ERROR;
}

/*
** ----------------------------------------------------------------------
** The dialect
** ----------------------------------------------------------------------
*/

/* The PGconn* of a connection (C API) */
static void *pgNativeHandle(RemoteConn *pConn){
  return ((PgConn*)pConn)->pg;
}

/*
** COPY zTarget FROM STDIN in text format (xCopyBegin, xCopyRows,
** xCopyEnd). Reals go in their shortest exact text (what a float8
** parameter would become), blobs as \x hex, NULL as \N. Rows are
** formatted into one buffer, sent in pieces of about 64 KiB; the server
** works on them while the next ones are made.
*/
static int pgCopyBegin(RemoteConn *pConn, const char *zTarget){
  PgConn *p = (PgConn*)pConn;
  PGresult *pRes;
  char *zSql;
  assert( p->base.pActive==0 );
  remoteConnClearError(pConn);
  /* times without a zone in the rows mean UTC (see "Time zones") */
  sqlite3_free(p->zCopyTz);
  p->zCopyTz = 0;
  if( pgTzToUtc(p, &p->zCopyTz)!=SQLITE_OK ) return SQLITE_ERROR;
  zSql = sqlite3_mprintf("COPY %s FROM STDIN", zTarget);
  if( zSql==0 ){
    pgTzRestore(p, p->zCopyTz);
    p->zCopyTz = 0;
    pgSetNoMem(p);
    return SQLITE_NOMEM;
  }
  pRes = pgExecWait(p, 0, zSql, -1, 0, 0);
  sqlite3_free(zSql);
  if( PQresultStatus(pRes)!=PGRES_COPY_IN ){
    if( pgCheck(p, pRes)==SQLITE_OK ){
      remoteConnSetError(pConn, REMOTE_ERR_OTHER, "08P01",
                         "ERROR 08P01: COPY did not start");
    }
    PQclear(pRes);
    pgDrain(p);
    pgTzRestore(p, p->zCopyTz);
    p->zCopyTz = 0;
    return SQLITE_ERROR;
  }
  PQclear(pRes);
  return SQLITE_OK;
}

/* PQputCopyData with bounded waits for room: SQLITE_OK or SQLITE_ERROR */
static int pgPutCopyData(PgConn *p, const char *a, int n){
  for(;;){
    int r = PQputCopyData(p->pg, a, n);
    if( r!=0 ) return r==1 ? SQLITE_OK : SQLITE_ERROR;
    if( pgFlushAll(p)!=SQLITE_OK ) return SQLITE_ERROR;
  }
}

/* PQputCopyEnd, then everything sent, with bounded waits */
static int pgPutCopyEnd(PgConn *p, const char *zAbort){
  for(;;){
    int r = PQputCopyEnd(p->pg, zAbort);
    if( r<0 ) return SQLITE_ERROR;
    if( r==1 ) return pgFlushAll(p);
    if( pgFlushAll(p)!=SQLITE_OK ) return SQLITE_ERROR;
  }
}

static int pgCopyRows(RemoteConn *pConn, int nCol, int nRow,
                      const RemoteValue *aVal){
  /* COPY text: the byte a special character becomes after a backslash */
  static const char aEscape[256] = {
    ['\\'] = '\\', ['\t'] = 't', ['\n'] = 'n', ['\r'] = 'r'
  };
  static const char aHex[] = "0123456789abcdef";
  PgConn *p = (PgConn*)pConn;
  char *aBuf = 0;                 /* rows not sent yet: aBuf[0..nBuf) */
  sqlite3_int64 nBuf = 0, nAlloc = 0;
  int r, c, rc = SQLITE_OK;
  assert( nCol>0 );               /* a row's \n ends its last value */
  remoteConnClearError(pConn);
  for(r=0; r<nRow && rc==SQLITE_OK; r++){
    for(c=0; c<nCol; c++){
      const RemoteValue *v = &aVal[r*nCol+c];
      sqlite3_int64 nMax = REMOTE_DOUBLE_TEXT_MAX+1;  /* with its \t or \n */
      char *z;
      int i;
      if( v->eType==SQLITE_TEXT && pgTextCheck(p, v) ){
        rc = SQLITE_ERROR;
        break;
      }
      if( v->eType==SQLITE_TEXT || v->eType==SQLITE_BLOB ){
        nMax += 3 + 2*(sqlite3_int64)v->n;
      }
      if( nBuf+nMax>nAlloc ){
        sqlite3_int64 nNew = nAlloc ? nAlloc*2 : 65536+4096;
        char *aNew;
        while( nNew<nBuf+nMax ) nNew *= 2;
        aNew = sqlite3_realloc64(aBuf, nNew);
        if( aNew==0 ){ rc = SQLITE_NOMEM; break; }
        aBuf = aNew;
        nAlloc = nNew;
      }
      z = &aBuf[nBuf];
      switch( v->eType ){
        case SQLITE_INTEGER:
          z += remoteIntText(v->i, z);
          break;
        case SQLITE_FLOAT:
          if( v->r!=v->r ){
            memcpy(z, "NaN", 3); z += 3;
          }else if( v->r>1.7976931348623157e308 ){
            memcpy(z, "Infinity", 8); z += 8;
          }else if( v->r< -1.7976931348623157e308 ){
            memcpy(z, "-Infinity", 9); z += 9;
          }else{
            z += remoteDoubleText(v->r, z);
          }
          break;
        case SQLITE_TEXT: {
          /* Runs of plain bytes in one copy, a backslash before the rest */
          const unsigned char *zIn = (const unsigned char*)v->z;
          const unsigned char *zEnd = v->n>0 ? zIn + v->n : zIn;
          while( zIn<zEnd ){
            const unsigned char *zRun = zIn;
            while( zIn<zEnd && aEscape[*zIn]==0 ) zIn++;
            memcpy(z, zRun, zIn-zRun);
            z += zIn-zRun;
            if( zIn<zEnd ){
              *z++ = '\\';
              *z++ = aEscape[*zIn++];
            }
          }
          break;
        }
        case SQLITE_BLOB:
          /* bytea's hex text, its backslash escaped for COPY */
          memcpy(z, "\\\\x", 3); z += 3;
          for(i=0; i<v->n; i++){
            unsigned char x = (unsigned char)v->z[i];
            *z++ = aHex[x>>4];
            *z++ = aHex[x&0xf];
          }
          break;
        default:
          memcpy(z, "\\N", 2); z += 2;
          break;
      }
      *z++ = c==nCol-1 ? '\n' : '\t';
      nBuf = z - aBuf;
    }
    if( rc==SQLITE_OK && (nBuf>=65536 || r==nRow-1) ){
      if( pgPutCopyData(p, aBuf, (int)nBuf)!=SQLITE_OK ) rc = SQLITE_ERROR;
      nBuf = 0;
    }
  }
  sqlite3_free(aBuf);
  if( rc==SQLITE_NOMEM ) pgSetNoMem(p);
  if( rc==SQLITE_ERROR && p->base.eErr==REMOTE_ERR_NONE ){
    pgSetError(p, 0);  /* xCopyEnd may say more */
  }
  return rc;
}

static int pgCopyEnd(RemoteConn *pConn, int bAbort, sqlite3_int64 *pnChange){
  PgConn *p = (PgConn*)pConn;
  PGresult *pRes;
  int rc = SQLITE_OK;
  int bKeep;                /* an abort keeps the error that caused it */
  *pnChange = 0;
  if( !bAbort ) remoteConnClearError(pConn);
  bKeep = bAbort && p->base.eErr!=REMOTE_ERR_NONE;
  if( pgPutCopyEnd(p, bAbort ? "sqlite-remote: copy aborted" : 0)!=SQLITE_OK ){
    rc = SQLITE_ERROR;
  }
  while( (pRes = pgGetResult(p))!=0 ){
    if( PQresultStatus(pRes)==PGRES_COMMAND_OK ){
      *pnChange = strtoll(PQcmdTuples(pRes), 0, 10);
    }else if( PQresultStatus(pRes)==PGRES_COPY_IN ){
      /* the server still waits: end it and read the failure */
      pgPutCopyEnd(p, "sqlite-remote: copy aborted");
    }else{
      if( !bKeep ) pgSetError(p, pRes);
      rc = SQLITE_ERROR;
    }
    PQclear(pRes);
  }
  if( p->bLost ) rc = SQLITE_ERROR;
  if( rc==SQLITE_ERROR && p->base.eErr==REMOTE_ERR_NONE ) pgSetError(p, 0);
  pgTzRestore(p, p->zCopyTz);
  p->zCopyTz = 0;
  return rc;
}

/* search_path for a schema_translate_map's "" entry (NULL: the default) */
static int pgSetSchema(RemoteConn *pConn, const char *zSchema){
  char *zSql = 0, *zQ = 0;
  sqlite3_int64 n;
  int rc;
  if( zSchema ){
    zQ = pgQuoteIdent(zSchema);
    zSql = zQ ? sqlite3_mprintf("SET search_path TO %s", zQ) : 0;
    sqlite3_free(zQ);
    if( zSql==0 ){ pgSetNoMem((PgConn*)pConn); return SQLITE_NOMEM; }
  }
  rc = pgExec(pConn, zSql ? zSql : "SET search_path TO DEFAULT", 0, 0, &n);
  sqlite3_free(zSql);
  return rc;
}

/*
** ----------------------------------------------------------------------
** Two-phase commit: PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED
** ----------------------------------------------------------------------
*/

/* zXid as a string constant that reads the same whatever
** standard_conforming_strings says: E'...' with ' and \ doubled.
** sqlite3_malloc'd. */
static char *pgXidLiteral(const char *zXid){
  sqlite3_str *pStr = sqlite3_str_new(0);
  const char *z;
  sqlite3_str_appendall(pStr, "E'");
  for(z=zXid; *z; z++){
    if( *z=='\'' || *z=='\\' ) sqlite3_str_appendchar(pStr, 1, *z);
    sqlite3_str_appendchar(pStr, 1, *z);
  }
  sqlite3_str_appendchar(pStr, 1, '\'');
  return sqlite3_str_finish(pStr);
}

/* xTpcSql: a transaction to be prepared begins and ends as any other
** until PREPARE TRANSACTION, after which any session may finish it */
static char *pgTpcSql(int eStep, const char *zXid){
  const char *zVerb = 0;
  char *zLit, *zSql;
  switch( eStep ){
    case REMOTE_TPC_BEGIN:        return pgBeginSql(0);
    case REMOTE_TPC_COMMIT_ONE:   return sqlite3_mprintf("COMMIT");
    case REMOTE_TPC_ROLLBACK_ONE: return sqlite3_mprintf("ROLLBACK");
    case REMOTE_TPC_PREPARE:      zVerb = "PREPARE TRANSACTION"; break;
    case REMOTE_TPC_COMMIT_PREPARED:   zVerb = "COMMIT PREPARED"; break;
    default:                      zVerb = "ROLLBACK PREPARED"; break;
  }
  zLit = pgXidLiteral(zXid);
  zSql = zLit ? sqlite3_mprintf("%s %s", zVerb, zLit) : 0;
  sqlite3_free(zLit);
  return zSql;
}

/* xTpcList: pg_prepared_xacts of this database (another database's can
** only be finished from a session connected to it), oldest first */
static int pgTpcList(RemoteConn *pConn, int *pnXid, char ***pazXid){
  PgConn *p = (PgConn*)pConn;
  PGresult *pRes = 0;
  char **azXid = 0;
  int i, n, rc;
  *pnXid = 0;
  *pazXid = 0;
  rc = pgExecText(p, "SELECT gid, prepared::pg_catalog.text"
                     " FROM pg_catalog.pg_prepared_xacts"
                     " WHERE database = pg_catalog.current_database()"
                     " ORDER BY prepared, gid", 0, 0, &pRes);
  if( rc ) return rc;
  n = PQntuples(pRes);
  if( n>0 ){
    azXid = sqlite3_malloc64(sizeof(char*)*2*n);
    if( azXid==0 ){
      PQclear(pRes);
      pgSetNoMem(p);
      return SQLITE_ERROR;
    }
    memset(azXid, 0, sizeof(char*)*2*n);
  }
  for(i=0; i<n; i++){
    char zTime[48];
    const char *zRaw = PQgetvalue(pRes, i, 1);
    int nTime = pgTstzToUtc(zRaw, (int)strlen(zRaw), zTime);
    azXid[2*i] = sqlite3_mprintf("%s", PQgetvalue(pRes, i, 0));
    azXid[2*i+1] = sqlite3_mprintf("%s", nTime>0 ? zTime : zRaw);
    if( azXid[2*i]==0 || azXid[2*i+1]==0 ) rc = SQLITE_NOMEM;
  }
  PQclear(pRes);
  if( rc ){
    for(i=0; i<2*n; i++) sqlite3_free(azXid[i]);
    sqlite3_free(azXid);
    pgSetNoMem(p);
    return SQLITE_ERROR;
  }
  *pnXid = n;
  *pazXid = azXid;
  return SQLITE_OK;
}

/* xTpcError: 42704 "prepared transaction with identifier ... does not
** exist"; max_prepared_transactions=0 ("prepared transactions are
** disabled", 55000) or too low ("maximum number of prepared transactions
** reached", 53200) */
static int pgTpcError(RemoteConn *pConn){
  const char *zErr = pConn->zErr ? pConn->zErr : "";
  if( strcmp(pConn->zCode, "42704")==0 ) return REMOTE_TPC_ERR_NOTFOUND;
  if( (strcmp(pConn->zCode, "55000")==0
       && strstr(zErr, "prepared transactions are disabled"))
   || (strcmp(pConn->zCode, "53200")==0
       && strstr(zErr, "maximum number of prepared transactions")) ){
    return REMOTE_TPC_ERR_DISABLED;
  }
  return 0;
}

const RemoteDialect remotePgDialect = {
  .iVersion = REMOTE_DIALECT_VERSION,
  .zName = "postgresql",
  .zDriver = "libpq",
  .xIsQueryKey = pgIsQueryKey,
  .xConnect = pgConnect,
  .xClose = pgClose,
  .xCloseNoTerminate = pgCloseNoTerminate,
  .xPing = pgPing,
  .xBackendPid = pgBackendPid,
  .xInTransaction = pgInTransaction,
  .xExec = pgExec,
  .xQuery = pgQuery,
  .xStep = pgStep,
  .xColumnCount = pgColumnCount,
  .xColumnName = pgColumnName,
  .xColumnDeclType = pgColumnDeclType,
  .xColumn = pgColumn,
  .xFinalize = pgFinalize,
  .xQuoteIdent = pgQuoteIdent,
  .xBeginSql = pgBeginSql,
  .zCommitSql = "COMMIT",
  .zRollbackSql = "ROLLBACK",
  .xSavepointSql = pgSavepointSql,
  .xReleaseSql = pgReleaseSql,
  .xRollbackToSql = pgRollbackToSql,
  .xSetIsolation = pgSetIsolation,
  .xGetIsolation = pgGetIsolation,
  .xTableInfo = pgTableInfo,
  .xListTables = pgListTables,
  .xNativeHandle = pgNativeHandle,
  .xCopyBegin = pgCopyBegin,
  .xCopyRows = pgCopyRows,
  .xCopyEnd = pgCopyEnd,
  .xSetSchema = pgSetSchema,
  .xTpcSql = pgTpcSql,
  .xTpcList = pgTpcList,
  .xTpcError = pgTpcError,
  .nTpcXidMax = 199,        /* a gid is shorter than 200 bytes */
  /* no xLastInsertId: INSERT ... RETURNING serves */
#ifdef LIBPQ_HAS_PIPELINING
  .xExecBatch = pgExecBatch,
#endif
  .xConnectOpts = pgConnectOpts,
};

static const RemoteDialect *pgDialect(void){
  return &remotePgDialect;
}
