/* SPDX-License-Identifier: MIT */
/*
** url.c: engine URLs, read the way SQLAlchemy's make_url() reads them.
**
**   postgresql://scott:tiger@localhost:5432/test?sslmode=disable
**   mysql+mysqldb://scott:tiger@[::1]/test      sqlite:////abs/path.db
**   env:DATABASE_URL                            (the URL is read from there)
**
** Start at remoteUrlParse(): urlScan() finds the parts exactly where
** SQLAlchemy's pattern would put them, urlCheck() refuses what the pattern
** lets through but no server can use, urlBuild() decodes the parts into a
** RemoteUrl. urlMaskSpans() decides which bytes become "***", for both
** RemoteUrl.zMasked and remoteUrlMask(), so a password never reaches a
** result, an error or a log line.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include "url.h"

/*
** Choices where the URL form (README.md, "URLs") and SQLAlchemy leave room:
**   - The password runs from the first ':' of the userinfo to the first '@'
**     after it, as in SQLAlchemy; it may hold a raw '/', '?' or ':'. A raw
**     '@' in a password (write %40) would leave '@' in the host: such a URL
**     is refused, and its error still masks up to the last '@'.
**   - Repeated query keys are all kept, in order; remoteUrlQuery() returns
**     the last one (a later keyword overrides, as in libpq's conninfo).
**   - A query key without '=' (or with an empty value) is kept with value
**     "" (SQLAlchemy's parse_qsl drops it), empty '&&' pieces are skipped.
**   - Invalid percent escapes ("%zz", a lone "%") stay as written, as
**     Python's unquote leaves them; "%00" is refused (it would cut the
**     C string short). Decoded bytes are not checked for UTF-8.
**   - Control characters (bytes below 0x20, and 0x7f) are refused.
**   - The port must be 1..65535 written with digits only; an empty port
**     ("host:/db") is no port, as in SQLAlchemy.
**   - For sqlite an empty database ("sqlite:///") is NULL, i.e. memory.
**   - Query values of keys holding "password" or "passwd" (password,
**     sslpassword, passwd) are masked too.
**   - "env:NAME" reads the variable once; its text is parsed as a URL,
**     never as another "env:" reference.
*/

/*
** Byte offsets into the URL text of each part SQLAlchemy's pattern names
** (see urlScan). For every part, iX<0 means the part is absent; otherwise
** it is the nX bytes at z[iX].
*/
typedef struct UrlScan UrlScan;
struct UrlScan {
  int iName, nName;       /* "dialect[+driver]" */
  int iUser, nUser;       /* userinfo before ':' (or before '@') */
  int iPass, nPass;       /* after ':' up to the first '@' */
  int iAt;                /* offset of the '@' ending the userinfo, or -1 */
  int iHost, nHost;       /* host without the brackets */
  int bIpv6;              /* host was written in brackets */
  int iPort, nPort;       /* text after the host's ':', may be empty */
  int iDb, nDb;           /* after the first '/' up to '?' */
  int iQuery, nQuery;     /* after '?' to the end */
};

/* A byte range of the URL replaced by "***" when it is shown */
typedef struct UrlSpan UrlSpan;
struct UrlSpan {
  int iStart;             /* first byte replaced */
  int iEnd;               /* one past the last byte replaced */
};

/* Characters of Python's [\w+] (any byte >= 0x80 counts as a letter) */
static int urlIsNameChar(unsigned char c){
  return (c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9')
      || c=='_' || c=='+' || c>=0x80;
}

/* Value of hex digit c, or -1 */
static int urlHexValue(char c){
  if( c>='0' && c<='9' ) return c - '0';
  if( c>='a' && c<='f' ) return c - 'a' + 10;
  if( c>='A' && c<='F' ) return c - 'A' + 10;
  return -1;
}

/* Offset of the first byte of z[i..n) that is in zSet, or n */
static int urlFindAny(const char *z, int i, int n, const char *zSet){
  while( i<n && strchr(zSet, z[i])==0 ) i++;
  return i;
}

/* Offset of the last c in z[i..n), or -1 */
static int urlFindLast(const char *z, int i, int n, char c){
  int j;
  for(j=n-1; j>=i; j--){
    if( z[j]==c ) return j;
  }
  return -1;
}

/*
** Split z (n bytes) as SQLAlchemy's _parse_url pattern does:
**
**   (?P<name>[\w\+]+)://
**   (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
**   (?:(?:\[(?P<ipv6host>[^/\?]+)\]|(?P<ipv4host>[^/:\?]+))?
**      (?::(?P<port>[^/\?]*))?)?
**   (?:/(?P<database>[^\?]*))?
**   (?:\?(?P<query>.*))?
**
** with Python's backtracking worked out by hand: the username is the
** longest run of [^:/]; if that run stops at ':' and an '@' follows
** somewhere, the password runs to the first such '@'; otherwise the
** userinfo ends at the last '@' inside the run, if any. A bracketed host
** ends at the last ']' before any '/' or '?'.
**
** Fills *p and returns 1 when the pattern consumes all of z, 0 when it
** does not match or leaves bytes over (SQLAlchemy ignores a tail; we do
** not). Even on 0, the parts found so far are in *p (used for masking).
*/
static int urlScan(const char *z, int n, UrlScan *p){
  int i, j, k;

  memset(p, 0, sizeof(*p));
  p->iName = p->iUser = p->iPass = p->iAt = p->iHost = -1;
  p->iPort = p->iDb = p->iQuery = -1;

  for(i=0; i<n && urlIsNameChar((unsigned char)z[i]); i++){}
  if( i==0 || n-i<3 || memcmp(&z[i], "://", 3)!=0 ) return 0;
  p->iName = 0;
  p->nName = i;
  i += 3;

  /* userinfo */
  j = urlFindAny(z, i, n, ":/");
  if( j<n && z[j]==':' && (k = urlFindAny(z, j+1, n, "@"))<n ){
    p->iUser = i;   p->nUser = j - i;
    p->iPass = j+1; p->nPass = k - (j+1);
    p->iAt = k;
    i = k+1;
  }else if( (k = urlFindLast(z, i, j, '@'))>=0 ){
    p->iUser = i;   p->nUser = k - i;
    p->iAt = k;
    i = k+1;
  }

  /* host */
  if( i<n && z[i]=='[' ){
    j = urlFindAny(z, i+1, n, "/?");
    k = urlFindLast(z, i+2, j, ']');
    if( k>=0 ){
      p->iHost = i+1;  p->nHost = k - (i+1);
      p->bIpv6 = 1;
      i = k+1;
    }
  }
  if( !p->bIpv6 ){
    j = urlFindAny(z, i, n, "/:?");
    if( j>i ){
      p->iHost = i;  p->nHost = j - i;
      i = j;
    }
  }

  /* port, database, query */
  if( i<n && z[i]==':' ){
    j = urlFindAny(z, i+1, n, "/?");
    p->iPort = i+1;  p->nPort = j - (i+1);
    i = j;
  }
  if( i<n && z[i]=='/' ){
    j = urlFindAny(z, i+1, n, "?");
    p->iDb = i+1;  p->nDb = j - (i+1);
    i = j;
  }
  if( i<n && z[i]=='?' ){
    p->iQuery = i+1;  p->nQuery = n - (i+1);
    i = n;
  }
  return i==n;
}

/* 1 if z[0..n) is a port number written with digits only, in 1..65535 */
static int urlIsPort(const char *z, int n){
  int i;
  int iPort = 0;
  if( n<1 ) return 0;
  for(i=0; i<n; i++){
    if( z[i]<'0' || z[i]>'9' ) return 0;
    iPort = iPort*10 + (z[i] - '0');
    if( iPort>65535 ) return 0;
  }
  return iPort>=1;
}

/* 1 if a query key (as written, n bytes) names a secret: its value is
** masked. The key is compared decoded and case-insensitively. Out of
** memory, every key is a secret. */
static int urlIsSecretKey(const char *z, int n){
  char *zKey = sqlite3_malloc64((sqlite3_uint64)n + 1);
  int i, nKey = 0;
  int bSecret;
  if( zKey==0 ) return 1;
  for(i=0; i<n; i++){
    char c = z[i];
    int h1, h2;
    if( c=='%' && i+2<n && (h1 = urlHexValue(z[i+1]))>=0
     && (h2 = urlHexValue(z[i+2]))>=0 ){
      c = (char)(h1*16 + h2);
      i += 2;
    }else if( c=='+' ){
      c = ' ';
    }
    if( c>='A' && c<='Z' ) c = c - 'A' + 'a';
    zKey[nKey++] = c;
  }
  zKey[nKey] = 0;
  bSecret = strstr(zKey, "password")!=0 || strstr(zKey, "passwd")!=0;
  sqlite3_free(zKey);
  return bSecret;
}

/*
** Append to aSpan (nSpan used; room for one more per '&') the value of
** every secret key in the query string z[i..n). Returns the new nSpan.
*/
static int urlMaskQuery(const char *z, int i, int n,
                        UrlSpan *aSpan, int nSpan){
  while( i<n ){
    int iEnd = urlFindAny(z, i, n, "&");
    int iEq = urlFindAny(z, i, iEnd, "=");
    if( iEq<iEnd && urlIsSecretKey(&z[i], iEq - i) ){
      aSpan[nSpan].iStart = iEq+1;
      aSpan[nSpan].iEnd = iEnd;
      nSpan++;
    }
    i = iEnd+1;
  }
  return nSpan;
}

/*
** Find the byte ranges of z (n bytes) to show as "***". Writes them to
** aSpan (room for 3 plus one per '&' in z) in increasing order, without
** overlaps, and returns how many.
**
** A URL the pattern reads: the password, stretched to the last '@' of the
** host part (so a raw '@' inside a password hides the rest too); a port
** that is not digits when there is no userinfo ("scott:tiger" missing its
** "@host" reads as host "scott", port "tiger"); secret query values.
** Anything else: from the first ':' (after "://" if any) to the last '@',
** or, when there is no '@', a non-digit text after the last ':'; then
** secret query values after the first '?' that follows. Without an '@',
** a URL holding '[' is taken to have IPv6 colons, not a password.
*/
static int urlMaskSpans(const char *z, int n, UrlSpan *aSpan){
  UrlScan s;
  int nSpan = 0;

  if( urlScan(z, n, &s) ){
    if( s.iPass>=0 ){
      int iHostEnd = urlFindAny(z, s.iAt+1, n, "/?");
      int iLastAt = urlFindLast(z, s.iAt, iHostEnd, '@');
      aSpan[nSpan].iStart = s.iPass;
      aSpan[nSpan].iEnd = iLastAt;
      nSpan++;
    }
    if( s.iAt<0 && s.iPort>=0 && s.nPort>0 && strchr(z, '[')==0 ){
      /* port "5432" is fine, "tiger" may be a password without a host */
      int i;
      for(i=0; i<s.nPort && z[s.iPort+i]>='0' && z[s.iPort+i]<='9'; i++){}
      if( i<s.nPort ){
        aSpan[nSpan].iStart = s.iPort;
        aSpan[nSpan].iEnd = s.iPort + s.nPort;
        nSpan++;
      }
    }
    if( s.iQuery>=0 ){
      nSpan = urlMaskQuery(z, s.iQuery, n, aSpan, nSpan);
    }
    return nSpan;
  }

  {
    int iAt = urlFindLast(z, 0, n, '@');
    const char *zSep = strstr(z, "://");
    int iFrom = (zSep && (iAt<0 || zSep-z<iAt)) ? (int)(zSep-z)+3 : 0;
    int iColon = urlFindAny(z, iFrom, iAt<0 ? n : iAt, ":");
    int iRest = 0;          /* where the search for the query starts */
    int iQ;
    if( iAt>=0 ){
      if( iColon<iAt ){
        aSpan[nSpan].iStart = iColon+1;
        aSpan[nSpan].iEnd = iAt;
        nSpan++;
      }
      iRest = iAt+1;
    }else{
      int iEnd = urlFindAny(z, 0, n, "?");
      int iLast = urlFindLast(z, 0, iEnd, ':');
      if( iLast>=0 && strchr(z, '[')==0 ){
        int iStop = urlFindAny(z, iLast+1, iEnd, "/");
        int i;
        for(i=iLast+1; i<iStop && z[i]>='0' && z[i]<='9'; i++){}
        if( i<iStop ){
          aSpan[nSpan].iStart = iLast+1;
          aSpan[nSpan].iEnd = iStop;
          nSpan++;
        }
        iRest = iStop;
      }
    }
    iQ = urlFindAny(z, iRest, n, "?");
    if( iQ<n ) nSpan = urlMaskQuery(z, iQ+1, n, aSpan, nSpan);
  }
  return nSpan;
}

/*
** Return a sqlite3_malloc'd copy of z (n bytes) with every range of
** aSpan (increasing, not overlapping) replaced by "***". NULL on OOM.
*/
static char *urlApplySpans(const char *z, int n, const UrlSpan *aSpan,
                           int nSpan){
  char *zOut = sqlite3_malloc64((sqlite3_uint64)n + 3*(sqlite3_uint64)nSpan
                                + 1);
  int i, iOut = 0, iIn = 0;
  if( zOut==0 ) return 0;
  for(i=0; i<nSpan; i++){
    memcpy(&zOut[iOut], &z[iIn], aSpan[i].iStart - iIn);
    iOut += aSpan[i].iStart - iIn;
    memcpy(&zOut[iOut], "***", 3);
    iOut += 3;
    iIn = aSpan[i].iEnd;
  }
  memcpy(&zOut[iOut], &z[iIn], n - iIn);
  iOut += n - iIn;
  zOut[iOut] = 0;
  return zOut;
}

/* Masked copy of z (n bytes): sqlite3_malloc'd, NULL on OOM */
static char *urlMaskN(const char *z, int n){
  UrlSpan *aSpan;
  char *zOut = 0;
  int i, nAlloc = 3;
  for(i=0; i<n; i++){
    if( z[i]=='&' ) nAlloc++;
  }
  aSpan = sqlite3_malloc64(sizeof(UrlSpan)*(sqlite3_uint64)nAlloc);
  if( aSpan ){
    int nSpan = urlMaskSpans(z, n, aSpan);
    zOut = urlApplySpans(z, n, aSpan, nSpan);
    sqlite3_free(aSpan);
  }
  return zOut;
}

/*
** Percent-decode z[0..n): "%XX" becomes the byte, an invalid escape stays
** as written; with bPlus, '+' becomes a space (query strings). Returns a
** sqlite3_malloc'd string, NULL on OOM. Sets *pbBad if "%00" occurs.
*/
static char *urlDecode(const char *z, int n, int bPlus, int *pbBad){
  char *zOut = sqlite3_malloc64((sqlite3_uint64)n + 1);
  int i, iOut = 0;
  if( zOut==0 ) return 0;
  for(i=0; i<n; i++){
    int h1, h2;
    if( z[i]=='%' && i+2<n && (h1 = urlHexValue(z[i+1]))>=0
     && (h2 = urlHexValue(z[i+2]))>=0 ){
      zOut[iOut] = (char)(h1*16 + h2);
      if( zOut[iOut]==0 ) *pbBad = 1;
      iOut++;
      i += 2;
    }else if( bPlus && z[i]=='+' ){
      zOut[iOut++] = ' ';
    }else{
      zOut[iOut++] = z[i];
    }
  }
  zOut[iOut] = 0;
  return zOut;
}

/* sqlite3_malloc'd copy of z[0..n), NULL on OOM */
static char *urlCopy(const char *z, int n){
  char *zOut = sqlite3_malloc64((sqlite3_uint64)n + 1);
  if( zOut ){
    memcpy(zOut, z, n);
    zOut[n] = 0;
  }
  return zOut;
}

/*
** Refuse what the pattern lets through but no server can use. Returns 1
** if the scanned URL z (n bytes) is usable, 0 if it is not.
*/
static int urlCheck(const char *z, int n, const UrlScan *s){
  int i;
  for(i=0; i<n; i++){
    unsigned char c = (unsigned char)z[i];
    if( c<0x20 || c==0x7f ) return 0;
  }
  if( s->iHost>=0 ){
    for(i=0; i<s->nHost; i++){
      if( strchr("@[]", z[s->iHost+i]) ) return 0;
    }
  }
  if( s->iPort>=0 && s->nPort>0 && !urlIsPort(&z[s->iPort], s->nPort) ){
    return 0;
  }
  return 1;
}

/* Dialects and the drivers each accepts after '+' */
static const struct UrlDialect {
  const char *zName;            /* as written in the URL */
  const char *zDialect;         /* RemoteUrl.zDialect */
  const char *azDriver[4];      /* accepted drivers, NULL-terminated */
} aUrlDialect[] = {
  { "postgresql", "postgresql", { "libpq", "psycopg2", 0 } },
  { "postgres",   "postgresql", { "libpq", "psycopg2", 0 } },
  { "mysql",      "mysql",      { "mysqldb", "mysqlclient",
                                  "mariadbconnector", 0 } },
  { "mariadb",    "mariadb",    { "mysqldb", "mysqlclient",
                                  "mariadbconnector", 0 } },
  { "sqlite",     "sqlite",     { "pysqlite", "sqlite3", 0 } },
};

/* Dialect names registered through the C API (remote_register_dialect):
** accepted as they are, with any driver name */
#define URL_EXTRA_MAX 16
static char *azUrlExtra[URL_EXTRA_MAX];
static int nUrlExtra = 0;
static pthread_mutex_t urlExtraMutex = PTHREAD_MUTEX_INITIALIZER;

int remoteUrlDialectAdd(const char *zName){
  int rc = SQLITE_FULL, i;
  pthread_mutex_lock(&urlExtraMutex);
  for(i=0; i<nUrlExtra && strcmp(azUrlExtra[i], zName)!=0; i++){}
  if( i<nUrlExtra ){
    rc = SQLITE_OK;
  }else if( nUrlExtra<URL_EXTRA_MAX ){
    azUrlExtra[nUrlExtra] = urlCopy(zName, (int)strlen(zName));
    rc = azUrlExtra[nUrlExtra] ? (nUrlExtra++, SQLITE_OK) : SQLITE_NOMEM;
  }
  pthread_mutex_unlock(&urlExtraMutex);
  return rc;
}

/* z[0..n) is a registered dialect name: its copy in p->zDialect (and the
** driver as written). 0 if it is not one. */
static int urlExtraDialect(const char *z, int n, int nDialect, RemoteUrl *p){
  int i, bFound = 0;
  pthread_mutex_lock(&urlExtraMutex);
  for(i=0; i<nUrlExtra; i++){
    if( (int)strlen(azUrlExtra[i])==nDialect && memcmp(azUrlExtra[i], z, nDialect)==0 ){
      bFound = 1;
      break;
    }
  }
  pthread_mutex_unlock(&urlExtraMutex);
  if( !bFound ) return 0;
  p->zDialect = urlCopy(z, nDialect);
  if( nDialect<n ) p->zDriver = urlCopy(&z[nDialect+1], n-nDialect-1);
  return 1;
}

/*
** Resolve the "dialect[+driver]" text z (n bytes) into p->zDialect and
** p->zDriver. Returns SQLITE_OK, SQLITE_ERROR with *pzErr set, or
** SQLITE_NOMEM.
*/
static int urlResolveDialect(const char *z, int n, RemoteUrl *p,
                             char **pzErr){
  int nDialect = urlFindAny(z, 0, n, "+");
  const struct UrlDialect *pD = 0;
  size_t i;

  for(i=0; i<sizeof(aUrlDialect)/sizeof(aUrlDialect[0]); i++){
    if( (int)strlen(aUrlDialect[i].zName)==nDialect
     && memcmp(aUrlDialect[i].zName, z, nDialect)==0 ){
      pD = &aUrlDialect[i];
      break;
    }
  }
  if( pD==0 && urlExtraDialect(z, n, nDialect, p) ){
    if( p->zDialect==0 || (nDialect<n && p->zDriver==0) ) return SQLITE_NOMEM;
    return SQLITE_OK;
  }
  if( pD==0 ){
    *pzErr = sqlite3_mprintf("unknown dialect '%.*s'", nDialect, z);
    return SQLITE_ERROR;
  }
  p->zDialect = urlCopy(pD->zDialect, (int)strlen(pD->zDialect));
  if( p->zDialect==0 ) return SQLITE_NOMEM;
  if( nDialect<n ){
    const char *zDrv = &z[nDialect+1];
    int nDrv = n - nDialect - 1;
    for(i=0; pD->azDriver[i]; i++){
      if( (int)strlen(pD->azDriver[i])==nDrv
       && memcmp(pD->azDriver[i], zDrv, nDrv)==0 ) break;
    }
    if( pD->azDriver[i]==0 ){
      *pzErr = sqlite3_mprintf("unknown driver '%.*s' for dialect '%s'",
                               nDrv, zDrv, pD->zDialect);
      return SQLITE_ERROR;
    }
    p->zDriver = urlCopy(zDrv, nDrv);
    if( p->zDriver==0 ) return SQLITE_NOMEM;
  }
  return SQLITE_OK;
}

/*
** Split the query string z[i..n) into p->azKey/p->azVal. Returns
** SQLITE_OK, SQLITE_NOMEM, or SQLITE_ERROR when a "%00" occurs.
*/
static int urlBuildQuery(const char *z, int i, int n, RemoteUrl *p){
  int nAlloc = 1;
  int j, bBad = 0;
  for(j=i; j<n; j++){
    if( z[j]=='&' ) nAlloc++;
  }
  p->azKey = sqlite3_malloc64(sizeof(char*)*(sqlite3_uint64)nAlloc);
  p->azVal = sqlite3_malloc64(sizeof(char*)*(sqlite3_uint64)nAlloc);
  if( p->azKey==0 || p->azVal==0 ) return SQLITE_NOMEM;
  while( i<n ){
    int iEnd = urlFindAny(z, i, n, "&");
    int iEq = urlFindAny(z, i, iEnd, "=");
    if( iEnd>i ){
      char *zKey = urlDecode(&z[i], iEq - i, 1, &bBad);
      char *zVal = iEq<iEnd ? urlDecode(&z[iEq+1], iEnd - iEq - 1, 1, &bBad)
                            : urlCopy("", 0);
      if( zKey==0 || zVal==0 ){
        sqlite3_free(zKey);
        sqlite3_free(zVal);
        return SQLITE_NOMEM;
      }
      p->azKey[p->nQuery] = zKey;
      p->azVal[p->nQuery] = zVal;
      p->nQuery++;
    }
    i = iEnd+1;
  }
  return bBad ? SQLITE_ERROR : SQLITE_OK;
}

/*
** Fill p from the scanned URL z (n bytes): everything but the dialect.
** Returns SQLITE_OK, SQLITE_NOMEM, or SQLITE_ERROR if a part decodes to
** a string holding a NUL byte.
*/
static int urlBuild(const char *z, int n, const UrlScan *s, RemoteUrl *p){
  int rc = SQLITE_OK;
  int bBad = 0;

  if( s->iUser>=0 ){
    p->zUser = urlDecode(&z[s->iUser], s->nUser, 0, &bBad);
    if( p->zUser==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK && s->iPass>=0 ){
    p->zPassword = urlDecode(&z[s->iPass], s->nPass, 0, &bBad);
    if( p->zPassword==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK && s->iHost>=0 ){
    p->zHost = urlCopy(&z[s->iHost], s->nHost);
    if( p->zHost==0 ) rc = SQLITE_NOMEM;
  }
  if( s->iPort>=0 && s->nPort>0 ){
    p->iPort = atoi(&z[s->iPort]);
  }
  if( rc==SQLITE_OK && s->iDb>=0 ){
    p->zDatabase = urlDecode(&z[s->iDb], s->nDb, 0, &bBad);
    if( p->zDatabase==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK && s->iQuery>=0 ){
    rc = urlBuildQuery(z, s->iQuery, n, p);
  }
  if( rc==SQLITE_OK ){
    p->zMasked = urlMaskN(z, n);
    if( p->zMasked==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_OK && bBad ) rc = SQLITE_ERROR;
  return rc;
}

/* 1 if z is a POSIX environment variable name: [A-Za-z_][A-Za-z0-9_]* */
static int urlIsEnvName(const char *z){
  int i;
  if( z[0]==0 || (z[0]>='0' && z[0]<='9') ) return 0;
  for(i=0; z[i]; i++){
    char c = z[i];
    if( !((c>='a' && c<='z') || (c>='A' && c<='Z') || (c>='0' && c<='9')
          || c=='_') ) return 0;
  }
  return 1;
}

/*
** Parse zUrl (see url.h). Returns SQLITE_OK and sets *ppUrl, or
** SQLITE_ERROR with *pzErr set (sqlite3_malloc'd, password masked), or
** SQLITE_NOMEM (then *pzErr is NULL or "out of memory").
** "env:NAME" (NAME a POSIX variable name) is replaced by the variable's
** text, which is parsed as a plain URL.
*/
int remoteUrlParse(const char *zUrl, RemoteUrl **ppUrl, char **pzErr){
  RemoteUrl *p = 0;
  UrlScan s;
  int n;
  int rc = SQLITE_OK;

  *ppUrl = 0;
  *pzErr = 0;
  if( zUrl==0 ) zUrl = "";
  if( strncmp(zUrl, "env:", 4)==0 && urlIsEnvName(&zUrl[4]) ){
    const char *zVal = getenv(&zUrl[4]);
    if( zVal==0 ){
      *pzErr = sqlite3_mprintf("environment variable %s is not set",
                               &zUrl[4]);
      return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    zUrl = zVal;
  }
  n = (int)strlen(zUrl);

  p = sqlite3_malloc(sizeof(*p));
  if( p==0 ){
    rc = SQLITE_NOMEM;
    goto parse_error;
  }
  memset(p, 0, sizeof(*p));
  if( !urlScan(zUrl, n, &s) || !urlCheck(zUrl, n, &s) ){
    rc = SQLITE_ERROR;
    goto parse_error;
  }
  rc = urlBuild(zUrl, n, &s, p);
  if( rc!=SQLITE_OK ) goto parse_error;
  rc = urlResolveDialect(&zUrl[s.iName], s.nName, p, pzErr);
  if( rc!=SQLITE_OK ) goto parse_error;
  if( strcmp(p->zDialect, "sqlite")==0
   && p->zDatabase && p->zDatabase[0]==0 ){
    sqlite3_free(p->zDatabase);
    p->zDatabase = 0;
  }
  *ppUrl = p;
  return SQLITE_OK;

parse_error:
  remoteUrlFree(p);
  if( rc==SQLITE_ERROR && *pzErr==0 ){
    char *zMasked = remoteUrlMask(zUrl);
    if( zMasked ){
      *pzErr = sqlite3_mprintf("could not parse URL from string '%s'",
                               zMasked);
      sqlite3_free(zMasked);
    }
    if( *pzErr==0 ) rc = SQLITE_NOMEM;
  }
  if( rc==SQLITE_NOMEM && *pzErr==0 ){
    *pzErr = sqlite3_mprintf("out of memory");
  }
  return rc;
}

/* Free a RemoteUrl and every string it holds. NULL is a no-op. */
void remoteUrlFree(RemoteUrl *p){
  int i;
  if( p==0 ) return;
  sqlite3_free(p->zDialect);
  sqlite3_free(p->zDriver);
  sqlite3_free(p->zUser);
  sqlite3_free(p->zPassword);
  sqlite3_free(p->zHost);
  sqlite3_free(p->zDatabase);
  for(i=0; i<p->nQuery; i++){
    sqlite3_free(p->azKey[i]);
    sqlite3_free(p->azVal[i]);
  }
  sqlite3_free(p->azKey);
  sqlite3_free(p->azVal);
  sqlite3_free(p->zMasked);
  sqlite3_free(p);
}

/* Copy of z (NULL stays NULL); *pbNoMem set when out of memory */
static char *urlDup(const char *z, int *pbNoMem){
  char *zOut;
  if( z==0 ) return 0;
  zOut = sqlite3_mprintf("%s", z);
  if( zOut==0 ) *pbNoMem = 1;
  return zOut;
}

RemoteUrl *remoteUrlDup(const RemoteUrl *pUrl){
  RemoteUrl *p = sqlite3_malloc(sizeof(*p));
  int bNoMem = 0;
  int i;
  if( p==0 ) return 0;
  memset(p, 0, sizeof(*p));
  p->zDialect = urlDup(pUrl->zDialect, &bNoMem);
  p->zDriver = urlDup(pUrl->zDriver, &bNoMem);
  p->zUser = urlDup(pUrl->zUser, &bNoMem);
  p->zPassword = urlDup(pUrl->zPassword, &bNoMem);
  p->zHost = urlDup(pUrl->zHost, &bNoMem);
  p->iPort = pUrl->iPort;
  p->zDatabase = urlDup(pUrl->zDatabase, &bNoMem);
  p->zMasked = urlDup(pUrl->zMasked, &bNoMem);
  if( pUrl->nQuery>0 ){
    p->azKey = sqlite3_malloc64(sizeof(char*)*pUrl->nQuery);
    p->azVal = sqlite3_malloc64(sizeof(char*)*pUrl->nQuery);
    if( p->azKey==0 || p->azVal==0 ) bNoMem = 1;
    for(i=0; !bNoMem && i<pUrl->nQuery; i++){
      p->azKey[i] = urlDup(pUrl->azKey[i], &bNoMem);
      p->azVal[i] = urlDup(pUrl->azVal[i], &bNoMem);
      p->nQuery = i+1;
    }
  }
  if( bNoMem ){
    remoteUrlFree(p);
    return 0;
  }
  return p;
}

/*
** Masked copy of zUrl for messages (sqlite3_malloc'd; NULL on OOM or
** when zUrl is NULL). A URL that parses is masked exactly as its
** RemoteUrl.zMasked; anything else generously (see urlMaskSpans).
** "env:NAME" holds no secret and is returned as is.
*/
char *remoteUrlMask(const char *zUrl){
  if( zUrl==0 ) return 0;
  if( strncmp(zUrl, "env:", 4)==0 && urlIsEnvName(&zUrl[4]) ){
    return urlCopy(zUrl, (int)strlen(zUrl));
  }
  return urlMaskN(zUrl, (int)strlen(zUrl));
}

/* Value of the last query pair named zKey, or NULL. Owned by p. */
const char *remoteUrlQuery(const RemoteUrl *p, const char *zKey){
  int i;
  if( p==0 || zKey==0 ) return 0;
  for(i=p->nQuery-1; i>=0; i--){
    if( strcmp(p->azKey[i], zKey)==0 ) return p->azVal[i];
  }
  return 0;
}
