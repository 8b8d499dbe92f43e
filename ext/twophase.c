/* SPDX-License-Identifier: MIT */
/*
** twophase.c: the commit coordinator of the `remote` module.
**
**   BEGIN;
**   UPDATE pg_accounts SET bal = bal - 10 WHERE id = 1;   -- PostgreSQL
**   UPDATE my_accounts SET bal = bal + 10 WHERE id = 7;   -- MariaDB
**   INSERT INTO ledger VALUES (...);                      -- local
**   COMMIT;   -- all three, or none of them
**   SELECT remote_recover();   -- after a crash: finish what was decided
**
** SQLite calls xSync on every virtual table written in a transaction
** before its own commit, and ignores what xCommit returns. So the remote
** commit is decided in xSync (remoteTpcSync), where a failure still fails
** SQLite's COMMIT and rolls everything back, local changes included:
**
**   - one engine written: its COMMIT is sent there (one phase);
**   - two or more: two-phase commit. A row naming the transaction is
**     written to the table _sqlite_remote_2pc of the main database, inside
**     the SQLite transaction (which takes the database's write lock), then
**     every engine is prepared. SQLite's own commit that follows is the
**     decision point: with the row committed the transaction commits, and
**     without it (presumed abort) it rolls back. xCommit (remoteTpcCommit)
**     then sends COMMIT PREPARED / XA COMMIT; the row is deleted by the
**     session's next two-phase commit or by remote_recover().
**   - twophase=off on an engine written: the engines commit one after
**     another, and a failure names those that did commit.
**
** remote_recover() takes the main database's write lock (BEGIN IMMEDIATE),
** which every coordinator holds from its decision row to its local commit,
** so it never touches a transaction still being decided; it commits the
** prepared transactions of this database that have a row, rolls back the
** others, and deletes the rows.
**
** Transaction ids: every branch is "sr_<db>_<session>_<n>_<branch>", where
** <db> is 16 hex digits of the main database's random id (the row of the
** table whose xid is ''), <session> 16 random hex digits of the SQLite
** connection, <n> its counter of SQLite transactions and <branch> the
** engine's place in the transaction (1, 2, ...). The row's xid is the
** same without "_<branch>". At most 62 bytes: MySQL's gtrid takes 64,
** PostgreSQL's gid 199.
**
** MySQL/MariaDB can prepare only a transaction begun with XA START, and a
** transaction does not know at its start whether a second engine will
** join: so every virtual-table write transaction of an engine with
** twophase=auto is an XA transaction there, which ends with
** `XA END; XA COMMIT ... ONE PHASE` when it stays alone (the same round
** trips as BEGIN/COMMIT). Savepoints work inside XA transactions, so
** statement atomicity is kept as in a plain transaction.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "log.h"
#include "func.h"
#include "twophase.h"

#define TPC_IDLE      0     /* no commit under way */
#define TPC_DONE      1     /* committed remotely in xSync (one phase or
                            ** one after another) */
#define TPC_PREPARED  2     /* every engine prepared, the decision written */

#define TPC_MAX_DONE  64    /* finished rows remembered for deletion */

/* Per-session state of the coordinator (RemoteSession.pTpc) */
typedef struct RemoteTpc RemoteTpc;
struct RemoteTpc {
  sqlite3_uint64 iSessId;   /* random id of this SQLite connection */
  sqlite3_int64 iSeq;       /* SQLite transactions with vtab writes so far */
  sqlite3_int64 iTxn;       /* the current one's number, 0 = none */
  int nBranch;              /* vtab transactions begun in it */
  int eState;               /* TPC_* */
  int bRecorded;            /* its decision row is written (uncommitted) */
  char zDbId[17];           /* main database id; "" = not known yet */
  int bIdStored;            /* zDbId was read from the database */
  int bIdFresh;             /* ... or written by the current transaction,
                            ** which may yet roll back */
  int bNoRecord;            /* the main database is read-only: nothing
                            ** durable can hold a decision */
  int nDone;                /* rows of finished transactions to delete */
  int nDoneDeleted;         /* ... of which the current one deletes these */
  char *azDone[TPC_MAX_DONE];
};

void remoteTpcCrashPoint(const char *zPoint){
  const char *z = getenv("REMOTE_TEST_CRASH");
  if( z && strcmp(z, zPoint)==0 ) raise(SIGKILL);
}

/* Test-only: REMOTE_TEST_CRASH=drop-POINT closes the connections of every
** prepared engine at zPoint, as a network failure would */
static void tpcDropPoint(RemoteSession *pSess, const char *zPoint){
  const char *z = getenv("REMOTE_TEST_CRASH");
  if( z && strncmp(z, "drop-", 5)==0 && strcmp(&z[5], zPoint)==0 ){
    SessConn *pSc;
    for(pSc=pSess->pConns; pSc; pSc=pSc->pNext){
      if( pSc->bPrepared && pSc->pHeld && pSc->pHeld->pConn ){
        remotePoolInvalidate(pSc->pHeld, 0, 0, "REMOTE_TEST_CRASH");
      }
    }
  }
}

static void tpcCrashPointN(const char *zPoint, int i){
  const char *z = getenv("REMOTE_TEST_CRASH");
  if( z ){
    char zBuf[48];
    snprintf(zBuf, sizeof(zBuf), "%s-%d", zPoint, i);
    if( strcmp(z, zBuf)==0 ) raise(SIGKILL);
  }
}

static RemoteTpc *tpcGet(RemoteSession *pSess){
  RemoteTpc *p = pSess->pTpc;
  if( p==0 ){
    p = sqlite3_malloc(sizeof(*p));
    if( p==0 ) return 0;
    memset(p, 0, sizeof(*p));
    sqlite3_randomness(sizeof(p->iSessId), &p->iSessId);
    pSess->pTpc = p;
  }
  return p;
}

void remoteTpcFree(RemoteSession *pSess){
  RemoteTpc *p = pSess->pTpc;
  int i;
  if( p==0 ) return;
  for(i=0; i<p->nDone; i++) sqlite3_free(p->azDone[i]);
  sqlite3_free(p);
  pSess->pTpc = 0;
}

/* A fresh random database id into zOut (17 bytes) */
static void tpcRandomId(char *zOut){
  sqlite3_uint64 u;
  sqlite3_randomness(sizeof(u), &u);
  snprintf(zOut, 17, "%016llx", (unsigned long long)u);
}

/* 1 if z is 16 lowercase hex digits */
static int tpcIsId(const char *z){
  int i;
  if( z==0 ) return 0;
  for(i=0; i<16; i++){
    if( !((z[i]>='0' && z[i]<='9') || (z[i]>='a' && z[i]<='f')) ) return 0;
  }
  return z[16]==0;
}

/* "remote: cannot ...: <SQLite's message>" for a failed local statement */
static int tpcLocalError(sqlite3 *db, int rc, const char *zWhat, char **pzErr){
  sqlite3_free(*pzErr);
  *pzErr = sqlite3_mprintf("remote: %s: %s", zWhat, sqlite3_errmsg(db));
  return rc==SQLITE_OK ? SQLITE_ERROR : rc;
}

/*
** The main database's id into p->zDbId: the stored one, or (none stored
** yet) a new random one that the first two-phase commit stores, or (a
** read-only main database) a random one of this session alone.
*/
static int tpcDbId(RemoteSession *pSess, RemoteTpc *p, char **pzErr){
  sqlite3 *db = pSess->db;
  sqlite3_stmt *pStmt = 0;
  int rc, bTable = 0;
  if( p->zDbId[0] ) return SQLITE_OK;
  if( sqlite3_db_readonly(db, "main")==1 ){
    p->bNoRecord = 1;
    tpcRandomId(p->zDbId);
    return SQLITE_OK;
  }
  rc = sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_master"
                              " WHERE type='table' AND name='" REMOTE_TPC_TABLE "'",
                          -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    bTable = sqlite3_step(pStmt)==SQLITE_ROW;
    rc = sqlite3_finalize(pStmt);
    pStmt = 0;
  }
  if( rc==SQLITE_OK && bTable ){
    rc = sqlite3_prepare_v2(db, "SELECT engines FROM main." REMOTE_TPC_TABLE
                                " WHERE xid=''", -1, &pStmt, 0);
    if( rc==SQLITE_OK ){
      if( sqlite3_step(pStmt)==SQLITE_ROW ){
        const char *z = (const char*)sqlite3_column_text(pStmt, 0);
        if( tpcIsId(z) ){
          memcpy(p->zDbId, z, 17);
          p->bIdStored = 1;
        }
      }
      rc = sqlite3_finalize(pStmt);
    }
  }
  if( rc ){
    p->zDbId[0] = 0;
    return tpcLocalError(db, rc, "cannot read the two-phase commit table", pzErr);
  }
  if( p->zDbId[0]==0 ) tpcRandomId(p->zDbId);
  return SQLITE_OK;
}

/* The SessConns of pSess with a vtab transaction, in the order they
** joined: *paP sqlite3_malloc'd (NULL when there are none) */
static int tpcParticipants(RemoteSession *pSess, SessConn ***paP, int *pnP){
  SessConn *pSc, **aP;
  int n = 0, i;
  *paP = 0;
  *pnP = 0;
  for(pSc=pSess->pConns; pSc; pSc=pSc->pNext){
    if( pSc->bVtabTxn && pSc->nDepth>0 ) n++;
  }
  if( n==0 ) return SQLITE_OK;
  aP = sqlite3_malloc64(sizeof(SessConn*)*n);
  if( aP==0 ) return SQLITE_NOMEM;
  n = 0;
  for(pSc=pSess->pConns; pSc; pSc=pSc->pNext){
    if( pSc->bVtabTxn && pSc->nDepth>0 ){
      /* insertion sort by iBranch: a handful of engines */
      for(i=n; i>0 && aP[i-1]->iBranch>pSc->iBranch; i--) aP[i] = aP[i-1];
      aP[i] = pSc;
      n++;
    }
  }
  *paP = aP;
  *pnP = n;
  return SQLITE_OK;
}

/* The commit is over (committed or rolled back): forget it */
static void tpcReset(RemoteSession *pSess, RemoteTpc *p){
  pSess->bCommitting = 0;
  if( p ){
    p->iTxn = 0;
    p->nBranch = 0;
    p->eState = TPC_IDLE;
    p->bRecorded = 0;
    p->bIdFresh = 0;
    p->nDoneDeleted = 0;
  }
}

/* "sr_<db>_<session>_<n>": the transaction's global id, sqlite3_malloc'd */
static char *tpcGlobalXid(RemoteTpc *p){
  return sqlite3_mprintf("sr_%s_%016llx_%lld", p->zDbId,
                         (unsigned long long)p->iSessId, p->iTxn);
}

/* ------------------------------------------------------------------ */
/* xBegin                                                              */

int remoteTpcBegin(SessConn *pSc, char **pzErr){
  RemoteSession *pSess = pSc->pSess;
  RemoteTpc *p = tpcGet(pSess);
  RemoteEngine *pE;
  int rc, bXid, iBranch;
  if( p==0 ) return SQLITE_NOMEM;
  pE = remoteSessEngine(pSc, pzErr);
  if( pE==0 ) return SQLITE_ERROR;
  bXid = !pE->opts.bTwophaseOff && pE->pDialect->xTpcSql!=0;
  if( bXid ){
    /* Only a dialect that names the transaction at its start (XA) needs
    ** the xid now; PostgreSQL gets it at PREPARE (remoteTpcSync), so that
    ** a transaction that stays alone never reads the main database */
    char *zBegin = pE->pDialect->xTpcSql(REMOTE_TPC_BEGIN, 0);
    if( zBegin ) bXid = 0;
    sqlite3_free(zBegin);
  }
  remoteEngineRelease(pE);
  if( p->iTxn==0 ){
    p->iTxn = ++p->iSeq;
    p->nBranch = 0;
  }
  iBranch = ++p->nBranch;
  if( bXid ){
    char *zGlobal, *zXid = 0;
    rc = tpcDbId(pSess, p, pzErr);
    if( rc==SQLITE_OK ){
      zGlobal = tpcGlobalXid(p);
      zXid = zGlobal ? sqlite3_mprintf("%s_%d", zGlobal, iBranch) : 0;
      sqlite3_free(zGlobal);
      rc = zXid ? remoteSessBeginXid(pSc, zXid, pzErr) : SQLITE_NOMEM;
      sqlite3_free(zXid);
    }
  }else{
    rc = remoteSessBegin(pSc, 0, pzErr);
  }
  if( rc==SQLITE_OK ){
    pSc->bVtabTxn = 1;
    pSc->iBranch = iBranch;
  }else{
    SessConn *pOther;
    for(pOther=pSess->pConns; pOther && !pOther->bVtabTxn; pOther=pOther->pNext){}
    if( pOther==0 ) p->iTxn = 0;      /* no transaction began after all */
  }
  return rc;
}

/* ------------------------------------------------------------------ */
/* The decision row                                                    */

/* Append zName to pStr as a JSON string */
static void tpcJsonString(sqlite3_str *pStr, const char *zName){
  const unsigned char *z;
  sqlite3_str_appendchar(pStr, 1, '"');
  for(z=(const unsigned char*)zName; *z; z++){
    if( *z=='"' || *z=='\\' ){
      sqlite3_str_appendchar(pStr, 1, '\\');
      sqlite3_str_appendchar(pStr, 1, (char)*z);
    }else if( *z<0x20 ){
      sqlite3_str_appendf(pStr, "\\u%04x", *z);
    }else{
      sqlite3_str_appendchar(pStr, 1, (char)*z);
    }
  }
  sqlite3_str_appendchar(pStr, 1, '"');
}

/* Run one statement of SQL on db with text parameters azArg[0..nArg) */
static int tpcLocalExec(sqlite3 *db, const char *zSql, int nArg,
                        const char **azArg){
  sqlite3_stmt *pStmt = 0;
  int rc = sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0);
  int i;
  if( rc ) return rc;
  for(i=0; i<nArg; i++) sqlite3_bind_text(pStmt, i+1, azArg[i], -1, SQLITE_STATIC);
  while( sqlite3_step(pStmt)==SQLITE_ROW ){}
  return sqlite3_finalize(pStmt);
}

/*
** Create the table (first use) and store the database id zId unless one
** is stored already; *pbSame = whether the stored id is zId.
*/
static int tpcEnsureTable(sqlite3 *db, const char *zId, int *pbSame){
  sqlite3_stmt *pStmt = 0;
  int rc;
  *pbSame = 0;
  rc = sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS main." REMOTE_TPC_TABLE "("
      "xid TEXT PRIMARY KEY,"       /* transaction; '' = this database's id */
      "engines TEXT NOT NULL,"      /* JSON array of engine names; the id */
      "created TEXT NOT NULL)", 0, 0, 0);
  if( rc==SQLITE_OK ){
    rc = tpcLocalExec(db, "INSERT OR IGNORE INTO main." REMOTE_TPC_TABLE
        " VALUES('', ?1, strftime('%Y-%m-%d %H:%M:%f','now'))", 1, &zId);
  }
  if( rc==SQLITE_OK ){
    rc = sqlite3_prepare_v2(db, "SELECT engines FROM main." REMOTE_TPC_TABLE
                                " WHERE xid=''", -1, &pStmt, 0);
  }
  if( rc==SQLITE_OK ){
    if( sqlite3_step(pStmt)==SQLITE_ROW ){
      const char *z = (const char*)sqlite3_column_text(pStmt, 0);
      *pbSame = z && strcmp(z, zId)==0;
    }
    rc = sqlite3_finalize(pStmt);
  }
  return rc;
}

/*
** Write the decision row of the current transaction (engines aP[0..n)) in
** the main database, inside SQLite's transaction, after deleting the rows
** of this session's finished transactions.
*/
static int tpcRecord(RemoteSession *pSess, RemoteTpc *p, SessConn **aP, int n,
                     char **pzErr){
  sqlite3 *db = pSess->db;
  sqlite3_str *pStr;
  char *zEngines, *zGlobal;
  const char *azArg[2];
  int rc, bSame = 0, i, nAttempt = 0;
  if( p->bNoRecord || p->bRecorded ) return SQLITE_OK;
record_again:
  if( p->bIdStored ){
    /* this session has seen the table and its id: the row alone */
    rc = SQLITE_OK;
    bSame = 1;
  }else{
    rc = tpcEnsureTable(db, p->zDbId, &bSame);
    p->bIdFresh = 1;
  }
  if( rc ){
    return tpcLocalError(db, rc, "cannot record the two-phase commit decision"
                         " in the main database", pzErr);
  }
  if( !bSame ){
    /* Another connection gave the database its id at the same moment:
    ** this transaction's branches carry the other one. Nothing is
    ** prepared yet; the next transaction uses the stored id */
    p->zDbId[0] = 0;
    p->bIdStored = 0;
    *pzErr = sqlite3_mprintf("remote: the main database got its two-phase "
        "commit id from another connection meanwhile: nothing was "
        "committed, try again");
    return SQLITE_ERROR;
  }
  p->bIdStored = 1;
  for(i=0; rc==SQLITE_OK && i<p->nDone; i++){
    azArg[0] = p->azDone[i];
    rc = tpcLocalExec(db, "DELETE FROM main." REMOTE_TPC_TABLE " WHERE xid=?1",
                      1, azArg);
  }
  p->nDoneDeleted = rc==SQLITE_OK ? p->nDone : 0;
  pStr = sqlite3_str_new(0);
  sqlite3_str_appendchar(pStr, 1, '[');
  for(i=0; i<n; i++){
    if( i ) sqlite3_str_appendchar(pStr, 1, ',');
    tpcJsonString(pStr, aP[i]->zEngine);
  }
  sqlite3_str_appendchar(pStr, 1, ']');
  zEngines = sqlite3_str_finish(pStr);
  zGlobal = tpcGlobalXid(p);
  if( rc==SQLITE_OK ){
    if( zEngines==0 || zGlobal==0 ){
      rc = SQLITE_NOMEM;
    }else{
      azArg[0] = zGlobal;
      azArg[1] = zEngines;
      rc = tpcLocalExec(db, "INSERT INTO main." REMOTE_TPC_TABLE
          " VALUES(?1, ?2, strftime('%Y-%m-%d %H:%M:%f','now'))", 2, azArg);
    }
  }
  sqlite3_free(zEngines);
  sqlite3_free(zGlobal);
  if( rc==SQLITE_ERROR && p->bIdStored && nAttempt==0 ){
    /* the table is gone (dropped by hand?): make it again */
    p->bIdStored = 0;
    nAttempt++;
    goto record_again;
  }
  if( rc ){
    return tpcLocalError(db, rc, "cannot record the two-phase commit decision"
                         " in the main database", pzErr);
  }
  p->bRecorded = 1;
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* xSync                                                               */

/* "remote: ENGINE: " in front of a message that lacks it */
static void tpcPrefix(SessConn *pSc, char **pzErr){
  if( *pzErr && strncmp(*pzErr, "remote: ", 8)!=0 ){
    char *z = sqlite3_mprintf("remote: %s: %s", pSc->zEngine, *pzErr);
    if( z ){
      sqlite3_free(*pzErr);
      *pzErr = z;
    }
  }
}

/* twophase=off: commit aP[0..n) one after another; a failure names the
** engines that did commit */
static int tpcCommitInTurn(RemoteSession *pSess, SessConn **aP, int n,
                           char **pzErr){
  sqlite3_str *pDone = sqlite3_str_new(0);
  int i, rc = SQLITE_OK, nDone = 0;
  for(i=0; i<n; i++){
    char *zEngine = sqlite3_mprintf("%s", aP[i]->zEngine);
    rc = zEngine ? remoteSessCommit(aP[i], pzErr) : SQLITE_NOMEM;
    if( rc ){
      tpcPrefix(aP[i], pzErr);
      if( nDone>0 ){
        char *zList = sqlite3_str_finish(pDone);
        char *z = sqlite3_mprintf("%s (not atomic, twophase=off: committed "
                                  "before this failure: %s)", *pzErr, zList);
        pDone = 0;
        sqlite3_free(zList);
        if( z ){
          sqlite3_free(*pzErr);
          *pzErr = z;
        }
      }
      sqlite3_free(zEngine);
      break;
    }
    sqlite3_str_appendf(pDone, "%s%s", nDone ? ", " : "", zEngine);
    nDone++;
    sqlite3_free(zEngine);
    tpcCrashPointN("sequential", nDone);
  }
  if( pDone ) sqlite3_free(sqlite3_str_finish(pDone));
  (void)pSess;
  return rc;
}

int remoteTpcSync(RemoteSession *pSess, char **pzErr){
  RemoteTpc *p = pSess->pTpc;
  SessConn **aP = 0;
  int nP = 0, nLive = 0, i, rc;
  int bOff = 0;
  SessConn *pNoTpc = 0;

  if( p==0 || pSess->bCommitting ) return SQLITE_OK;
  rc = tpcParticipants(pSess, &aP, &nP);
  if( rc || nP==0 ) return rc;

  /* Rows still queued on any CONN go first: their errors fail the commit,
  ** and no statement may use the engines once it is decided */
  {
    SessConn *pSc;
    for(pSc=pSess->pConns; rc==SQLITE_OK && pSc; pSc=pSc->pNext){
      if( remoteBatchPending(pSc) ) rc = remoteBatchFlush(pSc, pzErr);
    }
  }
  for(i=0; rc==SQLITE_OK && i<nP; i++){
    SessConn *pSc = aP[i];
    RemoteEngine *pE;
    if( !pSc->bBegun && pSc->eTxn==TXN_OK ) continue;  /* AUTOCOMMIT level */
    aP[nLive++] = pSc;
    pE = remoteSessEngine(pSc, pzErr);
    if( pE==0 ){
      rc = SQLITE_ERROR;
      break;
    }
    if( pE->opts.bTwophaseOff ) bOff = 1;
    if( pE->pDialect->xTpcSql==0 && pNoTpc==0 ) pNoTpc = pSc;
    remoteEngineRelease(pE);
  }
  if( rc ) goto sync_done;

  if( nLive<=1 ){
    /* One engine: its COMMIT decides (and the AUTOCOMMIT ones end) */
    for(i=0; rc==SQLITE_OK && i<nP; i++){
      SessConn *pSc = i<nLive ? aP[i] : 0;
      if( pSc==0 ) break;
      rc = remoteSessCommit(pSc, pzErr);
      if( rc ) tpcPrefix(pSc, pzErr);
    }
    if( rc==SQLITE_OK ){
      p->eState = TPC_DONE;
      pSess->bCommitting = 1;
      remoteTpcCrashPoint("one-phase");
    }
    goto sync_done;
  }

  if( bOff ){
    rc = tpcCommitInTurn(pSess, aP, nLive, pzErr);
    if( rc==SQLITE_OK ){
      p->eState = TPC_DONE;
      pSess->bCommitting = 1;
    }
    goto sync_done;
  }

  if( pNoTpc ){
    *pzErr = sqlite3_mprintf("remote: %s: this transaction wrote to %d "
        "engines and a sqlite engine cannot prepare a transaction for a "
        "two-phase commit: nothing was committed (the engine option "
        "twophase=off commits the engines one after another instead)",
        pNoTpc->zEngine, nLive);
    rc = SQLITE_ERROR;
    goto sync_done;
  }

  /* Two-phase commit: the decision row first (it takes the main
  ** database's write lock, which keeps remote_recover away until SQLite's
  ** own commit), then every engine prepares, each under its xid (those
  ** begun without one, PostgreSQL's, get it now) */
  rc = tpcDbId(pSess, p, pzErr);
  for(i=0; rc==SQLITE_OK && i<nLive; i++){
    if( aP[i]->zXid==0 ){
      char *zGlobal = tpcGlobalXid(p);
      aP[i]->zXid = zGlobal ? sqlite3_mprintf("%s_%d", zGlobal, aP[i]->iBranch) : 0;
      sqlite3_free(zGlobal);
      if( aP[i]->zXid==0 ) rc = SQLITE_NOMEM;
    }
  }
  if( rc==SQLITE_OK ) rc = tpcRecord(pSess, p, aP, nLive, pzErr);
  if( rc ) goto sync_done;
  remoteTpcCrashPoint("recorded");
  for(i=0; rc==SQLITE_OK && i<nLive; i++){
    if( aP[i]->bPrepared ) continue;     /* a COMMIT tried again (BUSY) */
    rc = remoteSessPrepare(aP[i], pzErr);
    if( rc ){
      tpcPrefix(aP[i], pzErr);
    }else{
      tpcCrashPointN("prepared", i+1);
    }
  }
  if( rc==SQLITE_OK ){
    p->eState = TPC_PREPARED;
    pSess->bCommitting = 1;
    remoteTpcCrashPoint("prepared");
  }

sync_done:
  sqlite3_free(aP);
  if( rc==SQLITE_BUSY ){
    /* SQLite keeps a transaction whose COMMIT got SQLITE_BUSY open, to be
    ** committed again; this commit is not re-entrant that way (a pool
    ** timeout is SQLITE_BUSY too): it fails and rolls back */
    rc = SQLITE_ERROR;
  }
  return rc;
}

/* ------------------------------------------------------------------ */
/* xCommit, xRollback                                                  */

/*
** Finish prepared pSc (commit or roll back), on its own connection or,
** when that fails, on a fresh one. pSc's transaction is over afterwards.
** What cannot be finished stays prepared for remote_recover(). Returns 1
** when it is finished.
**
** "No such transaction" means finished on its own connection, but not on
** a fresh one: MariaDB does not know a prepared XA transaction there until
** it has seen the session that prepared it end. So that answer keeps the
** decision row for remote_recover().
*/
static int tpcFinish(SessConn *pSc, int bCommit){
  char *zXid = sqlite3_mprintf("%s", pSc->zXid);
  char *zErr = 0;
  int rc;
  if( zXid==0 ){
    remoteSessForget(pSc);
    return 0;
  }
  rc = remoteSessTpcEnd(pSc, bCommit, &zErr);
  if( rc!=SQLITE_OK && rc!=SQLITE_NOTFOUND ){
    PoolConn *pc = 0;
    char *zErr2 = 0;
    rc = remoteTpcConnOpen(pSc->zEngine, &pc, &zErr2);
    if( rc==SQLITE_OK ){
      rc = remoteTpcExec(pc, pSc->zEngine, bCommit ? REMOTE_TPC_COMMIT_PREPARED
                         : REMOTE_TPC_ROLLBACK_PREPARED, zXid, &zErr2);
      remoteTpcConnClose(pc);
    }
    if( rc!=SQLITE_OK ){
      remoteLog(pSc->zEngine, "warning", 1,
                "%s of prepared transaction %s failed (%s; then %s): "
                "remote_recover() will finish it",
                bCommit ? "commit" : "rollback", zXid,
                zErr ? zErr : "?", zErr2 ? zErr2 : "?");
    }
    sqlite3_free(zErr2);
    sqlite3_free(zErr);
    sqlite3_free(zXid);
    return rc==SQLITE_OK;
  }
  sqlite3_free(zErr);
  sqlite3_free(zXid);
  return 1;
}

void remoteTpcCommit(RemoteSession *pSess){
  RemoteTpc *p = pSess->pTpc;
  SessConn **aP = 0;
  int nP = 0, i, bAll = 1, bPrepared;
  if( p==0 ) return;
  bPrepared = p->eState==TPC_PREPARED;
  pSess->bCommitting = 0;
  if( bPrepared ){
    remoteTpcCrashPoint("committed");
    tpcDropPoint(pSess, "committed");
  }
  tpcParticipants(pSess, &aP, &nP);
  for(i=0; i<nP; i++){
    SessConn *pSc = aP[i];
    if( pSc->bPrepared ){
      if( !tpcFinish(pSc, 1) ) bAll = 0;
      tpcCrashPointN("finished", i+1);
    }else{
      /* Not decided in xSync (a commit without xSync, or nothing to
      ** prepare): commit now; a failure can only be logged */
      char *zErr = 0;
      if( remoteSessCommit(pSc, &zErr) ){
        remoteLog(pSc->zEngine, "warning", 1, "commit failed after SQLite's "
                  "own commit: %s", zErr ? zErr : "?");
        sqlite3_free(zErr);
        zErr = 0;
        remoteSessRollback(pSc, &zErr);
      }
      sqlite3_free(zErr);
    }
  }
  sqlite3_free(aP);
  /* The rows the commit deleted are gone; its own goes next time */
  if( p->nDoneDeleted>0 ){
    for(i=0; i<p->nDoneDeleted; i++) sqlite3_free(p->azDone[i]);
    memmove(p->azDone, &p->azDone[p->nDoneDeleted],
            sizeof(char*)*(p->nDone - p->nDoneDeleted));
    p->nDone -= p->nDoneDeleted;
  }
  if( bPrepared && bAll && p->bRecorded ){
    char *zGlobal = tpcGlobalXid(p);
    if( zGlobal && p->nDone<TPC_MAX_DONE ){
      p->azDone[p->nDone++] = zGlobal;
    }else{
      sqlite3_free(zGlobal);      /* left to remote_recover() */
    }
  }
  tpcReset(pSess, p);
}

void remoteTpcRollback(RemoteSession *pSess){
  RemoteTpc *p = pSess->pTpc;
  SessConn **aP = 0;
  int nP = 0, i;
  if( p==0 ) return;
  if( p->eState==TPC_DONE ){
    /* Committed remotely in xSync, and then SQLite's own commit failed:
    ** the one thing a one-phase commit cannot undo */
    remoteLog(0, "warning", 1, "the remote part of the transaction was "
              "committed, but SQLite's own commit failed");
  }
  pSess->bCommitting = 0;
  if( p->bIdFresh ){
    /* the table and id row this transaction made are rolled back too:
    ** look again next time */
    p->bIdStored = 0;
  }
  tpcParticipants(pSess, &aP, &nP);
  for(i=0; i<nP; i++){
    SessConn *pSc = aP[i];
    if( pSc->bPrepared ){
      tpcFinish(pSc, 0);
    }else{
      char *zErr = 0;
      remoteSessRollback(pSc, &zErr);
      sqlite3_free(zErr);
    }
  }
  sqlite3_free(aP);
  tpcReset(pSess, p);
}

/* ------------------------------------------------------------------ */
/* Connections of their own                                            */

int remoteTpcConnOpen(const char *zEngine, PoolConn **ppPc, char **pzErr){
  RemotePool *pPool = remoteEnginePoolNamed(zEngine);
  char *zErr = 0;
  int rc;
  *ppPc = 0;
  if( pPool==0 ){
    *pzErr = sqlite3_mprintf("no such remote engine: %s", zEngine);
    return SQLITE_ERROR;
  }
  rc = remotePoolCheckout(pPool, 0, ppPc, &zErr, 0);
  remotePoolRelease(pPool);
  if( rc==SQLITE_BUSY ){
    *pzErr = zErr;
  }else if( rc ){
    *pzErr = sqlite3_mprintf("remote: %s: %s", zEngine, zErr ? zErr : "cannot connect");
    sqlite3_free(zErr);
  }
  return rc;
}

void remoteTpcConnClose(PoolConn *pc){
  if( pc ) remotePoolCheckin(pc);
}

int remoteTpcConnError(PoolConn *pc, const char *zEngine, char **pzErr){
  RemoteConn *pConn = pc->pConn;
  int eErr = pConn ? pConn->eErr : REMOTE_ERR_DISCONNECT;
  const char *zMsg = pConn && pConn->zErr ? pConn->zErr : "connection is closed";
  sqlite3_free(*pzErr);
  *pzErr = sqlite3_mprintf("remote: %s: %s", zEngine, zMsg);
  if( eErr==REMOTE_ERR_DISCONNECT && pConn ){
    remotePoolInvalidate(pc, 0, 1, zMsg);
  }
  return eErr==REMOTE_ERR_CONSTRAINT ? SQLITE_CONSTRAINT : SQLITE_ERROR;
}

int remoteTpcExec(PoolConn *pc, const char *zEngine, int eStep,
                  const char *zXid, char **pzErr){
  RemoteConn *pConn = pc->pConn;
  const RemoteDialect *pD;
  sqlite3_int64 n;
  char *zSql;
  int rc;
  if( pConn==0 ){
    *pzErr = sqlite3_mprintf("remote: %s: connection is closed", zEngine);
    return SQLITE_ERROR;
  }
  pD = pConn->pDialect;
  if( pD->xTpcSql==0 ){
    *pzErr = sqlite3_mprintf("remote: %s: a sqlite engine has no prepared "
                             "transactions", zEngine);
    return SQLITE_ERROR;
  }
  zSql = pD->xTpcSql(eStep, zXid);
  if( zSql==0 ) return SQLITE_NOMEM;
  if( pc->pPool->pEngine->opts.eEcho ) remoteLog(zEngine, "info", 1, "%s", zSql);
  rc = pD->xExec(pConn, zSql, 0, 0, &n);
  sqlite3_free(zSql);
  if( rc ){
    if( pD->xTpcError && pD->xTpcError(pConn)==REMOTE_TPC_ERR_NOTFOUND ){
      remoteTpcConnError(pc, zEngine, pzErr);
      return SQLITE_NOTFOUND;
    }
    return remoteTpcConnError(pc, zEngine, pzErr);
  }
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* remote_recover                                                      */

/* Resolve this database's prepared transactions on engine zEngine: the
** write lock is held, the table exists. *pnDone counts; *pbOpen is set
** when one of them could not be finished although the server listed it
** (MariaDB does not let another session finish a prepared XA transaction
** while the session that prepared it lives: its coordinator is finishing
** it): its row must stay. */
static int tpcRecoverEngine(sqlite3 *db, const char *zEngine,
                            const char *zPrefix, int *pnDone, int *pbOpen,
                            char **pzErr){
  PoolConn *pc = 0;
  RemoteConn *pConn;
  char **azXid = 0;
  int nXid = 0, i, rc, nPrefix = (int)strlen(zPrefix);
  rc = remoteTpcConnOpen(zEngine, &pc, pzErr);
  if( rc ) return rc;
  pConn = pc->pConn;
  if( pConn->pDialect->xTpcList==0 ){
    remoteTpcConnClose(pc);
    return SQLITE_OK;           /* a sqlite engine prepares nothing */
  }
  if( pConn->pDialect->xTpcList(pConn, &nXid, &azXid) ){
    rc = remoteTpcConnError(pc, zEngine, pzErr);
  }
  for(i=0; rc==SQLITE_OK && i<nXid; i++){
    const char *zXid = azXid[2*i];
    const char *zEnd;
    char *zGlobal;
    sqlite3_stmt *pStmt = 0;
    int bCommit = 0;
    if( strncmp(zXid, zPrefix, nPrefix)!=0 ) continue;
    zEnd = strrchr(zXid, '_');
    if( zEnd==0 || zEnd<zXid+nPrefix ) continue;
    zGlobal = sqlite3_mprintf("%.*s", (int)(zEnd-zXid), zXid);
    if( zGlobal==0 ){ rc = SQLITE_NOMEM; break; }
    rc = sqlite3_prepare_v2(db, "SELECT 1 FROM main." REMOTE_TPC_TABLE
                                " WHERE xid=?1", -1, &pStmt, 0);
    if( rc==SQLITE_OK ){
      sqlite3_bind_text(pStmt, 1, zGlobal, -1, SQLITE_STATIC);
      bCommit = sqlite3_step(pStmt)==SQLITE_ROW;
      rc = sqlite3_finalize(pStmt);
    }
    sqlite3_free(zGlobal);
    if( rc ){
      rc = tpcLocalError(db, rc, "cannot read the two-phase commit table", pzErr);
      break;
    }
    rc = remoteTpcExec(pc, zEngine, bCommit ? REMOTE_TPC_COMMIT_PREPARED
                       : REMOTE_TPC_ROLLBACK_PREPARED, zXid, pzErr);
    if( rc==SQLITE_OK ){
      (*pnDone)++;
    }else if( rc==SQLITE_NOTFOUND ){
      /* finished meanwhile by its coordinator, or still its own */
      sqlite3_free(*pzErr);
      *pzErr = 0;
      *pbOpen = 1;
      rc = SQLITE_OK;
    }
  }
  for(i=0; i<2*nXid; i++) sqlite3_free(azXid[i]);
  sqlite3_free(azXid);
  remoteTpcConnClose(pc);
  return rc;
}

int remoteTpcRecover(RemoteSession *pSess, const char *zEngine, int *pnDone,
                     char **pzErr){
  sqlite3 *db = pSess->db;
  RemoteTpc *p = tpcGet(pSess);
  RemoteEngine **apE = 0;
  sqlite3_str *pScanned = 0;
  char zId[17], *zPrefix = 0, *zScanned = 0;
  int nE = 0, i, rc, bSame = 0, nScanned = 0;
  *pnDone = 0;
  if( p==0 ) return SQLITE_NOMEM;
  if( !sqlite3_get_autocommit(db) ){
    *pzErr = sqlite3_mprintf("remote_recover cannot run inside a transaction");
    return SQLITE_ERROR;
  }
  if( sqlite3_db_readonly(db, "main")==1 ){
    *pzErr = sqlite3_mprintf("remote_recover needs a writable main database: "
                             "it holds the two-phase commit decisions");
    return SQLITE_READONLY;
  }
  if( zEngine ){
    RemoteEngine *pE = remoteEngineFind(zEngine);
    if( pE==0 ){
      *pzErr = sqlite3_mprintf("no such remote engine: %s", zEngine);
      return SQLITE_ERROR;
    }
    apE = sqlite3_malloc(sizeof(RemoteEngine*));
    if( apE==0 ){
      remoteEngineRelease(pE);
      return SQLITE_NOMEM;
    }
    apE[0] = pE;
    nE = 1;
  }else{
    rc = remoteEngineList(&apE, &nE);
    if( rc ) return rc;
  }

  /* The write lock: no coordinator is between its decision row and its
  ** local commit while we hold it */
  rc = sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0);
  if( rc ){
    rc = tpcLocalError(db, rc, "remote_recover cannot lock the main database",
                       pzErr);
    goto recover_done;
  }
  if( p->zDbId[0]==0 || p->bNoRecord ) tpcRandomId(p->zDbId);
  memcpy(zId, p->zDbId, sizeof(zId));
  rc = tpcEnsureTable(db, zId, &bSame);
  if( rc==SQLITE_OK && !bSame ){
    sqlite3_stmt *pStmt = 0;
    rc = sqlite3_prepare_v2(db, "SELECT engines FROM main." REMOTE_TPC_TABLE
                                " WHERE xid=''", -1, &pStmt, 0);
    if( rc==SQLITE_OK ){
      const char *z = 0;
      if( sqlite3_step(pStmt)==SQLITE_ROW ){
        z = (const char*)sqlite3_column_text(pStmt, 0);
      }
      if( tpcIsId(z) ) memcpy(zId, z, sizeof(zId));
      else rc = SQLITE_CORRUPT;
      sqlite3_finalize(pStmt);
    }
  }
  if( rc ){
    rc = tpcLocalError(db, rc, "cannot read the two-phase commit table", pzErr);
    goto recover_done;
  }
  zPrefix = sqlite3_mprintf("sr_%s_", zId);
  pScanned = sqlite3_str_new(0);
  sqlite3_str_appendchar(pScanned, 1, '[');
  if( zPrefix==0 ){ rc = SQLITE_NOMEM; goto recover_done; }
  for(i=0; rc==SQLITE_OK && i<nE; i++){
    int bOpen = 0;
    rc = tpcRecoverEngine(db, apE[i]->zName, zPrefix, pnDone, &bOpen, pzErr);
    if( rc==SQLITE_OK && !bOpen ){
      if( nScanned++ ) sqlite3_str_appendchar(pScanned, 1, ',');
      tpcJsonString(pScanned, apE[i]->zName);
    }
  }
  sqlite3_str_appendchar(pScanned, 1, ']');
  zScanned = sqlite3_str_finish(pScanned);
  pScanned = 0;
  if( rc==SQLITE_OK ){
    /* Rows whose every engine was looked at: nothing is prepared under
    ** them any more */
    const char *azArg[1];
    azArg[0] = zScanned;
    rc = zScanned ? tpcLocalExec(db, "DELETE FROM main." REMOTE_TPC_TABLE
        " WHERE xid<>'' AND NOT EXISTS (SELECT 1 FROM json_each(engines) e"
        " WHERE e.value NOT IN (SELECT value FROM json_each(?1)))", 1, azArg)
        : SQLITE_NOMEM;
    if( rc ){
      rc = tpcLocalError(db, rc, "cannot delete two-phase commit records", pzErr);
    }
  }
  if( rc==SQLITE_OK ){
    rc = sqlite3_exec(db, "COMMIT", 0, 0, 0);
    if( rc ){
      rc = tpcLocalError(db, rc, "remote_recover cannot commit", pzErr);
    }else{
      memcpy(p->zDbId, zId, sizeof(zId));
      p->bIdStored = 1;
      p->bNoRecord = 0;
    }
  }

recover_done:
  if( !sqlite3_get_autocommit(db) ) sqlite3_exec(db, "ROLLBACK", 0, 0, 0);
  if( pScanned ) sqlite3_free(sqlite3_str_finish(pScanned));
  sqlite3_free(zScanned);
  sqlite3_free(zPrefix);
  for(i=0; i<nE; i++) remoteEngineRelease(apE[i]);
  sqlite3_free(apE);
  return rc;
}
