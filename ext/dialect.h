/* SPDX-License-Identifier: MIT */
/*
** dialect.h: the driver interface every backend implements.
**
** A dialect is a table of function pointers (RemoteDialect) that the pool,
** session and virtual-table layers call; none of them includes libpq or
** MySQL headers. Start reading at struct RemoteDialect, then RemoteConn
** (the base every driver connection embeds first) and RemoteValue (how a
** value crosses in both directions).
**
** Ownership: every char* a dialect hands out that the caller must free is
** sqlite3_malloc'd. Values a cursor hands out (RemoteValue.z) stay valid
** until the next xStep or xFinalize on that cursor.
*/
#ifndef REMOTE_DIALECT_H
#define REMOTE_DIALECT_H

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "url.h"

typedef struct RemoteDialect RemoteDialect;
typedef struct RemoteConn RemoteConn;
typedef struct RemoteCursor RemoteCursor;
typedef struct RemoteValue RemoteValue;
typedef struct RemoteColumnInfo RemoteColumnInfo;
typedef struct RemoteTableInfo RemoteTableInfo;
typedef struct RemoteConnectOpts RemoteConnectOpts;

/* Engine options a dialect needs at connect (xConnectOpts) */
struct RemoteConnectOpts {
  double rIoTimeout;        /* io_timeout seconds, 0 = none */
  double rStmtTimeout;      /* statement_timeout seconds, 0 = none */
};

/*
** One value crossing to or from the remote, in SQLite's storage classes.
** eType is SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_BLOB or
** SQLITE_NULL. For TEXT and BLOB, z/n hold the bytes (TEXT is UTF-8 and not
** necessarily nul-terminated).
*/
struct RemoteValue {
  int eType;
  sqlite3_int64 i;
  double r;
  const char *z;
  int n;
};

/*
** xQuery flags (the core sets them only for its own SQL). REMOTE_QUERY_SCAN: zSql is one SELECT statement the core
** built (no trailing semicolon or comment) and many rows are expected: the
** dialect may stream it by other means than a plain query (PostgreSQL: a
** binary COPY), with the same values, columns and errors.
*/
#define REMOTE_QUERY_SCAN      0x01
/* REMOTE_QUERY_ONE: at most one row can come (a unique lookup): the
** dialect may read the result whole instead of streaming it. */
#define REMOTE_QUERY_ONE       0x02
/*
** REMOTE_QUERY_SHARED: other statements may need this connection before
** the stream ends (a read nested in this scan, with no other connection
** to run on). The dialect may then stream it so that the connection is
** free between two xStep calls (PostgreSQL: a server-side cursor read
** FETCH nFetch rows at a time; MySQL: a server-side cursor), with the same
** rows, columns and errors. Such a cursor does not set pConn->pActive:
** that is how the core tells; the core then makes the connection free of
** any other stream before each xStep and the xFinalize of it, and
** finalizes it before the connection is closed. Without it, the core
** reads the stream whole into memory when another statement needs the
** connection.
*/
#define REMOTE_QUERY_SHARED    0x04
/* REMOTE_QUERY_STREAM (the core's, never seen by a dialect): a stream that
** stays open while other statements run (a scan feeding SQLite row by
** row), which result.c turns into REMOTE_QUERY_SHARED when it must
** share its connection. */
#define REMOTE_QUERY_STREAM    0x08
/* REMOTE_QUERY_UTC: SQL the core built (a virtual table's): the date-times
** it reads and sends are UTC texts (the type mapping's), whatever the
** session's time zone. A dialect whose server renders times in the session
** zone without an offset runs it in UTC (MySQL/MariaDB); the user's own SQL
** keeps the session's zone. For xExec it comes in RemoteConn.mFlags. */
#define REMOTE_QUERY_UTC       0x10
/* REMOTE_QUERY_SINGLE: zSql holds text from a table definition (query=):
** run it so that the server takes exactly one statement (a server-side
** prepared statement, PostgreSQL's extended query protocol), never a
** text several statements could hide in. */
#define REMOTE_QUERY_SINGLE    0x20

/* Classes of remote error, set by the dialect in RemoteConn.eErr */
#define REMOTE_ERR_NONE        0
#define REMOTE_ERR_OTHER       1   /* any error that leaves the connection valid */
#define REMOTE_ERR_CONSTRAINT  2   /* integrity violation: SQLITE_CONSTRAINT */
#define REMOTE_ERR_DISCONNECT  3   /* the connection is unusable */

/*
** Base of every driver connection: the dialect's own struct starts with it.
** After a failed call the dialect fills zCode (SQLSTATE for PostgreSQL, the
** error number as decimal text for MySQL, SQLite's result code for SQLite),
** zErr (sqlite3_malloc'd message, no trailing newline) and eErr.
** remoteConnClearError() resets all three.
*/
struct RemoteConn {
  const RemoteDialect *pDialect;
  int eErr;                 /* REMOTE_ERR_* of the last failure */
  char zCode[16];           /* remote error code of the last failure */
  char *zErr;               /* sqlite3_malloc'd message of the last failure */
  RemoteCursor *pActive;    /* open streaming cursor on this conn, or NULL */
  char zSchemaSet[128];     /* default schema set by xSetSchema for a
                            ** schema_translate_map ("" = the connection's
                            ** own; "\001" = a name too long to keep) */
  int nStmtCache;           /* prepared statements the dialect may keep per
                            ** connection, keyed by SQL text and parameter
                            ** types; 0 = prepare nothing. Set by the core. */
  int mFlags;               /* REMOTE_QUERY_UTC (only) during an xExec of SQL
                            ** the core built; 0 otherwise. Set by the core. */
  /* Bounded waits (wait.c): set by the core after xConnect */
  double rIoTimeout;        /* io_timeout seconds: no byte from the server
                            ** for that long ends a wait, the connection is
                            ** lost (REMOTE_ERR_DISCONNECT); 0 = none */
  double rStmtTimeout;      /* statement_timeout seconds; 0 = none */
  /* "Should I stop?" of the statement running on this connection, set
  ** by the session layer from its SQLite connection (sqlite3_interrupt):
  ** nonzero = stop. Called from the thread of the statement, between
  ** waits on the server; NULL = never stop. */
  int (*xStop)(void *pStopArg);
  void *pStopArg;
  int bStopped;             /* the last failure is a stop: the statement was
                            ** cancelled because xStop said so (the core
                            ** reports SQLITE_INTERRUPT); with eErr
                            ** DISCONNECT when the cancel got no answer */
  double tStmt;             /* wait.c: when the statement in flight started
                            ** (remoteMonotonic), 0 = none */
  double tCheck;            /* wait.c: when xStop and statement_timeout
                            ** were last looked at */
  double tCancel;           /* wait.c: when it was asked to cancel, 0 = not */
  int eCancel;              /* wait.c: REMOTE_CANCEL_* why it was */
};

/* Why the statement in flight was cancelled (RemoteConn.eCancel) */
#define REMOTE_CANCEL_NONE     0
#define REMOTE_CANCEL_STOP     1   /* xStop: sqlite3_interrupt() */
#define REMOTE_CANCEL_TIMEOUT  2   /* statement_timeout, client side */
#define REMOTE_CANCEL_CLOSE    3   /* its cursor was closed before the end */

/*
** Base of every driver cursor (an open result stream). pConn is the
** connection it runs on; while it is open, pConn->pActive points at it.
*/
struct RemoteCursor {
  RemoteConn *pConn;
};

/* One column of a remote table, as read from the remote catalog */
struct RemoteColumnInfo {
  char *zName;              /* column name */
  char *zDeclType;          /* "INTEGER", "REAL", "NUMERIC", "TEXT" or "BLOB" */
  char *zRemoteType;        /* the remote's own type name, e.g. "varchar(20)" */
  int iPk;                  /* 1-based position in the primary key, 0 = none */
  int bNotNull;
  int eColl;                /* a text column's collation: REMOTE_COLL_* */
  int bEnum;                /* an enum type (PostgreSQL) */
  int bAuto;                /* the remote fills it by itself: identity,
                            ** serial (a nextval default), AUTO_INCREMENT,
                            ** a generated column */
  int bDefault;             /* it has a remote default (bAuto ones too) */
  char *zCastType;          /* its type without modifiers, as a cast names
                            ** it (PostgreSQL "character varying"), or NULL */
};

/* RemoteColumnInfo.eColl: what the catalog says of a column's collation */
#define REMOTE_COLL_UNKNOWN 0   /* not known, or not a text column */
#define REMOTE_COLL_EQ      1   /* deterministic: equality is byte equality */
#define REMOTE_COLL_BYTES   2   /* ... and it orders like bytes (C, POSIX,
                                ** C.UTF-8) */

/* A remote table's definition; freed with remoteTableInfoFree() */
struct RemoteTableInfo {
  char *zSchema;            /* schema (PostgreSQL) or database (MySQL) */
  char *zTable;
  int bView;                /* 1 for a view (no primary key, read-only) */
  int nCol;
  RemoteColumnInfo *aCol;   /* sqlite3_malloc'd array of nCol */
  sqlite3_int64 nRowEst;    /* remote statistics' row estimate, -1 unknown */
};

/*
** The struct's version: members are only ever added at the end, and a
** dialect says in iVersion which of them it fills (the core reads a later
** member only when iVersion is at least the version that added it). Fill
** it with designated initialisers: .iVersion = REMOTE_DIALECT_VERSION,
** .zName = "...", .xConnect = ..., so that a new member never shifts the
** others. Version 1 is this struct as it is here, and RemoteConn as it is
** here. A dialect registered through the C API with an older version than
** the core's gets the later members zeroed (remoteDialectRegister keeps a
** copy completed to the core's size, its iVersion left as the dialect
** said); RemoteConn fields a later version adds are only written for a
** dialect of that version.
*/
#define REMOTE_DIALECT_VERSION 1

struct RemoteDialect {
  int iVersion;             /* REMOTE_DIALECT_VERSION this dialect was written for */
  const char *zName;        /* "postgresql", "mysql" (also serves "mariadb"), "sqlite" */
  const char *zDriver;      /* default driver name: "libpq", "mysqlclient", "sqlite3" */

  /* 1 if zKey may appear in the URL's query string (passed to the driver) */
  int (*xIsQueryKey)(const char *zKey);

  /* Open a connection. On failure return SQLITE_ERROR and set *pzErr to a
  ** sqlite3_malloc'd message without any password, and *peErr to a
  ** REMOTE_ERR_* class (DISCONNECT for an unreachable server). The new
  ** connection keeps the time zone the user chose (URL, server default);
  ** date-times still read as the type mapping gives them (UTC). */
  int (*xConnect)(const RemoteUrl *pUrl, RemoteConn **ppConn, char **pzErr,
                  int *peErr);

  /* Close politely (terminate message) and free. */
  void (*xClose)(RemoteConn*);

  /* Free without a word to the server: close the socket first (after fork). */
  void (*xCloseNoTerminate)(RemoteConn*);

  /* SQLITE_OK if the connection answers a trivial round trip. */
  int (*xPing)(RemoteConn*);

  /* Server's id for this session (PostgreSQL backend pid, MySQL thread id). */
  sqlite3_int64 (*xBackendPid)(RemoteConn*);

  /* 1 if a transaction is open on the server side (or was left open). */
  int (*xInTransaction)(RemoteConn*);

  /* Run SQL with nParam bound parameters (nParam==0: SQL may hold several
  ** statements). Any rows are discarded. *pnChange = rows affected by the
  ** last statement (0 for DDL). Returns SQLITE_OK or SQLITE_ERROR with the
  ** error fields of the conn set. */
  int (*xExec)(RemoteConn*, const char *zSql, int nParam,
               const RemoteValue *aParam, sqlite3_int64 *pnChange);

  /* Start a streaming query; nFetch is the rows-per-round-trip hint,
  ** mFlags REMOTE_QUERY_* bits. On success *ppCur is open and positioned
  ** before the first row. */
  int (*xQuery)(RemoteConn*, const char *zSql, int nParam,
                const RemoteValue *aParam, int nFetch, int mFlags,
                RemoteCursor **ppCur);

  /* Advance: SQLITE_ROW, SQLITE_DONE, or SQLITE_ERROR (conn error set). */
  int (*xStep)(RemoteCursor*);

  int (*xColumnCount)(RemoteCursor*);
  const char *(*xColumnName)(RemoteCursor*, int iCol);

  /* Declared type of a result column after the type mapping (README.md,
  ** "Virtual tables"):
  ** "INTEGER", "REAL", "NUMERIC", "TEXT" or "BLOB". */
  const char *(*xColumnDeclType)(RemoteCursor*, int iCol);

  /* Value of column iCol of the current row, after the type mapping. */
  void (*xColumn)(RemoteCursor*, int iCol, RemoteValue *pOut);

  /* Close the cursor (discarding unread rows) and free it. Clears
  ** pConn->pActive. Never fails; a broken connection is seen by its next use. */
  void (*xFinalize)(RemoteCursor*);

  /* Quote an identifier with the dialect's escaping: sqlite3_malloc'd. */
  char *(*xQuoteIdent)(const char *zIdent);

  /* SQL text of the statements for transactions. zIsolation is a
  ** normalized level ("REPEATABLE READ") or NULL for the default. Each
  ** returns a sqlite3_malloc'd string (possibly several statements for
  ** xBeginSql). */
  char *(*xBeginSql)(const char *zIsolation);
  const char *zCommitSql;
  const char *zRollbackSql;
  char *(*xSavepointSql)(const char *zName);
  char *(*xReleaseSql)(const char *zName);
  char *(*xRollbackToSql)(const char *zName);

  /* Set the session's default isolation level for later transactions
  ** (zLevel normalized, or "AUTOCOMMIT"). NULL zLevel = server default. */
  int (*xSetIsolation)(RemoteConn*, const char *zLevel);

  /* The level in force, asked of the server, normalized
  ** ("READ COMMITTED"): sqlite3_malloc'd, or NULL with the error set. */
  char *(*xGetIsolation)(RemoteConn*);

  /* Read a table's (or view's) columns, primary key and row estimate from
  ** the catalog. zSchema NULL = the connection's default (search path /
  ** current database). Returns SQLITE_OK, SQLITE_NOTFOUND when there is
  ** no such table, or SQLITE_ERROR with the conn error set. */
  int (*xTableInfo)(RemoteConn*, const char *zSchema, const char *zTable,
                    RemoteTableInfo **ppInfo);

  /* List table and view names of a schema (NULL = default) as a
  ** sqlite3_malloc'd array of sqlite3_malloc'd strings. SQLITE_NOTFOUND
  ** (nothing listed) when the schema zSchema does not exist. */
  int (*xListTables)(RemoteConn*, const char *zSchema,
                     int *pnTable, char ***pazTable);

  /* The driver's own handle (PGconn*, MYSQL*, sqlite3*) for the C API */
  void *(*xNativeHandle)(RemoteConn*);

  /* Optional (all three NULL when the dialect has none): a bulk insert
  ** into zTarget, the quoted table and column list (`"s"."t" ("a", "b")`),
  ** without conflict handling. xCopyBegin starts it; xCopyRows sends nRow
  ** rows of nCol values (row-major), any number of times; xCopyEnd ends it
  ** (bAbort: throw away what was sent) and sets *pnChange. In between the
  ** connection serves nothing else. A row's error may show only at
  ** xCopyEnd, which must be called after any failure. Same result and
  ** errors as the multi-row INSERT it replaces. */
  int (*xCopyBegin)(RemoteConn*, const char *zTarget);
  int (*xCopyRows)(RemoteConn*, int nCol, int nRow, const RemoteValue *aVal);
  int (*xCopyEnd)(RemoteConn*, int bAbort, sqlite3_int64 *pnChange);

  /* Optional: make zSchema the schema unqualified names resolve in
  ** (PostgreSQL search_path, MySQL USE); NULL = the connection's own. */
  int (*xSetSchema)(RemoteConn*, const char *zSchema);

  /* Optional two-phase commit (twophase.c). All NULL/0 when the server
  ** cannot prepare a transaction (the SQLite dialect): such an engine takes
  ** no part in a two-phase commit.
  **
  ** xTpcSql: the SQL text (sqlite3_malloc'd, possibly several statements)
  ** of step eStep (REMOTE_TPC_*) of the two-phase transaction zXid, or
  ** NULL when out of memory. zXid is at most nTpcXidMax bytes, checked
  ** by the caller; the dialect quotes it. xTpcSql(REMOTE_TPC_BEGIN, NULL)
  ** is NULL when the dialect names the transaction at its start (XA
  ** START), and its plain BEGIN when the xid matters only from PREPARE on
  ** (PostgreSQL).
  **
  ** xTpcList: the prepared transactions the server holds that this
  ** connection can finish, as *pnXid pairs in *pazXid (sqlite3_malloc'd
  ** array of 2*n sqlite3_malloc'd strings: the xid as xTpcSql takes it
  ** back, and when it was prepared as UTC text "YYYY-MM-DD HH:MM:SS[.f]
  ** +00:00", or NULL when the server does not say). SQLITE_OK, or
  ** SQLITE_ERROR with the conn error set.
  **
  ** xTpcError: what the last failure on the connection means for a
  ** two-phase step: REMOTE_TPC_ERR_NOTFOUND (no prepared transaction of
  ** that xid), REMOTE_TPC_ERR_DISABLED (the server is set up to refuse
  ** prepared transactions), or 0 (anything else). */
  char *(*xTpcSql)(int eStep, const char *zXid);
  int (*xTpcList)(RemoteConn*, int *pnXid, char ***pazXid);
  int (*xTpcError)(RemoteConn*);
  int nTpcXidMax;           /* longest xid in bytes */
  /* Optional: the key the server generated for the last of the nRow rows
  ** the last INSERT on this connection wrote (MySQL: mysql_insert_id() is
  ** the first one's), *piId 0 when none. SQLITE_OK or SQLITE_ERROR with
  ** the error set. */
  int (*xLastInsertId)(RemoteConn*, int nRow, sqlite3_int64 *piId);

  /* Optional: run zSql (nParam placeholders) once for each of nSet
  ** parameter sets (aParam: nSet*nParam values, one set after the other)
  ** in as few round trips as the driver allows (PostgreSQL: pipeline mode;
  ** MariaDB: array binding). *pnChange = the rows affected in all. On
  ** failure the sets before the failing one may have run (the caller's
  ** transaction undoes them): SQLITE_ERROR with the error set.
  ** SQLITE_NOTFOUND, having run nothing: not for these sets (the caller
  ** runs them one by one). */
  int (*xExecBatch)(RemoteConn*, const char *zSql, int nParam, int nSet,
                    const RemoteValue *aParam, sqlite3_int64 *pnChange);
  /* Optional: xConnect with the engine's options that bound the connect
  ** itself (io_timeout); the core calls it instead of xConnect when set. */
  int (*xConnectOpts)(const RemoteUrl *pUrl, const RemoteConnectOpts *pOpts,
                      RemoteConn **ppConn, char **pzErr, int *peErr);
};

/* Steps of a two-phase transaction (xTpcSql) */
#define REMOTE_TPC_BEGIN            1  /* begin it (BEGIN / XA START) */
#define REMOTE_TPC_PREPARE          2  /* prepare it (PREPARE TRANSACTION /
                                       ** XA END + XA PREPARE) */
#define REMOTE_TPC_COMMIT_ONE       3  /* commit it unprepared, one phase */
#define REMOTE_TPC_ROLLBACK_ONE     4  /* roll it back unprepared */
#define REMOTE_TPC_COMMIT_PREPARED  5  /* finish a prepared one, from any
                                       ** connection outside a transaction */
#define REMOTE_TPC_ROLLBACK_PREPARED 6

/* xTpcError classes */
#define REMOTE_TPC_ERR_NOTFOUND  1
#define REMOTE_TPC_ERR_DISABLED  2

/* Reset the error fields of a connection. */
void remoteConnClearError(RemoteConn*);

/* Set the error fields: eErr class, zCode (may be NULL), message printf-style. */
void remoteConnSetError(RemoteConn*, int eErr, const char *zCode,
                        const char *zFmt, ...);

/*
** The prepared statements a dialect keeps per connection (stmtcache.c),
** most recently used first. A dialect's entry starts with a RemoteStmt,
** keyed by zSql and aKey[0..nKey) (bytes the dialect adds, e.g. the
** parameter types), both owned by the entry (remoteStmtKey sets them).
** xDrop(pCtx, e) closes and frees an entry the cache lets go.
*/
typedef struct RemoteStmt RemoteStmt;
struct RemoteStmt {
  RemoteStmt *pNewer, *pOlder;  /* the LRU list */
  unsigned int h;               /* hash of the key */
  const char *zSql;
  int nSql;
  const void *aKey;
  int nKey;
};
typedef struct RemoteStmtCache RemoteStmtCache;
struct RemoteStmtCache {
  RemoteStmt *pNewest, *pOldest;
  int nStmt;
  void (*xDrop)(void *pCtx, RemoteStmt*);
  void *pCtx;
};
/* The entry of this key, made the most recently used; NULL if none */
RemoteStmt *remoteStmtFind(RemoteStmtCache*, const char *zSql,
                           const void *aKey, int nKey);
/* Set e's key (the texts stay the caller's, inside e's allocation) */
void remoteStmtKey(RemoteStmt *e, const char *zSql, const void *aKey, int nKey);
/* Add e as the most recently used entry */
void remoteStmtAdd(RemoteStmtCache*, RemoteStmt *e);
/* Let e go (xDrop); let the least recently used go until at most nKeep
** are left, never pKeep; let every one go */
void remoteStmtDrop(RemoteStmtCache*, RemoteStmt *e);
void remoteStmtTrim(RemoteStmtCache*, int nKeep, RemoteStmt *pKeep);
void remoteStmtClear(RemoteStmtCache*);

/* Free a RemoteTableInfo and everything in it. NULL is a no-op. */
void remoteTableInfoFree(RemoteTableInfo*);

/* Apply SQLite's NUMERIC affinity to the text z[0..n): integer, real, or
** text left as it is (pOut->z points into z). */
void remoteNumericAffinity(const char *z, int n, RemoteValue *pOut);

/* The text of the double r, as the first of printf's %.15g, %.16g and
** %.17g that strtod() reads back as r, byte for byte (nearly always the
** shortest that does), nul-terminated in zOut, which has room for
** REMOTE_DOUBLE_TEXT_MAX bytes. Returns its length. Callers deal with NaN
** and the infinities first (they give "nan", "inf"). */
#define REMOTE_DOUBLE_TEXT_MAX 32
int remoteDoubleText(double r, char *zOut);

/* The significant digits SQLite's own text of a REAL has (CAST(r AS TEXT),
** TEXT affinity): 15 before SQLite 3.52, then the connection's
** SQLITE_DBCONFIG_FP_DIGITS (17 unless changed; db NULL: 17). The text is
** sqlite3_mprintf("%!.*g", remoteFpDigits(db), r). */
int remoteFpDigits(sqlite3 *db);

/* The double strtod() reads from the plain decimal z[0..n) ([+-]digits
** [.digits][e[+-]digits], nothing before or after), when it can be had
** exactly without strtod(): returns 1 with *pr set, or 0 (anything else,
** or too many digits, or an exponent too far from 0) and the caller uses
** strtod(). */
int remoteTextDouble(const char *z, int n, double *pr);

/* The decimal text of i, as %lld, nul-terminated in zOut (room for 21
** bytes). Returns its length. */
int remoteIntText(sqlite3_int64 i, char *zOut);

/*
** A polite close returns before the server has ended the session, so a
** pool could briefly have one more session on the server than it counts.
** remoteSocketWatch() duplicates a connection's socket before the close;
** remoteSocketAwaitClose() then waits (at most msLimit) for the server to
** close its end, and closes the duplicate.
*/
int remoteSocketWatch(int fd);
void remoteSocketAwaitClose(int fdWatch, int msLimit);

/*
** Waiting on a server (wait.c): every wait of a dialect on its socket goes
** through remoteWait(), which bounds it by io_timeout, asks the
** connection's xStop hook and watches statement_timeout (both every
** REMOTE_CHECK_INTERVAL seconds of a statement), and has the statement
** cancelled through xCancel when either says so.
**
**   remoteWaitStart(p)     a new statement is sent: its clocks start
**   remoteWait(p, fd, POLLIN, &tLast, xCancel)
**                          >0: revents of fd; 0: nothing yet, wait again;
**                          <0: give up, p's error is set (io_timeout, or a
**                          cancel the server never answered: the
**                          connection is lost, REMOTE_ERR_DISCONNECT)
**   remoteWaitEnd(p)       the statement's last result arrived
**
** tLast is the caller's: 0 before the first call of a wait, then the time
** of the last progress (io_timeout counts from it). xCancel asks the server
** to cancel the statement in flight, bounded in time: SQLITE_OK when the
** request was delivered; else the connection is treated as lost. After a
** delivered cancel, a wait that gets no byte for REMOTE_CANCEL_GRACE
** seconds (or io_timeout, when that is shorter) loses the connection.
*/
#define REMOTE_CHECK_INTERVAL  0.1
#define REMOTE_CANCEL_GRACE    2.0
#define REMOTE_CANCEL_LIMIT    1.0   /* seconds a cancel request may take */
void remoteWaitStart(RemoteConn *p);
void remoteWaitEnd(RemoteConn *p);
int remoteWait(RemoteConn *p, int fd, int mEvents, double *ptLast,
               int (*xCancel)(RemoteConn*));

/* The error of a connection lost to io_timeout (eErr DISCONNECT, code
** zCode): "io_timeout of 2 s expired waiting for the server" */
void remoteWaitSetIoError(RemoteConn *p, const char *zCode);

/* After the server failed the statement: if it was cancelled on a stop
** (sqlite3_interrupt), the error becomes "interrupted" with bStopped set;
** if on statement_timeout, " (statement_timeout of N s)" is appended.
** bCancelCode: the server's error is its "cancelled" code (57014, 1317) */
void remoteWaitCancelled(RemoteConn *p, int bCancelCode);

/* Connect a non-blocking TCP or unix socket to the address pAddr (nAddr
** bytes), waiting at most rLimit seconds: the descriptor, or -1 */
int remoteSocketConnect(const void *pAddr, int nAddr, double rLimit);

/* Day number (since 1970-01-01) of a Gregorian date, and back: for the
** dialects that move timestamps to UTC */
sqlite3_int64 remoteDaysFromCivil(sqlite3_int64 y, int m, int d);
void remoteCivilFromDays(sqlite3_int64 z, sqlite3_int64 *py, int *pm, int *pd);

/* The built-in dialects */
extern const RemoteDialect remotePgDialect;
extern const RemoteDialect remoteMysqlDialect;
extern const RemoteDialect remoteSqliteDialect;

#endif /* REMOTE_DIALECT_H */
