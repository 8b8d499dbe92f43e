/* SPDX-License-Identifier: MIT */
/*
** version.c: the text of remote_debug(): this build's version, the SQLite
** it was compiled against and the one it runs on, the client library
** versions. The only file besides the dialects that includes the client
** headers, and only for their version calls.
*/
#include <stdio.h>
#include <libpq-fe.h>
#include <mysql.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "func.h"

const char *remotePgLibVersion(void){
  static char zBuf[32];
  int v = PQlibVersion();
  snprintf(zBuf, sizeof(zBuf), "%d.%d", v/10000, v%100);
  return zBuf;
}

const char *remoteMysqlLibVersion(void){
  return mysql_get_client_info();
}

/*
** remote_debug()'s text, sqlite3_malloc'd (NULL when out of memory): one
** `key: value` per line. `sqlite` is the SQLite whose headers the extension
** was compiled with, `sqlite_runtime` the library it runs on (they differ
** when, say, a build made on Debian is loaded by Node's better-sqlite3).
*/
char *remoteDebugText(void){
  return sqlite3_mprintf(
      "version: %s\nsqlite: %s\nsqlite_runtime: %s\n"
      "dialects: postgresql mysql mariadb sqlite\n"
      "libpq: %s\nmysqlclient: %s\nbuild: %s",
      REMOTE_VERSION, SQLITE_VERSION, sqlite3_libversion(),
      remotePgLibVersion(), remoteMysqlLibVersion(),
#ifdef __SANITIZE_ADDRESS__
      "sanitize " __DATE__
#else
      __DATE__ " " __TIME__
#endif
      );
}
