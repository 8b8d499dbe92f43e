/* SPDX-License-Identifier: MIT */
/*
** vtab_encode.c: values as a remote table's writes send them, where the
** remote takes them in another form than SQLite holds them:
**
**   vtabJsonToArray()    a JSON array written to a PostgreSQL array column
**                        ([1,2,null] -> {1,2,NULL}): what a read returns
**                        can be written back
**   vtabPgArrayColumn()  one column of a batch's rows as one PostgreSQL
**                        array parameter (unnest($1::int[]), = ANY($1))
**   vtabJsonRows()       a batch's rows as one JSON text that MySQL's
**                        JSON_TABLE reads
**
** Pure functions of their input (vtab_write.c decides when each serves).
*/
#include <string.h>

#include "vtab.h"

/*
** JSON arrays as PostgreSQL array literals, so that what a read returns
** can be written back:
**
**   [1,2,null]             {1,2,NULL}
**   [["a","b\"c"],[null]]  {{"a","b\\"c"},{NULL}}
**
** Strings are quoted (" and \ escaped), numbers and true/false go as
** they are, null is NULL, an object goes as its JSON text, quoted. The
** text must be one well-formed JSON array; anything else gives NULL and
** the value is sent as it is (a literal such as '{1,2}' too).
*/
typedef struct JsonIn JsonIn;
struct JsonIn {
  const char *z;            /* the JSON text */
  int n, i;                 /* its length, the position read */
  sqlite3_str *pOut;
  int nDepth;
  int bJson;                /* a json[] / jsonb[] column: each element is
                            ** a JSON value, written as its JSON text */
};

/* The JSON text z[iStart..iEnd) as a quoted array element */
static void jsonQuoted(JsonIn *p, int iStart, int iEnd){
  const char *z;
  sqlite3_str_appendchar(p->pOut, 1, '"');
  for(z=&p->z[iStart]; z<&p->z[iEnd]; z++){
    if( *z=='"' || *z=='\\' ) sqlite3_str_appendchar(p->pOut, 1, '\\');
    sqlite3_str_appendchar(p->pOut, 1, *z);
  }
  sqlite3_str_appendchar(p->pOut, 1, '"');
}

static void jsonSpace(JsonIn *p){
  while( p->i<p->n && (p->z[p->i]==' ' || p->z[p->i]=='\t'
                       || p->z[p->i]=='\n' || p->z[p->i]=='\r') ) p->i++;
}

static int jsonHex4(JsonIn *p, unsigned *pu){
  unsigned u = 0;
  int k;
  if( p->i+4>p->n ) return 0;
  for(k=0; k<4; k++){
    char c = p->z[p->i++];
    u <<= 4;
    if( c>='0' && c<='9' ) u |= (unsigned)(c-'0');
    else if( c>='a' && c<='f' ) u |= (unsigned)(c-'a'+10);
    else if( c>='A' && c<='F' ) u |= (unsigned)(c-'A'+10);
    else return 0;
  }
  *pu = u;
  return 1;
}

static void jsonUtf8(sqlite3_str *pOut, unsigned u){
  char a[4];
  int n;
  if( u<0x80 ){ a[0] = (char)u; n = 1; }
  else if( u<0x800 ){ a[0] = (char)(0xC0|(u>>6)); a[1] = (char)(0x80|(u&0x3F)); n = 2; }
  else if( u<0x10000 ){
    a[0] = (char)(0xE0|(u>>12)); a[1] = (char)(0x80|((u>>6)&0x3F));
    a[2] = (char)(0x80|(u&0x3F)); n = 3;
  }else{
    a[0] = (char)(0xF0|(u>>18)); a[1] = (char)(0x80|((u>>12)&0x3F));
    a[2] = (char)(0x80|((u>>6)&0x3F)); a[3] = (char)(0x80|(u&0x3F)); n = 4;
  }
  sqlite3_str_append(pOut, a, n);
}

/* A JSON string at p->i (the opening quote) as a quoted array element */
static int jsonString(JsonIn *p){
  sqlite3_str_appendchar(p->pOut, 1, '"');
  p->i++;
  while( p->i<p->n ){
    char c = p->z[p->i++];
    if( c=='"' ){
      sqlite3_str_appendchar(p->pOut, 1, '"');
      return 1;
    }
    if( (unsigned char)c<0x20 ) return 0;
    if( c=='\\' ){
      unsigned u;
      if( p->i>=p->n ) return 0;
      c = p->z[p->i++];
      switch( c ){
        case '"':  sqlite3_str_appendall(p->pOut, "\\\""); break;
        case '\\': sqlite3_str_appendall(p->pOut, "\\\\"); break;
        case '/':  sqlite3_str_appendchar(p->pOut, 1, '/'); break;
        case 'b':  sqlite3_str_appendchar(p->pOut, 1, '\b'); break;
        case 'f':  sqlite3_str_appendchar(p->pOut, 1, '\f'); break;
        case 'n':  sqlite3_str_appendchar(p->pOut, 1, '\n'); break;
        case 'r':  sqlite3_str_appendchar(p->pOut, 1, '\r'); break;
        case 't':  sqlite3_str_appendchar(p->pOut, 1, '\t'); break;
        case 'u':
          if( !jsonHex4(p, &u) ) return 0;
          if( u>=0xD800 && u<0xDC00 ){
            unsigned u2;
            if( p->i+6>p->n || p->z[p->i]!='\\' || p->z[p->i+1]!='u' ) return 0;
            p->i += 2;
            if( !jsonHex4(p, &u2) || u2<0xDC00 || u2>0xDFFF ) return 0;
            u = 0x10000 + ((u-0xD800)<<10) + (u2-0xDC00);
          }else if( u>=0xDC00 && u<0xE000 ){
            return 0;
          }
          jsonUtf8(p->pOut, u);
          break;
        default: return 0;
      }
    }else{
      sqlite3_str_appendchar(p->pOut, 1, c);
    }
  }
  return 0;
}

/* Skip a JSON value (an object's member) at p->i; 1 if well-formed */
static int jsonSkip(JsonIn *p){
  int nNest = 0;
  jsonSpace(p);
  do{
    char c;
    if( p->i>=p->n ) return 0;
    c = p->z[p->i];
    if( c=='"' ){
      p->i++;
      while( p->i<p->n && p->z[p->i]!='"' ){
        if( p->z[p->i]=='\\' ) p->i++;
        p->i++;
      }
      if( p->i>=p->n ) return 0;
      p->i++;
    }else if( c=='{' || c=='[' ){
      nNest++;
      p->i++;
    }else if( c=='}' || c==']' ){
      if( nNest==0 ) return 0;
      nNest--;
      p->i++;
    }else{
      p->i++;
    }
  }while( nNest>0 );
  return 1;
}

/* A JSON array at p->i as an array literal; 1 if well-formed */
static int jsonArray(JsonIn *p){
  int nElem = 0;
  if( ++p->nDepth>64 ) return 0;
  p->i++;                                 /* the '[' */
  sqlite3_str_appendchar(p->pOut, 1, '{');
  for(;;){
    char c;
    jsonSpace(p);
    if( p->i>=p->n ) return 0;
    c = p->z[p->i];
    if( c==']' && nElem==0 ){ p->i++; break; }
    if( nElem++ ) sqlite3_str_appendchar(p->pOut, 1, ',');
    if( c=='[' && !p->bJson ){
      if( !jsonArray(p) ) return 0;
    }else if( c=='"' && !p->bJson ){
      if( !jsonString(p) ) return 0;
    }else if( c=='{' || c=='[' || c=='"' ){
      /* an object (or, for json[], any value but null): its JSON text */
      int iStart = p->i;
      if( !jsonSkip(p) ) return 0;
      jsonQuoted(p, iStart, p->i);
    }else{
      int iStart = p->i;
      while( p->i<p->n && p->z[p->i]!=',' && p->z[p->i]!=']'
          && p->z[p->i]!=' ' && p->z[p->i]!='\t' && p->z[p->i]!='\n'
          && p->z[p->i]!='\r' ){
        char d = p->z[p->i];
        if( !((d>='0' && d<='9') || d=='-' || d=='+' || d=='.' || d=='e'
              || d=='E' || (d>='a' && d<='z')) ) return 0;
        p->i++;
      }
      if( p->i==iStart ) return 0;
      if( p->i-iStart==4 && memcmp(&p->z[iStart], "null", 4)==0 ){
        sqlite3_str_appendall(p->pOut, "NULL");
      }else if( (p->i-iStart==4 && memcmp(&p->z[iStart], "true", 4)==0)
             || (p->i-iStart==5 && memcmp(&p->z[iStart], "false", 5)==0)
             || (p->z[iStart]=='-' || (p->z[iStart]>='0' && p->z[iStart]<='9')) ){
        sqlite3_str_append(p->pOut, &p->z[iStart], p->i-iStart);
      }else{
        return 0;
      }
    }
    jsonSpace(p);
    if( p->i>=p->n ) return 0;
    if( p->z[p->i]==']' ){ p->i++; break; }
    if( p->z[p->i]!=',' ) return 0;
    p->i++;
  }
  p->nDepth--;
  sqlite3_str_appendchar(p->pOut, 1, '}');
  return 1;
}

/* The array literal of the JSON array z[0..n): sqlite3_malloc'd, or NULL
** when z is not one well-formed JSON array (or out of memory). bJson: of
** json[] / jsonb[] (jsonIn.bJson) */
char *vtabJsonToArray(const char *z, int n, int bJson){
  JsonIn in;
  int bOk;
  memset(&in, 0, sizeof(in));
  in.z = z;
  in.n = n;
  in.bJson = bJson;
  in.pOut = sqlite3_str_new(0);
  jsonSpace(&in);
  bOk = in.i<n && z[in.i]=='[' && jsonArray(&in);
  if( bOk ){
    jsonSpace(&in);
    bOk = in.i==n;
  }
  if( !bOk || sqlite3_str_errcode(in.pOut) ){
    sqlite3_free(sqlite3_str_finish(in.pOut));
    return 0;
  }
  return sqlite3_str_finish(in.pOut);
}

/* Append integer i */
static void appendInt(sqlite3_str *p, sqlite3_int64 i){
  char z[24];
  sqlite3_str_append(p, z, remoteIntText(i, z));
}

/* Append z[0..n) with a backslash before each of the bytes c1 and c2, and
** (bJson) control characters as \u00XX: runs of plain bytes at once */
static void appendEscaped(sqlite3_str *p, const char *z, int n, char c1,
                          char c2, int bJson){
  int i, iRun = 0;
  for(i=0; i<n; i++){
    unsigned char ch = (unsigned char)z[i];
    if( ch==(unsigned char)c1 || ch==(unsigned char)c2 || (bJson && ch<0x20) ){
      if( i>iRun ) sqlite3_str_append(p, &z[iRun], i-iRun);
      if( ch<0x20 && bJson ){
        sqlite3_str_appendf(p, "\\u%04x", ch);
      }else{
        sqlite3_str_appendchar(p, 1, '\\');
        sqlite3_str_appendchar(p, 1, (char)ch);
      }
      iRun = i+1;
    }
  }
  if( n>iRun ) sqlite3_str_append(p, &z[iRun], n-iRun);
}

/* How appendElement() writes a value for one of the two encodings */
typedef struct ElemStyle ElemStyle;
struct ElemStyle {
  const char *zNull;        /* NULL, and NaN (SQLite has none) */
  const char *zInf, *zNegInf;
  int bJson;                /* JSON string escapes; a blob as its bytes */
};
static const ElemStyle pgArrayStyle = { "NULL", "Infinity", "-Infinity", 0 };
static const ElemStyle jsonStyle = { "null", "\"inf\"", "\"-inf\"", 1 };

/* One value v as an element of an array literal or of a JSON array */
static void appendElement(sqlite3_str *p, const RemoteValue *v, const ElemStyle *pS){
  int k;
  switch( v->eType ){
    case SQLITE_INTEGER:
      appendInt(p, v->i);
      break;
    case SQLITE_FLOAT: {
      char zNum[REMOTE_DOUBLE_TEXT_MAX];
      if( v->r!=v->r ){
        sqlite3_str_appendall(p, pS->zNull);
      }else if( v->r>1.7976931348623157e308 || v->r< -1.7976931348623157e308 ){
        sqlite3_str_appendall(p, v->r>0 ? pS->zInf : pS->zNegInf);
      }else{
        remoteDoubleText(v->r, zNum);
        sqlite3_str_appendall(p, zNum);
      }
      break;
    }
    case SQLITE_BLOB:
      if( !pS->bJson ){
        sqlite3_str_appendall(p, "\"\\\\x");
        for(k=0; k<v->n; k++){
          sqlite3_str_appendf(p, "%02x", (unsigned char)v->z[k]);
        }
        sqlite3_str_appendchar(p, 1, '"');
        break;
      }
      /* JSON has no blobs (such shapes do not use it): as a text */
      /* fall through */
    case SQLITE_TEXT:
      sqlite3_str_appendchar(p, 1, '"');
      appendEscaped(p, v->z, v->n, '"', '\\', pS->bJson);
      sqlite3_str_appendchar(p, 1, '"');
      break;
    default:
      sqlite3_str_appendall(p, pS->zNull);
      break;
  }
}

/* The text of p, or NULL (and p freed) after OOM */
static char *strDone(sqlite3_str *p){
  if( sqlite3_str_errcode(p) ){
    sqlite3_free(sqlite3_str_finish(p));
    return 0;
  }
  return sqlite3_str_finish(p);
}

/*
** Column iEnc of nRow queued rows (nCol values each) as a PostgreSQL array
** literal, for a batch whose statement binds each column as one array
** (VtabRules.bArrayParams): {1,NULL,"text \" \\",1.5,"\\x00ff"}.
** sqlite3_malloc'd, or NULL on OOM.
*/
char *vtabPgArrayColumn(int iEnc, int nRow, int nCol, const RemoteValue *aVal){
  sqlite3_str *p = sqlite3_str_new(0);
  int r;
  sqlite3_str_appendchar(p, 1, '{');
  for(r=0; r<nRow; r++){
    if( r ) sqlite3_str_appendchar(p, 1, ',');
    appendElement(p, &aVal[(sqlite3_int64)r*nCol + iEnc], &pgArrayStyle);
  }
  sqlite3_str_appendchar(p, 1, '}');
  return strDone(p);
}

/*
** All nRow queued rows (nCol values each) as one JSON text, for a batch
** that JSON_TABLE reads (VtabRules.zJsonProbe): [[1,"a\"b",null,1.5],...].
** sqlite3_malloc'd, or NULL on OOM.
*/
char *vtabJsonRows(int iEnc, int nRow, int nCol, const RemoteValue *aVal){
  sqlite3_str *p = sqlite3_str_new(0);
  int r, c;
  (void)iEnc;
  sqlite3_str_appendchar(p, 1, '[');
  for(r=0; r<nRow; r++){
    sqlite3_str_appendall(p, r ? ",[" : "[");
    for(c=0; c<nCol; c++){
      if( c ) sqlite3_str_appendchar(p, 1, ',');
      appendElement(p, &aVal[(sqlite3_int64)r*nCol + c], &jsonStyle);
    }
    sqlite3_str_appendchar(p, 1, ']');
  }
  sqlite3_str_appendchar(p, 1, ']');
  return strDone(p);
}
