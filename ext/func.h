/* SPDX-License-Identifier: MIT */
/*
** func.h: what remote.c registers in each SQLite connection (the remote_*
** functions, remote_query, the introspection tables, the `remote` module,
** remote_import), and the few things those files share.
*/
#ifndef REMOTE_FUNC_H
#define REMOTE_FUNC_H

#include "session.h"
#include "value.h"

#define REMOTE_VERSION "0.1.0"

/* Register the scalar functions in db with pSess as user data */
int remoteFuncRegister(sqlite3 *db, RemoteSession *pSess);

/* Client library versions, and remote_debug()'s text (version.c) */
const char *remotePgLibVersion(void);
const char *remoteMysqlLibVersion(void);
char *remoteDebugText(void);

/* The db -> session map behind remote_native_handle() (capi.c) */
int remoteCapiRemember(sqlite3 *db, RemoteSession *pSess);
void remoteCapiForget(RemoteSession *pSess);

/* Module registrations */
int remoteQueryRegister(sqlite3 *db, RemoteSession *pSess);
int remoteIntrospectRegister(sqlite3 *db, RemoteSession *pSess);
/* The `remote` module; xDestroy frees pSess when the connection closes */
int remoteVtabRegister(sqlite3 *db, RemoteSession *pSess, void (*xDestroy)(void*));
int remoteImportRegister(sqlite3 *db, RemoteSession *pSess);

#endif /* REMOTE_FUNC_H */
