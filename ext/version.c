/* SPDX-License-Identifier: MIT */
/*
** version.c: what this build is, for remote_debug(): the version, the
** SQLite it was compiled against and the one it runs on, the dialects it
** was built with (`make DIALECTS=...` defines REMOTE_OMIT_PG or
** REMOTE_OMIT_MYSQL for the ones left out) and their client library
** versions. The only file besides the dialects that includes the client
** headers, and only for their version calls.
*/
#include <stdio.h>
#include <string.h>
#ifndef REMOTE_OMIT_PG
# include <libpq-fe.h>
#endif
#ifndef REMOTE_OMIT_MYSQL
# include <mysql.h>
#endif

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "engine.h"
#include "func.h"

/* `make DIALECTS=...` as it was given (the sqlite dialect is always built) */
#if !defined(REMOTE_OMIT_PG) && !defined(REMOTE_OMIT_MYSQL)
# define BUILT_DIALECTS "postgresql mysql"
# define BUILT_URL_NAMES "postgresql mysql mariadb sqlite"
#elif !defined(REMOTE_OMIT_PG)
# define BUILT_DIALECTS "postgresql"
# define BUILT_URL_NAMES "postgresql sqlite"
#elif !defined(REMOTE_OMIT_MYSQL)
# define BUILT_DIALECTS "mysql"
# define BUILT_URL_NAMES "mysql mariadb sqlite"
#else
# define BUILT_DIALECTS ""
# define BUILT_URL_NAMES "sqlite"
#endif

const char *remoteDialectsBuilt(void){
  return BUILT_URL_NAMES;
}

const char *remoteDialectOmitted(const char *zName){
  if( zName==0 ) return 0;
#ifdef REMOTE_OMIT_PG
  if( strcmp(zName, "postgresql")==0 ) return BUILT_DIALECTS;
#endif
#ifdef REMOTE_OMIT_MYSQL
  if( strcmp(zName, "mysql")==0 || strcmp(zName, "mariadb")==0 ){
    return BUILT_DIALECTS;
  }
#endif
  return 0;
}

const char *remotePgLibVersion(void){
#ifndef REMOTE_OMIT_PG
  static char zBuf[32];
  int v = PQlibVersion();
  snprintf(zBuf, sizeof(zBuf), "%d.%d", v/10000, v%100);
  return zBuf;
#else
  return "not built";
#endif
}

const char *remoteMysqlLibVersion(void){
#ifndef REMOTE_OMIT_MYSQL
  return mysql_get_client_info();
#else
  return "not built";
#endif
}

/*
** remote_debug()'s text, sqlite3_malloc'd (NULL when out of memory): one
** `key: value` per line. `sqlite` is the SQLite whose headers the extension
** was compiled with, `sqlite_runtime` the library it runs on (they differ
** when, say, a build made on Debian is loaded by Node's better-sqlite3).
*/
char *remoteDebugText(void){
  return sqlite3_mprintf(
      "version: %s\nsqlite: %s\nsqlite_runtime: %s\ndialects: %s\n"
      "libpq: %s\nmysqlclient: %s\nbuild: %s",
      REMOTE_VERSION, SQLITE_VERSION, sqlite3_libversion(),
      remoteDialectsBuilt(), remotePgLibVersion(), remoteMysqlLibVersion(),
#ifdef __SANITIZE_ADDRESS__
      "sanitize " __DATE__
#else
      __DATE__ " " __TIME__
#endif
      );
}
