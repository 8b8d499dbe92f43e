/* SPDX-License-Identifier: MIT */
/*
** dialect_mysql.c: the MySQL/MariaDB dialect (remoteMysqlDialect) over
** MariaDB Connector/C. It serves the URL dialects "mysql" and "mariadb";
** its default driver name is "mysqlclient".
**
** Read myConnect() first (query keys, TLS modes, the session's time zone),
** then
** myQuery() / myStep() / myColumn(): a statement without parameters streams
** over the text protocol (mysql_use_result), one with parameters over a
** server-side prepared statement (mysql_stmt_fetch, never stored), and
** myFieldClass() decides the SQLite type of a result column for both.
** Prepared statements are kept per connection in a small LRU cache
** (myStmtGet). Every call that waits on the server is made in
** Connector/C's non-blocking mode (MY_ASYNC), so that io_timeout and
** SQLite's interrupt bound it (wait.c).
*/
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mysql.h>

#include "dialect.h"
#include "tz.h"
#include "log.h"

/* The collation number MySQL uses for binary strings and non-text types */
#define MY_BINARY_CHARSET 63

/* Largest inline bind buffer of a string column; longer values go
** through mysql_stmt_fetch_column into the cursor's overflow buffer */
#define MY_STRING_SLOT 1024

/* Round up to a multiple of 8 */
#define MY_ROUND8(n) (((n)+7) & ~(size_t)7)

/*
** Classes of result column. myFieldClass() maps a MYSQL_FIELD to one;
** each protocol then converts its bytes into that class's value.
*/
#define MYC_NULL      0   /* MYSQL_TYPE_NULL: always NULL (declared TEXT) */
#define MYC_INTEGER   1   /* integers, YEAR: INTEGER */
#define MYC_UBIGINT   2   /* BIGINT UNSIGNED: NUMERIC (real above 2^63-1) */
#define MYC_BIT       3   /* BIT(n): big-endian bytes, as INTEGER */
#define MYC_DOUBLE    4   /* DOUBLE: REAL, NaN is NULL */
#define MYC_FLOAT     5   /* FLOAT: REAL nearest the server's text form */
#define MYC_DECIMAL   6   /* DECIMAL: NUMERIC affinity of the server's text */
#define MYC_DATE      7   /* YYYY-MM-DD */
#define MYC_DATETIME  8   /* DATETIME: YYYY-MM-DD HH:MM:SS[.f] */
#define MYC_TSTAMP    9   /* TIMESTAMP: the same, shifted to UTC */
#define MYC_TIME     10   /* [-]HH:MM:SS[.f] */
#define MYC_TEXT     11   /* character strings, JSON, anything else */
#define MYC_BLOB     12   /* binary strings */

static const char *const azMyDeclType[] = {
  "TEXT", "INTEGER", "NUMERIC", "INTEGER", "REAL", "REAL", "NUMERIC",
  "TEXT", "TEXT", "TEXT", "TEXT", "TEXT", "BLOB"
};

/* Bytes of a temporal column's bind slot: the MYSQL_TIME, then its text */
#define MY_TIME_TEXT  MY_ROUND8(sizeof(MYSQL_TIME))
#define MY_TIME_SLOT  (MY_TIME_TEXT + 96)

typedef struct MyStmt MyStmt;
static void myStmtDropped(void *pCtx, RemoteStmt *pEntry);
typedef struct MyConn MyConn;
typedef struct MyCursor MyCursor;

/* A cached prepared statement, keyed by its SQL text */
struct MyStmt {
  RemoteStmt base;            /* the cache entry (stmtcache.c): first; its
                              ** key is the SQL text just past this struct */
  MYSQL_STMT *pStmt;
  struct MyCursor *pIdle;     /* a finalized cursor of pStmt whose buffers
                              ** are still bound to its results (myCursorFits) */
};

struct MyConn {
  RemoteConn base;            /* Base class - must be first */
  MYSQL *db;
  char *zPassword;            /* masked out of every message, or NULL */
  char *zDatabase;            /* the URL's database, for xSetSchema(NULL) */
  int eTz;                    /* MYTZ_*: the session's time_zone, in which
                              ** the server renders TIMESTAMP values */
  int nTzOffset;              /* MYTZ_OFFSET: seconds it is ahead of UTC */
  const RemoteTz *pTz;        /* MYTZ_ZONE: its rules (tz.c) */
  int bTzAsk;                 /* a zone without rules here: ask the server
                              ** its offset before the next statement */
  char zSysTz[64];            /* @@system_time_zone (for time_zone SYSTEM) */
  int nSysOffset;             /* the system zone's offset at connect */
  int bSetStatement;          /* MariaDB 10.1.2+: SET STATEMENT ... FOR */
  const char *zIsoVar;        /* "tx_isolation" or "transaction_isolation" */
  RemoteStmtCache cache;      /* prepared statements (stmtcache.c) */
  struct MyCursor *pSpare;    /* a finalized cursor's block, for the next */
  RemoteUrl *pUrl;            /* copy of the URL, for KILL QUERY's connection */
  int bLost;                  /* a wait failed (io_timeout, unanswered
                              ** cancel): the connection is unusable */
};

static void myTrackTz(MyConn *p);
static void myTzSet(MyConn *p, const char *zVal, size_t nVal);
static void myTzAsk(MyConn *p);
static const char *myUtcSql(MyConn *p, const char *zSql, int mFlags,
                            char **pzFree);

/* MyConn.eTz */
#define MYTZ_UTC      0
#define MYTZ_OFFSET   1       /* a fixed offset: "+05:30", or a fallback */
#define MYTZ_ZONE     2       /* a named zone with rules (pTz) */


/* States of a cursor */
#define MYCUR_START   0       /* before the first row */
#define MYCUR_ROW     1       /* on a row */
#define MYCUR_DONE    2       /* after the last row, or failed */

/*
** An open result stream. With pStmt==0 it reads the text protocol from
** pRes; otherwise it fetches pStmt's rows into aBind, whose buffers are
** slots of one arena allocated with the cursor. Values longer than their
** slot are fetched into zOvfl, the one buffer that grows.
*/
struct MyCursor {
  RemoteCursor base;          /* Base class - must be first */
  MYSQL_RES *pRes;            /* text protocol stream, or NULL */
  MYSQL_STMT *pStmt;          /* binary protocol statement, or NULL */
  MyStmt *pCached;            /* cache entry owning pStmt, or NULL */
  int nCol;
  int eState;                 /* MYCUR_* */
  char **azName;              /* column names (copied) */
  unsigned char *aClass;      /* MYC_* of each column */
  MYSQL_ROW azRow;            /* text: the current row */
  unsigned long *anLen;       /* lengths of the current row's values */
  MYSQL_BIND *aBind;          /* binary: one bind per column */
  my_bool *abNull;            /* binary: NULL flags */
  my_bool *abErr;             /* binary: truncation flags */
  char **azVal;               /* binary: where each value's bytes are */
  char *zOvfl;                /* binary: values longer than their slot */
  char zTsBuf[96];            /* text: a TIMESTAMP shifted to UTC */
  int bUtc;                   /* the statement ran with time_zone UTC
                              ** (REMOTE_QUERY_UTC): no shift */
  size_t nOvfl;               /* bytes allocated at zOvfl */
  size_t nAlloc;              /* bytes allocated for the cursor */
  int bBound;                 /* aBind is bound to pStmt's results */
  int bServer;                /* pStmt's rows come from a server-side
                              ** cursor (REMOTE_QUERY_SHARED) */
};

/************************************************************************
** Library set-up, errors
*/

static pthread_once_t myInitOnce = PTHREAD_ONCE_INIT;
static int myInitRc = 0;

/*
** mysql_library_init() is not thread-safe: it runs once, here. Connector/C
** 3.x needs nothing per thread (mysql_thread_init() is an empty function
** there, and libmysqlclient's mysql_init() would call it by itself).
*/
static void myLibraryInit(void){
  myInitRc = mysql_library_init(0, 0, 0);
}

/*
** The REMOTE_ERR_* class of a server or client error number: the one
** place that decides what is a constraint violation and what means the
** connection is gone.
*/
static int myErrClass(unsigned int iErr){
  switch( iErr ){
    case 1022:  /* ER_DUP_KEY */
    case 1048:  /* ER_BAD_NULL_ERROR */
    case 1062:  /* ER_DUP_ENTRY */
    case 1169:  /* ER_DUP_UNIQUE */
    case 1216:  /* ER_NO_REFERENCED_ROW */
    case 1217:  /* ER_ROW_IS_REFERENCED */
    case 1364:  /* ER_NO_DEFAULT_FOR_FIELD */
    case 1451:  /* ER_ROW_IS_REFERENCED_2 */
    case 1452:  /* ER_NO_REFERENCED_ROW_2 */
    case 1557:  /* ER_FOREIGN_DUPLICATE_KEY */
    case 1586:  /* ER_DUP_ENTRY_WITH_KEY_NAME */
    case 1859:  /* ER_DUP_UNKNOWN_IN_INDEX */
    case 3819:  /* ER_CHECK_CONSTRAINT_VIOLATED (MySQL) */
    case 4025:  /* ER_CONSTRAINT_FAILED (MariaDB CHECK) */
      return REMOTE_ERR_CONSTRAINT;
    case 1927:  /* ER_CONNECTION_KILLED */
    case 2002:  /* CR_CONNECTION_ERROR (socket) */
    case 2003:  /* CR_CONN_HOST_ERROR */
    case 2005:  /* CR_UNKNOWN_HOST */
    case 2006:  /* CR_SERVER_GONE_ERROR */
    case 2013:  /* CR_SERVER_LOST */
    case 2014:  /* CR_COMMANDS_OUT_OF_SYNC */
    case 2045:  /* CR_SHARED_MEMORY_CONNECT_ERROR */
    case 2055:  /* CR_SERVER_LOST_EXTENDED */
    case 4031:  /* ER_CLIENT_INTERACTION_TIMEOUT */
      return REMOTE_ERR_DISCONNECT;
  }
  return REMOTE_ERR_OTHER;
}

/*
** zMsg with every occurrence of the password zPw replaced by "***":
** sqlite3_malloc'd, or NULL when zPw does not occur (or out of memory).
*/
static char *myMaskPassword(const char *zMsg, const char *zPw){
  size_t nPw, nMsg, nOut = 0;
  const char *z;
  char *zOut;
  if( zPw==0 || zPw[0]==0 || zMsg==0 || strstr(zMsg, zPw)==0 ) return 0;
  nPw = strlen(zPw);
  nMsg = strlen(zMsg);
  zOut = sqlite3_malloc64(nMsg + 3*(nMsg/nPw+1) + 1);
  if( zOut==0 ) return 0;
  for(z=zMsg; *z; ){
    if( strncmp(z, zPw, nPw)==0 ){
      memcpy(&zOut[nOut], "***", 3);
      nOut += 3;
      z += nPw;
    }else{
      zOut[nOut++] = *z++;
    }
  }
  zOut[nOut] = 0;
  return zOut;
}

/*
** "ERROR <errno> (<sqlstate>): <message>", the password masked:
** sqlite3_malloc'd (NULL only when out of memory).
*/
static char *myErrorText(unsigned int iErr, const char *zState,
                         const char *zMsg, const char *zPw){
  char *zMasked = myMaskPassword(zMsg, zPw);
  char *zOut = sqlite3_mprintf("ERROR %u (%s): %s", iErr,
                               zState && zState[0] ? zState : "HY000",
                               zMasked ? zMasked : zMsg ? zMsg : "");
  sqlite3_free(zMasked);
  return zOut;
}

/* Set p's error fields from a MySQL error number, SQLSTATE and message. */
static void myError(MyConn *p, unsigned int iErr, const char *zState,
                    const char *zMsg){
  char zCode[16];
  char *zText;
  if( p->bLost ){
    /* a wait gave up (the call then failed): its error stands */
    if( p->base.eErr!=REMOTE_ERR_DISCONNECT ){
      remoteConnSetError(&p->base, REMOTE_ERR_DISCONNECT, "2013",
                         "ERROR 2013 (HY000): the connection was lost");
    }
    return;
  }
  zText = myErrorText(iErr, zState, zMsg, p->zPassword);
  snprintf(zCode, sizeof(zCode), "%u", iErr);
  remoteConnSetError(&p->base, myErrClass(iErr), zCode, "%s",
                     zText ? zText : "out of memory");
  sqlite3_free(zText);
  if( p->base.eCancel!=REMOTE_CANCEL_NONE ){
    remoteWaitCancelled(&p->base, iErr==1317);  /* ER_QUERY_INTERRUPTED */
  }
}

/* Set p's error fields from the connection's last error. */
static void myDbError(MyConn *p){
  myError(p, mysql_errno(p->db), mysql_sqlstate(p->db), mysql_error(p->db));
}

/* Set p's error fields from a statement's last error (or, when the
** statement has none, the connection's). */
static void myStmtError(MyConn *p, MYSQL_STMT *pStmt){
  if( pStmt==0 || mysql_stmt_errno(pStmt)==0 ){
    myDbError(p);
  }else{
    myError(p, mysql_stmt_errno(pStmt), mysql_stmt_sqlstate(pStmt),
            mysql_stmt_error(pStmt));
  }
}

static int myNoMem(MyConn *p){
  remoteConnSetError(&p->base, REMOTE_ERR_OTHER, 0, "out of memory");
  return SQLITE_ERROR;
}

/************************************************************************
** Connecting
*/

/* 1 if zKey may appear in a mysql:// or mariadb:// URL's query string */
static int myIsQueryKey(const char *zKey){
  static const char *const azKey[] = {
    "unix_socket", "charset", "ssl_mode", "ssl_ca", "ssl_cert", "ssl_key",
    "connect_timeout", "read_timeout", "write_timeout", "compress",
    "init_command"
  };
  size_t i;
  if( zKey==0 ) return 0;
  for(i=0; i<sizeof(azKey)/sizeof(azKey[0]); i++){
    if( strcmp(zKey, azKey[i])==0 ) return 1;
  }
  return 0;
}

/* Parse a timeout in whole seconds (1..86400*365). Returns 0 on success. */
static int myParseSeconds(const char *z, unsigned int *pn){
  char *zEnd = 0;
  long v;
  if( z==0 || z[0]<'0' || z[0]>'9' ) return 1;
  v = strtol(z, &zEnd, 10);
  if( *zEnd!=0 || v<1 || v>86400L*365 ) return 1;
  *pn = (unsigned int)v;
  return 0;
}

/* Parse a boolean: 1/0, true/false, yes/no, on/off. Returns 0 on success. */
static int myParseBool(const char *z, int *pb){
  static const char *const azTrue[] = { "1", "true", "yes", "on" };
  static const char *const azFalse[] = { "0", "false", "no", "off" };
  int i;
  for(i=0; i<4; i++){
    if( sqlite3_stricmp(z, azTrue[i])==0 ){ *pb = 1; return 0; }
    if( sqlite3_stricmp(z, azFalse[i])==0 ){ *pb = 0; return 0; }
  }
  return 1;
}

/* A character set name safe to splice into SET NAMES: [A-Za-z0-9_]+ */
static int myIsCharsetName(const char *z){
  int i;
  for(i=0; z[i]; i++){
    char c = z[i];
    if( !((c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9')
          || c=='_') ) return 0;
  }
  return i>0 && i<64;
}

/* TLS modes of the ssl_mode key, as MySQL's client names them */
#define MY_SSL_DEFAULT          0   /* not given: Connector/C's default */
#define MY_SSL_DISABLED         1
#define MY_SSL_PREFERRED        2
#define MY_SSL_REQUIRED         3
#define MY_SSL_VERIFY_CA        4
#define MY_SSL_VERIFY_IDENTITY  5

/*
** Apply the URL's query keys to db (before mysql_real_connect). Sets
** *pzSocket to the unix_socket value, *pzCharset to the charset and
** *peSsl to the TLS mode. Returns SQLITE_OK, or SQLITE_ERROR with *pzErr
** set (sqlite3_malloc'd) naming the key or value that is wrong.
**
** ssl_mode maps onto Connector/C 3.x this way: DISABLED sets no TLS option
** at all (ssl_ca/ssl_cert/ssl_key are then ignored); PREFERRED asks for
** TLS and falls back to plain text when the server has none; REQUIRED
** asks for TLS and myConnect() refuses a TCP connection that is not
** encrypted (a unix socket is secure transport, as in MySQL's client);
** VERIFY_CA needs ssl_ca and has the chain checked against it;
** VERIFY_IDENTITY also checks the host name (MYSQL_OPT_SSL_VERIFY_SERVER_CERT).
*/
static int myApplyOptions(MYSQL *db, const RemoteUrl *pUrl,
                          const char **pzSocket, const char **pzCharset,
                          int *peSsl, char **pzErr){
  static const char *const azSsl[] = {
    "DISABLED", "PREFERRED", "REQUIRED", "VERIFY_CA", "VERIFY_IDENTITY"
  };
  const char *zSslCa = 0, *zSslCert = 0, *zSslKey = 0;
  int eSsl = MY_SSL_DEFAULT;
  int rc = 0;
  int i, j;

  for(i=0; rc==0 && i<pUrl->nQuery; i++){
    const char *zKey = pUrl->azKey[i];
    const char *zVal = pUrl->azVal[i] ? pUrl->azVal[i] : "";
    unsigned int nSec = 0;
    int bOn = 0;
    int bBad = 0;
    if( strcmp(zKey, "unix_socket")==0 ){
      *pzSocket = zVal[0] ? zVal : 0;
    }else if( strcmp(zKey, "charset")==0 ){
      if( myIsCharsetName(zVal) ) *pzCharset = zVal; else bBad = 1;
    }else if( strcmp(zKey, "ssl_mode")==0 ){
      for(j=0; j<5 && sqlite3_stricmp(zVal, azSsl[j])!=0; j++){}
      if( j<5 ) eSsl = j+1; else bBad = 1;
    }else if( strcmp(zKey, "ssl_ca")==0 ){
      zSslCa = zVal;
    }else if( strcmp(zKey, "ssl_cert")==0 ){
      zSslCert = zVal;
    }else if( strcmp(zKey, "ssl_key")==0 ){
      zSslKey = zVal;
    }else if( strcmp(zKey, "connect_timeout")==0 ){
      bBad = myParseSeconds(zVal, &nSec)
          || mysql_optionsv(db, MYSQL_OPT_CONNECT_TIMEOUT, &nSec);
    }else if( strcmp(zKey, "read_timeout")==0 ){
      bBad = myParseSeconds(zVal, &nSec)
          || mysql_optionsv(db, MYSQL_OPT_READ_TIMEOUT, &nSec);
    }else if( strcmp(zKey, "write_timeout")==0 ){
      bBad = myParseSeconds(zVal, &nSec)
          || mysql_optionsv(db, MYSQL_OPT_WRITE_TIMEOUT, &nSec);
    }else if( strcmp(zKey, "compress")==0 ){
      bBad = myParseBool(zVal, &bOn);
      if( !bBad && bOn ) bBad = mysql_optionsv(db, MYSQL_OPT_COMPRESS, 0);
    }else if( strcmp(zKey, "init_command")==0 ){
      bBad = mysql_optionsv(db, MYSQL_INIT_COMMAND, zVal)!=0;
    }else{
      *pzErr = sqlite3_mprintf("unknown URL query key '%s' for dialect '%s'",
                               zKey, pUrl->zDialect);
      rc = 1;
    }
    if( bBad ){
      *pzErr = sqlite3_mprintf("invalid value '%s' for %s", zVal, zKey);
      rc = 1;
    }
  }

  if( rc==0 && eSsl>=MY_SSL_VERIFY_CA && (zSslCa==0 || zSslCa[0]==0) ){
    *pzErr = sqlite3_mprintf("ssl_mode %s requires ssl_ca", azSsl[eSsl-1]);
    rc = 1;
  }
  if( rc==0 && eSsl!=MY_SSL_DISABLED ){
    my_bool bTrue = 1;
    if( zSslCa && zSslCa[0] ) rc |= mysql_optionsv(db, MYSQL_OPT_SSL_CA, zSslCa);
    if( zSslCert && zSslCert[0] ){
      rc |= mysql_optionsv(db, MYSQL_OPT_SSL_CERT, zSslCert);
    }
    if( zSslKey && zSslKey[0] ) rc |= mysql_optionsv(db, MYSQL_OPT_SSL_KEY, zSslKey);
    if( eSsl>=MY_SSL_PREFERRED ){
      rc |= mysql_optionsv(db, MYSQL_OPT_SSL_ENFORCE, &bTrue);
    }
    if( eSsl==MY_SSL_VERIFY_IDENTITY ){
      rc |= mysql_optionsv(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &bTrue);
    }
    if( rc ) *pzErr = sqlite3_mprintf("cannot set the TLS options");
  }
  *peSsl = eSsl;
  return rc ? SQLITE_ERROR : SQLITE_OK;
}

/* 1 if db talks over a unix socket (or another local transport) */
static int myIsLocalTransport(MYSQL *db){
  unsigned int eType = 0;
  if( mariadb_get_infov(db, MARIADB_CONNECTION_PVIO_TYPE, &eType) ) return 0;
  return eType!=MARIADB_CONNECTION_TCP;
}

/************************************************************************
** Waiting on the server
**
** Connections run in Connector/C's non-blocking mode (MYSQL_OPT_NONBLOCK):
** each call that may wait on the server is made with its _start/_cont
** pair (MY_ASYNC), and between the two this dialect waits itself, through
** remoteWait() (wait.c): bounded by io_timeout, and interrupted by
** SQLite's interrupt, which sends KILL QUERY over a second connection
** (myCancelRequest). A wait that gives up hands MYSQL_WAIT_TIMEOUT to the
** _cont function (the call then fails) and sets bLost: every later call
** fails at once and the pool replaces the connection.
*/

static int myCancelRequest(RemoteConn *pConn);

/* Put /dev/null over db's socket: what mysql_close() then sends (COM_QUIT,
** a TLS close_notify) goes nowhere and it cannot wait on a server that
** does not answer. 0 on success. */
static int myMuteSocket(MYSQL *db){
  int fd = (int)mysql_get_socket(db);
  int fdNull = open("/dev/null", O_RDWR | O_CLOEXEC);
  int rc = -1;
  if( fdNull>=0 && (fd<0 || dup2(fdNull, fd)>=0) ) rc = 0;
  if( fdNull>=0 ) close(fdNull);
  return rc;
}

/* MYSQL_WAIT_* bits as poll() events, and the events back as bits */
static int myPollEvents(int status){
  int m = 0;
  if( status & MYSQL_WAIT_READ ) m |= POLLIN;
  if( status & MYSQL_WAIT_WRITE ) m |= POLLOUT;
  if( status & MYSQL_WAIT_EXCEPT ) m |= POLLPRI;
  return m;
}
static int myReadyStatus(int status, int revents){
  int st = 0;
  if( (status & MYSQL_WAIT_READ) && (revents & (POLLIN|POLLHUP|POLLERR)) ){
    st |= MYSQL_WAIT_READ;
  }
  if( (status & MYSQL_WAIT_WRITE) && (revents & (POLLOUT|POLLHUP|POLLERR)) ){
    st |= MYSQL_WAIT_WRITE;
  }
  if( (status & MYSQL_WAIT_EXCEPT) && (revents & POLLPRI) ){
    st |= MYSQL_WAIT_EXCEPT;
  }
  return st;
}

/*
** Wait as a non-blocking call of pConn's handle db asked (status:
** MYSQL_WAIT_* bits): the status to hand to its _cont function. The
** library's own timeout (read_timeout, write_timeout, connect_timeout:
** MYSQL_WAIT_TIMEOUT in status) ends the wait with MYSQL_WAIT_TIMEOUT, the
** library then reports it; remoteWait() giving up does too, with *pbLost
** set and pConn's error set, and so does tEnd (when not 0) passing.
*/
static int myWaitDb(RemoteConn *pConn, MYSQL *db, int status, double *ptLast,
                    int (*xCancel)(RemoteConn*), double tEnd, int *pbLost){
  double tLib = 0;
  if( *pbLost ) return MYSQL_WAIT_TIMEOUT;
  if( status & MYSQL_WAIT_TIMEOUT ){
    /* io_timeout, when set, is also the library's (rounded up): only a
    ** shorter timeout from the URL is the library's to report */
    double rLib = mysql_get_timeout_value_ms(db)/1000.0;
    if( pConn->rIoTimeout<=0 || rLib<pConn->rIoTimeout ){
      tLib = remoteMonotonic() + rLib;
    }
  }
  for(;;){
    int r = remoteWait(pConn, (int)mysql_get_socket(db), myPollEvents(status),
                       ptLast, xCancel);
    if( r<0 ){
      *pbLost = 1;
      return MYSQL_WAIT_TIMEOUT;
    }
    if( r>0 ){
      int st = myReadyStatus(status, r);
      if( st ) return st;
      if( r & POLLNVAL ){
        remoteConnSetError(pConn, REMOTE_ERR_DISCONNECT, 0, "connection is closed");
        *pbLost = 1;
        return MYSQL_WAIT_TIMEOUT;
      }
    }
    if( tLib>0 && remoteMonotonic()>=tLib ) return MYSQL_WAIT_TIMEOUT;
    if( tEnd>0 && remoteMonotonic()>=tEnd ){
      *pbLost = 1;
      return MYSQL_WAIT_TIMEOUT;
    }
  }
}

/* myWaitDb() for a connection's own handle */
static int myWait(MyConn *p, int status, double *ptLast){
  return myWaitDb(&p->base, p->db, status, ptLast, myCancelRequest, 0,
                  &p->bLost);
}

/* Run a non-blocking call: START is its _start call, CONT its _cont call
** with the status st_ */
#define MY_ASYNC(p, START, CONT) do{                  \
  double tLast_ = 0;                                  \
  int st_ = (START);                                  \
  while( st_ ){                                       \
    st_ = myWait((p), st_, &tLast_);                  \
    st_ = (CONT);                                     \
  }                                                   \
}while(0)

/* The blocking calls this dialect makes, each over MY_ASYNC; a connection
** that is lost fails them at once (the caller's myDbError keeps the
** error that lost it). The ones that send a new statement start its
** clocks (remoteWaitStart). */
static int myRealQuery(MyConn *p, const char *zSql, unsigned long nSql){
  int ret = 1;
  if( p->bLost ) return 1;
  remoteWaitStart(&p->base);
  MY_ASYNC(p, mysql_real_query_start(&ret, p->db, zSql, nSql),
              mysql_real_query_cont(&ret, p->db, st_));
  return ret;
}
static int myNextResult(MyConn *p){
  int ret = 1;
  if( p->bLost ) return 1;
  MY_ASYNC(p, mysql_next_result_start(&ret, p->db),
              mysql_next_result_cont(&ret, p->db, st_));
  return ret;
}
static MYSQL_ROW myFetchRow(MyConn *p, MYSQL_RES *pRes){
  MYSQL_ROW ret = 0;
  if( p->bLost ) return 0;
  MY_ASYNC(p, mysql_fetch_row_start(&ret, pRes),
              mysql_fetch_row_cont(&ret, pRes, st_));
  return ret;
}
static void myFreeResult(MyConn *p, MYSQL_RES *pRes){
  MY_ASYNC(p, mysql_free_result_start(pRes),
              mysql_free_result_cont(pRes, st_));
}
static int myPingAsync(MyConn *p){
  int ret = 1;
  if( p->bLost ) return 1;
  remoteWaitStart(&p->base);
  MY_ASYNC(p, mysql_ping_start(&ret, p->db), mysql_ping_cont(&ret, p->db, st_));
  return ret;
}
static int myStmtPrepare(MyConn *p, MYSQL_STMT *pStmt, const char *zSql,
                         unsigned long nSql){
  int ret = 1;
  if( p->bLost ) return 1;
  remoteWaitStart(&p->base);
  MY_ASYNC(p, mysql_stmt_prepare_start(&ret, pStmt, zSql, nSql),
              mysql_stmt_prepare_cont(&ret, pStmt, st_));
  return ret;
}
static int myStmtExec(MyConn *p, MYSQL_STMT *pStmt){
  int ret = 1;
  if( p->bLost ) return 1;
  remoteWaitStart(&p->base);
  MY_ASYNC(p, mysql_stmt_execute_start(&ret, pStmt),
              mysql_stmt_execute_cont(&ret, pStmt, st_));
  return ret;
}
static int myStmtFetch(MyConn *p, MYSQL_STMT *pStmt){
  int ret = 1;
  if( p->bLost ) return 1;
  MY_ASYNC(p, mysql_stmt_fetch_start(&ret, pStmt),
              mysql_stmt_fetch_cont(&ret, pStmt, st_));
  return ret;
}
static void myStmtFreeResult(MyConn *p, MYSQL_STMT *pStmt){
  my_bool ret = 0;
  MY_ASYNC(p, mysql_stmt_free_result_start(&ret, pStmt),
              mysql_stmt_free_result_cont(&ret, pStmt, st_));
}
static void myStmtClose(MyConn *p, MYSQL_STMT *pStmt){
  my_bool ret = 0;
  MY_ASYNC(p, mysql_stmt_close_start(&ret, pStmt),
              mysql_stmt_close_cont(&ret, pStmt, st_));
}
static int myStmtNextResult(MyConn *p, MYSQL_STMT *pStmt){
  int ret = 1;
  if( p->bLost ) return 1;
  MY_ASYNC(p, mysql_stmt_next_result_start(&ret, pStmt),
              mysql_stmt_next_result_cont(&ret, pStmt, st_));
  return ret;
}

/*
** mysql_real_connect() in non-blocking mode, every wait through
** remoteWait() on pWait (its io_timeout; no cancel) and, when tEnd is not
** 0, none past that time. Returns db, or NULL with *pbLost set when a
** bound ended it (pWait's error set) or db's error set.
*/
static MYSQL *myRealConnect(MYSQL *db, const RemoteUrl *pUrl,
                            const char *zSocket, unsigned long mFlags,
                            RemoteConn *pWait, double tEnd, int *pbLost){
  MYSQL *ret = 0;
  double tLast = 0;
  int st = mysql_real_connect_start(&ret, db, pUrl->zHost, pUrl->zUser,
                                    pUrl->zPassword, pUrl->zDatabase,
                                    (unsigned int)pUrl->iPort, zSocket, mFlags);
  while( st ){
    st = myWaitDb(pWait, db, st, &tLast, 0, tEnd, pbLost);
    st = mysql_real_connect_cont(&ret, db, st);
  }
  return ret;
}

/* mysql_real_query() on a handle that is not a MyConn's yet (or a side
** connection), bounded as myRealConnect(): 0 on success */
static int myQueryBounded(MYSQL *db, const char *zSql, RemoteConn *pWait,
                          double tEnd, int *pbLost){
  int ret = 1;
  double tLast = 0;
  int st = mysql_real_query_start(&ret, db, zSql, (unsigned long)strlen(zSql));
  while( st ){
    st = myWaitDb(pWait, db, st, &tLast, 0, tEnd, pbLost);
    st = mysql_real_query_cont(&ret, db, st);
  }
  return ret;
}

/*
** xCancel of remoteWait(): KILL QUERY <thread id> over a new connection
** (the URL's, in non-blocking mode), the whole within REMOTE_CANCEL_LIMIT
** seconds. SQLITE_OK when the server said OK.
*/
static int myCancelRequest(RemoteConn *pConn){
  MyConn *p = (MyConn*)pConn;
  double tEnd = remoteMonotonic() + REMOTE_CANCEL_LIMIT;
  const char *zSocket = 0, *zCharset = "utf8mb4";
  char *zErr = 0;
  char zSql[48];
  RemoteConn w;
  MYSQL *db;
  int eSsl = 0, bLost = 0;
  int rc = SQLITE_ERROR;
  if( p->bLost || p->pUrl==0 ) return SQLITE_ERROR;
  memset(&w, 0, sizeof(w));
  db = mysql_init(0);
  if( db==0 ) return SQLITE_ERROR;
  snprintf(zSql, sizeof(zSql), "KILL QUERY %lu", mysql_thread_id(p->db));
  if( myApplyOptions(db, p->pUrl, &zSocket, &zCharset, &eSsl, &zErr)==SQLITE_OK
   && mysql_optionsv(db, MYSQL_OPT_NONBLOCK, 0)==0
   && myRealConnect(db, p->pUrl, zSocket, 0, &w, tEnd, &bLost)!=0
   && myQueryBounded(db, zSql, &w, tEnd, &bLost)==0 ){
    rc = SQLITE_OK;
  }
  sqlite3_free(zErr);
  remoteConnClearError(&w);
  if( bLost ) myMuteSocket(db);
  mysql_close(db);
  return rc;
}

/*
** A new client handle for pUrl, not connected yet: the URL's options
** (socket, character set, TLS), the connection's own (no reconnect, no
** LOAD DATA LOCAL, truncation reported, non-blocking) and, with
** io_timeout, the library's timeouts. OUT: *pDb (mysql_close it, also on
** failure), the socket, character set and TLS mode the URL gives.
*/
static int myNewHandle(const RemoteUrl *pUrl, const RemoteConnectOpts *pOpts,
                       MYSQL **pDb, const char **pzSocket, const char **pzCharset,
                       int *peSsl, char **pzErr){
  my_bool bFalse = 0, bTrue = 1;
  unsigned int bNoLocal = 0;
  MYSQL *db;
  int rc;
  *pDb = db = mysql_init(0);
  if( db==0 ){
    *pzErr = sqlite3_mprintf("out of memory");
    return SQLITE_ERROR;
  }
  rc = myApplyOptions(db, pUrl, pzSocket, pzCharset, peSsl, pzErr);
  if( rc==SQLITE_OK ){
    if( mysql_optionsv(db, MYSQL_SET_CHARSET_NAME, *pzCharset)
     || mysql_optionsv(db, MYSQL_OPT_RECONNECT, &bFalse)
     || mysql_optionsv(db, MYSQL_OPT_LOCAL_INFILE, &bNoLocal)
     || mysql_optionsv(db, MYSQL_REPORT_DATA_TRUNCATION, &bTrue)
     || mysql_optionsv(db, MYSQL_OPT_NONBLOCK, 0) ){
      *pzErr = sqlite3_mprintf("cannot set the connection options");
      rc = SQLITE_ERROR;
    }
  }
  if( rc==SQLITE_OK && pOpts->rIoTimeout>0 ){
    /* the library's own timeouts too (whole seconds, rounded up), unless
    ** the URL sets them: they bound any wait this dialect does not make */
    static const struct { const char *zKey; enum mysql_option e; } aT[] = {
      { "connect_timeout", MYSQL_OPT_CONNECT_TIMEOUT },
      { "read_timeout", MYSQL_OPT_READ_TIMEOUT },
      { "write_timeout", MYSQL_OPT_WRITE_TIMEOUT },
    };
    unsigned int nSec = (unsigned int)ceil(pOpts->rIoTimeout);
    int i;
    for(i=0; i<3; i++){
      if( remoteUrlQuery(pUrl, aT[i].zKey)==0 ) mysql_optionsv(db, aT[i].e, &nSec);
    }
  }
  return rc;
}

/*
** The SQL a new connection runs first (sqlite3_malloc'd, NULL on OOM):
** its character set and statement_timeout (the server's own, for every
** statement; MySQL: in milliseconds, and for SELECT only), then the
** session's time zone as the user left it, the server's zone and the
** session's offset from UTC now (myTzSet reads them).
*/
static char *mySessionSql(MYSQL *db, const RemoteConnectOpts *pOpts,
                          const char *zCharset){
  char zTimeout[64];
  zTimeout[0] = 0;
  if( pOpts->rStmtTimeout>0 && mariadb_connection(db) ){
    snprintf(zTimeout, sizeof(zTimeout), ", max_statement_time=%.6f",
             pOpts->rStmtTimeout);
  }else if( pOpts->rStmtTimeout>0 ){
    snprintf(zTimeout, sizeof(zTimeout), ", max_execution_time=%lld",
             (sqlite3_int64)ceil(pOpts->rStmtTimeout*1000.0));
  }
  return sqlite3_mprintf("SET NAMES %s%s; SELECT @@session.time_zone, "
                         "@@system_time_zone, "
                         "TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW())",
                         zCharset, zTimeout);
}

/*
** Open a connection for pUrl: user, password, database, host (or unix
** socket) and port from the URL, options from its query keys, found rows
** (so "rows affected" counts matched rows, as PostgreSQL does), several
** statements per query, no automatic reconnect, no LOAD DATA LOCAL. The
** character set (utf8mb4 by default) is set, with statement_timeout as
** max_statement_time (MySQL: max_execution_time), and the session's time
** zone read (the user's: init_command, the server's default) in one round
** trip; the zone is left as it is (see myTzSet). The handle is
** non-blocking (see "Waiting on the server"); with io_timeout every wait
** of the connect is bounded by it. On failure: SQLITE_ERROR, *pzErr "ERROR
** <errno> (<state>): <message>" (or the io_timeout text) without the
** password, *peErr REMOTE_ERR_DISCONNECT when the server could not be
** reached, REMOTE_ERR_OTHER otherwise.
*/
static int myConnectOpts(const RemoteUrl *pUrl, const RemoteConnectOpts *pOpts,
                         RemoteConn **ppConn, char **pzErr, int *peErr){
  MYSQL *db = 0;
  MyConn *p = 0;
  MYSQL_RES *pTzRes = 0;      /* the time zone query's row */
  MYSQL_ROW azTz = 0;
  const char *zSocket = 0;
  const char *zCharset = "utf8mb4";
  const char *zPw = pUrl->zPassword;
  char *zSql = 0;
  int eSsl = MY_SSL_DEFAULT;
  int eErr = REMOTE_ERR_OTHER;
  int rc = SQLITE_OK;
  unsigned long iVersion;
  RemoteConn w;               /* io_timeout for the waits of the connect */
  int bLost = 0;

  *ppConn = 0;
  *pzErr = 0;
  memset(&w, 0, sizeof(w));
  w.rIoTimeout = pOpts->rIoTimeout;
  pthread_once(&myInitOnce, myLibraryInit);
  if( myInitRc ){
    *pzErr = sqlite3_mprintf("cannot initialize the mysql client library");
    rc = SQLITE_ERROR;
    goto connect_error;
  }
  rc = myNewHandle(pUrl, pOpts, &db, &zSocket, &zCharset, &eSsl, pzErr);
  if( rc!=SQLITE_OK ) goto connect_error;

  if( myRealConnect(db, pUrl, zSocket,
                    CLIENT_MULTI_STATEMENTS | CLIENT_FOUND_ROWS, &w, 0, &bLost)==0 ){
    unsigned int iErr = mysql_errno(db);
    if( bLost ){
      eErr = REMOTE_ERR_DISCONNECT;
      *pzErr = sqlite3_mprintf("%s", w.zErr ? w.zErr : "connection lost");
      rc = SQLITE_ERROR;
      goto connect_error;
    }
    if( myErrClass(iErr)==REMOTE_ERR_DISCONNECT ) eErr = REMOTE_ERR_DISCONNECT;
    *pzErr = myErrorText(iErr, mysql_sqlstate(db), mysql_error(db), zPw);
    rc = SQLITE_ERROR;
    goto connect_error;
  }
  if( eSsl>=MY_SSL_REQUIRED && mysql_get_ssl_cipher(db)==0
   && !myIsLocalTransport(db) ){
    /* Connector/C 3.3 falls back to plain text unless it verifies the
    ** host name: refuse the connection here */
    *pzErr = sqlite3_mprintf("ssl_mode %s: the server does not support TLS",
                             eSsl==MY_SSL_REQUIRED ? "REQUIRED" : "VERIFY_CA");
    rc = SQLITE_ERROR;
    goto connect_error;
  }
  zSql = mySessionSql(db, pOpts, zCharset);
  if( zSql==0 ){
    *pzErr = sqlite3_mprintf("out of memory");
    rc = SQLITE_ERROR;
    goto connect_error;
  }
  if( myQueryBounded(db, zSql, &w, 0, &bLost)
   || mysql_next_result(db)!=0
   || (pTzRes = mysql_store_result(db))==0
   || (azTz = mysql_fetch_row(pTzRes))==0 ){
    unsigned int iErr = mysql_errno(db);
    if( bLost ){
      eErr = REMOTE_ERR_DISCONNECT;
      *pzErr = sqlite3_mprintf("%s", w.zErr ? w.zErr : "connection lost");
      rc = SQLITE_ERROR;
      goto connect_error;
    }
    if( myErrClass(iErr)==REMOTE_ERR_DISCONNECT ) eErr = REMOTE_ERR_DISCONNECT;
    *pzErr = iErr ? myErrorText(iErr, mysql_sqlstate(db), mysql_error(db), zPw)
                  : sqlite3_mprintf("cannot read the session's time zone");
    rc = SQLITE_ERROR;
    goto connect_error;
  }
  while( mysql_more_results(db) && mysql_next_result(db)==0 ){}

  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ){
    *pzErr = sqlite3_mprintf("out of memory");
    rc = SQLITE_ERROR;
    goto connect_error;
  }
  memset(p, 0, sizeof(*p));
  p->base.pDialect = &remoteMysqlDialect;
  p->cache.xDrop = myStmtDropped;
  p->cache.pCtx = p;
  p->base.rIoTimeout = pOpts->rIoTimeout;   /* statement_timeout: the server's */
  p->pUrl = remoteUrlDup(pUrl);
  if( p->pUrl==0 ){
    *pzErr = sqlite3_mprintf("out of memory");
    rc = SQLITE_ERROR;
    goto connect_error;
  }
  if( zPw && zPw[0] ){
    p->zPassword = sqlite3_mprintf("%s", zPw);
    if( p->zPassword==0 ){
      *pzErr = sqlite3_mprintf("out of memory");
      rc = SQLITE_ERROR;
      goto connect_error;
    }
  }
  if( pUrl->zDatabase && pUrl->zDatabase[0] ){
    p->zDatabase = sqlite3_mprintf("%s", pUrl->zDatabase);
    if( p->zDatabase==0 ){
      *pzErr = sqlite3_mprintf("out of memory");
      rc = SQLITE_ERROR;
      goto connect_error;
    }
  }
  /* transaction_isolation: MySQL 5.7.20+ (tx_isolation gone in 8.0),
  ** MariaDB 11.1+; older servers only know tx_isolation */
  iVersion = mysql_get_server_version(db);
  if( mariadb_connection(db) ){
    p->zIsoVar = iVersion>=110100 ? "transaction_isolation" : "tx_isolation";
  }else{
    p->zIsoVar = iVersion>=50720 ? "transaction_isolation" : "tx_isolation";
  }
  p->bSetStatement = mariadb_connection(db) && iVersion>=100102;
  if( azTz[1] ){
    snprintf(p->zSysTz, sizeof(p->zSysTz), "%s", azTz[1]);
  }
  p->nSysOffset = azTz[2] ? atoi(azTz[2]) : 0;
  p->db = db;
  db = 0;
  myTzSet(p, azTz[0] ? azTz[0] : "SYSTEM", azTz[0] ? strlen(azTz[0]) : 6);
  *ppConn = &p->base;
  p = 0;

connect_error:
  if( pTzRes ) mysql_free_result(pTzRes);
  if( p ){
    sqlite3_free(p->zPassword);
    sqlite3_free(p->zDatabase);
    remoteUrlFree(p->pUrl);
    sqlite3_free(p);
  }
  if( db ){
    if( bLost ) myMuteSocket(db);
    mysql_close(db);
  }
  remoteConnClearError(&w);
  sqlite3_free(zSql);
  if( rc!=SQLITE_OK && *pzErr==0 ) *pzErr = sqlite3_mprintf("out of memory");
  if( peErr ) *peErr = rc==SQLITE_OK ? REMOTE_ERR_NONE : eErr;
  return rc;
}

/* xConnect: myConnectOpts() without engine options */
static int myConnect(const RemoteUrl *pUrl, RemoteConn **ppConn,
                     char **pzErr, int *peErr){
  RemoteConnectOpts opts;
  memset(&opts, 0, sizeof(opts));
  return myConnectOpts(pUrl, &opts, ppConn, pzErr, peErr);
}

/************************************************************************
** The prepared statement cache
*/

/* xDrop of the statement cache: close the statement, free the entry */
static void myStmtDropped(void *pCtx, RemoteStmt *pEntry){
  MyStmt *e = (MyStmt*)pEntry;
  myStmtClose((MyConn*)pCtx, e->pStmt);
  sqlite3_free(e->pIdle);
  sqlite3_free(e);
}

/* xDrop that frees the entry and leaves its statement alone (a handle
** inherited over fork() is never used again) */
static void myStmtForgotten(void *pCtx, RemoteStmt *pEntry){
  MyStmt *e = (MyStmt*)pEntry;
  (void)pCtx;
  sqlite3_free(e->pIdle);
  sqlite3_free(e);
}

/*
** A prepared statement for zSql: from the cache when p->base.nStmtCache>0
** and not bNoCache (*ppCached is then its entry and the statement must not
** be closed), else prepared now (*ppCached is NULL and the caller closes
** it with mysql_stmt_close). The statement's placeholder count must be
** nParam.
** Returns SQLITE_OK, or SQLITE_ERROR with p's error set.
*/
static int myStmtGet(MyConn *p, const char *zSql, int nParam, int bNoCache,
                     MYSQL_STMT **ppStmt, MyStmt **ppCached){
  int nSql = (int)strlen(zSql);
  MYSQL_STMT *pStmt = 0;
  MyStmt *e = 0;
  int rc = SQLITE_OK;

  *ppStmt = 0;
  *ppCached = 0;
  if( p->cache.nStmt>p->base.nStmtCache ){
    remoteStmtTrim(&p->cache, p->base.nStmtCache, 0);
  }
  if( p->base.nStmtCache>0 && !bNoCache ){
    /* (bNoCache: prepared for itself, a server-side cursor's) */
    e = (MyStmt*)remoteStmtFind(&p->cache, zSql, 0, 0);
    if( e ) pStmt = e->pStmt;
  }
  if( pStmt==0 ){
    pStmt = mysql_stmt_init(p->db);
    if( pStmt==0 ){
      rc = myNoMem(p);
      goto get_error;
    }
    if( myStmtPrepare(p, pStmt, zSql, (unsigned long)nSql) ){
      myStmtError(p, pStmt);
      rc = SQLITE_ERROR;
      goto get_error;
    }
    if( p->base.nStmtCache>0 && !bNoCache ){
      e = sqlite3_malloc64(sizeof(MyStmt) + nSql + 1);
      if( e ){
        char *zKey = (char*)&e[1];
        memset(e, 0, sizeof(*e));
        e->pStmt = pStmt;
        memcpy(zKey, zSql, nSql+1);
        remoteStmtKey(&e->base, zKey, 0, 0);
        remoteStmtAdd(&p->cache, &e->base);
        remoteStmtTrim(&p->cache, p->base.nStmtCache, &e->base);
      }
      /* Out of memory for the entry: the statement is simply not cached */
    }
  }
  if( mysql_stmt_param_count(pStmt)!=(unsigned long)nParam ){
    remoteConnSetError(&p->base, REMOTE_ERR_OTHER, 0,
        "wrong number of parameters: the statement has %lu placeholders, "
        "%d values were given", mysql_stmt_param_count(pStmt), nParam);
    rc = SQLITE_ERROR;
    if( e ) pStmt = 0;          /* stays cached: the statement is fine */
    goto get_error;
  }
  *ppStmt = pStmt;
  *ppCached = e;
  return SQLITE_OK;

get_error:
  if( pStmt ) myStmtClose(p, pStmt);
  return rc;
}

/*
** After a cached statement (entry e) failed: drop the entry, closing the
** statement, when the statement itself may be unusable (the server forgot
** it or wants it prepared again, or the connection is gone); a plain SQL
** error keeps it. Returns 1 if e was dropped.
*/
static int myStmtFailed(MyConn *p, MyStmt *e){
  if( e && (p->base.eErr==REMOTE_ERR_DISCONNECT
            || strcmp(p->base.zCode, "1243")==0      /* unknown handler */
            || strcmp(p->base.zCode, "1615")==0) ){  /* must re-prepare */
    remoteStmtDrop(&p->cache, &e->base);
    return 1;
  }
  return 0;
}

/* Free a statement that is not cached (e==0); cached ones stay. */
static void myStmtDone(MyConn *p, MYSQL_STMT *pStmt, MyStmt *e){
  if( pStmt && e==0 ) myStmtClose(p, pStmt);
}

/*
** Bind aParam (SQLite INTEGER, FLOAT, TEXT, BLOB, NULL as LONGLONG, DOUBLE,
** STRING, BLOB, NULL) to pStmt and execute it. Returns SQLITE_OK or
** SQLITE_ERROR with p's error set.
*/
static int myStmtExecute(MyConn *p, MYSQL_STMT *pStmt, int nParam,
                         const RemoteValue *aParam){
  MYSQL_BIND aStatic[16];
  unsigned long anStatic[16];
  MYSQL_BIND *aBind = aStatic;
  unsigned long *anLen = anStatic;
  int rc = SQLITE_OK;
  int i;

  if( nParam>16 ){
    aBind = sqlite3_malloc64(nParam*(sizeof(MYSQL_BIND)+sizeof(unsigned long)));
    if( aBind==0 ) return myNoMem(p);
    anLen = (unsigned long*)&aBind[nParam];
  }
  if( nParam>0 ) memset(aBind, 0, nParam*sizeof(MYSQL_BIND));
  for(i=0; i<nParam; i++){
    const RemoteValue *v = &aParam[i];
    MYSQL_BIND *b = &aBind[i];
    switch( v->eType ){
      case SQLITE_INTEGER:
        b->buffer_type = MYSQL_TYPE_LONGLONG;
        b->buffer = (void*)&v->i;
        break;
      case SQLITE_FLOAT:
        b->buffer_type = MYSQL_TYPE_DOUBLE;
        b->buffer = (void*)&v->r;
        break;
      case SQLITE_TEXT:
      case SQLITE_BLOB:
        b->buffer_type = v->eType==SQLITE_TEXT ? MYSQL_TYPE_STRING
                                               : MYSQL_TYPE_BLOB;
        b->buffer = (void*)(v->z ? v->z : "");
        anLen[i] = v->z && v->n>0 ? (unsigned long)v->n : 0;
        b->buffer_length = anLen[i];
        b->length = &anLen[i];
        break;
      default:
        b->buffer_type = MYSQL_TYPE_NULL;
        break;
    }
  }
  if( nParam>0 && mysql_stmt_bind_param(pStmt, aBind) ){
    myStmtError(p, pStmt);
    rc = SQLITE_ERROR;
  }
  if( rc==SQLITE_OK ){
    if( myStmtExec(p, pStmt) ){
      myStmtError(p, pStmt);
      rc = SQLITE_ERROR;
    }else{
      myTrackTz(p);
    }
  }
  if( aBind!=aStatic ) sqlite3_free(aBind);
  return rc;
}

/*
** Find (or prepare) zSql's statement and execute it with aParam. On
** success *ppStmt has run and *ppCached is its cache entry (NULL: the
** caller closes the statement with myStmtDone). A cached statement the
** server no longer knows (1243) or wants prepared again (1615) is dropped
** and zSql prepared and run once more: nothing ran the first time. On
** failure nothing is left to clean up and p's error is set.
*/
static int myStmtRunCursor(MyConn *p, const char *zSql, int nParam,
                           const RemoteValue *aParam, int nCursor,
                           MYSQL_STMT **ppStmt, MyStmt **ppCached,
                           int *pbPrepared);
static int myStmtRun(MyConn *p, const char *zSql, int nParam,
                     const RemoteValue *aParam, MYSQL_STMT **ppStmt,
                     MyStmt **ppCached){
  return myStmtRunCursor(p, zSql, nParam, aParam, 0, ppStmt, ppCached, 0);
}

/*
** myStmtRun, the statement set to open a server-side cursor that sends
** nCursor rows per fetch (0: none, as usual). *pbPrepared, if not NULL,
** is set when the statement prepared (a failure after that is the
** statement's, not the cursor's).
*/
static int myStmtRunCursor(MyConn *p, const char *zSql, int nParam,
                           const RemoteValue *aParam, int nCursor,
                           MYSQL_STMT **ppStmt, MyStmt **ppCached,
                           int *pbPrepared){
  int nTry;
  int rc = SQLITE_ERROR;
  *ppStmt = 0;
  *ppCached = 0;
  if( pbPrepared ) *pbPrepared = 0;
  for(nTry=0; nTry<2; nTry++){
    MYSQL_STMT *pStmt = 0;
    MyStmt *e = 0;
    /* a cursor's statement is its own (never cached: the statement of
    ** the same SQL may run again while the cursor is open) */
    rc = myStmtGet(p, zSql, nParam, nCursor>0, &pStmt, &e);
    if( rc!=SQLITE_OK ) break;
    if( pbPrepared ) *pbPrepared = 1;
    if( nCursor>0 ){
      unsigned long eType = CURSOR_TYPE_READ_ONLY;
      unsigned long nRows = (unsigned long)nCursor;
      mysql_stmt_attr_set(pStmt, STMT_ATTR_CURSOR_TYPE, &eType);
      mysql_stmt_attr_set(pStmt, STMT_ATTR_PREFETCH_ROWS, &nRows);
    }
    rc = myStmtExecute(p, pStmt, nParam, aParam);
    if( rc==SQLITE_OK ){
      *ppStmt = pStmt;
      *ppCached = e;
      break;
    }
    if( e==0 ){
      myStmtClose(p, pStmt);
      break;
    }
    if( !myStmtFailed(p, e) || p->base.eErr==REMOTE_ERR_DISCONNECT ) break;
  }
  return rc;
}

/************************************************************************
** Executing without rows
*/

/*
** Read and discard the rest of a text-protocol result set pRes and free
** it. Returns SQLITE_OK, or SQLITE_ERROR with p's error set when the
** stream ended in an error.
*/
static int myDiscardResult(MyConn *p, MYSQL_RES *pRes){
  int rc = SQLITE_OK;
  while( myFetchRow(p, pRes) ){}
  if( mysql_errno(p->db) || p->bLost ){
    myDbError(p);
    rc = SQLITE_ERROR;
  }
  myFreeResult(p, pRes);
  return rc;
}

/*
** Read and discard the remaining results of a multi-statement text query
** (the current one already consumed). *pnChange, if not NULL, gets the
** last statement's rows affected. Returns SQLITE_OK or SQLITE_ERROR with
** p's error set (a failed statement ends the rest on the server).
*/
static int myDiscardMoreResults(MyConn *p, sqlite3_int64 *pnChange){
  MYSQL *db = p->db;
  while( mysql_more_results(db) ){
    MYSQL_RES *pRes;
    int r = myNextResult(p);
    if( r==0 ) myTrackTz(p);
    if( r<0 ) break;
    if( r>0 ){
      myDbError(p);
      return SQLITE_ERROR;
    }
    pRes = mysql_use_result(db);
    if( pRes ){
      if( myDiscardResult(p, pRes) ) return SQLITE_ERROR;
      if( pnChange ) *pnChange = 0;
    }else if( mysql_field_count(db)!=0 ){
      myDbError(p);
      return SQLITE_ERROR;
    }else if( pnChange ){
      *pnChange = (sqlite3_int64)mysql_affected_rows(db);
    }
  }
  return SQLITE_OK;
}

/*
** Discard pStmt's current result set (reading what is left of it) and any
** further ones (CALL). *pnChange, if not NULL, gets the last one's rows
** affected. Returns SQLITE_OK or SQLITE_ERROR with p's error set.
**
** Only mysql_stmt_free_result() reads the rows here: it never writes into
** bound result buffers, which may point into a finalized cursor.
*/
static int myStmtDiscard(MyConn *p, MYSQL_STMT *pStmt,
                         sqlite3_int64 *pnChange){
  for(;;){
    int r;
    if( mysql_stmt_field_count(pStmt)>0 ){
      myStmtFreeResult(p, pStmt);
      if( mysql_errno(p->db) || p->bLost ){
        myDbError(p);
        return SQLITE_ERROR;
      }
      if( pnChange ) *pnChange = 0;
    }else if( pnChange ){
      *pnChange = (sqlite3_int64)mysql_stmt_affected_rows(pStmt);
    }
    if( !mysql_stmt_more_results(pStmt) ) break;
    r = myStmtNextResult(p, pStmt);
    if( r<0 ) break;
    if( r>0 ){
      myStmtError(p, pStmt);
      return SQLITE_ERROR;
    }
  }
  return SQLITE_OK;
}

/*
** Run zSql. Without parameters over the text protocol (several statements
** allowed; every result set is read and freed), with parameters as a
** prepared statement. *pnChange = the last statement's rows affected (0
** for one returning rows, and for DDL). SQLITE_OK, or SQLITE_ERROR with
** p's error set.
*/
static int myExec(RemoteConn *pConn, const char *zSql, int nParam,
                  const RemoteValue *aParam, sqlite3_int64 *pnChange){
  MyConn *p = (MyConn*)pConn;
  MYSQL *db = p->db;
  sqlite3_int64 nChange = 0;
  MYSQL_STMT *pStmt = 0;
  MyStmt *e = 0;
  char *zUtcSql = 0;
  int rc = SQLITE_OK;

  assert( p->base.pActive==0 );
  remoteConnClearError(&p->base);
  if( p->bTzAsk ) myTzAsk(p);
  zSql = myUtcSql(p, zSql, p->base.mFlags, &zUtcSql);
  if( zSql==0 ) return myNoMem(p);
  if( nParam==0 ){
    MYSQL_RES *pRes;
    if( myRealQuery(p, zSql, (unsigned long)strlen(zSql)) ){
      myDbError(p);
      rc = SQLITE_ERROR;
      goto exec_done;
    }
    myTrackTz(p);
    pRes = mysql_use_result(db);
    if( pRes ){
      rc = myDiscardResult(p, pRes);
    }else if( mysql_field_count(db)!=0 ){
      myDbError(p);
      rc = SQLITE_ERROR;
    }else{
      nChange = (sqlite3_int64)mysql_affected_rows(db);
    }
    if( rc==SQLITE_OK ) rc = myDiscardMoreResults(p, &nChange);
  }else{
    rc = myStmtRun(p, zSql, nParam, aParam, &pStmt, &e);
    if( rc==SQLITE_OK ) rc = myStmtDiscard(p, pStmt, &nChange);
    if( rc!=SQLITE_OK && myStmtFailed(p, e) ){
      pStmt = 0;                /* closed with its cache entry */
      e = 0;
    }
  }

exec_done:
  myStmtDone(p, pStmt, e);
  sqlite3_free(zUtcSql);
  if( pnChange ) *pnChange = rc==SQLITE_OK ? nChange : 0;
  return rc;
}

/************************************************************************
** Result streams
*/

/*
** The class (MYC_*) of a result column, from its type, flags and
** character set: the one decision behind both protocols' values and
** xColumnDeclType.
*/
static int myFieldClass(const MYSQL_FIELD *f){
  switch( f->type ){
    case MYSQL_TYPE_NULL:
      return MYC_NULL;
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_YEAR:
      return MYC_INTEGER;
    case MYSQL_TYPE_LONGLONG:
      return (f->flags & UNSIGNED_FLAG) ? MYC_UBIGINT : MYC_INTEGER;
    case MYSQL_TYPE_BIT:
      return MYC_BIT;
    case MYSQL_TYPE_DOUBLE:
      return MYC_DOUBLE;
    case MYSQL_TYPE_FLOAT:
      return MYC_FLOAT;
    case MYSQL_TYPE_DECIMAL:
    case MYSQL_TYPE_NEWDECIMAL:
      return MYC_DECIMAL;
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_NEWDATE:
      return MYC_DATE;
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_DATETIME2:
      return MYC_DATETIME;
    case MYSQL_TYPE_TIMESTAMP:
    case MYSQL_TYPE_TIMESTAMP2:
      return MYC_TSTAMP;
    case MYSQL_TYPE_TIME:
    case MYSQL_TYPE_TIME2:
      return MYC_TIME;
    case MYSQL_TYPE_JSON:         /* MySQL sends JSON as binary: still text */
      return MYC_TEXT;
    case MYSQL_TYPE_VARCHAR:
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_STRING:
    case MYSQL_TYPE_TINY_BLOB:
    case MYSQL_TYPE_MEDIUM_BLOB:
    case MYSQL_TYPE_LONG_BLOB:
    case MYSQL_TYPE_BLOB:
    case MYSQL_TYPE_ENUM:
    case MYSQL_TYPE_SET:
    case MYSQL_TYPE_GEOMETRY:
      return f->charsetnr==MY_BINARY_CHARSET ? MYC_BLOB : MYC_TEXT;
    default:
      return MYC_TEXT;
  }
}

/* 1 for the classes whose binary-protocol value is a run of bytes that
** may be longer than its bind slot */
static int myIsBytesClass(int eClass){
  return eClass==MYC_TEXT || eClass==MYC_BLOB || eClass==MYC_DECIMAL
      || eClass==MYC_BIT;
}

/* Bytes of the bind slot of a column of class eClass (binary protocol) */
static size_t mySlotSize(int eClass, const MYSQL_FIELD *f){
  switch( eClass ){
    case MYC_DECIMAL:
      return 80;                /* 65 digits, sign, point */
    case MYC_DATE:
    case MYC_DATETIME:
    case MYC_TSTAMP:
    case MYC_TIME:
      return MY_TIME_SLOT;
    case MYC_TEXT:
    case MYC_BLOB: {
      unsigned long n = f->length;
      if( n<16 ) n = 16;
      if( n>MY_STRING_SLOT ) n = MY_STRING_SLOT;
      return MY_ROUND8(n);
    }
    default:
      return 8;                 /* LONGLONG, DOUBLE, FLOAT, BIT(64) */
  }
}

/* The MYSQL_BIND buffer type a column of class eClass is fetched as */
static enum enum_field_types myBufferType(int eClass){
  switch( eClass ){
    case MYC_NULL:     return MYSQL_TYPE_NULL;
    case MYC_INTEGER:
    case MYC_UBIGINT:  return MYSQL_TYPE_LONGLONG;
    case MYC_DOUBLE:   return MYSQL_TYPE_DOUBLE;
    case MYC_FLOAT:    return MYSQL_TYPE_FLOAT;
    case MYC_DATE:     return MYSQL_TYPE_DATE;
    case MYC_DATETIME:
    case MYC_TSTAMP:   return MYSQL_TYPE_DATETIME;
    case MYC_TIME:     return MYSQL_TYPE_TIME;
    case MYC_BIT:
    case MYC_BLOB:     return MYSQL_TYPE_BLOB;
    default:           return MYSQL_TYPE_STRING;   /* TEXT, DECIMAL */
  }
}

/*
** A new cursor on p for the nCol columns aField, all in one allocation:
** the struct, the column names (copied, so they outlive the metadata),
** classes and, for the binary protocol (bBinary), the bind array whose
** buffers are slots of an arena at the end. NULL when out of memory.
*/
static MyCursor *myCursorNew(MyConn *p, const MYSQL_FIELD *aField, int nCol,
                             int bBinary){
  size_t nByte, nAlloc, nArena = 0, nName = 0;
  MyCursor *pCur;
  char *pNext;
  char *zArena = 0;
  int i;
  /* each column's class and name length, worked out once (most queries
  ** have few columns; beyond 64 they are worked out again below) */
  unsigned char aCls[64];
  unsigned int anName[64];

  for(i=0; i<nCol; i++){
    size_t n = strlen(aField[i].name ? aField[i].name : "") + 1;
    int eClass = myFieldClass(&aField[i]);
    if( i<64 ){
      aCls[i] = (unsigned char)eClass;
      anName[i] = (unsigned int)n;
    }
    nName += n;
    if( bBinary ) nArena += mySlotSize(eClass, &aField[i]);
  }
  nByte = MY_ROUND8(sizeof(MyCursor)) + MY_ROUND8(nCol*sizeof(char*));
  if( bBinary ){
    nByte += MY_ROUND8(nCol*sizeof(MYSQL_BIND))
           + MY_ROUND8(nCol*sizeof(char*))
           + MY_ROUND8(nCol*sizeof(unsigned long))
           + nArena + 2*nCol*sizeof(my_bool);
  }
  nByte += nCol + nName;
  if( p->pSpare && p->pSpare->nAlloc>=nByte ){
    pCur = p->pSpare;
    p->pSpare = 0;
    nAlloc = pCur->nAlloc;
  }else{
    pCur = sqlite3_malloc64(nByte);
    if( pCur==0 ) return 0;
    nAlloc = nByte;
  }
  memset(pCur, 0, nByte);
  pCur->nAlloc = nAlloc;
  pCur->base.pConn = &p->base;
  pCur->nCol = nCol;
  pNext = (char*)pCur + MY_ROUND8(sizeof(MyCursor));
  pCur->azName = (char**)pNext;
  pNext += MY_ROUND8(nCol*sizeof(char*));
  if( bBinary ){
    pCur->aBind = (MYSQL_BIND*)pNext;
    pNext += MY_ROUND8(nCol*sizeof(MYSQL_BIND));
    pCur->azVal = (char**)pNext;
    pNext += MY_ROUND8(nCol*sizeof(char*));
    pCur->anLen = (unsigned long*)pNext;
    pNext += MY_ROUND8(nCol*sizeof(unsigned long));
    zArena = pNext;
    pNext += nArena;
    pCur->abNull = (my_bool*)pNext;
    pNext += nCol*sizeof(my_bool);
    pCur->abErr = (my_bool*)pNext;
    pNext += nCol*sizeof(my_bool);
  }
  pCur->aClass = (unsigned char*)pNext;
  pNext += nCol;
  for(i=0; i<nCol; i++){
    const MYSQL_FIELD *f = &aField[i];
    size_t n = i<64 ? anName[i] : strlen(f->name ? f->name : "") + 1;
    pCur->azName[i] = pNext;
    memcpy(pNext, f->name ? f->name : "", n);
    pNext += n;
    pCur->aClass[i] = i<64 ? aCls[i] : (unsigned char)myFieldClass(f);
    if( bBinary ){
      MYSQL_BIND *b = &pCur->aBind[i];
      size_t nSlot = mySlotSize(pCur->aClass[i], f);
      b->buffer_type = myBufferType(pCur->aClass[i]);
      b->buffer = zArena;
      b->buffer_length = pCur->aClass[i]>=MYC_DATE && pCur->aClass[i]<=MYC_TIME
                         ? sizeof(MYSQL_TIME) : (unsigned long)nSlot;
      b->is_unsigned = (f->flags & UNSIGNED_FLAG) ? 1 : 0;
      b->length = &pCur->anLen[i];
      b->is_null = &pCur->abNull[i];
      b->error = &pCur->abErr[i];
      zArena += nSlot;
    }
  }
  return pCur;
}

/*
** 1 if pCur, a binary cursor built by myCursorNew for the same statement,
** has the layout the result columns aField now ask for: the same count,
** names, classes, unsignedness and slot sizes. A server re-prepares a
** statement by itself after an ALTER TABLE, with new column types.
*/
static int myCursorFits(const MyCursor *pCur, const MYSQL_FIELD *aField,
                        int nCol){
  int i;
  if( pCur->nCol!=nCol || pCur->aBind==0 ) return 0;
  for(i=0; i<nCol; i++){
    const MYSQL_FIELD *f = &aField[i];
    const MYSQL_BIND *b = &pCur->aBind[i];
    int eClass = myFieldClass(f);
    size_t nSlot;
    if( eClass!=pCur->aClass[i] ) return 0;
    if( b->is_unsigned!=((f->flags & UNSIGNED_FLAG) ? 1 : 0) ) return 0;
    nSlot = mySlotSize(eClass, f);
    if( b->buffer_length!=(eClass>=MYC_DATE && eClass<=MYC_TIME
                           ? sizeof(MYSQL_TIME) : (unsigned long)nSlot) ){
      return 0;
    }
    if( i+1<nCol && (size_t)((char*)pCur->aBind[i+1].buffer - (char*)b->buffer)!=nSlot ){
      return 0;
    }
    if( strcmp(pCur->azName[i], f->name ? f->name : "")!=0 ) return 0;
  }
  return 1;
}

/* Read and free what is left of a text-protocol stream (pRes may be NULL)
** and of the results after it, ignoring errors: the next use of the
** connection sees a broken one. */
static void myDrainText(MyConn *p, MYSQL_RES *pRes){
  MYSQL *db = p->db;
  if( pRes ) myFreeResult(p, pRes);
  while( !p->bLost && mysql_more_results(db) && myNextResult(p)==0 ){
    MYSQL_RES *pNext = mysql_use_result(db);
    if( pNext ) myFreeResult(p, pNext);
  }
}

/* The same for a prepared statement's results. */
static void myDrainStmt(MyConn *p, MYSQL_STMT *pStmt){
  myStmtFreeResult(p, pStmt);
  while( !p->bLost && mysql_stmt_more_results(pStmt)
      && myStmtNextResult(p, pStmt)==0 ){
    myStmtFreeResult(p, pStmt);
  }
}



/*
** Close the cursor: read and discard unread rows and further result sets
** so the connection is ready, close a statement that is not cached, clear
** pConn->pActive and free the cursor. Never fails.
**
** Draining reads every remaining row off the socket: that costs the rest
** of the transfer, but it is the only way that keeps the session (and any
** transaction) as it is. KILL QUERY from a side connection would abort
** the transaction; closing the connection instead would lose the session.
*/
static void myFinalize(RemoteCursor *pCursor){
  MyCursor *pCur = (MyCursor*)pCursor;
  MyConn *p;
  if( pCur==0 ) return;
  p = (MyConn*)pCur->base.pConn;
  /* (on SQLite's interrupt the drain's first wait sends KILL QUERY: the
  ** statement's clock for xStop is past its interval by then) */
  if( pCur->pStmt && pCur->bServer ){
    /* the statement is the cursor's own: closing it ends the server's
    ** cursor (and its temporary table), without a round trip */
    myStmtDone(p, pCur->pStmt, pCur->pCached);
  }else if( pCur->pStmt ){
    myDrainStmt(p, pCur->pStmt);
    myStmtDone(p, pCur->pStmt, pCur->pCached);
  }else if( p ){
    myDrainText(p, pCur->pRes);
  }
  if( p && p->base.pActive==pCursor ) p->base.pActive = 0;
  sqlite3_free(pCur->zOvfl);
  pCur->zOvfl = 0;
  pCur->nOvfl = 0;
  if( pCur->pCached && pCur->bBound && pCur->pCached->pIdle==0 ){
    /* its buffers stay bound to the statement's results: kept with it */
    pCur->pCached->pIdle = pCur;
  }else if( p && p->pSpare==0 ){
    p->pSpare = pCur;
  }else{
    sqlite3_free(pCur);
  }
}

/* 1 if zSql is one SELECT (or WITH ... SELECT, or a parenthesized one):
** no ';' but a trailing one, outside quotes and comments */
static int myIsOneSelect(const char *z){
  const char *zStart;
  while( isspace((unsigned char)*z) || *z=='(' ) z++;
  if( sqlite3_strnicmp(z, "select", 6)!=0 && sqlite3_strnicmp(z, "with", 4)!=0 ){
    return 0;
  }
  zStart = z;
  for(; *z; z++){
    if( *z=='\'' || *z=='"' || *z=='`' ){
      char q = *z++;
      while( *z && *z!=q ){
        if( *z=='\\' && q!='`' && z[1] ) z++;
        z++;
      }
      if( *z==0 ) break;
    }else if( (z[0]=='-' && z[1]=='-') || z[0]=='#' ){
      while( *z && *z!='\n' ) z++;
      if( *z==0 ) break;
    }else if( z[0]=='/' && z[1]=='*' ){
      const char *zEnd = strstr(z+2, "*/");
      if( zEnd==0 ) break;
      z = zEnd+1;
    }else if( *z==';' ){
      z++;
      while( isspace((unsigned char)*z) ) z++;
      return *z==0;
    }
  }
  return zStart!=z;
}

/*
** myQuery of a statement without parameters as text (the text protocol
** streams it): sent, the first result that has rows found, a cursor made
** for it. OUT: *ppCur; on failure *ppRes (a result not yet a cursor's)
** and *pbExecuted tell myQuery what to drain.
*/
static int myQueryText(MyConn *p, const char *zSql, MyCursor **ppCur,
                       MYSQL_RES **ppRes, int *pbExecuted){
  MYSQL *db = p->db;
  MYSQL_RES *pRes = 0;
  MyCursor *pCur;
  if( myRealQuery(p, zSql, (unsigned long)strlen(zSql)) ){
    myDbError(p);
    return SQLITE_ERROR;
  }
  myTrackTz(p);
  *pbExecuted = 1;
  for(;;){
    int r;
    pRes = mysql_use_result(db);
    if( pRes ) break;
    if( mysql_field_count(db)!=0 ){
      myDbError(p);
      return SQLITE_ERROR;
    }
    r = myNextResult(p);
    if( r<0 ) break;          /* no statement returned rows */
    if( r>0 ){
      myDbError(p);
      return SQLITE_ERROR;
    }
  }
  pCur = myCursorNew(p, pRes ? mysql_fetch_fields(pRes) : 0,
                     pRes ? (int)mysql_num_fields(pRes) : 0, 0);
  if( pCur==0 ){
    *ppRes = pRes;
    return myNoMem(p);
  }
  pCur->pRes = pRes;
  *ppCur = pCur;
  return SQLITE_OK;
}

/*
** Start streaming zSql. Without parameters: the text protocol with
** mysql_use_result; of several statements the first result set that has
** columns streams and the others are discarded. With parameters: a
** prepared statement whose rows are fetched one by one (never stored).
** The server streams rows without round trips per batch, except for
** REMOTE_QUERY_SHARED: one SELECT then runs as a prepared statement with
** a server-side cursor (the server keeps the result; nFetch rows come per
** fetch, and the connection is free in between: p->pActive is not set).
** SQLITE_OK with *ppCur open, or SQLITE_ERROR with p's error set.
*/
static int myQuery(RemoteConn *pConn, const char *zSql, int nParam,
                   const RemoteValue *aParam, int nFetch, int mFlags,
                   RemoteCursor **ppCur){
  MyConn *p = (MyConn*)pConn;
  MYSQL *db = p->db;
  MYSQL_RES *pRes = 0;
  MYSQL_RES *pMeta = 0;
  MYSQL_STMT *pStmt = 0;
  MyStmt *e = 0;
  MyCursor *pCur = 0;
  char *zUtcSql = 0;
  int bExecuted = 0;
  int bBound = 0;             /* pCur's buffers are bound already */
  int rc = SQLITE_OK;

  int nCursor = 0;            /* a server-side cursor of nCursor rows a fetch */
  int bPrepared = 0;

  assert( p->base.pActive==0 );
  *ppCur = 0;
  remoteConnClearError(&p->base);
  if( (mFlags & REMOTE_QUERY_SHARED)!=0 && myIsOneSelect(zSql) ){
    nCursor = nFetch>0 ? nFetch : 1000;
  }
  if( p->bTzAsk ) myTzAsk(p);
  zSql = myUtcSql(p, zSql, mFlags, &zUtcSql);
  if( zSql==0 ) return myNoMem(p);
  /* A server-side cursor sends its rows at each fetch, in the session's
  ** zone of that moment: SET STATEMENT time_zone does not reach them. A
  ** statement that must read in UTC in a session of another zone is read
  ** as a plain stream (buffered if the connection must serve others) */
  if( zUtcSql ) nCursor = 0;
  if( nParam==0 && nCursor>0 ){
    /* prepared, for its cursor; what does not prepare streams as text */
    rc = myStmtRunCursor(p, zSql, 0, 0, nCursor, &pStmt, &e, &bPrepared);
    if( rc!=SQLITE_OK && !bPrepared ){
      remoteConnClearError(&p->base);
      nCursor = 0;
      rc = SQLITE_OK;
    }else if( rc!=SQLITE_OK ){
      goto query_error;
    }
  }
  /* query= text (REMOTE_QUERY_SINGLE) is always prepared: one statement */
  if( nParam==0 && nCursor==0 && pStmt==0 && (mFlags & REMOTE_QUERY_SINGLE)==0 ){
    rc = myQueryText(p, zSql, &pCur, &pRes, &bExecuted);
    if( rc ) goto query_error;
  }else{
    if( pStmt==0 ){
      rc = myStmtRunCursor(p, zSql, nParam, aParam, nCursor, &pStmt, &e, 0);
      if( rc!=SQLITE_OK ) goto query_error;
    }
    bExecuted = 1;
    while( mysql_stmt_field_count(pStmt)==0 && mysql_stmt_more_results(pStmt) ){
      int r = myStmtNextResult(p, pStmt);
      if( r<0 ) break;
      if( r>0 ){
        myStmtError(p, pStmt);
        rc = SQLITE_ERROR;
        goto query_error;
      }
    }
    if( mysql_stmt_field_count(pStmt)>0 ){
      pMeta = mysql_stmt_result_metadata(pStmt);
      if( pMeta==0 ){
        myStmtError(p, pStmt);
        rc = SQLITE_ERROR;
        goto query_error;
      }
    }
    if( e && e->pIdle && pMeta
     && myCursorFits(e->pIdle, mysql_fetch_fields(pMeta), (int)mysql_num_fields(pMeta)) ){
      /* the last cursor of this statement, its buffers still bound */
      pCur = e->pIdle;
      e->pIdle = 0;
      pCur->eState = MYCUR_START;
      bBound = 1;
    }else{
      if( e && e->pIdle ){
        /* the columns changed: the new cursor's buffers are bound instead */
        sqlite3_free(e->pIdle);
        e->pIdle = 0;
      }
      pCur = myCursorNew(p, pMeta ? mysql_fetch_fields(pMeta) : 0,
                         pMeta ? (int)mysql_num_fields(pMeta) : 0, 1);
    }
    if( pCur==0 ){
      rc = myNoMem(p);
      goto query_error;
    }
    pCur->pStmt = pStmt;
    pCur->pCached = e;
    pStmt = 0;
    e = 0;
    if( pCur->nCol>0 && !bBound ){
      if( mysql_stmt_bind_result(pCur->pStmt, pCur->aBind) ){
        myStmtError(p, pCur->pStmt);
        rc = SQLITE_ERROR;
        goto query_error;
      }
      pCur->bBound = 1;
    }
  }
  if( pCur->nCol==0 ) pCur->eState = MYCUR_DONE;
  pCur->bUtc = zUtcSql!=0;
  if( pMeta ) mysql_free_result(pMeta);
  pCur->bServer = nCursor>0 && pCur->pStmt
               && (db->server_status & SERVER_STATUS_CURSOR_EXISTS)!=0;
  sqlite3_free(zUtcSql);
  /* a server-side cursor leaves the connection free between fetches */
  if( !pCur->bServer ) p->base.pActive = &pCur->base;
  *ppCur = &pCur->base;
  return SQLITE_OK;

query_error:
  sqlite3_free(zUtcSql);
  if( pMeta ) mysql_free_result(pMeta);
  if( pCur ){
    myFinalize(&pCur->base);
  }else{
    if( bExecuted ){
      if( pStmt ) myDrainStmt(p, pStmt); else myDrainText(p, pRes);
    }
    myStmtDone(p, pStmt, e);
  }
  return rc;
}

/*
** After a binary-protocol fetch: point azVal at each value's bytes, and
** fetch the values longer than their slot (mysql_stmt_fetch_column) into
** the overflow buffer, grown as needed. SQLITE_OK or SQLITE_ERROR.
*/
static int myFetchLong(MyConn *p, MyCursor *pCur){
  size_t nNeed = 0, nOff = 0;
  int i;
  for(i=0; i<pCur->nCol; i++){
    MYSQL_BIND *b = &pCur->aBind[i];
    pCur->azVal[i] = (char*)b->buffer;
    if( !pCur->abNull[i] && myIsBytesClass(pCur->aClass[i])
     && pCur->anLen[i]>b->buffer_length ){
      nNeed += pCur->anLen[i];
    }
  }
  if( nNeed==0 ) return SQLITE_OK;
  if( nNeed>pCur->nOvfl ){
    size_t nNew = pCur->nOvfl*2>nNeed ? pCur->nOvfl*2 : nNeed;
    char *zNew = sqlite3_realloc64(pCur->zOvfl, nNew);
    if( zNew==0 ) return myNoMem(p);
    pCur->zOvfl = zNew;
    pCur->nOvfl = nNew;
  }
  for(i=0; i<pCur->nCol; i++){
    MYSQL_BIND *b = &pCur->aBind[i];
    if( !pCur->abNull[i] && myIsBytesClass(pCur->aClass[i])
     && pCur->anLen[i]>b->buffer_length ){
      MYSQL_BIND x;
      unsigned long nGot = 0;
      my_bool bNull = 0, bErr = 0;
      memset(&x, 0, sizeof(x));
      x.buffer_type = b->buffer_type;
      x.buffer = &pCur->zOvfl[nOff];
      x.buffer_length = pCur->anLen[i];
      x.length = &nGot;
      x.is_null = &bNull;
      x.error = &bErr;
      if( mysql_stmt_fetch_column(pCur->pStmt, &x, (unsigned int)i, 0) ){
        myStmtError(p, pCur->pStmt);
        return SQLITE_ERROR;
      }
      pCur->azVal[i] = &pCur->zOvfl[nOff];
      nOff += pCur->anLen[i];
    }
  }
  return SQLITE_OK;
}

/*
** Advance to the next row: SQLITE_ROW, SQLITE_DONE (the remaining result
** sets of the statement are read then, so an error in a later statement
** is reported here), or SQLITE_ERROR with the connection's error set.
*/
static int myStep(RemoteCursor *pCursor){
  MyCursor *pCur = (MyCursor*)pCursor;
  MyConn *p = (MyConn*)pCur->base.pConn;
  if( pCur->eState==MYCUR_DONE ) return SQLITE_DONE;
  if( pCur->pStmt==0 ){
    MYSQL_ROW azRow = myFetchRow(p, pCur->pRes);
    if( azRow ){
      pCur->azRow = azRow;
      pCur->anLen = mysql_fetch_lengths(pCur->pRes);
      pCur->eState = MYCUR_ROW;
      return SQLITE_ROW;
    }
    pCur->eState = MYCUR_DONE;
    if( mysql_errno(p->db) || p->bLost ){
      myDbError(p);
      return SQLITE_ERROR;
    }
    myFreeResult(p, pCur->pRes);
    pCur->pRes = 0;
    return myDiscardMoreResults(p, 0)==SQLITE_OK ? SQLITE_DONE : SQLITE_ERROR;
  }else{
    int r = myStmtFetch(p, pCur->pStmt);
    if( r==0 || r==MYSQL_DATA_TRUNCATED ){
      if( myFetchLong(p, pCur) ){
        pCur->eState = MYCUR_DONE;
        return SQLITE_ERROR;
      }
      pCur->eState = MYCUR_ROW;
      return SQLITE_ROW;
    }
    pCur->eState = MYCUR_DONE;
    if( r==MYSQL_NO_DATA ){
      return myStmtDiscard(p, pCur->pStmt, 0)==SQLITE_OK ? SQLITE_DONE
                                                          : SQLITE_ERROR;
    }
    myStmtError(p, pCur->pStmt);
    return SQLITE_ERROR;
  }
}

/* Columns of the result (0 when no statement returned rows) */
static int myColumnCount(RemoteCursor *pCursor){
  return ((MyCursor*)pCursor)->nCol;
}

/* Name of column iCol, valid until xFinalize (NULL out of range) */
static const char *myColumnName(RemoteCursor *pCursor, int iCol){
  MyCursor *pCur = (MyCursor*)pCursor;
  if( iCol<0 || iCol>=pCur->nCol ) return 0;
  return pCur->azName[iCol];
}

/* "INTEGER", "REAL", "NUMERIC", "TEXT" or "BLOB": myFieldClass()'s say */
static const char *myColumnDeclType(RemoteCursor *pCursor, int iCol){
  MyCursor *pCur = (MyCursor*)pCursor;
  if( iCol<0 || iCol>=pCur->nCol ) return 0;
  return azMyDeclType[pCur->aClass[iCol]];
}

/************************************************************************
** Values: the type mapping (README.md, "Virtual tables")
*/

/* An unsigned 64-bit value as NUMERIC affinity makes it: integer up to
** 2^63-1, real above */
static void myUnsignedValue(unsigned long long u, RemoteValue *pOut){
  if( u<=0x7fffffffffffffffULL ){
    pOut->eType = SQLITE_INTEGER;
    pOut->i = (sqlite3_int64)u;
  }else{
    pOut->eType = SQLITE_FLOAT;
    pOut->r = (double)u;
  }
}

/* A double as REAL; NaN (which SQLite cannot hold) as NULL */
static void myDoubleValue(double r, RemoteValue *pOut){
  if( isnan(r) ){
    pOut->eType = SQLITE_NULL;
  }else{
    pOut->eType = SQLITE_FLOAT;
    pOut->r = r;
  }
}

/*
** A FLOAT as the double nearest the server's text form of it, so that
** both protocols give the same value. The server (MariaDB, and MySQL, with
** my_gcvt(MY_GCVT_ARG_FLOAT)) writes a FLOAT with at most FLT_DIG (6)
** significant digits, the shortest that reads back as the same double:
** 0.1 is "0.1" (not 0.100000001490116), 1234567 is "1234570". %.6g gives
** the same digits (glibc rounds exactly, as dtoa does); strtod reads them.
*/
static void myFloatValue(float f, RemoteValue *pOut){
  char zBuf[40];
  if( isnan(f) ){
    pOut->eType = SQLITE_NULL;
    return;
  }
  if( isinf(f) ){
    myDoubleValue((double)f, pOut);
    return;
  }
  snprintf(zBuf, sizeof(zBuf), "%.6g", (double)f);
  myDoubleValue(strtod(zBuf, 0), pOut);
}

/* BIT(n): big-endian bytes, as an integer */
static void myBitValue(const unsigned char *a, unsigned long n,
                       RemoteValue *pOut){
  unsigned long long u = 0;
  unsigned long i;
  for(i=0; i<n; i++) u = (u<<8) | a[i];
  myUnsignedValue(u, pOut);
}

/* Copy the text z[0..n) into zBuf (nBuf bytes) nul-terminated; 0 if it
** does not fit */
static int myTextCopy(const char *z, unsigned long n, char *zBuf, size_t nBuf){
  if( n>=nBuf ) return 0;
  memcpy(zBuf, z, n);
  zBuf[n] = 0;
  return 1;
}

/* The server's text of an integer column, as INTEGER (NUMERIC affinity
** for anything unexpected) */
static void myIntegerText(const char *z, unsigned long n, RemoteValue *pOut){
  char zBuf[32];
  char *zEnd = 0;
  long long v;
  if( myTextCopy(z, n, zBuf, sizeof(zBuf)) && n>0 ){
    errno = 0;
    v = strtoll(zBuf, &zEnd, 10);
    if( errno==0 && *zEnd==0 ){
      pOut->eType = SQLITE_INTEGER;
      pOut->i = v;
      return;
    }
  }
  remoteNumericAffinity(z, (int)n, pOut);
}

/* Length of a DATETIME or TIME text with the trailing zeros of its
** fraction removed, and the '.' too when the fraction is zero */
static unsigned long myTrimFraction(const char *z, unsigned long n){
  const char *zDot = memchr(z, '.', n);
  if( zDot==0 ) return n;
  while( n>0 && z[n-1]=='0' ) n--;
  if( n>0 && z[n-1]=='.' ) n--;
  return n;
}

/*
** ----------------------------------------------------------------------
** Time zones
** ----------------------------------------------------------------------
**
** The session keeps the time_zone the user chose (an init_command in the
** URL, the server's default, a later SET): now() and current_date in the
** user's SQL mean what they mean in the mysql client. The server renders
** TIMESTAMP values in that zone; the type mapping gives them in UTC:
**
**   - SQL the core built (a virtual table's reads and writes, flagged
**     REMOTE_QUERY_UTC) runs as "SET STATEMENT time_zone='+00:00' FOR ..."
**     on MariaDB when the session is not in UTC: its TIMESTAMP values come
**     in UTC, and the UTC texts it writes are read as UTC, exactly;
**   - any other result's TIMESTAMP values are moved to UTC here by the
**     session's zone (myToUtc): an offset ("+05:30"), or a named zone by
**     its rules from the system's zoneinfo (tz.c), the files MariaDB's
**     zone tables are made from. A wall time that the zone has twice (the
**     hour repeated when DST ends) is read as the earlier one: the server's
**     text cannot tell them apart.
**
** The zone is read at connect and followed through session-state tracking
** (myTrackTz). SYSTEM is the server's @@system_time_zone: a zone with
** rules here, else its offset at connect. A name without rules here costs
** one query for its current offset before the next statement (myTzAsk).
*/

/* 1 if z[0..n) names UTC */
static int myTzIsUtc(const char *z, size_t n){
  static const char *const azUtc[] = {
    "UTC", "Etc/UTC", "UCT", "Etc/UCT", "GMT", "Etc/GMT", "GMT0", "Etc/GMT0",
    "Universal", "Etc/Universal", "Zulu", "Etc/Zulu", "Greenwich", "Etc/Greenwich"
  };
  size_t i;
  for(i=0; i<sizeof(azUtc)/sizeof(azUtc[0]); i++){
    if( strlen(azUtc[i])==n && sqlite3_strnicmp(z, azUtc[i], (int)n)==0 ) return 1;
  }
  return 0;
}

/* The session's time_zone is now z[0..n): how its TIMESTAMPs are read */
static void myTzSet(MyConn *p, const char *z, size_t n){
  char zName[128];
  int h = 0, m = 0, nH = 0, nM = 0;
  size_t i = 1;
  p->bTzAsk = 0;
  p->pTz = 0;
  /* an offset, "+hh:mm" or "-hh:mm" */
  while( i<n && nH<3 && z[i]>='0' && z[i]<='9' ){ h = h*10 + (z[i++] - '0'); nH++; }
  if( i<n && z[i]==':' ) i++;
  while( i<n && nM<3 && z[i]>='0' && z[i]<='9' ){ m = m*10 + (z[i++] - '0'); nM++; }
  if( n>0 && (z[0]=='+' || z[0]=='-') && nH>0 && nM>0 && i==n ){
    p->nTzOffset = (z[0]=='-' ? -1 : 1)*(h*3600 + m*60);
    p->eTz = p->nTzOffset ? MYTZ_OFFSET : MYTZ_UTC;
    return;
  }
  if( n==6 && sqlite3_strnicmp(z, "SYSTEM", 6)==0 ){
    z = p->zSysTz;
    n = strlen(z);
    if( myTzIsUtc(z, n) ){ p->eTz = MYTZ_UTC; return; }
    p->pTz = remoteTzFind(z);
    if( p->pTz ){ p->eTz = MYTZ_ZONE; return; }
    p->nTzOffset = p->nSysOffset;
    p->eTz = p->nTzOffset ? MYTZ_OFFSET : MYTZ_UTC;
    return;
  }
  if( myTzIsUtc(z, n) ){ p->eTz = MYTZ_UTC; return; }
  if( n<sizeof(zName) ){
    memcpy(zName, z, n);
    zName[n] = 0;
    p->pTz = remoteTzFind(zName);
  }
  if( p->pTz ){
    p->eTz = MYTZ_ZONE;
  }else{
    /* no rules here: its offset now, from the server (myTzAsk) */
    p->eTz = MYTZ_OFFSET;
    p->nTzOffset = 0;
    p->bTzAsk = 1;
  }
}

/* Before a statement, when myTzSet asked for it: the session zone's
** current offset, from the server (errors leave the offset at 0) */
static void myTzAsk(MyConn *p){
  static const char zSql[] = "SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW())";
  MYSQL_RES *pRes;
  MYSQL_ROW az;
  p->bTzAsk = 0;
  if( myRealQuery(p, zSql, (unsigned long)strlen(zSql)) ) return;
  pRes = mysql_store_result(p->db);
  if( pRes==0 ) return;
  az = mysql_fetch_row(pRes);
  if( az && az[0] ) p->nTzOffset = atoi(az[0]);
  mysql_free_result(pRes);
}

/*
** A TIMESTAMP the server rendered in the session's time zone, moved to
** UTC (see "Time zones"). The zero date stays as it is.
*/
static void myToUtc(const MyConn *p, MYSQL_TIME *t){
  sqlite3_int64 secs, days, y;
  int m, d;
  if( t->year==0 && t->month==0 && t->day==0 ) return;
  secs = remoteDaysFromCivil(t->year, (int)t->month, (int)t->day)*86400
       + t->hour*3600 + t->minute*60 + t->second;
  if( p->eTz==MYTZ_ZONE ){
    secs = remoteTzLocalToUtc(p->pTz, secs);
  }else{
    secs -= p->nTzOffset;
  }
  days = secs>=0 ? secs/86400 : -((-secs+86399)/86400);
  secs -= days*86400;
  remoteCivilFromDays(days, &y, &m, &d);
  t->year = (unsigned)y;
  t->month = (unsigned)m;
  t->day = (unsigned)d;
  t->hour = (unsigned)(secs/3600);
  t->minute = (unsigned)(secs/60%60);
  t->second = (unsigned)(secs%60);
}

/*
** The SQL to run for zSql: "SET STATEMENT time_zone='+00:00' FOR zSql"
** (sqlite3_malloc'd into *pzFree) when the core flagged it
** REMOTE_QUERY_UTC, the session is not in UTC and the server is a MariaDB
** that knows SET STATEMENT; else zSql itself. NULL when out of memory.
*/
static const char *myUtcSql(MyConn *p, const char *zSql, int mFlags,
                            char **pzFree){
  *pzFree = 0;
  if( (mFlags & REMOTE_QUERY_UTC)==0 || p->eTz==MYTZ_UTC || !p->bSetStatement ){
    return zSql;
  }
  *pzFree = sqlite3_mprintf("SET STATEMENT time_zone='+00:00' FOR %s", zSql);
  return *pzFree;
}

/* "YYYY-MM-DD HH:MM:SS[.ffffff]" (text protocol) into *t: 1 on success */
static int myParseDatetime(const char *z, unsigned long n, MYSQL_TIME *t){
  char zBuf[40];
  unsigned y, mo, d, h, mi, s;
  int nRead = 0;
  if( n>=sizeof(zBuf) ) return 0;
  memcpy(zBuf, z, n);
  zBuf[n] = 0;
  memset(t, 0, sizeof(*t));
  if( sscanf(zBuf, "%u-%u-%u %u:%u:%u%n", &y, &mo, &d, &h, &mi, &s, &nRead)!=6 ){
    return 0;
  }
  t->year = y; t->month = mo; t->day = d;
  t->hour = h; t->minute = mi; t->second = s;
  if( zBuf[nRead]=='.' ){
    unsigned long f = 0;
    int i, nDigit = 0;
    for(i=nRead+1; zBuf[i]>='0' && zBuf[i]<='9'; i++){
      if( nDigit<6 ){ f = f*10 + (unsigned long)(zBuf[i]-'0'); nDigit++; }
    }
    while( nDigit++<6 ) f *= 10;
    t->second_part = f;
  }
  t->time_type = MYSQL_TIMESTAMP_DATETIME;
  return 1;
}

/*
** After a statement: the server reports a changed time_zone through
** session-state tracking (tracked by default); follow it (myTzSet).
*/
static void myTrackTz(MyConn *p){
  const char *zName = 0, *zVal = 0;
  size_t nName = 0, nVal = 0;
  unsigned int mStatus = 0;
  /* nothing new unless the last OK said the session state changed */
  if( mariadb_get_infov(p->db, MARIADB_CONNECTION_SERVER_STATUS, &mStatus)==0
   && (mStatus & SERVER_SESSION_STATE_CHANGED)==0 ){
    return;
  }
  if( mysql_session_track_get_first(p->db, SESSION_TRACK_SYSTEM_VARIABLES,
                                    &zName, &nName) ) return;
  do{
    if( mysql_session_track_get_next(p->db, SESSION_TRACK_SYSTEM_VARIABLES,
                                     &zVal, &nVal) ) return;
    if( nName==9 && memcmp(zName, "time_zone", 9)==0 ) myTzSet(p, zVal, nVal);
  }while( mysql_session_track_get_next(p->db, SESSION_TRACK_SYSTEM_VARIABLES,
                                       &zName, &nName)==0 );
}

/* v in decimal at z, zero-padded to at least nMin digits: the length */
static int myPutUint(char *z, unsigned long v, int nMin){
  char a[24];
  int n = 0, i;
  if( v<100 && nMin==2 ){     /* month, day, hour, minute, second */
    z[0] = (char)('0' + v/10);
    z[1] = (char)('0' + v%10);
    return 2;
  }
  do{
    a[n++] = (char)('0' + v%10);
    v /= 10;
  }while( v );
  while( n<nMin ) a[n++] = '0';
  for(i=0; i<n; i++) z[i] = a[n-1-i];
  return n;
}

/* Format a MYSQL_TIME of class eClass into zBuf (96 bytes): the length.
** "YYYY-MM-DD", "YYYY-MM-DD hh:mm:ss" or "[-]h..hh:mm:ss", then the
** fraction of a second without its trailing zeros. */
static int myFormatTime(const MYSQL_TIME *t, int eClass, char *zBuf){
  int n = 0;
  if( eClass==MYC_DATE || eClass==MYC_DATETIME || eClass==MYC_TSTAMP ){
    n += myPutUint(&zBuf[n], t->year, 4);
    zBuf[n++] = '-';
    n += myPutUint(&zBuf[n], t->month, 2);
    zBuf[n++] = '-';
    n += myPutUint(&zBuf[n], t->day, 2);
    if( eClass==MYC_DATE ){
      zBuf[n] = 0;
      return n;
    }
    zBuf[n++] = ' ';
    n += myPutUint(&zBuf[n], t->hour, 2);
  }else{
    if( t->neg ) zBuf[n++] = '-';
    n += myPutUint(&zBuf[n], (unsigned long)t->day*24 + t->hour, 2);
  }
  zBuf[n++] = ':';
  n += myPutUint(&zBuf[n], t->minute, 2);
  zBuf[n++] = ':';
  n += myPutUint(&zBuf[n], t->second, 2);
  if( t->second_part>0 ){
    zBuf[n++] = '.';
    n += myPutUint(&zBuf[n], t->second_part, 6);
    while( zBuf[n-1]=='0' ) n--;
  }
  zBuf[n] = 0;
  return n;
}

/* Column iCol of the current text-protocol row */
static void myColumnText(MyCursor *pCur, int iCol, RemoteValue *pOut){
  const char *z = pCur->azRow[iCol];
  unsigned long n = pCur->anLen[iCol];
  char zBuf[400];
  if( z==0 ) return;
  switch( pCur->aClass[iCol] ){
    case MYC_NULL:
      break;
    case MYC_INTEGER:
      myIntegerText(z, n, pOut);
      break;
    case MYC_UBIGINT:
      if( myTextCopy(z, n, zBuf, sizeof(zBuf)) ){
        myUnsignedValue(strtoull(zBuf, 0, 10), pOut);
      }else{
        remoteNumericAffinity(z, (int)n, pOut);
      }
      break;
    case MYC_BIT:
      myBitValue((const unsigned char*)z, n, pOut);
      break;
    case MYC_DOUBLE:
    case MYC_FLOAT:
      if( myTextCopy(z, n, zBuf, sizeof(zBuf)) ){
        myDoubleValue(strtod(zBuf, 0), pOut);
      }else{
        remoteNumericAffinity(z, (int)n, pOut);
      }
      break;
    case MYC_DECIMAL:
      remoteNumericAffinity(z, (int)n, pOut);
      break;
    case MYC_TSTAMP:
      if( ((MyConn*)pCur->base.pConn)->eTz!=MYTZ_UTC && !pCur->bUtc ){
        MYSQL_TIME t;
        char *zText = pCur->zTsBuf;
        if( myParseDatetime(z, n, &t) ){
          myToUtc((MyConn*)pCur->base.pConn, &t);
          pOut->eType = SQLITE_TEXT;
          pOut->n = myFormatTime(&t, MYC_TSTAMP, zText);
          pOut->z = zText;
          break;
        }
      }
      /* fall through */
    case MYC_DATETIME:
    case MYC_TIME:
      pOut->eType = SQLITE_TEXT;
      pOut->z = z;
      pOut->n = (int)myTrimFraction(z, n);
      break;
    case MYC_BLOB:
      pOut->eType = SQLITE_BLOB;
      pOut->z = z;
      pOut->n = (int)n;
      break;
    default:                    /* DATE, TEXT */
      pOut->eType = SQLITE_TEXT;
      pOut->z = z;
      pOut->n = (int)n;
      break;
  }
}

/* Column iCol of the current binary-protocol row */
static void myColumnBinary(MyCursor *pCur, int iCol, RemoteValue *pOut){
  MYSQL_BIND *b = &pCur->aBind[iCol];
  const char *z = pCur->azVal[iCol];
  if( pCur->abNull[iCol] ) return;
  switch( pCur->aClass[iCol] ){
    case MYC_NULL:
      break;
    case MYC_INTEGER: {
      long long v;
      memcpy(&v, b->buffer, sizeof(v));
      pOut->eType = SQLITE_INTEGER;
      pOut->i = v;
      break;
    }
    case MYC_UBIGINT: {
      unsigned long long u;
      memcpy(&u, b->buffer, sizeof(u));
      myUnsignedValue(u, pOut);
      break;
    }
    case MYC_BIT:
      myBitValue((const unsigned char*)z, pCur->anLen[iCol], pOut);
      break;
    case MYC_DOUBLE: {
      double r;
      memcpy(&r, b->buffer, sizeof(r));
      myDoubleValue(r, pOut);
      break;
    }
    case MYC_FLOAT: {
      float f;
      memcpy(&f, b->buffer, sizeof(f));
      myFloatValue(f, pOut);
      break;
    }
    case MYC_DECIMAL:
      remoteNumericAffinity(z, (int)pCur->anLen[iCol], pOut);
      break;
    case MYC_DATE:
    case MYC_DATETIME:
    case MYC_TSTAMP:
    case MYC_TIME: {
      char *zText = (char*)b->buffer + MY_TIME_TEXT;
      MYSQL_TIME t = *(const MYSQL_TIME*)b->buffer;
      const MyConn *pMy = (const MyConn*)pCur->base.pConn;
      if( pCur->aClass[iCol]==MYC_TSTAMP && pMy->eTz!=MYTZ_UTC && !pCur->bUtc ){
        myToUtc(pMy, &t);
      }
      pOut->eType = SQLITE_TEXT;
      pOut->n = myFormatTime(&t, pCur->aClass[iCol], zText);
      pOut->z = zText;
      break;
    }
    case MYC_BLOB:
      pOut->eType = SQLITE_BLOB;
      pOut->z = z;
      pOut->n = (int)pCur->anLen[iCol];
      break;
    default:
      pOut->eType = SQLITE_TEXT;
      pOut->z = z;
      pOut->n = (int)pCur->anLen[iCol];
      break;
  }
}

/*
** The value of column iCol of the current row after the type mapping
** (README.md, "Virtual tables"). TEXT and BLOB bytes stay valid until the next xStep or
** xFinalize. NULL outside a row.
*/
static void myColumn(RemoteCursor *pCursor, int iCol, RemoteValue *pOut){
  MyCursor *pCur = (MyCursor*)pCursor;
  memset(pOut, 0, sizeof(*pOut));
  pOut->eType = SQLITE_NULL;
  if( pCur->eState!=MYCUR_ROW || iCol<0 || iCol>=pCur->nCol ) return;
  if( pCur->pStmt ){
    myColumnBinary(pCur, iCol, pOut);
  }else{
    myColumnText(pCur, iCol, pOut);
  }
}

/************************************************************************
** Connection state, closing
*/

/* Free p itself (the MYSQL handle and statements are already gone) */
static void myConnFree(MyConn *p){
  sqlite3_free(p->pSpare);
  if( p->zPassword ){
    memset(p->zPassword, 0, strlen(p->zPassword));
    sqlite3_free(p->zPassword);
  }
  sqlite3_free(p->zDatabase);
  remoteUrlFree(p->pUrl);
  remoteConnClearError(&p->base);
  sqlite3_free(p);
}

/* Close politely: finalize a cursor still open, close the cached
** statements, send COM_QUIT, free. A lost connection (bLost) is closed
** without a word: its server may never answer. */
static void myClose(RemoteConn *pConn){
  MyConn *p = (MyConn*)pConn;
  int fdWatch;
  if( p==0 ) return;
  p->base.xStop = 0;
  if( p->bLost && myMuteSocket(p->db)==0 ){
    if( p->base.pActive ) myFinalize(p->base.pActive);
    remoteStmtClear(&p->cache);
    mysql_close(p->db);
    myConnFree(p);
    return;
  }
  if( p->base.pActive ) myFinalize(p->base.pActive);
  remoteStmtClear(&p->cache);
  fdWatch = remoteSocketWatch((int)mysql_get_socket(p->db));
  mysql_close(p->db);
  remoteSocketAwaitClose(fdWatch, 1000);
  myConnFree(p);
}

/*
** Free a connection inherited across fork() without a byte reaching the
** server over the socket the parent still uses: /dev/null is dup2()'d
** over the socket's descriptor first, so the statement closes and the
** COM_QUIT of mysql_close() (and a TLS close_notify) go nowhere, and what
** closes is the copy. The socket is never shutdown(): that would end the
** parent's connection too. If /dev/null cannot be opened the MYSQL handle
** is leaked rather than closed.
*/
static void myCloseNoTerminate(RemoteConn *pConn){
  MyConn *p = (MyConn*)pConn;
  int fd, fdNull;
  if( p==0 ) return;
  p->base.xStop = 0;
  fd = (int)mysql_get_socket(p->db);
  fdNull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if( fdNull>=0 && (fd<0 || dup2(fdNull, fd)>=0) ){
    if( p->base.pActive ) myFinalize(p->base.pActive);
    remoteStmtClear(&p->cache);
    mysql_close(p->db);
  }else{
    /* Leak the handle (and its statements): never talk over the socket */
    if( p->base.pActive ){
      MyCursor *pCur = (MyCursor*)p->base.pActive;
      sqlite3_free(pCur->zOvfl);
      sqlite3_free(pCur);
      p->base.pActive = 0;
    }
    p->cache.xDrop = myStmtForgotten;
    remoteStmtClear(&p->cache);
  }
  if( fdNull>=0 ) close(fdNull);
  myConnFree(p);
}

/* SQLITE_OK if the server answers COM_PING; otherwise SQLITE_ERROR with a
** disconnect-class error (there is no automatic reconnect). */
static int myPing(RemoteConn *pConn){
  MyConn *p = (MyConn*)pConn;
  remoteConnClearError(&p->base);
  if( myPingAsync(p) ){
    myDbError(p);
    p->base.eErr = REMOTE_ERR_DISCONNECT;
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

/* The server's thread id of this session */
static sqlite3_int64 myBackendPid(RemoteConn *pConn){
  return (sqlite3_int64)mysql_thread_id(((MyConn*)pConn)->db);
}

/* 1 if the last reply said a transaction is open (SERVER_STATUS_IN_TRANS) */
static int myInTransaction(RemoteConn *pConn){
  unsigned int iStatus = 0;
  if( mariadb_get_infov(((MyConn*)pConn)->db,
                        MARIADB_CONNECTION_SERVER_STATUS, &iStatus) ){
    return 0;
  }
  return (iStatus & SERVER_STATUS_IN_TRANS)!=0;
}

/************************************************************************
** SQL text: identifiers, transactions, isolation
*/

/* `zIdent` with backticks doubled: sqlite3_malloc'd */
static char *myQuoteIdent(const char *zIdent){
  size_t i, n = 0, nIn = zIdent ? strlen(zIdent) : 0;
  char *zOut = sqlite3_malloc64(2*nIn + 3);
  if( zOut==0 ) return 0;
  zOut[n++] = '`';
  for(i=0; i<nIn; i++){
    if( zIdent[i]=='`' ) zOut[n++] = '`';
    zOut[n++] = zIdent[i];
  }
  zOut[n++] = '`';
  zOut[n] = 0;
  return zOut;
}

/* The isolation level zLevel spelled as SQL wants it, or NULL if it is
** none of the four (so nothing else is ever spliced into SQL) */
static const char *myIsolationSql(const char *zLevel){
  static const char *const azLevel[] = {
    "SERIALIZABLE", "REPEATABLE READ", "READ COMMITTED", "READ UNCOMMITTED"
  };
  int i;
  for(i=0; zLevel && i<4; i++){
    if( sqlite3_stricmp(zLevel, azLevel[i])==0 ) return azLevel[i];
  }
  return 0;
}

/* START TRANSACTION, after SET TRANSACTION ISOLATION LEVEL for a level
** (two statements, run without parameters). sqlite3_malloc'd; NULL when
** out of memory or for an unknown level. */
static char *myBeginSql(const char *zIsolation){
  const char *zLevel;
  if( zIsolation==0 ) return sqlite3_mprintf("START TRANSACTION");
  zLevel = myIsolationSql(zIsolation);
  if( zLevel==0 ) return 0;
  return sqlite3_mprintf("SET TRANSACTION ISOLATION LEVEL %s; "
                         "START TRANSACTION", zLevel);
}

/* "<zVerb> `name`": sqlite3_malloc'd */
static char *mySavepointVerb(const char *zVerb, const char *zName){
  char *zQuoted = myQuoteIdent(zName);
  char *zOut = zQuoted ? sqlite3_mprintf("%s %s", zVerb, zQuoted) : 0;
  sqlite3_free(zQuoted);
  return zOut;
}

/* SAVEPOINT, RELEASE SAVEPOINT, ROLLBACK TO SAVEPOINT `name` */
static char *mySavepointSql(const char *zName){
  return mySavepointVerb("SAVEPOINT", zName);
}
static char *myReleaseSql(const char *zName){
  return mySavepointVerb("RELEASE SAVEPOINT", zName);
}
static char *myRollbackToSql(const char *zName){
  return mySavepointVerb("ROLLBACK TO SAVEPOINT", zName);
}

/*
** Set the session's isolation level for later transactions. NULL puts the
** server's global default back; "AUTOCOMMIT" is the core's business and
** does nothing here. SQLITE_OK or SQLITE_ERROR with p's error set.
*/
static int mySetIsolation(RemoteConn *pConn, const char *zLevel){
  MyConn *p = (MyConn*)pConn;
  char *zSql;
  int rc;
  if( zLevel && sqlite3_stricmp(zLevel, "AUTOCOMMIT")==0 ) return SQLITE_OK;
  if( zLevel==0 ){
    zSql = sqlite3_mprintf("SET SESSION %s = @@GLOBAL.%s",
                           p->zIsoVar, p->zIsoVar);
  }else{
    const char *zSqlLevel = myIsolationSql(zLevel);
    if( zSqlLevel==0 ){
      remoteConnSetError(&p->base, REMOTE_ERR_OTHER, 0,
                         "invalid isolation level '%s'", zLevel);
      return SQLITE_ERROR;
    }
    zSql = sqlite3_mprintf("SET SESSION TRANSACTION ISOLATION LEVEL %s",
                           zSqlLevel);
  }
  if( zSql==0 ) return myNoMem(p);
  rc = myExec(pConn, zSql, 0, 0, 0);
  sqlite3_free(zSql);
  return rc;
}

/*
** Text of value v, nul-terminated: sqlite3_malloc'd, NULL for a NULL value
** (or out of memory).
*/
static char *myValueText(const RemoteValue *v){
  switch( v->eType ){
    case SQLITE_INTEGER: return sqlite3_mprintf("%lld", v->i);
    case SQLITE_FLOAT:   return sqlite3_mprintf("%!.17g", v->r);
    case SQLITE_TEXT:
    case SQLITE_BLOB:    return sqlite3_mprintf("%.*s", v->n, v->z ? v->z : "");
    default:             return 0;
  }
}

/* Integer of value v (0 for NULL or text) */
static sqlite3_int64 myValueInt(const RemoteValue *v){
  if( v->eType==SQLITE_INTEGER ) return v->i;
  if( v->eType==SQLITE_FLOAT ) return (sqlite3_int64)v->r;
  return 0;
}

/* The session's isolation level, normalized ("REPEATABLE READ"):
** sqlite3_malloc'd, or NULL with p's error set. */
static char *myGetIsolation(RemoteConn *pConn){
  MyConn *p = (MyConn*)pConn;
  RemoteCursor *pCur = 0;
  char *zSql = sqlite3_mprintf("SELECT @@SESSION.%s", p->zIsoVar);
  char *zLevel = 0;
  int rc;
  if( zSql==0 ){
    myNoMem(p);
    return 0;
  }
  rc = myQuery(pConn, zSql, 0, 0, 1, 0, &pCur);
  if( rc==SQLITE_OK && (rc = myStep(pCur))==SQLITE_ROW ){
    RemoteValue v;
    myColumn(pCur, 0, &v);
    zLevel = myValueText(&v);
    if( zLevel==0 ){
      remoteConnSetError(&p->base, REMOTE_ERR_OTHER, 0,
                         "the server reported no isolation level");
    }else{
      char *z;
      for(z=zLevel; *z; z++) if( *z=='-' ) *z = ' ';
    }
  }else if( rc==SQLITE_DONE ){
    remoteConnSetError(&p->base, REMOTE_ERR_OTHER, 0,
                       "the server reported no isolation level");
  }
  myFinalize(pCur);
  sqlite3_free(zSql);
  return zLevel;
}

/************************************************************************
** The catalog
*/

/* The declared type (the type mapping of README.md) of a column of DATA_TYPE zData and
** COLUMN_TYPE zType, as information_schema.COLUMNS spells them */
static const char *myDeclType(const char *zData, const char *zType){
  static const char *const azInt[] = {
    "tinyint", "smallint", "mediumint", "int", "integer", "bigint",
    "year", "bit", "bool", "boolean", "serial"
  };
  static const char *const azReal[] = {
    "float", "double", "real", "double precision"
  };
  static const char *const azNumeric[] = {
    "decimal", "numeric", "dec", "fixed"
  };
  static const char *const azBlob[] = {
    "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob",
    "geometry", "point", "linestring", "polygon", "multipoint",
    "multilinestring", "multipolygon", "geometrycollection"
  };
  size_t i;
  if( zData==0 ) return "TEXT";
  for(i=0; i<sizeof(azInt)/sizeof(azInt[0]); i++){
    if( sqlite3_stricmp(zData, azInt[i])==0 ){
      if( sqlite3_stricmp(zData, "bigint")==0 && zType
       && sqlite3_strlike("%unsigned%", zType, 0)==0 ){
        return "NUMERIC";
      }
      return "INTEGER";
    }
  }
  for(i=0; i<sizeof(azReal)/sizeof(azReal[0]); i++){
    if( sqlite3_stricmp(zData, azReal[i])==0 ) return "REAL";
  }
  for(i=0; i<sizeof(azNumeric)/sizeof(azNumeric[0]); i++){
    if( sqlite3_stricmp(zData, azNumeric[i])==0 ) return "NUMERIC";
  }
  for(i=0; i<sizeof(azBlob)/sizeof(azBlob[0]); i++){
    if( sqlite3_stricmp(zData, azBlob[i])==0 ) return "BLOB";
  }
  return "TEXT";
}

/* zA equals zB, as table and database names compare on a server with
** lower_case_table_names = iLower (0: exactly, else case-insensitively) */
static int myNameEq(const char *zA, const char *zB, sqlite3_int64 iLower){
  if( zA==0 || zB==0 ) return 0;
  return iLower ? sqlite3_stricmp(zA, zB)==0 : strcmp(zA, zB)==0;
}

/* Find the table: fill pInfo's schema, name, bView and row estimate.
** SQLITE_OK, SQLITE_NOTFOUND, or SQLITE_ERROR with p's error set. */
static int myTableFind(MyConn *p, const char *zSchema, const char *zTable,
                       RemoteTableInfo *pInfo){
  RemoteCursor *pCur = 0;
  RemoteValue aParam[2];
  int rc;
  memset(aParam, 0, sizeof(aParam));
  aParam[0].eType = zSchema ? SQLITE_TEXT : SQLITE_NULL;
  aParam[0].z = zSchema;
  aParam[0].n = zSchema ? (int)strlen(zSchema) : 0;
  aParam[1].eType = SQLITE_TEXT;
  aParam[1].z = zTable;
  aParam[1].n = (int)strlen(zTable);
  rc = myQuery(&p->base,
      "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_ROWS,"
      " @@lower_case_table_names, DATABASE()"
      " FROM information_schema.TABLES"
      " WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?",
      2, aParam, 16, 0, &pCur);
  while( rc==SQLITE_OK && (rc = myStep(pCur))==SQLITE_ROW ){
    RemoteValue aV[6];
    char *azText[6];
    int i;
    for(i=0; i<6; i++){
      myColumn(pCur, i, &aV[i]);
      azText[i] = myValueText(&aV[i]);
    }
    if( pInfo->zTable==0
     && myNameEq(azText[1], zTable, myValueInt(&aV[4]))
     && myNameEq(azText[0], zSchema ? zSchema : azText[5], myValueInt(&aV[4]))
    ){
      pInfo->zSchema = azText[0];
      pInfo->zTable = azText[1];
      azText[0] = azText[1] = 0;
      pInfo->bView = azText[2] && sqlite3_strlike("%VIEW", azText[2], 0)==0;
      pInfo->nRowEst = aV[3].eType==SQLITE_NULL ? -1 : myValueInt(&aV[3]);
    }
    for(i=0; i<6; i++) sqlite3_free(azText[i]);
    rc = SQLITE_OK;
  }
  myFinalize(pCur);
  if( rc==SQLITE_DONE ) rc = pInfo->zTable ? SQLITE_OK : SQLITE_NOTFOUND;
  return rc;
}

/* Read pInfo's columns (ordinal order) and, unless it is a view, their
** primary key positions. SQLITE_OK or SQLITE_ERROR with p's error set. */
static int myTableColumns(MyConn *p, RemoteTableInfo *pInfo){
  RemoteCursor *pCur = 0;
  RemoteValue aParam[2];
  int nAlloc = 0;
  int rc;
  memset(aParam, 0, sizeof(aParam));
  aParam[0].eType = SQLITE_TEXT;
  aParam[0].z = pInfo->zSchema;
  aParam[0].n = (int)strlen(pInfo->zSchema);
  aParam[1].eType = SQLITE_TEXT;
  aParam[1].z = pInfo->zTable;
  aParam[1].n = (int)strlen(pInfo->zTable);

  rc = myQuery(&p->base,
      "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE,"
      " IS_NULLABLE, EXTRA LIKE '%auto_increment%' OR EXTRA LIKE '%GENERATED%',"
      " (COLUMN_DEFAULT IS NOT NULL AND COLUMN_DEFAULT <> 'NULL')"
      "  OR EXTRA LIKE '%auto_increment%' OR EXTRA LIKE '%GENERATED%'"
      " FROM information_schema.COLUMNS"
      " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
      2, aParam, 256, 0, &pCur);
  while( rc==SQLITE_OK && (rc = myStep(pCur))==SQLITE_ROW ){
    RemoteValue aV[8];
    char *azText[6];
    int i;
    rc = SQLITE_OK;
    myColumn(pCur, 6, &aV[6]);
    myColumn(pCur, 7, &aV[7]);
    for(i=0; i<6; i++){
      myColumn(pCur, i, &aV[i]);
      azText[i] = myValueText(&aV[i]);
    }
    if( azText[0] && azText[1] && azText[2]
     && strcmp(azText[0], pInfo->zSchema)==0
     && strcmp(azText[1], pInfo->zTable)==0 ){
      RemoteColumnInfo *c;
      if( pInfo->nCol>=nAlloc ){
        int nNew = nAlloc ? nAlloc*2 : 16;
        RemoteColumnInfo *aNew = sqlite3_realloc64(pInfo->aCol,
                                           nNew*sizeof(RemoteColumnInfo));
        if( aNew==0 ) rc = myNoMem(p);
        else{ pInfo->aCol = aNew; nAlloc = nNew; }
      }
      if( rc==SQLITE_OK ){
        c = &pInfo->aCol[pInfo->nCol++];
        memset(c, 0, sizeof(*c));
        c->zName = azText[2];
        azText[2] = 0;
        c->zDeclType = sqlite3_mprintf("%s", myDeclType(azText[3], azText[4]));
        c->zRemoteType = azText[4];
        azText[4] = 0;
        c->bNotNull = azText[5] && sqlite3_stricmp(azText[5], "NO")==0;
        c->bAuto = myValueInt(&aV[6])!=0;
        c->bDefault = myValueInt(&aV[7])!=0;
        if( c->zDeclType==0 || c->zRemoteType==0 ) rc = myNoMem(p);
      }
    }
    for(i=0; i<6; i++) sqlite3_free(azText[i]);
  }
  myFinalize(pCur);
  pCur = 0;
  if( rc!=SQLITE_DONE ) return rc;
  rc = SQLITE_OK;
  if( pInfo->bView ) return rc;

  rc = myQuery(&p->base,
      "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, SEQ_IN_INDEX"
      " FROM information_schema.STATISTICS"
      " WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND INDEX_NAME = 'PRIMARY'"
      " ORDER BY SEQ_IN_INDEX",
      2, aParam, 16, 0, &pCur);
  while( rc==SQLITE_OK && (rc = myStep(pCur))==SQLITE_ROW ){
    RemoteValue aV[4];
    char *azText[3];
    int i;
    rc = SQLITE_OK;
    for(i=0; i<4; i++) myColumn(pCur, i, &aV[i]);
    for(i=0; i<3; i++) azText[i] = myValueText(&aV[i]);
    if( azText[0] && azText[1] && azText[2]
     && strcmp(azText[0], pInfo->zSchema)==0
     && strcmp(azText[1], pInfo->zTable)==0 ){
      int iCol;
      for(iCol=0; iCol<pInfo->nCol
               && strcmp(pInfo->aCol[iCol].zName, azText[2])!=0; iCol++){}
      if( iCol==pInfo->nCol ){
        /* column names are case-insensitive in MySQL */
        for(iCol=0; iCol<pInfo->nCol
                 && sqlite3_stricmp(pInfo->aCol[iCol].zName, azText[2])!=0;
            iCol++){}
      }
      if( iCol<pInfo->nCol ) pInfo->aCol[iCol].iPk = (int)myValueInt(&aV[3]);
    }
    for(i=0; i<3; i++) sqlite3_free(azText[i]);
  }
  myFinalize(pCur);
  return rc==SQLITE_DONE ? SQLITE_OK : rc;
}

/*
** Read table (or view) zTable of database zSchema (NULL = the current
** database) from information_schema, with values bound: its columns in
** ordinal order, declared types by README.md's type mapping, NOT NULL, primary
** key positions, row estimate (TABLE_ROWS, -1 unknown). Names compare as
** the server compares them (lower_case_table_names). *ppInfo is freed
** with remoteTableInfoFree(). SQLITE_OK, SQLITE_NOTFOUND, or SQLITE_ERROR
** with the connection's error set.
*/
static int myTableInfo(RemoteConn *pConn, const char *zSchema,
                       const char *zTable, RemoteTableInfo **ppInfo){
  MyConn *p = (MyConn*)pConn;
  RemoteTableInfo *pInfo;
  int rc;
  *ppInfo = 0;
  remoteConnClearError(&p->base);
  pInfo = sqlite3_malloc(sizeof(*pInfo));
  if( pInfo==0 ) return myNoMem(p);
  memset(pInfo, 0, sizeof(*pInfo));
  pInfo->nRowEst = -1;
  rc = myTableFind(p, zSchema, zTable, pInfo);
  if( rc==SQLITE_OK ) rc = myTableColumns(p, pInfo);
  if( rc==SQLITE_OK && pInfo->nCol==0 ) rc = SQLITE_NOTFOUND;
  if( rc!=SQLITE_OK ){
    remoteTableInfoFree(pInfo);
    return rc;
  }
  *ppInfo = pInfo;
  return SQLITE_OK;
}

static int myCompareNames(const void *pA, const void *pB){
  return strcmp(*(char*const*)pA, *(char*const*)pB);
}

/*
** Names of the tables and views of database zSchema (NULL = current),
** sorted in byte order: *pazTable is a sqlite3_malloc'd array of
** *pnTable sqlite3_malloc'd strings. SQLITE_OK, SQLITE_NOTFOUND when
** there is no database zSchema, or SQLITE_ERROR.
*/
static int myListTables(RemoteConn *pConn, const char *zSchema,
                        int *pnTable, char ***pazTable){
  MyConn *p = (MyConn*)pConn;
  RemoteCursor *pCur = 0;
  RemoteValue aParam[2];
  char **azTable = 0;
  int nTable = 0, nAlloc = 0;
  int rc;
  int i;

  *pnTable = 0;
  *pazTable = 0;
  remoteConnClearError(&p->base);
  memset(aParam, 0, sizeof(aParam));
  aParam[0].eType = zSchema ? SQLITE_TEXT : SQLITE_NULL;
  aParam[0].z = zSchema;
  aParam[0].n = zSchema ? (int)strlen(zSchema) : 0;
  aParam[1] = aParam[0];
  rc = myQuery(pConn,
      "SELECT TABLE_SCHEMA, TABLE_NAME, COALESCE(?, DATABASE()),"
      " @@lower_case_table_names FROM information_schema.TABLES"
      " WHERE TABLE_SCHEMA = COALESCE(?, DATABASE())",
      2, aParam, 1000, 0, &pCur);
  while( rc==SQLITE_OK && (rc = myStep(pCur))==SQLITE_ROW ){
    RemoteValue aV[4];
    char *azText[3];
    rc = SQLITE_OK;
    for(i=0; i<4; i++) myColumn(pCur, i, &aV[i]);
    for(i=0; i<3; i++) azText[i] = myValueText(&aV[i]);
    if( azText[1] && myNameEq(azText[0], azText[2], myValueInt(&aV[3])) ){
      if( nTable>=nAlloc ){
        int nNew = nAlloc ? nAlloc*2 : 32;
        char **azNew = sqlite3_realloc64(azTable, nNew*sizeof(char*));
        if( azNew==0 ) rc = myNoMem(p);
        else{ azTable = azNew; nAlloc = nNew; }
      }
      if( rc==SQLITE_OK ){
        azTable[nTable++] = azText[1];
        azText[1] = 0;
      }
    }
    for(i=0; i<3; i++) sqlite3_free(azText[i]);
  }
  myFinalize(pCur);
  pCur = 0;
  if( rc==SQLITE_DONE && nTable==0 && zSchema ){
    /* no table: is there such a database at all? */
    rc = myQuery(pConn, "SELECT 1 FROM information_schema.SCHEMATA"
                        " WHERE SCHEMA_NAME = ?", 1, aParam, 1, 0, &pCur);
    if( rc==SQLITE_OK ) rc = myStep(pCur);
    myFinalize(pCur);
    if( rc==SQLITE_DONE ) return SQLITE_NOTFOUND;
    if( rc==SQLITE_ROW ) rc = SQLITE_DONE;
  }
  if( rc!=SQLITE_DONE ){
    for(i=0; i<nTable; i++) sqlite3_free(azTable[i]);
    sqlite3_free(azTable);
    return SQLITE_ERROR;
  }
  if( nTable>1 ) qsort(azTable, nTable, sizeof(char*), myCompareNames);
  *pnTable = nTable;
  *pazTable = azTable;
  return SQLITE_OK;
}

/************************************************************************
** The dialect
*/
/* The MYSQL* of a connection (C API) */
static void *myNativeHandle(RemoteConn *pConn){
  return ((MyConn*)pConn)->db;
}

/* USE a database for a schema_translate_map's "" entry; NULL: back to the
** URL's (nothing to go back to when the URL named none) */
static int mySetSchema(RemoteConn *pConn, const char *zSchema){
  MyConn *p = (MyConn*)pConn;
  const char *zDb = zSchema ? zSchema : p->zDatabase;
  char *zQ, *zSql;
  sqlite3_int64 n;
  int rc;
  if( zDb==0 ) return SQLITE_OK;
  zQ = myQuoteIdent(zDb);
  zSql = zQ ? sqlite3_mprintf("USE %s", zQ) : 0;
  sqlite3_free(zQ);
  if( zSql==0 ){
    remoteConnSetError(pConn, REMOTE_ERR_OTHER, 0, "out of memory");
    return SQLITE_NOMEM;
  }
  rc = myExec(pConn, zSql, 0, 0, &n);
  sqlite3_free(zSql);
  return rc;
}

/************************************************************************
** Two-phase commit: XA transactions
**
** An xid is a gtrid, a bqual and a formatID. Ours are a gtrid alone
** (formatID 1, empty bqual), written as the text itself; an xid that
** XA RECOVER shows with a bqual, another formatID or bytes that are not
** printable ASCII is written X'gtrid',X'bqual',formatID (hex), the form
** xTpcSql takes back verbatim.
*/

/* 1 if zXid is the full form X'hex',X'hex',digits */
static int myXidIsFull(const char *z){
  int i, nDigit = 0;
  for(i=0; i<2; i++){
    if( (z[0]!='X' && z[0]!='x') || z[1]!='\'' ) return 0;
    z += 2;
    while( (*z>='0' && *z<='9') || (*z>='a' && *z<='f') || (*z>='A' && *z<='F') ){
      z++;
    }
    if( *z!='\'' || z[1]!=',' ) return 0;
    z += 2;
  }
  while( *z>='0' && *z<='9' ){ z++; nDigit++; }
  return *z==0 && nDigit>0 && nDigit<=10;
}

/* The xid for XA statements: sqlite3_malloc'd. A plain one of letters,
** digits and _.:- is written as a string, anything else in hex */
static char *myXidSql(const char *zXid){
  sqlite3_str *pStr;
  const unsigned char *z;
  if( myXidIsFull(zXid) ) return sqlite3_mprintf("%s", zXid);
  for(z=(const unsigned char*)zXid; *z; z++){
    if( !((*z>='a' && *z<='z') || (*z>='A' && *z<='Z') || (*z>='0' && *z<='9')
          || *z=='_' || *z=='.' || *z==':' || *z=='-') ) break;
  }
  if( *z==0 ) return sqlite3_mprintf("'%s'", zXid);
  pStr = sqlite3_str_new(0);
  sqlite3_str_appendall(pStr, "X'");
  for(z=(const unsigned char*)zXid; *z; z++){
    sqlite3_str_appendf(pStr, "%02x", *z);
  }
  sqlite3_str_appendchar(pStr, 1, '\'');
  return sqlite3_str_finish(pStr);
}

/* xTpcSql: XA START ... XA END + XA PREPARE ... XA COMMIT */
static char *myTpcSql(int eStep, const char *zXid){
  char *zX;
  char *zSql = 0;
  if( zXid==0 ) return 0;         /* XA START names the transaction */
  zX = myXidSql(zXid);
  if( zX==0 ) return 0;
  switch( eStep ){
    case REMOTE_TPC_BEGIN:
      zSql = sqlite3_mprintf("XA START %s", zX);
      break;
    case REMOTE_TPC_PREPARE:
      zSql = sqlite3_mprintf("XA END %s; XA PREPARE %s", zX, zX);
      break;
    case REMOTE_TPC_COMMIT_ONE:
      zSql = sqlite3_mprintf("XA END %s; XA COMMIT %s ONE PHASE", zX, zX);
      break;
    case REMOTE_TPC_ROLLBACK_ONE:
      zSql = sqlite3_mprintf("XA END %s; XA ROLLBACK %s", zX, zX);
      break;
    case REMOTE_TPC_COMMIT_PREPARED:
      zSql = sqlite3_mprintf("XA COMMIT %s", zX);
      break;
    default:
      zSql = sqlite3_mprintf("XA ROLLBACK %s", zX);
      break;
  }
  sqlite3_free(zX);
  return zSql;
}

/* The text of one XA RECOVER row (see above): sqlite3_malloc'd */
static char *myXidText(long iFormat, long nGtrid, long nBqual,
                       const char *a, unsigned long nData){
  sqlite3_str *pStr;
  long i;
  int bPlain = iFormat==1 && nBqual==0;
  if( nGtrid<0 || nBqual<0 || (unsigned long)(nGtrid+nBqual)>nData ){
    nGtrid = (long)nData;
    nBqual = 0;
  }
  for(i=0; bPlain && i<nGtrid; i++){
    if( a[i]<0x20 || a[i]>0x7e ) bPlain = 0;
  }
  if( nGtrid==0 ) bPlain = 0;
  if( bPlain ) return sqlite3_mprintf("%.*s", (int)nGtrid, a);
  pStr = sqlite3_str_new(0);
  sqlite3_str_appendall(pStr, "X'");
  for(i=0; i<nGtrid; i++) sqlite3_str_appendf(pStr, "%02x", (unsigned char)a[i]);
  sqlite3_str_appendall(pStr, "',X'");
  for(i=0; i<nBqual; i++){
    sqlite3_str_appendf(pStr, "%02x", (unsigned char)a[nGtrid+i]);
  }
  sqlite3_str_appendf(pStr, "',%ld", iFormat);
  return sqlite3_str_finish(pStr);
}

/* xTpcList: XA RECOVER (the server keeps no time of preparation) */
static int myTpcList(RemoteConn *pConn, int *pnXid, char ***pazXid){
  MyConn *p = (MyConn*)pConn;
  MYSQL_RES *pRes;
  MYSQL_ROW azRow;
  char **azXid = 0;
  int n = 0, rc = SQLITE_OK, i;
  *pnXid = 0;
  *pazXid = 0;
  remoteConnClearError(&p->base);
  if( myRealQuery(p, "XA RECOVER", 10) ){
    myDbError(p);
    return SQLITE_ERROR;
  }
  pRes = mysql_store_result(p->db);
  if( pRes==0 ){
    myDbError(p);
    return SQLITE_ERROR;
  }
  if( mysql_num_fields(pRes)<4 ){
    mysql_free_result(pRes);
    remoteConnSetError(&p->base, REMOTE_ERR_OTHER, 0,
                       "unexpected result from XA RECOVER");
    return SQLITE_ERROR;
  }
  if( mysql_num_rows(pRes)>0 ){
    azXid = sqlite3_malloc64(sizeof(char*)*2*mysql_num_rows(pRes));
    if( azXid==0 ) rc = SQLITE_NOMEM;
  }
  while( rc==SQLITE_OK && (azRow = mysql_fetch_row(pRes))!=0 ){
    unsigned long *anLen = mysql_fetch_lengths(pRes);
    azXid[2*n] = myXidText(azRow[0] ? atol(azRow[0]) : 1,
                           azRow[1] ? atol(azRow[1]) : -1,
                           azRow[2] ? atol(azRow[2]) : -1,
                           azRow[3] ? azRow[3] : "", azRow[3] ? anLen[3] : 0);
    azXid[2*n+1] = 0;
    if( azXid[2*n]==0 ) rc = SQLITE_NOMEM;
    n++;
  }
  mysql_free_result(pRes);
  myDiscardMoreResults(p, 0);
  if( rc ){
    for(i=0; i<2*n; i++) sqlite3_free(azXid[i]);
    sqlite3_free(azXid);
    return myNoMem(p);
  }
  *pnXid = n;
  *pazXid = azXid;
  return SQLITE_OK;
}

/* xTpcError: 1397 XAER_NOTA "Unknown XID"; MySQL/MariaDB always allow
** XA transactions */
static int myTpcError(RemoteConn *pConn){
  return strcmp(pConn->zCode, "1397")==0 ? REMOTE_TPC_ERR_NOTFOUND : 0;
}

/*
** The AUTO_INCREMENT value generated for the last of the nRow rows the
** last INSERT wrote: mysql_insert_id() is the first one's, and a
** multi-row INSERT takes consecutive values (innodb_autoinc_lock_mode 0
** or 1, MariaDB's default; not under mode 2 with concurrent inserts) one
** auto_increment_increment apart.
*/
static int myLastInsertId(RemoteConn *pConn, int nRow, sqlite3_int64 *piId){
  MyConn *p = (MyConn*)pConn;
  RemoteCursor *pCur = 0;
  RemoteValue v;
  int rc;
  *piId = (sqlite3_int64)mysql_insert_id(p->db);
  if( nRow<=1 || *piId==0 ) return SQLITE_OK;
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_INTEGER;
  v.i = nRow-1;
  rc = myQuery(pConn, "SELECT @@auto_increment_increment * ?", 1, &v, 1, 0, &pCur);
  if( rc==SQLITE_OK && (rc = myStep(pCur))==SQLITE_ROW ){
    myColumn(pCur, 0, &v);
    *piId += myValueInt(&v);
    rc = SQLITE_OK;
  }
  myFinalize(pCur);
  return rc==SQLITE_DONE ? SQLITE_OK : rc;
}

/*
** xExecBatch: MariaDB's array binding (STMT_ATTR_ARRAY_SIZE): the
** statement runs for every set in one round trip. Each column is bound as
** an array of the one type its values have (NULLs by indicator); a column
** of several types, or a server without bulk operations (MySQL), gives
** SQLITE_NOTFOUND and the caller runs the sets one by one.
*/
static int myExecBatch(RemoteConn *pConn, const char *zSql, int nParam,
                       int nSet, const RemoteValue *aParam,
                       sqlite3_int64 *pnChange){
  MyConn *p = (MyConn*)pConn;
  MYSQL_STMT *pStmt = 0;
  MyStmt *e = 0;
  MYSQL_BIND *aBind = 0;
  char *aInd = 0;
  void **aBuf = 0;
  unsigned long *anLen = 0;
  unsigned int nArray = (unsigned int)nSet;
  size_t caps = 0;
  int i, k, rc;

  *pnChange = 0;
  remoteConnClearError(&p->base);
  if( nParam<=0 || nSet<=1 ) return SQLITE_NOTFOUND;
  if( p->bTzAsk ) myTzAsk(p);
  if( p->base.mFlags & REMOTE_QUERY_UTC ){
    /* a statement that must run in UTC in a session of another zone goes
    ** one set at a time, each under SET STATEMENT time_zone (myExec) */
    char *zUtcSql = 0;
    const char *zW = myUtcSql(p, zSql, p->base.mFlags, &zUtcSql);
    sqlite3_free(zUtcSql);
    if( zW==0 ) return myNoMem(p);
    if( zW!=zSql ) return SQLITE_NOTFOUND;
  }
  if( mariadb_get_infov(p->db, MARIADB_CONNECTION_EXTENDED_SERVER_CAPABILITIES,
                        &caps) || (caps & (MARIADB_CLIENT_STMT_BULK_OPERATIONS>>32))==0 ){
    return SQLITE_NOTFOUND;
  }
  /* one type per column */
  for(i=0; i<nParam; i++){
    int eType = SQLITE_NULL;
    for(k=0; k<nSet; k++){
      int t = aParam[(sqlite3_int64)k*nParam+i].eType;
      if( t==SQLITE_NULL ) continue;
      if( eType!=SQLITE_NULL && t!=eType ) return SQLITE_NOTFOUND;
      eType = t;
    }
  }
  aBind = sqlite3_malloc64(nParam*sizeof(MYSQL_BIND));
  aBuf = sqlite3_malloc64(nParam*sizeof(void*));
  aInd = sqlite3_malloc64((sqlite3_int64)nParam*nSet);
  anLen = sqlite3_malloc64((sqlite3_int64)nParam*nSet*sizeof(unsigned long));
  if( aBind==0 || aBuf==0 || aInd==0 || anLen==0 ){
    rc = myNoMem(p);
    goto batch_done;
  }
  memset(aBind, 0, nParam*sizeof(MYSQL_BIND));
  memset(aBuf, 0, nParam*sizeof(void*));
  for(i=0; i<nParam; i++){
    MYSQL_BIND *b = &aBind[i];
    char *azInd = &aInd[(sqlite3_int64)i*nSet];
    unsigned long *an = &anLen[(sqlite3_int64)i*nSet];
    int eType = SQLITE_NULL;
    for(k=0; k<nSet; k++){
      const RemoteValue *v = &aParam[(sqlite3_int64)k*nParam+i];
      azInd[k] = v->eType==SQLITE_NULL ? STMT_INDICATOR_NULL : STMT_INDICATOR_NONE;
      if( v->eType!=SQLITE_NULL ) eType = v->eType;
    }
    switch( eType ){
      case SQLITE_INTEGER: {
        long long *a = sqlite3_malloc64((sqlite3_int64)nSet*sizeof(long long));
        if( a ) for(k=0; k<nSet; k++) a[k] = aParam[(sqlite3_int64)k*nParam+i].i;
        b->buffer_type = MYSQL_TYPE_LONGLONG;
        aBuf[i] = a;
        break;
      }
      case SQLITE_FLOAT: {
        double *a = sqlite3_malloc64((sqlite3_int64)nSet*sizeof(double));
        if( a ) for(k=0; k<nSet; k++) a[k] = aParam[(sqlite3_int64)k*nParam+i].r;
        b->buffer_type = MYSQL_TYPE_DOUBLE;
        aBuf[i] = a;
        break;
      }
      case SQLITE_TEXT:
      case SQLITE_BLOB: {
        const char **a = sqlite3_malloc64((sqlite3_int64)nSet*sizeof(char*));
        if( a ) for(k=0; k<nSet; k++){
          const RemoteValue *v = &aParam[(sqlite3_int64)k*nParam+i];
          a[k] = v->z ? v->z : "";
          an[k] = v->eType==SQLITE_NULL || v->n<0 ? 0 : (unsigned long)v->n;
        }
        b->buffer_type = eType==SQLITE_TEXT ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
        b->length = an;
        aBuf[i] = (void*)a;
        break;
      }
      default:
        b->buffer_type = MYSQL_TYPE_NULL;
        aBuf[i] = sqlite3_malloc(1);
        break;
    }
    if( aBuf[i]==0 ){
      rc = myNoMem(p);
      goto batch_done;
    }
    b->buffer = aBuf[i];
    b->u.indicator = azInd;
  }
  rc = myStmtGet(p, zSql, nParam, 0, &pStmt, &e);
  if( rc ) goto batch_done;
  if( mysql_stmt_attr_set(pStmt, STMT_ATTR_ARRAY_SIZE, &nArray)
   || mysql_stmt_bind_param(pStmt, aBind) ){
    myStmtError(p, pStmt);
    rc = SQLITE_ERROR;
  }else if( myStmtExec(p, pStmt) ){
    myStmtError(p, pStmt);
    rc = SQLITE_ERROR;
  }else{
    myTrackTz(p);
    *pnChange = (sqlite3_int64)mysql_stmt_affected_rows(pStmt);
    rc = myStmtDiscard(p, pStmt, 0);
  }
  /* the cached statement runs one set at a time again */
  nArray = 0;
  mysql_stmt_attr_set(pStmt, STMT_ATTR_ARRAY_SIZE, &nArray);
  if( rc!=SQLITE_OK && myStmtFailed(p, e) ){
    pStmt = 0;
    e = 0;
  }
  myStmtDone(p, pStmt, e);

batch_done:
  for(i=0; aBuf && i<nParam; i++) sqlite3_free(aBuf[i]);
  sqlite3_free(aBuf);
  sqlite3_free(aBind);
  sqlite3_free(aInd);
  sqlite3_free(anLen);
  return rc;
}

const RemoteDialect remoteMysqlDialect = {
  .iVersion = REMOTE_DIALECT_VERSION,
  /* zName also serves "mariadb"; no xCopyBegin/Rows/End: the multi-row
  ** INSERT serves */
  .zName = "mysql",
  .zDriver = "mysqlclient",
  .xIsQueryKey = myIsQueryKey,
  .xConnect = myConnect,
  .xClose = myClose,
  .xCloseNoTerminate = myCloseNoTerminate,
  .xPing = myPing,
  .xBackendPid = myBackendPid,
  .xInTransaction = myInTransaction,
  .xExec = myExec,
  .xQuery = myQuery,
  .xStep = myStep,
  .xColumnCount = myColumnCount,
  .xColumnName = myColumnName,
  .xColumnDeclType = myColumnDeclType,
  .xColumn = myColumn,
  .xFinalize = myFinalize,
  .xQuoteIdent = myQuoteIdent,
  .xBeginSql = myBeginSql,
  .zCommitSql = "COMMIT",
  .zRollbackSql = "ROLLBACK",
  .xSavepointSql = mySavepointSql,
  .xReleaseSql = myReleaseSql,
  .xRollbackToSql = myRollbackToSql,
  .xSetIsolation = mySetIsolation,
  .xGetIsolation = myGetIsolation,
  .xTableInfo = myTableInfo,
  .xListTables = myListTables,
  .xNativeHandle = myNativeHandle,
  .xSetSchema = mySetSchema,
  .xTpcSql = myTpcSql,
  .xTpcList = myTpcList,
  .xTpcError = myTpcError,
  .nTpcXidMax = 64,         /* a gtrid is at most 64 bytes */
  .xLastInsertId = myLastInsertId,
  .xExecBatch = myExecBatch,
  .xConnectOpts = myConnectOpts,
};
