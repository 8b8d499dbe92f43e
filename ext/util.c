/*
** util.c: small helpers shared by the dialects and the core: connection
** error fields, table-info cleanup, and SQLite's NUMERIC affinity applied
** to a remote's text (remoteNumericAffinity).
*/
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"

void remoteConnClearError(RemoteConn *p){
  p->eErr = REMOTE_ERR_NONE;
  p->zCode[0] = 0;
  sqlite3_free(p->zErr);
  p->zErr = 0;
}

void remoteConnSetError(RemoteConn *p, int eErr, const char *zCode,
                        const char *zFmt, ...){
  va_list ap;
  char *zMsg;
  int n;
  va_start(ap, zFmt);
  zMsg = sqlite3_vmprintf(zFmt, ap);
  va_end(ap);
  /* Trim the trailing newlines and spaces servers like to add */
  n = zMsg ? (int)strlen(zMsg) : 0;
  while( n>0 && isspace((unsigned char)zMsg[n-1]) ) zMsg[--n] = 0;
  sqlite3_free(p->zErr);
  p->zErr = zMsg;
  p->eErr = eErr;
  if( zCode ){
    size_t nCode = strlen(zCode);
    if( nCode>=sizeof(p->zCode) ) nCode = sizeof(p->zCode)-1;
    memcpy(p->zCode, zCode, nCode);
    p->zCode[nCode] = 0;
  }else{
    p->zCode[0] = 0;
  }
}

void remoteTableInfoFree(RemoteTableInfo *p){
  int i;
  if( p==0 ) return;
  for(i=0; i<p->nCol; i++){
    sqlite3_free(p->aCol[i].zName);
    sqlite3_free(p->aCol[i].zDeclType);
    sqlite3_free(p->aCol[i].zRemoteType);
  }
  sqlite3_free(p->aCol);
  sqlite3_free(p->zSchema);
  sqlite3_free(p->zTable);
  sqlite3_free(p);
}

/*
** Classify z[0..n) as SQLite's sqlite3AtoF does: 0 = not a number,
** 1 = an integer literal, 2 = a real literal. Leading and trailing
** spaces are allowed; nothing else may follow the number.
*/
static int numericShape(const char *z, int n){
  int i = 0, nDigit = 0, bReal = 0;
  while( i<n && isspace((unsigned char)z[i]) ) i++;
  if( i<n && (z[i]=='+' || z[i]=='-') ) i++;
  while( i<n && isdigit((unsigned char)z[i]) ){ i++; nDigit++; }
  if( i<n && z[i]=='.' ){
    bReal = 1;
    i++;
    while( i<n && isdigit((unsigned char)z[i]) ){ i++; nDigit++; }
  }
  if( nDigit==0 ) return 0;
  if( i<n && (z[i]=='e' || z[i]=='E') ){
    int nExp = 0;
    i++;
    if( i<n && (z[i]=='+' || z[i]=='-') ) i++;
    while( i<n && isdigit((unsigned char)z[i]) ){ i++; nExp++; }
    if( nExp==0 ) return 0;
    bReal = 1;
  }
  while( i<n && isspace((unsigned char)z[i]) ) i++;
  if( i<n ) return 0;
  return bReal ? 2 : 1;
}

void remoteNumericAffinity(const char *z, int n, RemoteValue *pOut){
  char zBuf[64];
  char *zCopy = zBuf;
  int eShape = numericShape(z, n);
  pOut->eType = SQLITE_TEXT;
  pOut->z = z;
  pOut->n = n;
  if( eShape==0 ) return;
  if( n>=(int)sizeof(zBuf) ){
    zCopy = sqlite3_malloc(n+1);
    if( zCopy==0 ) return;
  }
  memcpy(zCopy, z, n);
  zCopy[n] = 0;
  if( eShape==1 ){
    long long v;
    errno = 0;
    v = strtoll(zCopy, 0, 10);
    if( errno!=ERANGE ){
      pOut->eType = SQLITE_INTEGER;
      pOut->i = v;
      goto numeric_done;
    }
    /* Out of range (or exactly an extreme): fall through to real */
  }
  {
    double r = strtod(zCopy, 0);
    /* SQLite's sqlite3VdbeIntegerAffinity: an exact integer in range */
    if( r>-9223372036854775808.0 && r<9223372036854775808.0 ){
      sqlite3_int64 ix = (sqlite3_int64)r;
      if( (double)ix==r && ix>(sqlite3_int64)(-0x7fffffffffffffffLL-1)
       && ix<0x7fffffffffffffffLL ){
        pOut->eType = SQLITE_INTEGER;
        pOut->i = ix;
        goto numeric_done;
      }
    }
    pOut->eType = SQLITE_FLOAT;
    pOut->r = r;
  }
numeric_done:
  if( zCopy!=zBuf ) sqlite3_free(zCopy);
}

int remoteSocketWatch(int fd){
  return fd>=0 ? fcntl(fd, F_DUPFD_CLOEXEC, 0) : -1;
}

void remoteSocketAwaitClose(int fdWatch, int msLimit){
  struct timespec t0, t;
  char aBuf[512];
  if( fdWatch<0 ) return;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while( 1 ){
    struct pollfd pfd;
    int msLeft;
    clock_gettime(CLOCK_MONOTONIC, &t);
    msLeft = msLimit - (int)((t.tv_sec-t0.tv_sec)*1000 + (t.tv_nsec-t0.tv_nsec)/1000000);
    if( msLeft<=0 ) break;
    pfd.fd = fdWatch;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if( poll(&pfd, 1, msLeft)<=0 ) break;
    /* Whatever the server still sends, then end-of-file when it is gone */
    if( read(fdWatch, aBuf, sizeof(aBuf))<=0 ) break;
  }
  close(fdWatch);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's
** algorithm), and the date of such a day number */
sqlite3_int64 remoteDaysFromCivil(sqlite3_int64 y, int m, int d){
  sqlite3_int64 era, yoe, doy, doe;
  y -= m<=2;
  era = (y>=0 ? y : y-399)/400;
  yoe = y - era*400;
  doy = (153*(m + (m>2 ? -3 : 9)) + 2)/5 + d-1;
  doe = yoe*365 + yoe/4 - yoe/100 + doy;
  return era*146097 + doe - 719468;
}

void remoteCivilFromDays(sqlite3_int64 z, sqlite3_int64 *py, int *pm, int *pd){
  sqlite3_int64 era, doe, yoe, doy, mp;
  z += 719468;
  era = (z>=0 ? z : z-146096)/146097;
  doe = z - era*146097;
  yoe = (doe - doe/1460 + doe/36524 - doe/146096)/365;
  doy = doe - (365*yoe + yoe/4 - yoe/100);
  mp = (5*doy + 2)/153;
  *pd = (int)(doy - (153*mp+2)/5 + 1);
  *pm = (int)(mp<10 ? mp+3 : mp-9);
  *py = yoe + era*400 + (*pm<=2);
}
