/* SPDX-License-Identifier: MIT */
/*
** value.c: values crossing between SQLite and a remote, for every file that
** faces SQL (the functions, remote_query, the module).
**
**   remoteValueFromSqlite(argv[0], &v);      an argument as a RemoteValue
**   remoteResultValue(ctx, &v);              a RemoteValue as a result
**   remoteJsonArray(db, "[1,\"x\"]", ...)     a JSON array's values
*/
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "value.h"

void remoteValueFromSqlite(sqlite3_value *pIn, RemoteValue *pOut){
  memset(pOut, 0, sizeof(*pOut));
  pOut->eType = sqlite3_value_type(pIn);
  switch( pOut->eType ){
    case SQLITE_INTEGER: pOut->i = sqlite3_value_int64(pIn); break;
    case SQLITE_FLOAT:   pOut->r = sqlite3_value_double(pIn); break;
    case SQLITE_TEXT:
      pOut->z = (const char*)sqlite3_value_text(pIn);
      pOut->n = sqlite3_value_bytes(pIn);
      break;
    case SQLITE_BLOB:
      pOut->z = (const char*)sqlite3_value_blob(pIn);
      pOut->n = sqlite3_value_bytes(pIn);
      if( pOut->z==0 ) pOut->z = "";
      break;
  }
}

void remoteResultValue(sqlite3_context *ctx, const RemoteValue *v){
  switch( v->eType ){
    case SQLITE_INTEGER: sqlite3_result_int64(ctx, v->i); break;
    case SQLITE_FLOAT:   sqlite3_result_double(ctx, v->r); break;
    case SQLITE_TEXT:    sqlite3_result_text(ctx, v->z, v->n, SQLITE_TRANSIENT); break;
    case SQLITE_BLOB:    sqlite3_result_blob(ctx, v->z, v->n, SQLITE_TRANSIENT); break;
    default:             sqlite3_result_null(ctx); break;
  }
}

/*
** Type of the JSON text zJson as json_type() names it ("array", "object",
** ...), or "" when it is NULL or not well-formed JSON. OUT: *pzType is
** sqlite3_malloc'd. Returns an SQLite result code.
*/
static int jsonTopType(sqlite3 *db, const char *zJson, char **pzType){
  sqlite3_stmt *pStmt = 0;
  int rc;
  *pzType = 0;
  rc = sqlite3_prepare_v2(db,
      "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) END", -1, &pStmt, 0);
  if( rc==SQLITE_OK ){
    sqlite3_bind_text(pStmt, 1, zJson, -1, SQLITE_STATIC);
    if( sqlite3_step(pStmt)==SQLITE_ROW ){
      const char *z = (const char*)sqlite3_column_text(pStmt, 0);
      *pzType = sqlite3_mprintf("%s", z ? z : "");
      if( *pzType==0 ) rc = SQLITE_NOMEM;
    }
    rc = sqlite3_finalize(pStmt);
    if( rc==SQLITE_OK && *pzType==0 ) rc = SQLITE_NOMEM;
  }
  return rc;
}

/*
** 1 if element iElem of the JSON array zJson is a string holding the
** escape \u0000 (a NUL byte). SQLite's JSON functions before 3.45 end such
** a string at the NUL, so remoteJsonArray() refuses it rather than bind
** the rest of it away.
*/
static int jsonElemHasNul(const char *zJson, int iElem){
  const char *z = zJson;
  int nDepth = 0, i = 0, bStr = 0;
  for(; *z; z++){
    if( bStr ){
      if( *z=='"' ){
        bStr = 0;
      }else if( *z=='\\' && z[1] ){
        if( nDepth==1 && i==iElem && strncmp(&z[1], "u0000", 5)==0 ) return 1;
        z++;
      }
    }else if( *z=='"' ){
      bStr = 1;
    }else if( *z=='[' || *z=='{' ){
      nDepth++;
    }else if( *z==']' || *z=='}' ){
      nDepth--;
    }else if( *z==',' && nDepth==1 ){
      if( ++i>iElem ) return 0;
    }
  }
  return 0;
}

/*
** Values of a JSON array (json_each on db): *paVal is sqlite3_malloc'd with
** the text bytes after the values; free it with sqlite3_free. JSON true and
** false become 1 and 0; an integer too big for 64 bits becomes a real;
** nested arrays and objects become their JSON text. Anything but a
** well-formed JSON array fails with "PARAMS must be a JSON array".
*/
int remoteJsonArray(sqlite3 *db, const char *zJson, RemoteValue **paVal,
                    int *pnVal, char **pzErr){
  sqlite3_stmt *pStmt = 0;
  RemoteValue *aVal = 0;
  char *zType = 0;
  int nVal = 0, nAlloc = 0;
  sqlite3_int64 nText = 0;
  int rc, i;
  int bNul;                     /* zJson holds a \u0000 escape somewhere */
  char *z;
  *paVal = 0;
  *pnVal = 0;
  rc = jsonTopType(db, zJson, &zType);
  if( rc==SQLITE_OK && strcmp(zType, "array")!=0 ){
    sqlite3_free(zType);
    *pzErr = sqlite3_mprintf("PARAMS must be a JSON array");
    return SQLITE_ERROR;
  }
  sqlite3_free(zType);
  if( rc==SQLITE_OK ){
    rc = sqlite3_prepare_v2(db,
        "SELECT type, CASE WHEN type IN ('array','object') THEN value ELSE atom END "
        "FROM json_each(?1)", -1, &pStmt, 0);
  }
  if( rc ){
    *pzErr = sqlite3_mprintf("%s", sqlite3_errmsg(db));
    return rc;
  }
  sqlite3_bind_text(pStmt, 1, zJson, -1, SQLITE_STATIC);
  /* First pass: count and size */
  while( (rc = sqlite3_step(pStmt))==SQLITE_ROW ){
    nVal++;
    nText += sqlite3_column_bytes(pStmt, 1)+1;
  }
  if( rc!=SQLITE_DONE ){
    *pzErr = sqlite3_mprintf("PARAMS must be a JSON array: %s", sqlite3_errmsg(db));
    sqlite3_finalize(pStmt);
    return SQLITE_ERROR;
  }
  if( nVal==0 ){
    sqlite3_finalize(pStmt);
    return SQLITE_OK;
  }
  nAlloc = nVal;
  aVal = sqlite3_malloc64(sizeof(RemoteValue)*nAlloc + nText);
  if( aVal==0 ){
    sqlite3_finalize(pStmt);
    return SQLITE_NOMEM;
  }
  z = (char*)&aVal[nAlloc];
  bNul = strstr(zJson, "\\u0000")!=0;
  sqlite3_reset(pStmt);
  for(i=0; i<nAlloc && sqlite3_step(pStmt)==SQLITE_ROW; i++){
    const char *zType = (const char*)sqlite3_column_text(pStmt, 0);
    RemoteValue *v = &aVal[i];
    memset(v, 0, sizeof(*v));
    if( strcmp(zType, "null")==0 ){
      v->eType = SQLITE_NULL;
    }else if( strcmp(zType, "true")==0 || strcmp(zType, "false")==0 ){
      v->eType = SQLITE_INTEGER;
      v->i = zType[0]=='t';
    }else if( strcmp(zType, "integer")==0
           && sqlite3_column_type(pStmt, 1)==SQLITE_INTEGER ){
      v->eType = SQLITE_INTEGER;
      v->i = sqlite3_column_int64(pStmt, 1);
    }else if( strcmp(zType, "integer")==0 || strcmp(zType, "real")==0 ){
      v->eType = SQLITE_FLOAT;
      v->r = sqlite3_column_double(pStmt, 1);
    }else{
      int n = sqlite3_column_bytes(pStmt, 1);
      const char *zVal = (const char*)sqlite3_column_text(pStmt, 1);
      if( bNul && strcmp(zType, "text")==0 && memchr(zVal, 0, n)==0
       && jsonElemHasNul(zJson, i) ){
        *pzErr = sqlite3_mprintf("PARAMS: element %d holds \\u0000, which "
            "this SQLite's JSON functions cut short; bind that value as an "
            "SQL parameter instead", i);
        sqlite3_finalize(pStmt);
        sqlite3_free(aVal);
        return SQLITE_ERROR;
      }
      v->eType = SQLITE_TEXT;
      if( n ) memcpy(z, zVal, n);
      z[n] = 0;
      v->z = z;
      v->n = n;
      z += n+1;
    }
  }
  sqlite3_finalize(pStmt);
  *paVal = aVal;
  *pnVal = nVal;
  return SQLITE_OK;
}
