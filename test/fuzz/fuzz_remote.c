/* SPDX-License-Identifier: MIT */
/*
** test/fuzz/fuzz_remote.c: a libFuzzer target for everything that parses
** text a user (or a database file) hands the extension, built with the
** extension's sources compiled in (-DSQLITE_CORE) and run by
** test/fuzz.test (a bounded run in `make test`) and `make fuzz`.
**
** The first byte of an input picks the parser, the rest is its text; a
** text of several fields is split at '\n':
**
**   'u'  remoteUrlParse() and remoteUrlMask() of the text
**   'e'  remote_engine('f', URL, OPTION ...): the first line the URL, the
**        others the engine options (the engine is made, never connected)
**   'x'  remote_execution_options('lite', OPTION ...), one per line
**   'v'  CREATE VIRTUAL TABLE temp.t USING remote(<text>): the arguments
**        of the module, with the engines 'lite' (a SQLite memory database
**        holding a table t1) and 'pg' (PostgreSQL on a closed port)
**   'q'  remoteQueryCheck() of the text, for each dialect
**
** Other first bytes are ignored. Nothing here reaches a server: 'pg'
** refuses connections (port 1 of 127.0.0.1), 'lite' is in memory, and an
** engine made from a fuzzed URL is dropped before any use.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "remote.h"
#include "url.h"
#include "sqlcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData);

static sqlite3 *db;

/* Open the connection the SQL targets share, with the extension in it */
static void fuzzInit(void){
  char *zErr = 0;
  if( db ) return;
  sqlite3_open(":memory:", &db);
  sqlite3_remote_init(db, &zErr, 0);
  sqlite3_free(zErr);
  sqlite3_exec(db,
      "SELECT remote_engine('lite', 'sqlite://', 'poolclass=StaticPool');"
      "SELECT remote_execute('lite', 'CREATE TABLE t1(a INTEGER PRIMARY KEY, b TEXT)');"
      "SELECT remote_engine('pg', 'postgresql://u:p@127.0.0.1:1/db',"
      " 'io_timeout=1', 'pool_timeout=0');", 0, 0, 0);
}

/* Run SQL with the texts azArg bound to ?1, ?2, ... (first statement) */
static void fuzzRun(const char *zSql, int nArg, char **azArg){
  sqlite3_stmt *pStmt = 0;
  int i;
  if( sqlite3_prepare_v2(db, zSql, -1, &pStmt, 0)==SQLITE_OK && pStmt ){
    for(i=0; i<nArg; i++) sqlite3_bind_text(pStmt, i+1, azArg[i], -1, SQLITE_STATIC);
    while( sqlite3_step(pStmt)==SQLITE_ROW ){}
  }
  sqlite3_finalize(pStmt);
}

/* Split z at '\n' in place: up to nMax fields in azField, their count */
static int fuzzSplit(char *z, char **azField, int nMax){
  int n = 0;
  while( n<nMax ){
    char *zNl = strchr(z, '\n');
    azField[n++] = z;
    if( zNl==0 ) break;
    *zNl = 0;
    z = zNl+1;
  }
  return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *aData, size_t nData){
  char *z;
  char *azField[16];
  int nField;
  if( nData<1 || nData>4096 ) return 0;
  z = malloc(nData);
  if( z==0 ) return 0;
  /* the text after the selector, NUL-terminated (it may hold NULs: the C
  ** string then ends there, as it would coming from SQL) */
  memcpy(z, aData+1, nData-1);
  z[nData-1] = 0;
  fuzzInit();
  switch( aData[0] ){
    case 'u': {
      RemoteUrl *pUrl = 0;
      char *zErr = 0;
      char *zMask;
      if( remoteUrlParse(z, &pUrl, &zErr)==0 ){
        RemoteUrl *pCopy = remoteUrlDup(pUrl);
        remoteUrlQuery(pUrl, "sslmode");
        remoteUrlFree(pCopy);
      }
      remoteUrlFree(pUrl);
      sqlite3_free(zErr);
      zMask = remoteUrlMask(z);
      sqlite3_free(zMask);
      break;
    }
    case 'e': {
      static const char *azSql[] = {
        "SELECT remote_engine('f', ?1)",
        "SELECT remote_engine('f', ?1, ?2)",
        "SELECT remote_engine('f', ?1, ?2, ?3)",
        "SELECT remote_engine('f', ?1, ?2, ?3, ?4)",
        "SELECT remote_engine('f', ?1, ?2, ?3, ?4, ?5)",
      };
      nField = fuzzSplit(z, azField, 5);
      fuzzRun(azSql[nField-1], nField, azField);
      fuzzRun("SELECT remote_pool_status('f')", 0, 0);
      fuzzRun("SELECT remote_drop('f')", 0, 0);
      break;
    }
    case 'x': {
      static const char *azSql[] = {
        "SELECT remote_execution_options('lite', ?1)",
        "SELECT remote_execution_options('lite', ?1, ?2)",
        "SELECT remote_execution_options('lite', ?1, ?2, ?3)",
        "SELECT remote_execution_options('lite', ?1, ?2, ?3, ?4)",
      };
      nField = fuzzSplit(z, azField, 4);
      fuzzRun(azSql[nField-1], nField, azField);
      fuzzRun("SELECT remote_scalar('lite', 'SELECT 1')", 0, 0);
      fuzzRun("SELECT remote_execution_options('lite', 'isolation_level=AUTOCOMMIT',"
              " 'schema_translate_map=null', 'stream_results=0', 'compiled_cache=1',"
              " 'logging_token=')", 0, 0);
      break;
    }
    case 'v': {
      char *zSql = sqlite3_mprintf("CREATE VIRTUAL TABLE temp.t USING remote(%s)", z);
      if( zSql ){
        fuzzRun(zSql, 0, 0);
        fuzzRun("SELECT * FROM temp.t LIMIT 2", 0, 0);
        fuzzRun("DROP TABLE IF EXISTS temp.t", 0, 0);
      }
      sqlite3_free(zSql);
      break;
    }
    case 'q': {
      static const char *azDialect[] = { "postgresql", "mysql", "sqlite", "other" };
      int i;
      for(i=0; i<4; i++){
        char *zErr = 0;
        remoteQueryCheck("f", azDialect[i], z, &zErr);
        sqlite3_free(zErr);
      }
      break;
    }
    default:
      break;
  }
  free(z);
  return 0;
}
