/* SPDX-License-Identifier: MIT */
/*
** import.c: remote_import, the `remote` module's IMPORT FOREIGN SCHEMA.
**
**   SELECT remote_import('pg', 'public', 'temp', 'prefix=pg_');
**
** Lists the tables and views of a remote schema (the dialect's
** xListTables) and runs one CREATE VIRTUAL TABLE ... USING remote for each,
** in the local schema given (default temp).
*/
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "engine.h"
#include "func.h"

/* 1 if zName is in the comma-separated list zList */
static int inList(const char *zList, const char *zName){
  int n = (int)strlen(zName);
  const char *z = zList;
  while( z && *z ){
    const char *zEnd = strchr(z, ',');
    int nItem = zEnd ? (int)(zEnd-z) : (int)strlen(z);
    while( nItem>0 && *z==' ' ){ z++; nItem--; }
    while( nItem>0 && z[nItem-1]==' ' ) nItem--;
    if( nItem==n && strncmp(z, zName, n)==0 ) return 1;
    z = zEnd ? zEnd+1 : 0;
  }
  return 0;
}

/* zName as one part of the remote table argument (see connectTarget in
** vtab.c): "quoted" when it holds a dot or a double quote or is empty,
** so that it names exactly that table. sqlite3_malloc'd. */
static char *importPart(const char *zName){
  if( zName[0]==0 || strpbrk(zName, ".\"") ){
    return sqlite3_mprintf("\"%w\"", zName);
  }
  return sqlite3_mprintf("%s", zName);
}

/* The names of comma-separated list zList that are not among the nTable
** names azTable, as "a, b" (sqlite3_malloc'd), or NULL when all are */
static char *limitMissing(const char *zList, int nTable, char **azTable){
  sqlite3_str *pOut = sqlite3_str_new(0);
  const char *z = zList;
  int nMissing = 0;
  while( z && *z ){
    const char *zEnd = strchr(z, ',');
    int nItem = zEnd ? (int)(zEnd-z) : (int)strlen(z);
    int i;
    while( nItem>0 && *z==' ' ){ z++; nItem--; }
    while( nItem>0 && z[nItem-1]==' ' ) nItem--;
    for(i=0; i<nTable; i++){
      if( (int)strlen(azTable[i])==nItem && strncmp(azTable[i], z, nItem)==0 ) break;
    }
    if( nItem>0 && i==nTable ){
      sqlite3_str_appendf(pOut, "%s%.*s", nMissing++ ? ", " : "", nItem, z);
    }
    z = zEnd ? zEnd+1 : 0;
  }
  if( nMissing==0 ){
    sqlite3_free(sqlite3_str_finish(pOut));
    return 0;
  }
  return sqlite3_str_finish(pOut);
}

static void fImport(sqlite3_context *ctx, int argc, sqlite3_value **argv){
  RemoteSession *pSess = (RemoteSession*)sqlite3_user_data(ctx);
  sqlite3 *db = sqlite3_context_db_handle(ctx);
  const char *zEngine = argc>0 ? (const char*)sqlite3_value_text(argv[0]) : 0;
  const char *zRemote = argc>1 ? (const char*)sqlite3_value_text(argv[1]) : 0;
  const char *zLocal = argc>2 && sqlite3_value_type(argv[2])!=SQLITE_NULL
                     ? (const char*)sqlite3_value_text(argv[2]) : "temp";
  const char *zLimit = 0, *zExcept = 0, *zPrefix = "";
  sqlite3_str *pOpts = sqlite3_str_new(0);  /* module options for each table */
  int bReplace = 0;
  SessConn *pSc;
  PoolConn *pc = 0;
  char **azTable = 0;
  int nTable = 0, nDone = 0, i, rc;
  char *zErr = 0;

  if( zEngine==0 ){
    sqlite3_result_error(ctx, "remote_import: ENGINE is required", -1);
    sqlite3_free(sqlite3_str_finish(pOpts));
    return;
  }
  for(i=3; i<argc; i++){
    const char *zOpt = (const char*)sqlite3_value_text(argv[i]);
    if( zOpt==0 ) continue;
    if( strncmp(zOpt, "limit_to=", 9)==0 ) zLimit = zOpt+9;
    else if( strncmp(zOpt, "except=", 7)==0 ) zExcept = zOpt+7;
    else if( strncmp(zOpt, "prefix=", 7)==0 ) zPrefix = zOpt+7;
    else if( strncmp(zOpt, "replace=", 8)==0 ) bReplace = remoteParseBool(zOpt+8)==1;
    else if( sqlite3_stricmp(zOpt, "defaults=all")==0
          || sqlite3_stricmp(zOpt, "defaults=auto")==0
          || sqlite3_stricmp(zOpt, "numeric=text")==0
          || sqlite3_stricmp(zOpt, "numeric=number")==0 ){
      /* a module option of every table imported (a value known, so that
      ** it can go unquoted into CREATE VIRTUAL TABLE) */
      sqlite3_str_appendf(pOpts, ", %s", zOpt);
    }else{
      char *z = sqlite3_mprintf("unknown remote_import option '%s'", zOpt);
      sqlite3_result_error(ctx, z, -1);
      sqlite3_free(z);
      sqlite3_free(sqlite3_str_finish(pOpts));
      return;
    }
  }
  pSc = remoteSessConnByName(pSess, zEngine, &zErr);
  if( pSc==0 ) goto import_error;
  rc = remoteSessAcquire(pSc, &pc, &zErr);
  if( rc ) goto import_error;
  rc = pc->pConn->pDialect->xListTables(pc->pConn, remoteSessMapSchema(pSc, zRemote), &nTable, &azTable);
  if( rc==SQLITE_NOTFOUND ){
    const char *zMapped = remoteSessMapSchema(pSc, zRemote);
    zErr = sqlite3_mprintf("remote: %s: no such remote schema: %s", zEngine,
                           zMapped ? zMapped : zRemote);
    rc = SQLITE_ERROR;
  }else if( rc ){
    rc = remoteSessError(pSc, pc, &zErr);
  }
  remoteSessRelease(pSc, pc);
  if( rc ) goto import_error;
  if( zLimit ){
    /* every name of limit_to must be there: say which are not, before
    ** anything is created */
    zErr = limitMissing(zLimit, nTable, azTable);
    if( zErr ){
      char *z = sqlite3_mprintf("remote: %s: limit_to: no such remote table "
                                "or view in %s: %s", zEngine,
                                zRemote ? zRemote : "the default schema", zErr);
      sqlite3_free(zErr);
      zErr = z;
      rc = SQLITE_ERROR;
      goto import_error;
    }
  }
  for(i=0; i<nTable; i++){
    char *zSql, *zS, *zT;
    if( zLimit && !inList(zLimit, azTable[i]) ) continue;
    if( zExcept && inList(zExcept, azTable[i]) ) continue;
    if( bReplace ){
      zSql = sqlite3_mprintf("DROP TABLE IF EXISTS \"%w\".\"%w%w\"",
                             zLocal, zPrefix, azTable[i]);
      rc = zSql ? sqlite3_exec(db, zSql, 0, 0, &zErr) : SQLITE_NOMEM;
      sqlite3_free(zSql);
      if( rc ) goto import_error;
    }
    zS = zRemote ? importPart(zRemote) : 0;
    zT = importPart(azTable[i]);
    zSql = (zT && (zS || !zRemote)) ? sqlite3_mprintf(
        "CREATE VIRTUAL TABLE \"%w\".\"%w%w\" USING remote(\"%w\", '%q%s%q'%s)",
        zLocal, zPrefix, azTable[i], zEngine, zS ? zS : "",
        zS ? "." : "", zT,
        sqlite3_str_value(pOpts) ? sqlite3_str_value(pOpts) : "") : 0;
    rc = zSql ? sqlite3_exec(db, zSql, 0, 0, &zErr) : SQLITE_NOMEM;
    sqlite3_free(zSql);
    sqlite3_free(zS);
    sqlite3_free(zT);
    if( rc ) goto import_error;
    nDone++;
  }
  for(i=0; i<nTable; i++) sqlite3_free(azTable[i]);
  sqlite3_free(azTable);
  sqlite3_free(sqlite3_str_finish(pOpts));
  sqlite3_result_int(ctx, nDone);
  return;

import_error:
  for(i=0; i<nTable; i++) sqlite3_free(azTable[i]);
  sqlite3_free(azTable);
  sqlite3_free(sqlite3_str_finish(pOpts));
  sqlite3_result_error(ctx, zErr ? zErr : "remote_import failed", -1);
  sqlite3_free(zErr);
}

int remoteImportRegister(sqlite3 *db, RemoteSession *pSess){
  return sqlite3_create_function_v2(db, "remote_import", -1,
                                    SQLITE_UTF8|SQLITE_DIRECTONLY, pSess,
                                    fImport, 0, 0, 0);
}
