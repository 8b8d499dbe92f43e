/*
** version.c: the client library versions remote_debug() reports.
** The only file besides the dialects that includes the client headers, and
** only for their version calls.
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
