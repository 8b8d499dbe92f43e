/* SPDX-License-Identifier: MIT */
/*
** sqlcheck.c: a query= table holds one read-only statement, nothing else.
**
**   CREATE VIRTUAL TABLE temp.v USING remote(pg, query='SELECT ...');
**
** The text of a query= table comes from a table definition, which may sit
** in a database file somebody else wrote, and it is run at CREATE, at every
** connect and at every scan, wrapped as "SELECT ... FROM (<text>) AS sr_q".
** remoteQueryCheck() reads it with the lexical rules of the engine's
** dialect (strings, quoted identifiers, comments, PostgreSQL's dollar
** quotes) and refuses, before anything is sent:
**
**   - a ';' outside quotes and comments (a second statement);
**   - a ')' that would close the parenthesis the text is wrapped in, or
**     parentheses left open;
**   - a first word other than SELECT, WITH, VALUES or TABLE;
**   - the words INSERT, UPDATE, DELETE, MERGE and INTO anywhere outside
**     quotes and comments (a data-modifying WITH, SELECT ... INTO, ...
**     FOR UPDATE);
**   - on MySQL, executable comments (a block comment opened with '!' or
**     "M!" after its slash and star) and backslashes in quoted text (their
**     meaning depends on the server's sql_mode).
**
** The dialects make sure of the single statement as well (a prepared
** statement or the extended query protocol: see REMOTE_QUERY_SINGLE), so a
** reading that differs from the server's cannot add a statement. What the
** check cannot see is a function with side effects called by a SELECT:
** use a read-only role for data you do not trust.
*/
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "sqlcheck.h"

#define SQLCHECK_PG     0
#define SQLCHECK_MYSQL  1
#define SQLCHECK_SQLITE 2

static int isIdentStart(unsigned char c){
  return (c>='a' && c<='z') || (c>='A' && c<='Z') || c=='_' || c>=0x80;
}
static int isIdentChar(unsigned char c){
  return isIdentStart(c) || (c>='0' && c<='9') || c=='$';
}
static int isSpace(unsigned char c){
  return c==' ' || c=='\t' || c=='\n' || c=='\r' || c=='\f' || c=='\v';
}

/* 1 if the n bytes at z are the word zWord (any case) */
static int isWord(const char *z, int n, const char *zWord){
  return (int)strlen(zWord)==n && sqlite3_strnicmp(z, zWord, n)==0;
}

/*
** Length of the quoted span that starts at z[0] (a quote character q),
** quotes doubled inside; bBackslash: a backslash escapes the next byte.
** *pbBackslash is set when a backslash occurs in it. 0: not terminated.
*/
static int quotedLen(const char *z, char q, int bBackslash, int *pbBackslash){
  int i = 1;
  while( z[i] ){
    if( z[i]=='\\' ){
      *pbBackslash = 1;
      if( bBackslash ){
        if( z[i+1]==0 ) return 0;
        i += 2;
        continue;
      }
    }
    if( z[i]==q ){
      if( z[i+1]==q ){ i += 2; continue; }
      return i+1;
    }
    i++;
  }
  return 0;
}

/* Length of a PostgreSQL dollar-quoted string at z ("$tag$...$tag$"), or
** 0 when z does not start one or it is not terminated (*pbOpen set) */
static int dollarLen(const char *z, int *pbOpen){
  int nTag = 1;
  const char *zEnd;
  if( z[1]!='$' && !isIdentStart((unsigned char)z[1]) ) return 0;
  while( z[nTag]!='$' ){
    if( z[nTag]==0 || !isIdentChar((unsigned char)z[nTag]) || z[nTag]=='$' ){
      return 0;
    }
    nTag++;
  }
  nTag++;                                   /* "$tag$" */
  for(zEnd=z+nTag; (zEnd = strchr(zEnd, '$'))!=0; zEnd++){
    if( strncmp(zEnd, z, nTag)==0 ) return (int)(zEnd - z) + nTag;
  }
  *pbOpen = 1;
  return 0;
}

/* Length of the block comment at z ("/" "*" ...), nested (PostgreSQL) or
** not; 0 when not terminated */
static int blockCommentLen(const char *z, int bNested){
  int i = 2, nDepth = 1;
  while( z[i] ){
    if( z[i]=='*' && z[i+1]=='/' ){
      i += 2;
      if( --nDepth==0 || !bNested ) return i;
      continue;
    }
    if( bNested && z[i]=='/' && z[i+1]=='*' ){
      nDepth++;
      i += 2;
      continue;
    }
    i++;
  }
  return 0;
}

int remoteQueryCheck(const char *zEngine, const char *zDialect,
                     const char *zSql, char **pzErr){
  static const char *const azBad[] = {
    "insert", "update", "delete", "merge", "into"
  };
  int eDialect;
  int nDepth = 0;
  int bFirst = 1;                 /* no token seen yet (but '(') */
  const char *zWhy = 0;
  char *zWhyAlloc = 0;
  int i = 0;

  if( strcmp(zDialect, "mysql")==0 ) eDialect = SQLCHECK_MYSQL;
  else if( strcmp(zDialect, "sqlite")==0 ) eDialect = SQLCHECK_SQLITE;
  else eDialect = SQLCHECK_PG;

  while( zSql[i] && zWhy==0 ){
    unsigned char c = (unsigned char)zSql[i];
    const char *z = &zSql[i];
    int n = 0;
    int bBackslash = 0;
    if( isSpace(c) ){
      i++;
      continue;
    }
    if( c=='-' && z[1]=='-'
     && (eDialect!=SQLCHECK_MYSQL || z[2]==0 || isSpace((unsigned char)z[2])
         || (unsigned char)z[2]<0x20) ){
      /* a line comment (MySQL: only with a space after the "--") */
      while( zSql[i] && zSql[i]!='\n' ) i++;
      continue;
    }
    if( c=='#' && eDialect==SQLCHECK_MYSQL ){
      while( zSql[i] && zSql[i]!='\n' ) i++;
      continue;
    }
    if( c=='/' && z[1]=='*' ){
      if( eDialect==SQLCHECK_MYSQL
       && (z[2]=='!' || (z[2]=='M' && z[3]=='!')) ){
        zWhy = "must not contain executable comments (/*! ... */)";
        break;
      }
      n = blockCommentLen(z, eDialect==SQLCHECK_PG);
      if( n==0 ){ zWhy = "has an unterminated comment"; break; }
      i += n;
      continue;
    }
    if( c=='\'' || c=='"' || c=='`' || (c=='[' && eDialect==SQLCHECK_SQLITE) ){
      int bEsc = eDialect==SQLCHECK_MYSQL && c!='`';
      if( c=='[' ){
        const char *zEnd = strchr(z, ']');
        n = zEnd ? (int)(zEnd - z) + 1 : 0;
      }else{
        /* PostgreSQL's E'...' strings take backslash escapes */
        if( eDialect==SQLCHECK_PG && c=='\'' && i>0
         && (zSql[i-1]=='E' || zSql[i-1]=='e')
         && (i==1 || !isIdentChar((unsigned char)zSql[i-2])) ){
          bEsc = 1;
        }
        n = quotedLen(z, (char)c, bEsc, &bBackslash);
      }
      if( n==0 ){ zWhy = "has an unterminated string or quoted name"; break; }
      if( bBackslash && eDialect==SQLCHECK_MYSQL ){
        zWhy = "must not contain a backslash in quoted text on this dialect";
        break;
      }
      if( bFirst ) break;
      i += n;
      continue;
    }
    if( c=='$' && eDialect==SQLCHECK_PG ){
      int bOpen = 0;
      n = dollarLen(z, &bOpen);
      if( bOpen ){ zWhy = "has an unterminated string or quoted name"; break; }
      if( n>0 ){
        if( bFirst ) break;
        i += n;
        continue;
      }
    }
    if( c==';' ){
      zWhy = "must be a single statement (it holds a ';')";
      break;
    }
    if( c=='(' ){
      nDepth++;
      i++;
      continue;
    }
    if( c==')' ){
      if( --nDepth<0 ){ zWhy = "has a ')' without its '('"; break; }
      i++;
      continue;
    }
    if( isIdentStart(c) ){
      size_t k;
      n = 1;
      while( isIdentChar((unsigned char)z[n]) ) n++;
      if( bFirst ){
        if( !isWord(z, n, "select") && !isWord(z, n, "with")
         && !isWord(z, n, "values") && !isWord(z, n, "table") ){
          zWhy = "must be a read-only statement starting with SELECT, "
                 "WITH, VALUES or TABLE";
          break;
        }
        bFirst = 0;
      }
      for(k=0; k<sizeof(azBad)/sizeof(azBad[0]); k++){
        if( isWord(z, n, azBad[k]) ){
          zWhyAlloc = sqlite3_mprintf("must not contain %.*s: it must be "
                                      "read-only", n, z);
          zWhy = zWhyAlloc ? zWhyAlloc : "must be read-only";
          break;
        }
      }
      i += n;
      continue;
    }
    /* numbers, operators, parameters */
    if( bFirst ) break;
    if( c>='0' && c<='9' ){
      while( isIdentChar((unsigned char)zSql[i]) || zSql[i]=='.' ) i++;
      continue;
    }
    i++;
  }
  if( zWhy==0 && bFirst ){
    zWhy = zSql[i] ? "must be a read-only statement starting with SELECT, "
                     "WITH, VALUES or TABLE"
                   : "is empty";
  }
  if( zWhy==0 && nDepth>0 ) zWhy = "has a '(' without its ')'";
  if( zWhy ){
    *pzErr = sqlite3_mprintf("remote: %s: query= %s", zEngine, zWhy);
    sqlite3_free(zWhyAlloc);
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}
