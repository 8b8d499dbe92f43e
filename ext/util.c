/* SPDX-License-Identifier: MIT */
/*
** util.c: small helpers shared by the dialects and the core: connection
** error fields, table-info cleanup, SQLite's NUMERIC affinity applied
** to a remote's text (remoteNumericAffinity), and numbers as text and back
** without printf or strtod (remoteDoubleText, remoteTextDouble,
** remoteIntText).
*/
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"

void remoteConnClearError(RemoteConn *p){
  p->eErr = REMOTE_ERR_NONE;
  p->bStopped = 0;
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
    sqlite3_free(p->aCol[i].zCastType);
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
    double r;
    if( remoteTextDouble(z, n, &r)==0 ) r = strtod(zCopy, 0);
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

/*
** ----------------------------------------------------------------------
** Numbers as text and back
** ----------------------------------------------------------------------
**
** remoteDoubleText() writes the text the extension has always sent for a
** double: the first of %.15g, %.16g and %.17g that strtod() reads back as
** the same double (the shortest such text in nearly every case, never
** longer than %.17g), byte for byte, without printf or strtod. It scales
** the double by a power of ten in 128-bit fixed point to get its first 18
** or 19 digits, then rounds them to 15, 16 and 17 digits and checks each
** against the interval of texts that read back as the double. The scaled
** values are within a few units of 2^-64 of the exact ones; whenever that
** could matter (a digit or a bound within 2^-54 of the decision, which a
** random double hits with a probability near 2^-50, or a subnormal) it
** falls back to the printf loop, so the result is exact for every double.
**
** remoteTextDouble() is the other way: the double strtod() makes of a plain
** decimal text, computed in one correctly rounded multiplication or
** division when the digits and the power of ten allow it (Clinger's fast
** path), or 0 when the caller must ask strtod().
*/

/* 10^0 .. 10^19: every power of ten a 64-bit integer holds */
static const sqlite3_uint64 aPow10[20] = {
  1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
  10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
  100000000000ULL, 1000000000000ULL, 10000000000000ULL,
  100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
  100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL
};

/* "00" "01" ... "99": two digits at a time */
static const char aDigitPair[] =
  "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
  "8081828384858687888990919293949596979899";

/* The decimal digits of u (at most 20) at the end of a[0..20): the index
** of the first one */
static int digitsOf(sqlite3_uint64 u, char *a){
  int k = 20;
  while( u>=100 ){
    int d = (int)(u%100)*2;
    u /= 100;
    a[--k] = aDigitPair[d+1];
    a[--k] = aDigitPair[d];
  }
  if( u>=10 ){
    a[--k] = aDigitPair[u*2+1];
    a[--k] = aDigitPair[u*2];
  }else{
    a[--k] = (char)('0'+u);
  }
  return k;
}

int remoteIntText(sqlite3_int64 i, char *zOut){
  char a[20];
  sqlite3_uint64 u = i<0 ? 0-(sqlite3_uint64)i : (sqlite3_uint64)i;
  int k = digitsOf(u, a), n = 0;
  if( i<0 ) zOut[n++] = '-';
  memcpy(&zOut[n], &a[k], 20-k);
  n += 20-k;
  zOut[n] = 0;
  return n;
}

/* The text of r as it always was: the first of %.15g, %.16g, %.17g that
** reads back as r (for a NaN, "%.17g"'s "nan") */
static int doubleTextPrintf(double r, char *zOut){
  int nDigit;
  for(nDigit=15; nDigit<=17; nDigit++){
    snprintf(zOut, REMOTE_DOUBLE_TEXT_MAX, "%.*g", nDigit, r);
    if( strtod(zOut, 0)==r ) break;
  }
  return (int)strlen(zOut);
}

/*
** %.{nPrec}g of the digits aDig[0..nDig) (no trailing zeros) times
** 10^(iExp-nDig+1), iExp the exponent of the first digit: exponent notation
** below 1e-4 or from 10^nPrec on, as printf's %g does. Returns the length.
*/
static int doubleTextFormat(char *z, int bNeg, const char *aDig, int nDig,
                            int iExp, int nPrec){
  int n = 0, i;
  if( bNeg ) z[n++] = '-';
  if( iExp<-4 || iExp>=nPrec ){
    z[n++] = aDig[0];
    if( nDig>1 ){
      z[n++] = '.';
      memcpy(&z[n], &aDig[1], nDig-1);
      n += nDig-1;
    }
    z[n++] = 'e';
    if( iExp<0 ){ z[n++] = '-'; iExp = -iExp; }else{ z[n++] = '+'; }
    if( iExp>=100 ){
      z[n++] = (char)('0'+iExp/100);
      iExp %= 100;
    }
    z[n++] = aDigitPair[iExp*2];
    z[n++] = aDigitPair[iExp*2+1];
  }else if( iExp>=0 ){
    for(i=0; i<=iExp; i++) z[n++] = i<nDig ? aDig[i] : '0';
    if( nDig>iExp+1 ){
      z[n++] = '.';
      memcpy(&z[n], &aDig[iExp+1], nDig-iExp-1);
      n += nDig-iExp-1;
    }
  }else{
    z[n++] = '0';
    z[n++] = '.';
    for(i=-1; i>iExp; i--) z[n++] = '0';
    memcpy(&z[n], aDig, nDig);
    n += nDig;
  }
  z[n] = 0;
  return n;
}

#if defined(__SIZEOF_INT128__) && defined(__GNUC__)
__extension__ typedef unsigned __int128 U128;

/*
** 10^(20h) for h = -15..16 as a*2^t, a the 128 bits (hi, lo) after the
** leading one truncated: floor(10^(20h) / 2^t) with 2^127 <= a < 2^128.
** Computed exactly (Python: t = the t for which 2**127 <= Fraction(10)**(20*h)
** / 2**t < 2**128, a = int(Fraction(10)**(20*h) / 2**t)).
*/
static const struct { sqlite3_uint64 hi, lo; int t; } aPow10e20[32] = {
  { 0xab70fe17c79ac6caULL, 0x6dbd630a48aaf406ULL, -1124 },  /* 1e-300 */
  { 0xe858ad248f5c22c9ULL, 0xd1b3400f8f9cff68ULL, -1058 },  /* 1e-280 */
  { 0x9d71ac8fada6c9b5ULL, 0x6f773fc3603db4a9ULL,  -991 },  /* 1e-260 */
  { 0xd5605fcdcf32e1d6ULL, 0xfb1e4a9a90880a64ULL,  -925 },  /* 1e-240 */
  { 0x9096ea6f3848984fULL, 0x3ff0d2c85def7621ULL,  -858 },  /* 1e-220 */
  { 0xc3f490aa77bd60fcULL, 0xbedbfc4411068a9cULL,  -792 },  /* 1e-200 */
  { 0x84c8d4dfd2c63f3bULL, 0x29ecd9f40041e073ULL,  -725 },  /* 1e-180 */
  { 0xb3f4e093db73a093ULL, 0x59ed216765690f56ULL,  -659 },  /* 1e-160 */
  { 0xf3e2f893dec3f126ULL, 0x5a89dba3c3efccfaULL,  -593 },  /* 1e-140 */
  { 0xa54394fe1eedb8feULL, 0xc2974eb4ee658828ULL,  -526 },  /* 1e-120 */
  { 0xdff9772470297ebdULL, 0x59787e2b93bc56f7ULL,  -460 },  /* 1e-100 */
  { 0x97c560ba6b0919a5ULL, 0xdccd879fc967d41aULL,  -393 },  /* 1e-80 */
  { 0xcdb02555653131b6ULL, 0x3792f412cb06794dULL,  -327 },  /* 1e-60 */
  { 0x8b61313bbabce2c6ULL, 0x2323ac4b3b3da015ULL,  -260 },  /* 1e-40 */
  { 0xbce5086492111aeaULL, 0x88f4bb1ca6bcf584ULL,  -194 },  /* 1e-20 */
  { 0x8000000000000000ULL, 0x0000000000000000ULL,  -127 },  /* 1e0 */
  { 0xad78ebc5ac620000ULL, 0x0000000000000000ULL,   -61 },  /* 1e20 */
  { 0xeb194f8e1ae525fdULL, 0x5dcfab0800000000ULL,     5 },  /* 1e40 */
  { 0x9f4f2726179a2245ULL, 0x01d762422c946590ULL,    72 },  /* 1e60 */
  { 0xd7e77a8f87daf7fbULL, 0xdc33745ec97be906ULL,   138 },  /* 1e80 */
  { 0x924d692ca61be758ULL, 0x593c2626705f9c56ULL,   205 },  /* 1e100 */
  { 0xc646d63501a1511dULL, 0xb281e1fd541501b8ULL,   271 },  /* 1e120 */
  { 0x865b86925b9bc5c2ULL, 0x0b8a2392ba45a9b2ULL,   338 },  /* 1e140 */
  { 0xb616a12b7fe617aaULL, 0x577b986b314d6009ULL,   404 },  /* 1e160 */
  { 0xf6c69a72a3989f5bULL, 0x8aad549e57273d45ULL,   470 },  /* 1e180 */
  { 0xa738c6bebb12d16cULL, 0xb428f8ac016561dbULL,   537 },  /* 1e200 */
  { 0xe2a0b5dc971f303aULL, 0x2e44ae64840fd61dULL,   603 },  /* 1e220 */
  { 0x9991a6f3d6bf1765ULL, 0xacca6da1e0a8ef29ULL,   670 },  /* 1e240 */
  { 0xd01fef10a657842cULL, 0x2d2b7569b0432d85ULL,   736 },  /* 1e260 */
  { 0x8d07e33455637eb2ULL, 0xdb0b487b6423e1e8ULL,   803 },  /* 1e280 */
  { 0xbf21e44003acdd2cULL, 0xe0470a63e6bd56c3ULL,   869 },  /* 1e300 */
  { 0x81842f29f2cce375ULL, 0xe6a1158300d46640ULL,   936 },  /* 1e320 */
};

/* The 192-bit a*x, a 128-bit and x 64-bit, shifted right by s (0<s<64,
** and a*x < 2^(128+s)): 128 bits */
static U128 mulShift(U128 a, sqlite3_uint64 x, int s){
  U128 lo = (U128)(sqlite3_uint64)a * x;
  U128 hi = (U128)(sqlite3_uint64)(a>>64) * x;
  U128 mid = (lo>>64) + (sqlite3_uint64)hi;
  sqlite3_uint64 w0 = (sqlite3_uint64)lo;
  sqlite3_uint64 w1 = (sqlite3_uint64)mid;
  sqlite3_uint64 w2 = (sqlite3_uint64)((hi>>64) + (mid>>64));
  return ((U128)w2<<(128-s)) | ((((U128)w1<<64) | w0)>>s);
}

/* Is x * 2^e2 * 5^e5 an integer? (0 < x <= 2^55+2, less than 5^24) */
static int isInteger(sqlite3_uint64 x, int e2, int e5){
  if( e2<0 && (e2<-63 || (x & ((1ULL<<-e2)-1))!=0) ) return 0;
  if( e5<0 ){
    if( e5<-23 ) return 0;
    for(; e5<0; e5++){
      if( x%5 ) return 0;
      x /= 5;
    }
  }
  return 1;
}

/* Where the integer c stands against the 64.64 fixed-point v, which is
** within a few units of 2^-64 of the value V it stands for: -1 (c < V),
** 1 (c > V), or 0: too close to tell, unless V is an integer */
#define NEAR_UNITS ((U128)1<<10)
static int compareNear(sqlite3_uint64 c, U128 v){
  U128 cv = (U128)c<<64;
  if( cv+NEAR_UNITS<=v ) return -1;
  if( cv>=v+NEAR_UNITS ) return 1;
  return 0;
}

/* c == V, for compareNear()'s 0: V = x*2^e2*5^e5 is an integer, v's
** nearest */
static int equalNear(sqlite3_uint64 c, U128 v, sqlite3_uint64 x, int e2, int e5){
  return isInteger(x, e2, e5) && (sqlite3_uint64)((v+((U128)1<<63))>>64)==c;
}

/* z/10^j and z%10^j for j = 1..4, by constants the compiler turns into
** multiplications */
static sqlite3_uint64 divPow10(sqlite3_uint64 z, int j, sqlite3_uint64 *pRem){
  sqlite3_uint64 q;
  switch( j ){
    case 1:  q = z/10; break;
    case 2:  q = z/100; break;
    case 3:  q = z/1000; break;
    default: q = z/10000; break;
  }
  *pRem = z - q*aPow10[j];
  return q;
}

/*
** remoteDoubleText() for a finite nonzero normal r, or 0 when it cannot
** decide (the printf loop then does). r = m*2^e; Z = r*10^(17-p0), p0 the
** decimal exponent of 2^(e+52), holds the first 18 or 19 digits of r;
** (4m+2)*2^(e-2) and (4m-2)*2^(e-2) (4m-1 just above a power of two) are
** the bounds of the texts that read back as r (included when m is even,
** as strtod rounds a tie to even), scaled alike.
*/
static int doubleTextFast(double r, char *zOut){
  sqlite3_uint64 u, m, z, xLo;
  int bin, e, e2, p0, b, h, l, s, n, iExp, bEven;
  int bExact;
  U128 k, vMid, vK, vHi, vLo;
  memcpy(&u, &r, sizeof(u));
  bin = (int)(u>>52) & 0x7ff;
  if( bin==0 || bin==0x7ff ) return 0;
  m = (u & ((1ULL<<52)-1)) | (1ULL<<52);
  e = bin-1075;
  e2 = bin-1023;
  bEven = (m&1)==0;
  xLo = (m==(1ULL<<52) && bin>1) ? 4*m-1 : 4*m-2;

  /* p0 = floor(e2*log10(2)), exact for |e2| < 1650 */
  p0 = e2>=0 ? (e2*78913)>>18 : -(((-e2)*78913 + 262143)>>18);
  b = 17-p0;                          /* -290 .. 325 */
  h = (b+300)/20 - 15;
  l = (b+300)%20;

  /* k: the leading 128 bits of 10^b (less than 3 units below), from
  ** 10^(b-l) in the table times 10^l; 2^(e-2)*10^b = k*2^-(s+64) */
  k = ((U128)aPow10e20[h+15].hi<<64) | aPow10e20[h+15].lo;
  s = -(e-2+aPow10e20[h+15].t)-64;
  if( l>0 ){
    U128 lo = (U128)(sqlite3_uint64)k * aPow10[l];
    U128 hi = (U128)(sqlite3_uint64)(k>>64) * aPow10[l];
    U128 mid = (lo>>64) + (sqlite3_uint64)hi;
    sqlite3_uint64 w2 = (sqlite3_uint64)((hi>>64) + (mid>>64));
    int nTop = 64-__builtin_clzll(w2);
    k = ((U128)w2<<(128-nTop)) | ((((U128)(sqlite3_uint64)mid<<64)
                                   | (sqlite3_uint64)lo)>>nTop);
    s -= nTop;
  }
  if( s<56 || s>63 ) return 0;       /* not for this range (never seen) */

  /* The scaled values in 64.64 fixed point, each a few units below */
  vMid = mulShift(k, 4*m, s);
  vK = k>>s;
  vHi = vMid + 2*vK;
  vLo = vMid - (4*m-xLo)*vK;

  bExact = isInteger(4*m, e-2+b, b);
  z = (sqlite3_uint64)(vMid>>64);
  if( bExact ){
    z = (sqlite3_uint64)((vMid+((U128)1<<63))>>64);
  }else if( (sqlite3_uint64)vMid > ~(sqlite3_uint64)0-(sqlite3_uint64)NEAR_UNITS ){
    return 0;                         /* floor(Z) uncertain */
  }
  if( z<aPow10[17] || z>=2*aPow10[18] ) return 0;

  for(n=15; n<=17; n++){
    int nDrop = (z>=aPow10[18] ? 19 : 18) - n;
    sqlite3_uint64 rem, half = aPow10[nDrop]/2;
    sqlite3_uint64 q = divPow10(z, nDrop, &rem);
    int cHi, cLo;
    if( rem>half || (rem==half && (!bExact || (q&1))) ) q++;
    cHi = compareNear(q*aPow10[nDrop], vHi);
    if( cHi==0 && !equalNear(q*aPow10[nDrop], vHi, 4*m+2, e-2+b, b) ) return 0;
    cLo = compareNear(q*aPow10[nDrop], vLo);
    if( cLo==0 && !equalNear(q*aPow10[nDrop], vLo, xLo, e-2+b, b) ) return 0;
    if( (cHi<0 || (cHi==0 && bEven)) && (cLo>0 || (cLo==0 && bEven)) ){
      char a[20];
      int i0, nDig;
      iExp = p0 + (z>=aPow10[18]);
      if( q==aPow10[n] ){ q = aPow10[n-1]; iExp++; }
      i0 = digitsOf(q, a);
      nDig = 20-i0;
      while( nDig>1 && a[i0+nDig-1]=='0' ) nDig--;
      return doubleTextFormat(zOut, (u>>63)!=0, &a[i0], nDig, iExp, n);
    }
  }
  return 0;
}
#else
static int doubleTextFast(double r, char *zOut){ (void)r; (void)zOut; return 0; }
#endif /* __SIZEOF_INT128__ */

int remoteDoubleText(double r, char *zOut){
  int n;
  if( r==0.0 ){
    /* printf's "0" and "-0" */
    sqlite3_uint64 u;
    memcpy(&u, &r, sizeof(u));
    n = 0;
    if( u>>63 ) zOut[n++] = '-';
    zOut[n++] = '0';
    zOut[n] = 0;
    return n;
  }
  n = doubleTextFast(r, zOut);
  return n>0 ? n : doubleTextPrintf(r, zOut);
}

/* SQLite 3.52's setting, named here for older headers too: the library is
** asked only when it is 3.52 or later (a build made with Debian's 3.40
** headers may run on a newer SQLite, e.g. inside Node's better-sqlite3) */
#ifndef SQLITE_DBCONFIG_FP_DIGITS
# define SQLITE_DBCONFIG_FP_DIGITS 1023
#endif

int remoteFpDigits(sqlite3 *db){
  int n = 0;
  if( sqlite3_libversion_number()<3052000 ) return 15;
  if( db==0 ) return 17;
  if( sqlite3_db_config(db, SQLITE_DBCONFIG_FP_DIGITS, 0, &n)!=SQLITE_OK
   || n<=0 ){
    n = 17;
  }
  return n;
}

int remoteTextDouble(const char *z, int n, double *pr){
  static const double aPow[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
  };
  sqlite3_uint64 w = 0;
  int i = 0, bNeg = 0, nSig = 0, nDigit = 0, e10 = 0;
  double r;
  if( i<n && (z[i]=='-' || z[i]=='+') ){ bNeg = z[i]=='-'; i++; }
  for(; i<n && z[i]>='0' && z[i]<='9'; i++, nDigit++){
    if( nSig<19 ){
      w = w*10 + (z[i]-'0');
      if( w ) nSig++;
    }else if( z[i]!='0' ){
      return 0;                       /* more than 19 significant digits */
    }else{
      e10++;
    }
  }
  if( i<n && z[i]=='.' ){
    for(i++; i<n && z[i]>='0' && z[i]<='9'; i++, nDigit++){
      if( nSig<19 ){
        w = w*10 + (z[i]-'0');
        if( w ) nSig++;
        e10--;
      }else if( z[i]!='0' ){
        return 0;
      }
    }
  }
  if( nDigit==0 ) return 0;
  if( i<n && (z[i]=='e' || z[i]=='E') ){
    int bNegExp = 0, nExp = 0, iExp = 0;
    i++;
    if( i<n && (z[i]=='-' || z[i]=='+') ){ bNegExp = z[i]=='-'; i++; }
    for(; i<n && z[i]>='0' && z[i]<='9'; i++, nExp++){
      if( iExp>100000 ) return 0;
      iExp = iExp*10 + (z[i]-'0');
    }
    if( nExp==0 ) return 0;
    e10 += bNegExp ? -iExp : iExp;
  }
  if( i<n ) return 0;
  if( w==0 ){
    *pr = bNeg ? -0.0 : 0.0;
    return 1;
  }
#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD==0
  /* w and 10^|e10| exact doubles: one correctly rounded operation */
  while( e10>22 && w<=(1ULL<<53)/10 ){ w *= 10; e10--; }
  if( w<=(1ULL<<53) && e10>=-22 && e10<=22 ){
    r = (double)w;
    r = e10<0 ? r/aPow[-e10] : r*aPow[e10];
    *pr = bNeg ? -r : r;
    return 1;
  }
#endif
#if LDBL_MANT_DIG==64 && (defined(__x86_64__) || defined(__i386__))
  /* Up to 19 digits: exact in x87's 64-bit significand, as is 10^27; the
  ** one rounding to 64 bits and the one to 53 give the correctly rounded
  ** double unless the first lands on a tie of the second */
  if( e10>=-27 && e10<=27 ){
    static const long double aPowL[28] = {
      1e0L, 1e1L, 1e2L, 1e3L, 1e4L, 1e5L, 1e6L, 1e7L, 1e8L, 1e9L, 1e10L,
      1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
      1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L
    };
    long double x = (long double)w;
    sqlite3_uint64 mant;
    x = e10<0 ? x/aPowL[-e10] : x*aPowL[e10];
    memcpy(&mant, &x, sizeof(mant));   /* the significand, little-endian */
    if( (mant & 0x7ff)==0x400 ) return 0;
    r = (double)x;
    *pr = bNeg ? -r : r;
    return 1;
  }
#endif
  (void)aPow;
  (void)r;
  return 0;
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
