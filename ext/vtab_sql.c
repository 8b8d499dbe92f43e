/* SPDX-License-Identifier: MIT */
/*
** vtab_sql.c: the SQL text of a scan of a `remote` table, built from its
** plan (vtab_plan.c) and xFilter's values.
**
**   plan "w2:2:1:1:1 u7", value 'a@b.c'
**     -> SELECT "id", "name", "email" FROM "public"."t" WHERE "email" = $1::text
**
** vtabScanSql() is the one call to know: the select list, each pushed
** constraint in the form the dialect's rules (VtabRules) and the column's
** catalog information give it (appendCompare: exact, or a superset SQLite
** checks again), IN lists, ORDER BY, LIMIT/OFFSET. The same writers make
** the SQL EXPLAIN QUERY PLAN shows for typical values (vtabExplainSql),
** and the sticky-error builder (VtabSql) serves the writes too. What is
** pushed, and why it is exact, is vtab_plan.c's header.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "vtab.h"

/* ------------------------------------------------------------------ */
/* Names                                                               */

const char *vtabColQuoted(RemoteVtab *pTab, const RemoteDialect *pD, int iCol){
  if( pTab->azQuoted==0 ){
    pTab->azQuoted = sqlite3_malloc64(sizeof(char*)*pTab->nCol);
    if( pTab->azQuoted==0 ) return 0;
    memset(pTab->azQuoted, 0, sizeof(char*)*pTab->nCol);
  }
  if( pTab->azQuoted[iCol]==0 ){
    pTab->azQuoted[iCol] = pD->xQuoteIdent(pTab->azCol[iCol]);
  }
  return pTab->azQuoted[iCol];
}

/* The FROM target: "schema"."table" or (query). The schema goes through
** the CONN's schema_translate_map when the statement is built, as
** SQLAlchemy applies it at execution. */
void vtabAppendTarget(sqlite3_str *p, RemoteVtab *pTab, SessConn *pSc,
                      const RemoteDialect *pD){
  if( pTab->zQuery ){
    sqlite3_str_appendf(p, "(%s\n) AS sr_q", pTab->zQuery);  /* \n: ends a -- comment */
  }else{
    char *zT = pD->xQuoteIdent(pTab->zTable);
    const char *zSchema = remoteSessMapSchema(pSc, pTab->zSchema);
    if( zSchema ){
      char *zS = pD->xQuoteIdent(zSchema);
      sqlite3_str_appendf(p, "%s.", zS);
      sqlite3_free(zS);
    }
    sqlite3_str_appendall(p, zT);
    sqlite3_free(zT);
  }
}

/* ------------------------------------------------------------------ */
/* The SQL builder                                                     */

void vtabSqlInit(VtabSql *q, const VtabRules *pR, int bCopy){
  memset(q, 0, sizeof(*q));
  q->pRules = pR;
  q->bCopy = bCopy;
  q->pStr = sqlite3_str_new(0);
}

/* Free everything q holds (the text too, unless taken) */
void vtabSqlClear(VtabSql *q){
  int i;
  if( q->pStr ) sqlite3_free(sqlite3_str_finish(q->pStr));
  for(i=0; i<q->nBuf; i++) sqlite3_free(q->azBuf[i]);
  sqlite3_free(q->azBuf);
  sqlite3_free(q->aParam);
  memset(q, 0, sizeof(*q));
}

/* Keep a sqlite3_malloc'd buffer until the query is done */
void vtabSqlKeep(VtabSql *q, char *z){
  if( z==0 ) return;
  if( q->nBuf>=q->nBufAlloc ){
    int nNew = q->nBufAlloc ? q->nBufAlloc*2 : 16;
    char **azNew = sqlite3_realloc64(q->azBuf, sizeof(char*)*nNew);
    if( azNew==0 ){ sqlite3_free(z); q->bFull = 1; return; }
    q->azBuf = azNew;
    q->nBufAlloc = nNew;
  }
  q->azBuf[q->nBuf++] = z;
}

/* Bind v as the next parameter (no text appended); its number, or 0 on
** OOM. With q->bCopy the bytes of a text or blob are copied: xFilter's
** values (and an IN list's, which live only until the next
** sqlite3_vtab_in_next()) must stay readable while the query streams. */
int vtabSqlBind(VtabSql *q, const RemoteValue *v){
  RemoteValue *pP;
  if( q->nParam>=q->nParamAlloc ){
    int nNew = q->nParamAlloc ? q->nParamAlloc*2 : 16;
    RemoteValue *aNew = sqlite3_realloc64(q->aParam, sizeof(RemoteValue)*nNew);
    if( aNew==0 ){ q->bFull = 1; return 0; }
    q->aParam = aNew;
    q->nParamAlloc = nNew;
  }
  pP = &q->aParam[q->nParam++];
  *pP = *v;
  if( q->bCopy && (v->eType==SQLITE_TEXT || v->eType==SQLITE_BLOB) ){
    char *z = sqlite3_malloc64(v->n+1);
    if( z==0 ){
      q->bFull = 1;
    }else{
      if( v->n>0 ) memcpy(z, v->z, v->n);
      z[v->n] = 0;
      pP->z = z;
      vtabSqlKeep(q, z);
    }
  }
  return q->nParam;
}

/* Append a placeholder bound to v */
void vtabSqlParam(VtabSql *q, const RemoteValue *v){
  int iParam = vtabSqlBind(q, v);
  if( iParam==0 ){
    sqlite3_str_appendall(q->pStr, "NULL");
  }else if( q->pRules->bDollar ){
    sqlite3_str_appendf(q->pStr, "$%d", iParam);
  }else{
    sqlite3_str_appendchar(q->pStr, 1, '?');
  }
}

/* Append zFmt with %c replaced by zCol and %p by a placeholder bound to v
** (zFmt NULL: "%p" when v is given, else "%c") */
void vtabSqlFmt(VtabSql *q, const char *zFmt, const char *zCol,
                const RemoteValue *v){
  const char *z;
  if( zFmt==0 ) zFmt = v ? "%p" : "%c";
  for(z=zFmt; *z; z++){
    const char *zEnd = strchr(z, '%');
    if( zEnd==0 ){ sqlite3_str_appendall(q->pStr, z); break; }
    sqlite3_str_append(q->pStr, z, (int)(zEnd-z));
    z = zEnd+1;
    if( *z=='c' ) sqlite3_str_appendall(q->pStr, zCol ? zCol : "NULL");
    else if( *z=='p' && v ) vtabSqlParam(q, v);
    else if( *z==0 ) break;
    else sqlite3_str_appendchar(q->pStr, 1, *z);
  }
}

/* Truncate q's SQL back to nLen bytes and its parameters back to nParam
** (undo a partial append) */
static void sqlTruncate(VtabSql *q, int nLen, int nParam){
  char *zCur = sqlite3_str_finish(q->pStr);
  q->nParam = nParam;
  q->pStr = sqlite3_str_new(0);
  if( zCur ) sqlite3_str_append(q->pStr, zCur, nLen);
  sqlite3_free(zCur);
}

/* ------------------------------------------------------------------ */
/* WHERE                                                               */

/* Storage-class rank as SQLite orders classes */
static int classRank(int eType){
  switch( eType ){
    case SQLITE_NULL: return 0;
    case SQLITE_INTEGER: case SQLITE_FLOAT: return 1;
    case SQLITE_TEXT: return 2;
    default: return 3;
  }
}

void vtabApplyAffinity(int k, RemoteValue *v, char **pzBuf){
  if( k==K_TEXT || k==K_TEXTCAST ){
    if( v->eType==SQLITE_INTEGER ){
      *pzBuf = sqlite3_mprintf("%lld", v->i);
    }else if( v->eType==SQLITE_FLOAT ){
      *pzBuf = sqlite3_mprintf("%!.*g", remoteFpDigits(0), v->r);
    }else{
      return;
    }
    v->eType = SQLITE_TEXT;
    v->z = *pzBuf ? *pzBuf : "";
    v->n = (int)strlen(v->z);
  }else if( k==K_INT || k==K_BOOL || k==K_REAL8 || k==K_REAL4 || k==K_NUMERIC ){
    if( v->eType==SQLITE_TEXT ){
      RemoteValue w;
      remoteNumericAffinity(v->z, v->n, &w);
      if( w.eType!=SQLITE_TEXT ) *v = w;
    }
  }
}

static const char *opSql(int op){
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_EQ: return "=";
    case SQLITE_INDEX_CONSTRAINT_NE: return "<>";
    case SQLITE_INDEX_CONSTRAINT_LT: return "<";
    case SQLITE_INDEX_CONSTRAINT_LE: return "<=";
    case SQLITE_INDEX_CONSTRAINT_GT: return ">";
    case SQLITE_INDEX_CONSTRAINT_GE: return ">=";
    case SQLITE_INDEX_CONSTRAINT_IS: return "=";
    case SQLITE_INDEX_CONSTRAINT_ISNOT: return "<>";
  }
  return "=";
}

/* The format of column iCol as compared: bEq for = <> IS IS NOT only,
** else for ranges and ORDER BY too. The bare column (which the server's
** index serves) where its collation compares like bytes. */
static const char *colFormat(RemoteVtab *pTab, int iCol, int bEq){
  const VtabRules *pR = pTab->pRules;
  int k = pTab->aKind[iCol];
  unsigned char f = pTab->aColFlag ? pTab->aColFlag[iCol] : 0;
  if( (f & VCOL_BYTEORDER) && pR->azCmpBytes[k] ) return pR->azCmpBytes[k];
  if( bEq && (f & VCOL_BYTEEQ) && pR->azCmpEq[k] ) return pR->azCmpEq[k];
  return pR->azCmp[k];
}

/* The column iCol as it is compared and ordered: exact text (byte) order,
** integers for PostgreSQL booleans, the value we return for float4 */
static void appendColCmp(VtabSql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                         int iCol){
  const char *zQ = vtabColQuoted(pTab, pD, iCol);
  if( zQ==0 ){ q->bFull = 1; return; }
  vtabSqlFmt(q, colFormat(pTab, iCol, 0), zQ, 0);
}

/* "col OP value" with the column and the value as the kind compares them
** (zOp one of = <> < <= > >=) */
static void appendCmpParam(VtabSql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                           int iCol, const char *zOp, const RemoteValue *v){
  const char *zQ = vtabColQuoted(pTab, pD, iCol);
  int bEq = zOp[0]=='=' || (zOp[0]=='<' && zOp[1]=='>');
  if( zQ==0 ){ q->bFull = 1; return; }
  vtabSqlFmt(q, colFormat(pTab, iCol, bEq), zQ, 0);
  sqlite3_str_appendf(q->pStr, " %s ", zOp);
  vtabSqlFmt(q, q->pRules->azParam[pTab->aKind[iCol]], 0, v);
}

/* GLOB pattern z[0..n) as a LIKE pattern escaped with '\': sqlite3_malloc'd */
static char *globAsLike(const char *z, int n){
  sqlite3_str *pPat = sqlite3_str_new(0);
  char *zPat;
  int j;
  for(j=0; j<n; j++){
    char c = z[j];
    if( c=='*' ) sqlite3_str_appendchar(pPat, 1, '%');
    else if( c=='?' ) sqlite3_str_appendchar(pPat, 1, '_');
    else if( c=='%' || c=='_' || c=='\\' ){
      sqlite3_str_appendchar(pPat, 1, '\\');
      sqlite3_str_appendchar(pPat, 1, c);
    }else sqlite3_str_appendchar(pPat, 1, c);
  }
  zPat = sqlite3_str_finish(pPat);
  if( zPat==0 && n==0 ) zPat = sqlite3_mprintf("%s", "");
  return zPat;
}

/*
** LIKE or GLOB of column iCol with the pattern pVal. Returns 1 if a
** predicate was appended (or q->bNone set), 0 if nothing was (only for a
** constraint that is not exact).
*/
static int appendLike(VtabSql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                      int iCol, int op, sqlite3_value *pVal){
  const VtabRules *pR = q->pRules;
  const char *zQ = vtabColQuoted(pTab, pD, iCol);
  RemoteValue v;
  if( zQ==0 ) return 0;
  if( pR->bLikeNative ){
    remoteValueFromSqlite(pVal, &v);
    vtabSqlFmt(q, op==SQLITE_INDEX_CONSTRAINT_LIKE ? "%c LIKE %p" : "%c GLOB %p",
               zQ, &v);
    return 1;
  }
  if( sqlite3_value_type(pVal)==SQLITE_NULL ){
    q->bNone = 1;
    return 1;
  }
  if( sqlite3_value_type(pVal)==SQLITE_BLOB ) return 0;
  if( !vtabTextSendable(pR, sqlite3_value_text(pVal), sqlite3_value_bytes(pVal)) ){
    return 0;
  }
  /* the pattern as SQLite's like()/glob() read it */
  memset(&v, 0, sizeof(v));
  v.eType = SQLITE_TEXT;
  v.z = (const char*)sqlite3_value_text(pVal);
  v.n = sqlite3_value_bytes(pVal);
  if( v.z==0 ) return 0;
  if( op==SQLITE_INDEX_CONSTRAINT_LIKE ){
    if( pR->zLike==0 || (pR->bLikeNoBackslash && memchr(v.z, '\\', v.n)) ) return 0;
    vtabSqlFmt(q, pR->zLike, zQ, &v);
    return 1;
  }
  if( pR->zGlob==0 || memchr(v.z, '[', v.n)
   || (pR->bGlobNoQmark && memchr(v.z, '?', v.n)) ){
    return 0;
  }else{
    char *zPat = globAsLike(v.z, v.n);
    RemoteValue w = v;
    if( zPat==0 ) return 0;
    vtabSqlKeep(q, zPat);
    w.z = zPat;
    w.n = (int)strlen(zPat);
    vtabSqlFmt(q, pR->zGlob, zQ, &w);
    return 1;
  }
}

/* A comparison of values of different classes, decided by class order
** (bColLess: the column's class sorts first) */
static void appendClassCmp(VtabSql *q, const char *zQ, int op, int bColLess){
  const char *zPred = 0;    /* 0 = false */
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_EQ: case SQLITE_INDEX_CONSTRAINT_IS: break;
    case SQLITE_INDEX_CONSTRAINT_NE: zPred = "NN"; break;
    case SQLITE_INDEX_CONSTRAINT_ISNOT: zPred = "TRUE"; break;
    case SQLITE_INDEX_CONSTRAINT_LT: case SQLITE_INDEX_CONSTRAINT_LE:
      if( bColLess ) zPred = "NN";
      break;
    default:
      if( !bColLess ) zPred = "NN";
      break;
  }
  if( zPred==0 ){
    q->bNone = 1;
  }else if( zPred[0]=='N' ){
    sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
  }else{
    sqlite3_str_appendall(q->pStr, "1=1");
  }
}

/* A real or NUMERIC column: a superset, compared as doubles one ulp wider
** on each side (the local value may be a rounding of the remote one, an
** integer may not be a double). 0 when v is not a number. */
static int appendRealCmp(VtabSql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                         int iCol, int op, const RemoteValue *v, const char *zQ){
  RemoteValue lo, hi;
  double r;
  if( v->eType!=SQLITE_INTEGER && v->eType!=SQLITE_FLOAT ) return 0;
  r = v->eType==SQLITE_INTEGER ? (double)v->i : v->r;
  memset(&lo, 0, sizeof(lo));
  lo.eType = SQLITE_FLOAT;
  hi = lo;
  lo.r = nextafter(r, -INFINITY);
  hi.r = nextafter(r, INFINITY);
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_EQ: case SQLITE_INDEX_CONSTRAINT_IS:
      sqlite3_str_appendchar(q->pStr, 1, '(');
      appendColCmp(q, pTab, pD, iCol);
      sqlite3_str_appendall(q->pStr, " >= ");
      vtabSqlParam(q, &lo);
      sqlite3_str_appendall(q->pStr, " AND ");
      appendColCmp(q, pTab, pD, iCol);
      sqlite3_str_appendall(q->pStr, " <= ");
      vtabSqlParam(q, &hi);
      sqlite3_str_appendchar(q->pStr, 1, ')');
      break;
    case SQLITE_INDEX_CONSTRAINT_NE:
      sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
      break;
    case SQLITE_INDEX_CONSTRAINT_ISNOT:
      sqlite3_str_appendall(q->pStr, "1=1");
      break;
    case SQLITE_INDEX_CONSTRAINT_LT: case SQLITE_INDEX_CONSTRAINT_LE:
      appendColCmp(q, pTab, pD, iCol);
      sqlite3_str_appendall(q->pStr, " <= ");
      vtabSqlParam(q, &hi);
      break;
    default: {
      const char *zExtra = pTab->aKind[iCol]==K_NUMERIC ? q->pRules->zNumericGe : 0;
      if( zExtra ) sqlite3_str_appendchar(q->pStr, 1, '(');
      appendColCmp(q, pTab, pD, iCol);
      sqlite3_str_appendall(q->pStr, " >= ");
      vtabSqlParam(q, &lo);
      if( zExtra ){
        sqlite3_str_appendall(q->pStr, " OR ");
        appendColCmp(q, pTab, pD, iCol);
        sqlite3_str_appendall(q->pStr, zExtra);
        sqlite3_str_appendchar(q->pStr, 1, ')');
      }
      break;
    }
  }
  return 1;
}

/* n decimal digits at z, as a number (-1 if any is not a digit) */
static int canonDigits(const char *z, int n){
  int v = 0, i;
  for(i=0; i<n; i++){
    if( z[i]<'0' || z[i]>'9' ) return -1;
    v = v*10 + (z[i]-'0');
  }
  return v;
}

/* "HH:MM:SS[.f]" as PostgreSQL prints a time: 1 if z[0..n) is one */
static int canonTime(const char *z, int n){
  int h, m, sec, i;
  if( n<8 || z[2]!=':' || z[5]!=':' ) return 0;
  h = canonDigits(z, 2); m = canonDigits(z+3, 2); sec = canonDigits(z+6, 2);
  if( h<0 || h>24 || m<0 || m>59 || sec<0 || sec>59 ) return 0;
  if( h==24 && (m || sec || n>8) ) return 0;
  if( n==8 ) return 1;
  /* a fraction of 1 to 6 digits, no trailing zero */
  if( z[8]!='.' || n<10 || n>15 || z[n-1]=='0' ) return 0;
  for(i=9; i<n; i++) if( z[i]<'0' || z[i]>'9' ) return 0;
  return 1;
}

/* "YYYY-MM-DD" (years 1 to 9999) as PostgreSQL prints a date */
static int canonDate(const char *z, int n){
  static const int aDays[] = {31,29,31,30,31,30,31,31,30,31,30,31};
  int y, m, d;
  if( n<10 || z[4]!='-' || z[7]!='-' ) return 0;
  y = canonDigits(z, 4); m = canonDigits(z+5, 2); d = canonDigits(z+8, 2);
  if( y<1 || m<1 || m>12 || d<1 || d>aDays[m-1] ) return 0;
  if( m==2 && d==29 && !((y%4==0 && y%100!=0) || y%400==0) ) return 0;
  return 1;
}

/*
** 1 if text z[0..n) is the canonical text of a value of type eCanon (TC_*):
** the text the server prints for it, which is what we return. Two values
** are equal exactly when their canonical texts are, so for such a text
** "column = text::type" (bare, typed: an index serves it) is the byte
** equality SQLite would do. Other texts equal no value's text.
*/
static int canonText(int eCanon, const char *z, int n){
  int i;
  switch( eCanon ){
    case TC_ENUM: return 1;   /* any label: none matches when not one */
    case TC_CHAR: return 1;   /* (its length: appendCanonCmp) */
    case TC_DATE: return n==10 && canonDate(z, n);
    case TC_TS:   return n>=19 && canonDate(z, 10) && z[10]==' '
                      && canonTime(z+11, n-11)
                      && !(z[11]=='2' && z[12]=='4');     /* no 24:00 */
    case TC_TIME: return canonTime(z, n);
    case TC_TSTZ: return n>=25 && memcmp(&z[n-6], "+00:00", 6)==0
                      && canonText(TC_TS, z, n-6);
    case TC_UUID:
      if( n!=36 ) return 0;
      for(i=0; i<36; i++){
        if( i==8 || i==13 || i==18 || i==23 ){
          if( z[i]!='-' ) return 0;
        }else if( !((z[i]>='0' && z[i]<='9') || (z[i]>='a' && z[i]<='f')) ){
          return 0;
        }
      }
      return 1;
  }
  return 0;
}

/*
** A K_TEXTCAST column with a canonical type (VCOL_CANON) against text v:
** when v is canonical, the bare column against v as a typed value, which
** the column's index serves. Equalities are exact; a range is exact where
** the type's values order as their texts, else a superset (the values
** that do not, BC and years from 10000, ORed in: SQLite checks again).
** Returns 0 when v is not canonical (the caller compares as text).
*/
static int appendCanonCmp(VtabSql *q, RemoteVtab *pTab, const char *zQ,
                          int iCol, int op, const RemoteValue *v){
  const VtabRules *pR = q->pRules;
  int eCanon = VCOL_CANON(pTab->aColFlag[iCol]);
  const char *zParam = pR->azCanonParam[eCanon];
  const char *zOut = pR->azCanonOut[eCanon];
  const char *zType = pTab->azCanonType ? pTab->azCanonType[iCol] : 0;
  if( zParam==0 || v->eType!=SQLITE_TEXT || !canonText(eCanon, v->z, v->n) ){
    return 0;
  }
  if( eCanon==TC_ENUM || eCanon==TC_CHAR ){
    /* equality only: an enum orders by declaration, char(n) pads */
    if( op!=SQLITE_INDEX_CONSTRAINT_EQ && op!=SQLITE_INDEX_CONSTRAINT_IS
     && op!=SQLITE_INDEX_CONSTRAINT_NE && op!=SQLITE_INDEX_CONSTRAINT_ISNOT ){
      return 0;
    }
    if( zType==0 ) return 0;
    if( eCanon==TC_CHAR ){
      /* the value comes padded to n characters: a text of another length
      ** equals none (and of that length, bpchar's equality, which ignores
      ** trailing spaces, is byte equality) */
      int nChar = 0, i;
      const char *zN = strchr(zType, '(');
      for(i=0; i<v->n; i++) if( (v->z[i] & 0xc0)!=0x80 ) nChar++;
      if( zN==0 ) return 0;
      if( nChar!=atoi(zN+1) ){
        if( op==SQLITE_INDEX_CONSTRAINT_NE ){
          sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
        }else if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ){
          sqlite3_str_appendall(q->pStr, "1=1");
        }else{
          q->bNone = 1;
        }
        return 1;
      }
    }
  }
  switch( op ){
    case SQLITE_INDEX_CONSTRAINT_EQ: case SQLITE_INDEX_CONSTRAINT_IS:
      sqlite3_str_appendf(q->pStr, "%s = ", zQ);
      vtabSqlFmt(q, zParam, zType, v);
      break;
    case SQLITE_INDEX_CONSTRAINT_NE:
      sqlite3_str_appendf(q->pStr, "%s <> ", zQ);
      vtabSqlFmt(q, zParam, zType, v);
      break;
    case SQLITE_INDEX_CONSTRAINT_ISNOT:
      sqlite3_str_appendf(q->pStr, "(%s <> ", zQ);
      vtabSqlFmt(q, zParam, zType, v);
      sqlite3_str_appendf(q->pStr, " OR %s IS NULL)", zQ);
      break;
    default:
      if( zOut ) sqlite3_str_appendchar(q->pStr, 1, '(');
      sqlite3_str_appendf(q->pStr, "%s %s ", zQ, opSql(op));
      vtabSqlFmt(q, zParam, 0, v);
      if( zOut ){
        sqlite3_str_appendall(q->pStr, " OR ");
        vtabSqlFmt(q, zOut, zQ, 0);
        sqlite3_str_appendchar(q->pStr, 1, ')');
      }
      break;
  }
  return 1;
}

/* Is term t a range on a column of a canonical type some of whose values
** do not order as their texts (dates, timestamps)? */
static int canonOutRange(RemoteVtab *pTab, const VtabTerm *t){
  int op = t->op;
  if( t->eTerm!='w' || pTab->aColFlag==0 ) return 0;
  if( op!=SQLITE_INDEX_CONSTRAINT_LT && op!=SQLITE_INDEX_CONSTRAINT_LE
   && op!=SQLITE_INDEX_CONSTRAINT_GT && op!=SQLITE_INDEX_CONSTRAINT_GE ) return 0;
  return pTab->pRules->azCanonOut[VCOL_CANON(pTab->aColFlag[t->iCol])]!=0;
}

/*
** The ranges on a column of a canonical type with outliers (dates,
** timestamps: canonOutRange()) whose values aVal[i] (eType -1: none) are
** canonical texts, one predicate per column, which the column's index
** serves as one range plus the outliers (BC, years from 10000), a superset
** SQLite checks again:
**   (("ts" >= $1::timestamp AND "ts" < $2::timestamp) OR "ts" < '0001-01-01'
**    ::timestamp OR "ts" >= '10000-01-01'::timestamp)
** Terms written are marked in abDone. Returns the predicates appended
** (nWhere: how many came before).
*/
static int appendCanonRanges(VtabSql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                             const VtabPlan *pPlan, const RemoteValue *aVal,
                             char *abDone, int nWhere){
  const VtabRules *pR = q->pRules;
  int i, j, nDone = 0;
  for(i=0; i<pPlan->nTerm; i++){
    const VtabTerm *t = &pPlan->aTerm[i];
    int eCanon, n = 0;
    const char *zQ;
    if( abDone[i] || !canonOutRange(pTab, t) ) continue;
    eCanon = VCOL_CANON(pTab->aColFlag[t->iCol]);
    zQ = vtabColQuoted(pTab, pD, t->iCol);
    if( zQ==0 ){ q->bFull = 1; return nDone; }
    for(j=i; j<pPlan->nTerm; j++){
      const VtabTerm *u = &pPlan->aTerm[j];
      const RemoteValue *v = &aVal[j];
      if( abDone[j] || u->iCol!=t->iCol || !canonOutRange(pTab, u)
       || v->eType!=SQLITE_TEXT || !canonText(eCanon, v->z, v->n) ) continue;
      sqlite3_str_appendall(q->pStr, n ? " AND " : nWhere+nDone ? " AND ((" : " WHERE ((");
      sqlite3_str_appendf(q->pStr, "%s %s ", zQ, opSql(u->op));
      vtabSqlFmt(q, pR->azCanonParam[eCanon], 0, v);
      abDone[j] = 1;
      n++;
    }
    if( n ){
      sqlite3_str_appendall(q->pStr, ") OR ");
      vtabSqlFmt(q, pR->azCanonOut[eCanon], zQ, 0);
      sqlite3_str_appendchar(q->pStr, 1, ')');
      nDone++;
    }
  }
  return nDone;
}

/*
** An integer column against a real: the real becomes an integral bound
** (*pv, *pzOp changed) or the predicate is decided here. Returns 1 when
** the predicate was appended (or q->bNone set).
*/
static int intAgainstReal(VtabSql *q, const char *zQ, int op, RemoteValue *pv,
                          const char **pzOp){
  double r = pv->r;
  if( r==floor(r) && r>=-9.2233720368547758e18 && r<9.2233720368547758e18 ){
    pv->eType = SQLITE_INTEGER;
    pv->i = (sqlite3_int64)r;
  }else if( r!=r ){
    q->bNone = 1;             /* NaN: not reachable from SQL values */
    return 1;
  }else if( op==SQLITE_INDEX_CONSTRAINT_EQ || op==SQLITE_INDEX_CONSTRAINT_IS ){
    q->bNone = 1;
    return 1;
  }else if( op==SQLITE_INDEX_CONSTRAINT_NE ){
    sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
    return 1;
  }else if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ){
    sqlite3_str_appendall(q->pStr, "1=1");
    return 1;
  }else{
    int bUpper = op==SQLITE_INDEX_CONSTRAINT_LT || op==SQLITE_INDEX_CONSTRAINT_LE;
    double b = bUpper ? floor(r) : ceil(r);
    if( b>=9.2233720368547758e18 || b<-9.2233720368547758e18 ){
      /* beyond every integer */
      if( (b>0)==bUpper ) sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
      else q->bNone = 1;
      return 1;
    }
    pv->eType = SQLITE_INTEGER;
    pv->i = (sqlite3_int64)b;
    *pzOp = bUpper ? "<=" : ">=";
  }
  return 0;
}

/*
** Append one comparison "col OP value" for column iCol, evaluated remotely
** as SQLite would (bExact) or as a superset of it. Returns 1 if a
** predicate was appended or q->bNone set (never true), 0 if nothing was:
** the constraint stays with SQLite (only allowed when !bExact). bConst:
** the value was a constant known at planning time.
*/
static int appendCompareV(VtabSql*, RemoteVtab*, const RemoteDialect*, int,
                          int, const RemoteValue*, int, int);
static int appendCompare(VtabSql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                         int iCol, int op, sqlite3_value *pVal, int bExact,
                         int bConst){
  RemoteValue v;

  if( vtabIsLikeOp(op) ) return appendLike(q, pTab, pD, iCol, op, pVal);
  remoteValueFromSqlite(pVal, &v);
  return appendCompareV(q, pTab, pD, iCol, op, &v, bExact, bConst);
}

/* appendCompare() of a value that is not a LIKE/GLOB pattern, as *pIn */
static int appendCompareV(VtabSql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                          int iCol, int op, const RemoteValue *pIn, int bExact,
                          int bConst){
  int k = pTab->aKind[iCol];
  int rCol = vtabKindRank(k), rVal;
  const char *zOp = opSql(op);
  const char *zQ;
  char *zBuf = 0;
  RemoteValue v = *pIn;

  if( !bExact && !vtabCmpValueOk(pTab, iCol, op, v.eType, bConst) ) return 0;
  zQ = vtabColQuoted(pTab, pD, iCol);
  if( zQ==0 ) return 0;
  if( v.eType==SQLITE_NULL ){
    /* comparisons with NULL are never true; IS / IS NOT test for NULL */
    if( op==SQLITE_INDEX_CONSTRAINT_IS ){
      sqlite3_str_appendf(q->pStr, "%s IS NULL", zQ);
    }else if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ){
      sqlite3_str_appendf(q->pStr, "%s IS NOT NULL", zQ);
    }else{
      q->bNone = 1;
    }
    return 1;
  }
  if( k==K_NATIVE ){
    /* the remote is SQLite: same affinity, same comparison */
    if( op==SQLITE_INDEX_CONSTRAINT_IS ) zOp = "IS";
    if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ) zOp = "IS NOT";
    appendCmpParam(q, pTab, pD, iCol, zOp, &v);
    return 1;
  }
  vtabApplyAffinity(k, &v, &zBuf);
  vtabSqlKeep(q, zBuf);
  rVal = classRank(v.eType);
  if( v.eType==SQLITE_TEXT && rVal==rCol
   && !vtabTextSendable(q->pRules, (const unsigned char*)v.z, v.n) ){
    return 0;                   /* cannot be sent (never exact, see xBestIndex) */
  }
  if( pTab->aColFlag && VCOL_CANON(pTab->aColFlag[iCol])
   && appendCanonCmp(q, pTab, zQ, iCol, op, &v) ){
    return 1;
  }
  if( rCol>0 && rCol!=rVal ){
    appendClassCmp(q, zQ, op, rCol<rVal);
    return 1;
  }
  if( k==K_BOOL && v.eType==SQLITE_INTEGER && q->pRules->zBoolTrue
   && (op==SQLITE_INDEX_CONSTRAINT_EQ || op==SQLITE_INDEX_CONSTRAINT_IS) ){
    /* the bare column (0 and 1 are its only values) */
    if( v.i==0 || v.i==1 ){
      vtabSqlFmt(q, v.i ? q->pRules->zBoolTrue : q->pRules->zBoolFalse, zQ, 0);
    }else{
      q->bNone = 1;
    }
    return 1;
  }
  if( k==K_REAL8 || k==K_REAL4 || k==K_NUMERIC ){
    return appendRealCmp(q, pTab, pD, iCol, op, &v, zQ);
  }
  if( rCol<0 ) return 0;        /* K_OTHER: never pushed */
  if( (k==K_INT || k==K_BOOL) && v.eType==SQLITE_FLOAT
   && intAgainstReal(q, zQ, op, &v, &zOp) ){
    return 1;
  }
  if( q->pRules->azEqIndex[k]
   && (op==SQLITE_INDEX_CONSTRAINT_EQ || op==SQLITE_INDEX_CONSTRAINT_IS) ){
    /* an equality the index serves (a superset), then the exact one */
    sqlite3_str_appendchar(q->pStr, 1, '(');
    vtabSqlFmt(q, q->pRules->azEqIndex[k], zQ, &v);
    sqlite3_str_appendall(q->pStr, " AND ");
    appendCmpParam(q, pTab, pD, iCol, zOp, &v);
    sqlite3_str_appendchar(q->pStr, 1, ')');
    return 1;
  }
  if( op==SQLITE_INDEX_CONSTRAINT_ISNOT ){
    sqlite3_str_appendchar(q->pStr, 1, '(');
    appendCmpParam(q, pTab, pD, iCol, "<>", &v);
    sqlite3_str_appendf(q->pStr, " OR %s IS NULL)", zQ);
  }else{
    appendCmpParam(q, pTab, pD, iCol, zOp, &v);
  }
  return 1;
}

/* ------------------------------------------------------------------ */
/* The SELECT of a scan                                                */

/* The select list and FROM, reusing the table's last one when the columns
** used, DISTINCT and the mapped schema are the same */
static void appendSelect(VtabSql *q, RemoteVtab *pTab, SessConn *pSc,
                         const RemoteDialect *pD, const VtabPlan *pPlan,
                         const int *aMap){
  const char *zSchema = remoteSessMapSchema(pSc, pTab->zSchema);
  int i, nSel = 0;
  if( pTab->zSel && pTab->mSel==pPlan->mUsed && pTab->bSelDistinct==pPlan->bDistinct
   && vtabSameText(zSchema, pTab->zSelSchema) ){
    sqlite3_str_appendall(q->pStr, pTab->zSel);
    return;
  }
  sqlite3_str_appendall(q->pStr, pPlan->bDistinct ? "SELECT DISTINCT " : "SELECT ");
  for(i=0; i<pTab->nCol; i++){
    if( aMap[i]<0 ) continue;
    if( nSel++ ) sqlite3_str_appendall(q->pStr, ", ");
    if( pPlan->bDistinct ){
      /* the distinct values as they compare (ORDER BY is by position) */
      appendColCmp(q, pTab, pD, i);
    }else if( pTab->aTextRead && pTab->aTextRead[i] ){
      /* numeric=text: the server's text of the value */
      vtabSqlFmt(q, q->pRules->zTextRead, vtabColQuoted(pTab, pD, i), 0);
    }else{
      const char *zQ = vtabColQuoted(pTab, pD, i);
      if( zQ ) sqlite3_str_appendall(q->pStr, zQ);
      else q->bFull = 1;
    }
  }
  if( nSel==0 ) sqlite3_str_appendall(q->pStr, "1");
  sqlite3_str_appendall(q->pStr, " FROM ");
  vtabAppendTarget(q->pStr, pTab, pSc, pD);
  if( sqlite3_str_errcode(q->pStr)==SQLITE_OK ){
    sqlite3_free(pTab->zSel);
    sqlite3_free(pTab->zSelSchema);
    pTab->zSel = sqlite3_mprintf("%s", sqlite3_str_value(q->pStr));
    pTab->zSelSchema = zSchema ? sqlite3_mprintf("%s", zSchema) : 0;
    pTab->mSel = pPlan->mUsed;
    pTab->bSelDistinct = pPlan->bDistinct;
    if( zSchema && pTab->zSelSchema==0 ){
      sqlite3_free(pTab->zSel);
      pTab->zSel = 0;
    }
  }
}

/* A term that appended nothing: the SQL and parameters go back to where
** they were before it (its connective too). 0, or -1 with *pzErr set when
** the plan counted on it (an exact term SQLite will not check) */
static int termLeftOut(VtabSql *q, RemoteVtab *pTab, const VtabTerm *t,
                       int nBefore, int nParamBefore, const char *zWhat,
                       char **pzErr){
  sqlTruncate(q, nBefore, nParamBefore);
  if( t->bExact ){
    *pzErr = sqlite3_mprintf("remote: %s: cannot push an exact %s on %s",
                             pTab->zEngine, zWhat, pTab->azCol[t->iCol]);
    return -1;
  }
  return 0;
}

/* A 'w' term: one constraint. 1 if something was appended */
static int appendWhere(VtabSql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                       const VtabTerm *t, int nWhere, int argc,
                       sqlite3_value **argv, char **pzErr){
  int nBefore = sqlite3_str_length(q->pStr);
  int nParamBefore = q->nParam;
  int bDone = 0;
  sqlite3_str_appendall(q->pStr, nWhere ? " AND " : " WHERE ");
  if( vtabIsNullOp(t->op) ){
    const char *zQ = vtabColQuoted(pTab, pD, t->iCol);
    sqlite3_str_appendf(q->pStr, "%s IS %sNULL", zQ ? zQ : "NULL",
                        t->op==SQLITE_INDEX_CONSTRAINT_ISNULL ? "" : "NOT ");
    if( zQ==0 ) q->bFull = 1;
    bDone = 1;
  }else if( t->iArg>0 && t->iArg<=argc ){
    bDone = appendCompare(q, pTab, pD, t->iCol, t->op, argv[t->iArg-1],
                          t->bExact, t->bConst);
  }
  if( bDone ){
    if( sqlite3_str_length(q->pStr)==nBefore+(nWhere ? 5 : 7) ){
      sqlite3_str_appendall(q->pStr, "1=0");   /* q->bNone: never true */
    }
    return 1;
  }
  /* nothing appended: take the connective back */
  return termLeftOut(q, pTab, t, nBefore, nParamBefore, "constraint", pzErr);
}

/* An 'i' term: column IN (the values at argv). 1 if something was
** appended, 0 if not, -1 on error (*pzErr set, or an SQLite code in *pRc) */
static int appendIn(VtabSql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                    const VtabTerm *t, int nWhere, sqlite3_value *pList,
                    int *pRc, char **pzErr){
  sqlite3_value *pVal = 0;
  int nBefore = sqlite3_str_length(q->pStr);
  int nParamBefore = q->nParam;
  int nIn = 0, bSkip = 0, rc;
  int bNoneBefore = q->bNone;
  if( !t->bExact ){
    /* pushed only when every value compares the same either way */
    for(rc=sqlite3_vtab_in_first(pList, &pVal);
        rc==SQLITE_OK && pVal; rc=sqlite3_vtab_in_next(pList, &pVal)){
      if( !vtabCmpValueOk(pTab, t->iCol, SQLITE_INDEX_CONSTRAINT_EQ,
                      sqlite3_value_type(pVal), 0) ) bSkip = 1;
    }
    if( rc!=SQLITE_DONE && rc!=SQLITE_OK ){ *pRc = rc; return -1; }
  }
  if( !bSkip ){
    sqlite3_str_appendall(q->pStr, nWhere ? " AND (" : " WHERE (");
    for(rc=sqlite3_vtab_in_first(pList, &pVal);
        rc==SQLITE_OK && pVal; rc=sqlite3_vtab_in_next(pList, &pVal)){
      int nValBefore = sqlite3_str_length(q->pStr);
      int nValParam = q->nParam;
      if( nIn ) sqlite3_str_appendall(q->pStr, " OR ");
      q->bNone = 0;
      if( !appendCompare(q, pTab, pD, t->iCol, SQLITE_INDEX_CONSTRAINT_EQ, pVal, 1, 1) ){
        bSkip = 1;          /* a value that cannot go: push nothing */
      }else if( q->bNone ){
        sqlTruncate(q, nValBefore, nValParam);  /* never equal: left out */
      }else{
        nIn++;
      }
    }
    q->bNone = bNoneBefore;
    if( rc!=SQLITE_DONE && rc!=SQLITE_OK ){ *pRc = rc; return -1; }
    if( nIn==0 ){
      sqlite3_str_appendall(q->pStr, "1=0");
      q->bNone = 1;
    }
    sqlite3_str_appendchar(q->pStr, 1, ')');
  }
  if( !bSkip ) return 1;
  return termLeftOut(q, pTab, t, nBefore, nParamBefore, "IN", pzErr);
}

/* ORDER BY of the plan's 'o' terms, if any */
static void appendOrderBy(VtabSql *q, RemoteVtab *pTab, const RemoteDialect *pD,
                          const VtabPlan *pPlan, const int *aMap){
  int i, nOrder = 0;
  for(i=0; i<pPlan->nTerm; i++){
    const VtabTerm *t = &pPlan->aTerm[i];
    if( t->eTerm!='o' ) continue;
    sqlite3_str_appendall(q->pStr, nOrder++ ? ", " : " ORDER BY ");
    if( pPlan->bDistinct ){
      sqlite3_str_appendf(q->pStr, "%d", aMap[t->iCol]+1);
    }else{
      appendColCmp(q, pTab, pD, t->iCol);
    }
    if( pTab->aColFlag && (pTab->aColFlag[t->iCol] & VCOL_NOTNULL) ){
      /* no NULLs to place: the plain direction, which an index serves */
      sqlite3_str_appendall(q->pStr, t->bDesc ? q->pRules->zDescNotNull
                                              : q->pRules->zAscNotNull);
    }else{
      sqlite3_str_appendall(q->pStr, t->bDesc ? q->pRules->zDesc : q->pRules->zAsc);
    }
  }
}

/* LIMIT / OFFSET with xFilter's values */
static void appendLimit(VtabSql *q, const VtabPlan *pPlan, int argc,
                        sqlite3_value **argv){
  sqlite3_int64 nLimit, nOffset = 0;
  if( pPlan->bLimitHint ) return;       /* SQLite applies them */
  if( pPlan->iLimitArg<=0 || pPlan->iLimitArg>argc ) return;
  nLimit = sqlite3_value_int64(argv[pPlan->iLimitArg-1]);
  if( pPlan->iOffsetArg>0 && pPlan->iOffsetArg<=argc ){
    nOffset = sqlite3_value_int64(argv[pPlan->iOffsetArg-1]);
  }
  if( nOffset<0 ) nOffset = 0;
  if( nLimit<0 ){
    if( nOffset>0 ){
      sqlite3_str_appendf(q->pStr, " LIMIT %s OFFSET %lld", q->pRules->zNoLimit,
                          nOffset);
    }
  }else{
    sqlite3_str_appendf(q->pStr, " LIMIT %lld", nLimit);
    if( nOffset>0 ) sqlite3_str_appendf(q->pStr, " OFFSET %lld", nOffset);
  }
}

/*
** 1 if appendCompare() builds the constraint op on column iCol against a
** value of type eType as "column = parameter" with the value unchanged,
** whatever the value (a text one must also be sendable): what a unique
** lookup's kept SQL may be reused for.
*/
static int plainKey(RemoteVtab *pTab, int iCol, int op, int eType){
  int k = pTab->aKind[iCol];
  if( op!=SQLITE_INDEX_CONSTRAINT_EQ && op!=SQLITE_INDEX_CONSTRAINT_IS ) return 0;
  if( eType==SQLITE_INTEGER ) return k==K_INT || k==K_BOOL || k==K_NATIVE;
  if( eType!=SQLITE_TEXT ) return 0;
  /* (a canonical type is compared typed only for a canonical text) */
  if( k==K_TEXTCAST ) return pTab->aColFlag==0 || VCOL_CANON(pTab->aColFlag[iCol])==0;
  return k==K_TEXT || k==K_NATIVE;
}

void vtabLookupForget(RemoteVtab *p){
  sqlite3_free(p->zOneIdx);
  sqlite3_free(p->zOneSql);
  sqlite3_free(p->zOneSchema);
  p->zOneIdx = p->zOneSql = p->zOneSchema = 0;
  p->nOne = 0;
}

/*
** The unique lookup kept in pTab fits plan idxStr, the mapped schema
** zSchema and these arguments: 1 with its parameters in aParam (OUT,
** REMOTE_ONE_MAX slots, pointing into argv), else 0.
*/
int vtabLookupReuse(RemoteVtab *pTab, const char *idxStr, const char *zSchema,
                    int argc, sqlite3_value **argv, RemoteValue *aParam){
  int i;
  if( pTab->zOneSql==0 || idxStr==0 || strcmp(vtabPlanPart(idxStr), pTab->zOneIdx)!=0
   || !vtabSameText(zSchema, pTab->zOneSchema) ){
    return 0;
  }
  for(i=0; i<pTab->nOne; i++){
    sqlite3_value *pVal;
    if( pTab->aOneArg[i]>=argc ) return 0;
    pVal = argv[pTab->aOneArg[i]];
    if( sqlite3_value_type(pVal)!=pTab->aOneType[i] ) return 0;
    remoteValueFromSqlite(pVal, &aParam[i]);
    if( aParam[i].eType==SQLITE_TEXT
     && !vtabTextSendable(pTab->pRules, (const unsigned char*)aParam[i].z,
                          aParam[i].n) ){
      return 0;
    }
  }
  return 1;
}

/*
** Keep zSql, built for the unique lookup plan idxStr, as the table's
** lookup SQL when its only parameters are the plan's 'w' terms' values
** as they are (plainKey).
*/
static void lookupKeep(RemoteVtab *pTab, const char *idxStr, const VtabPlan *pPlan,
                       const char *zSchema, const char *zSql, int nParam,
                       int argc, sqlite3_value **argv){
  int aArg[REMOTE_ONE_MAX], aType[REMOTE_ONE_MAX];
  int i, n = 0;
  for(i=0; i<pPlan->nTerm; i++){
    const VtabTerm *t = &pPlan->aTerm[i];
    int eType;
    if( t->eTerm!='w' || n>=REMOTE_ONE_MAX || t->iArg<=0 || t->iArg>argc ) return;
    eType = sqlite3_value_type(argv[t->iArg-1]);
    if( !plainKey(pTab, t->iCol, t->op, eType) ) return;
    aArg[n] = t->iArg-1;
    aType[n++] = eType;
  }
  if( n!=nParam || pPlan->bDistinct || pPlan->iLimitArg ) return;
  vtabLookupForget(pTab);
  pTab->zOneIdx = sqlite3_mprintf("%s", vtabPlanPart(idxStr));
  pTab->zOneSql = sqlite3_mprintf("%s", zSql);
  pTab->zOneSchema = zSchema ? sqlite3_mprintf("%s", zSchema) : 0;
  if( pTab->zOneIdx==0 || pTab->zOneSql==0 || (zSchema && pTab->zOneSchema==0) ){
    vtabLookupForget(pTab);
    return;
  }
  pTab->nOne = n;
  memcpy(pTab->aOneArg, aArg, sizeof(int)*n);
  memcpy(pTab->aOneType, aType, sizeof(int)*n);
}

int vtabScanSql(RemoteVtab *pTab, SessConn *pSc, const RemoteDialect *pD,
                const char *idxStr, int idxNum, const VtabPlan *pPlan,
                int argc, sqlite3_value **argv, const int *aMap, VtabSql *q,
                char **pzErr){
  int i, nWhere = 0, rc = SQLITE_OK;
  RemoteValue *aVal = 0;
  char *abDone = 0;
  appendSelect(q, pTab, pSc, pD, pPlan, aMap);
  for(i=0; i<pPlan->nTerm && abDone==0; i++){
    if( canonOutRange(pTab, &pPlan->aTerm[i]) ){
      /* ranges on dates and timestamps first, one predicate a column */
      aVal = sqlite3_malloc64((sizeof(RemoteValue)+1)*pPlan->nTerm);
      if( aVal==0 ) return SQLITE_NOMEM;
      abDone = (char*)&aVal[pPlan->nTerm];
      memset(abDone, 0, pPlan->nTerm);
      for(i=0; i<pPlan->nTerm; i++){
        const VtabTerm *t = &pPlan->aTerm[i];
        aVal[i].eType = -1;
        if( t->eTerm=='w' && t->iArg>0 && t->iArg<=argc ){
          remoteValueFromSqlite(argv[t->iArg-1], &aVal[i]);
        }
      }
      nWhere = appendCanonRanges(q, pTab, pD, pPlan, aVal, abDone, 0);
    }
  }
  for(i=0; i<pPlan->nTerm && rc==SQLITE_OK; i++){
    const VtabTerm *t = &pPlan->aTerm[i];
    int r = 0;
    if( abDone && abDone[i] ) continue;
    if( t->eTerm=='w' ){
      r = appendWhere(q, pTab, pD, t, nWhere, argc, argv, pzErr);
      if( r<0 ) rc = SQLITE_INTERNAL;
    }else if( t->eTerm=='i' && t->iArg>0 && t->iArg<=argc ){
      r = appendIn(q, pTab, pD, t, nWhere, argv[t->iArg-1], &rc, pzErr);
      if( r<0 && rc==SQLITE_OK ) rc = SQLITE_INTERNAL;
    }
    if( r>0 ) nWhere++;
  }
  sqlite3_free(aVal);
  if( rc ) return rc;
  appendOrderBy(q, pTab, pD, pPlan, aMap);
  appendLimit(q, pPlan, argc, argv);
  if( q->bFull || sqlite3_str_errcode(q->pStr) ) return SQLITE_NOMEM;
  if( idxNum==1 && !q->bNone ){
    lookupKeep(pTab, idxStr, pPlan, remoteSessMapSchema(pSc, pTab->zSchema),
               sqlite3_str_value(q->pStr), q->nParam, argc, argv);
  }
  return SQLITE_OK;
}

/* ------------------------------------------------------------------ */
/* The SQL EXPLAIN QUERY PLAN shows                                    */

/* A typical value of column iCol's type, for the SQL shown */
static void typicalValue(RemoteVtab *pTab, int iCol, RemoteValue *v){
  static const char *azCanon[TC_MAX+1] = { "x", "2000-01-01",
    "2000-01-01 00:00:00", "00:00:00", "00000000-0000-0000-0000-000000000000",
    "2000-01-01 00:00:00+00:00" };
  int k = pTab->aKind[iCol];
  memset(v, 0, sizeof(*v));
  v->eType = SQLITE_TEXT;
  v->z = "x";
  if( k==K_INT || k==K_BOOL
   || (k==K_NATIVE && (pTab->aAff[iCol]==AFF_INT || pTab->aAff[iCol]==AFF_BLOB)) ){
    v->eType = SQLITE_INTEGER;
    v->i = 1;
  }else if( k==K_REAL8 || k==K_REAL4 || k==K_NUMERIC
         || (k==K_NATIVE && pTab->aAff[iCol]!=AFF_TEXT) ){
    v->eType = SQLITE_FLOAT;
    v->r = 1.5;
  }else if( k==K_BLOB ){
    v->eType = SQLITE_BLOB;
    v->z = "x";
  }else if( (k==K_TEXTCAST || k==K_OTHER) && pTab->aColFlag ){
    int eCanon = VCOL_CANON(pTab->aColFlag[iCol]);
    v->z = eCanon<=TC_TSTZ ? azCanon[eCanon] : "x";
    if( eCanon==TC_CHAR && pTab->azCanonType && pTab->azCanonType[iCol] ){
      /* "x" padded to the column's length */
      static const char zPad[] = "x                               ";
      const char *zN = strchr(pTab->azCanonType[iCol], '(');
      int n = zN ? atoi(zN+1) : 1;
      if( n>=1 && n<(int)sizeof(zPad) ){
        v->z = zPad;
        v->n = n;
        return;
      }
    }
  }
  v->n = (int)strlen(v->z);
}

/* The SQL of plan pPlan for typical values into q: what xFilter sends */
void vtabExplainSql(VtabSql *q, RemoteVtab *pTab, SessConn *pSc,
                    const VtabPlan *pPlan, const int *aMap){
  const RemoteDialect *pD = pTab->pDialect;
  int i, nWhere = 0;
  RemoteValue *aVal;
  char *abDone;
  appendSelect(q, pTab, pSc, pD, pPlan, aMap);
  aVal = sqlite3_malloc64((sizeof(RemoteValue)+1)*(pPlan->nTerm+1));
  if( aVal==0 ){ q->bFull = 1; return; }
  abDone = (char*)&aVal[pPlan->nTerm+1];
  memset(abDone, 0, pPlan->nTerm+1);
  for(i=0; i<pPlan->nTerm; i++) typicalValue(pTab, pPlan->aTerm[i].iCol, &aVal[i]);
  nWhere = appendCanonRanges(q, pTab, pD, pPlan, aVal, abDone, 0);
  for(i=0; i<pPlan->nTerm; i++){
    const VtabTerm *t = &pPlan->aTerm[i];
    const char *zQ = vtabColQuoted(pTab, pD, t->iCol);
    int nBefore = sqlite3_str_length(q->pStr);
    RemoteValue v;
    if( t->eTerm=='o' || abDone[i] ) continue;
    if( zQ==0 ){ q->bFull = 1; return; }
    sqlite3_str_appendall(q->pStr, nWhere ? " AND " : " WHERE ");
    typicalValue(pTab, t->iCol, &v);
    if( t->eTerm=='i' ){
      sqlite3_str_appendchar(q->pStr, 1, '(');
      appendCompareV(q, pTab, pD, t->iCol, SQLITE_INDEX_CONSTRAINT_EQ, &v, 1, 1);
      sqlite3_str_appendall(q->pStr, " OR ...)");
    }else if( vtabIsNullOp(t->op) ){
      sqlite3_str_appendf(q->pStr, "%s IS %sNULL", zQ,
                          t->op==SQLITE_INDEX_CONSTRAINT_ISNULL ? "" : "NOT ");
    }else if( vtabIsLikeOp(t->op) ){
      const VtabRules *pR = q->pRules;
      const char *zFmt = t->op==SQLITE_INDEX_CONSTRAINT_LIKE
          ? (pR->bLikeNative ? "%c LIKE %p" : pR->zLike)
          : (pR->bLikeNative ? "%c GLOB %p" : pR->zGlob);
      if( zFmt ) vtabSqlFmt(q, zFmt, zQ, &v);
    }else{
      appendCompareV(q, pTab, pD, t->iCol, t->op, &v, 1, 1);
    }
    if( sqlite3_str_length(q->pStr)==nBefore+(nWhere ? 5 : 7) ){
      sqlite3_str_appendall(q->pStr, "1=1");    /* decided here */
    }
    nWhere++;
  }
  sqlite3_free(aVal);
  appendOrderBy(q, pTab, pD, pPlan, aMap);
  if( pPlan->iLimitArg>0 && !pPlan->bLimitHint ){
    sqlite3_str_appendall(q->pStr, " LIMIT ?");
    if( pPlan->iOffsetArg>0 ) sqlite3_str_appendall(q->pStr, " OFFSET ?");
  }
}

