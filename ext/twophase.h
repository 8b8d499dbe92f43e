/* SPDX-License-Identifier: MIT */
/*
** twophase.h: commits that are never half done.
**
** twophase.c is the commit coordinator behind the `remote` module's
** transaction hooks (vtab.c calls one function per SQLite callback) and
** remote_recover(); twophase_func.c holds the SQL functions of SQLAlchemy's
** explicit two-phase API. Start reading at remoteTpcSync().
*/
#ifndef REMOTE_TWOPHASE_H
#define REMOTE_TWOPHASE_H

#include "session.h"

/* The table in the main database that holds the decisions */
#define REMOTE_TPC_TABLE "_sqlite_remote_2pc"

/*
** Hooks of the `remote` module. Each returns an SQLite result code with
** *pzErr (sqlite3_malloc'd) set on failure, where it returns anything.
**
** remoteTpcBegin: xBegin of a table whose engine-name CONN pSc has no
**   transaction: begins the remote one (an XA transaction on MySQL/MariaDB
**   when the engine may join a two-phase commit) and marks it bVtabTxn.
** remoteTpcSync: xSync. The first call of a commit decides it for every
**   engine the SQLite transaction wrote: one engine is committed; several
**   are prepared after the decision is written to the main database (or
**   committed one after another under twophase=off). An error fails
**   SQLite's COMMIT, which then rolls everything back. Later calls of the
**   same commit do nothing.
** remoteTpcCommit: xCommit. The first call finishes every prepared
**   transaction (SQLite's own commit, the decision, is done). Never fails
**   visibly: what it cannot finish, remote_recover() finishes.
** remoteTpcRollback: xRollback. The first call rolls back every vtab
**   transaction of the session, prepared or not.
*/
int remoteTpcBegin(SessConn *pSc, char **pzErr);
int remoteTpcSync(RemoteSession*, char **pzErr);
void remoteTpcCommit(RemoteSession*);
void remoteTpcRollback(RemoteSession*);

/*
** remote_recover([ENGINE]): with the main database's write lock held,
** commit this database's prepared transactions on zEngine's server (NULL:
** every registered engine's) whose decision is recorded, roll back the
** others, and delete the records nothing refers to any more. *pnDone is
** how many prepared transactions were finished.
*/
int remoteTpcRecover(RemoteSession*, const char *zEngine, int *pnDone,
                     char **pzErr);

/*
** A connection of zEngine's pool of its own, outside any CONN, for the
** statements that finish prepared transactions (which PostgreSQL runs only
** outside a transaction block). remoteTpcExec runs step eStep of xid zXid
** on it: SQLITE_OK, SQLITE_NOTFOUND (the server knows no such prepared
** transaction), or an error with *pzErr "remote: ENGINE: ...".
*/
int remoteTpcConnOpen(const char *zEngine, PoolConn **ppPc, char **pzErr);
void remoteTpcConnClose(PoolConn*);
int remoteTpcExec(PoolConn*, const char *zEngine, int eStep,
                  const char *zXid, char **pzErr);
/* Build "remote: ENGINE: message" for a failed call on pc (invalidating
** it after a disconnect); returns SQLITE_ERROR or SQLITE_CONSTRAINT */
int remoteTpcConnError(PoolConn*, const char *zEngine, char **pzErr);

/*
** Test-only: when the environment variable REMOTE_TEST_CRASH names
** zPoint, the process kills itself with SIGKILL there (the crash tests of
** test/twophase.test); REMOTE_TEST_CRASH=drop-committed closes the
** prepared engines' connections after SQLite's commit instead. Inert
** otherwise.
*/
void remoteTpcCrashPoint(const char *zPoint);

/* twophase_func.c: remote_recover, remote_begin_twophase, remote_prepare,
** remote_commit_prepared, remote_rollback_prepared and the
** remote_recover_twophase table */
int remoteTpcRegister(sqlite3 *db, RemoteSession *pSess);

#endif /* REMOTE_TWOPHASE_H */
