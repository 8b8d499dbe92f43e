/* SPDX-License-Identifier: MIT */
/*
** numfmt_test.c: unit tests of the number formatting in ext/util.c
** (remoteDoubleText, remoteTextDouble, remoteIntText), built as a plain
** program against libsqlite3. It includes util.c itself, to reach the
** fast path and the printf loop it replaced:
**
**   gcc -std=c11 -D_GNU_SOURCE -DSQLITE_CORE -O2 -Wall -Wextra -Werror \
**       -Iext test/numfmt_test.c -lsqlite3 -lm -o dist/numfmt_test
**   dist/numfmt_test [SCALE [SEED]]
**
** remoteDoubleText must give the printf loop's text byte for byte (the
** first of %.15g, %.16g, %.17g that strtod reads back as the double) for
** random bit patterns, random decimals of 1 to 17 digits, powers of 10 and
** 2 and their neighbours, subnormals and the extremes; remoteTextDouble,
** when it answers, strtod's double bit for bit. SCALE (default 1)
** multiplies the number of random values (1: about 4 million doubles and
** 1.5 million texts).
**
** Prints "ok NAME" or "FAIL NAME: what differed" per case, "# ..." notes
** (how often each fast path answered), then "N passed, N failed"; exits 1
** on any failure. test/numfmt.test runs it.
*/
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.c"

static int nPass = 0, nFail = 0;

/* xorshift64*: the same sequence for the same seed */
static sqlite3_uint64 iRand = 0x9e3779b97f4a7c15ULL;
static sqlite3_uint64 rnd(void){
  iRand ^= iRand>>12;
  iRand ^= iRand<<25;
  iRand ^= iRand>>27;
  return iRand*0x2545f4914f6cdd1dULL;
}

static double fromBits(sqlite3_uint64 u){
  double r;
  memcpy(&r, &u, sizeof(r));
  return r;
}
static sqlite3_uint64 toBits(double r){
  sqlite3_uint64 u;
  memcpy(&u, &r, sizeof(u));
  return u;
}

/* One case's tally: the first difference is kept for the FAIL line */
typedef struct Tally Tally;
struct Tally {
  const char *zName;
  long nRun;            /* values checked */
  long nNormal;         /* of them, finite nonzero normal doubles */
  long nDeclined;       /* normal doubles the fast path left to printf */
  long nText;           /* texts tried with remoteTextDouble */
  long nAnswered;       /* of them, answered without strtod */
  char zDiff[200];      /* the first difference, "" when none */
};

static void tallyStart(Tally *p, const char *zName){
  memset(p, 0, sizeof(*p));
  p->zName = zName;
}

static void tallyEnd(Tally *p){
  if( p->nNormal>0 ){
    printf("# %s: fast path declined %ld of %ld normal doubles\n",
           p->zName, p->nDeclined, p->nNormal);
  }
  if( p->nText>0 ){
    printf("# %s: remoteTextDouble answered %ld of %ld texts\n",
           p->zName, p->nAnswered, p->nText);
  }
  if( p->zDiff[0] ){
    printf("FAIL %s: %s\n", p->zName, p->zDiff);
    nFail++;
  }else if( p->nRun==0 ){
    printf("FAIL %s: nothing checked\n", p->zName);
    nFail++;
  }else{
    printf("ok %s\n", p->zName);
    nPass++;
  }
}

/* remoteTextDouble(z) must be strtod(z) bit for bit when it answers */
static void checkText(Tally *p, const char *z){
  double r, rWant = strtod(z, 0);
  p->nText++;
  if( remoteTextDouble(z, (int)strlen(z), &r) ){
    p->nAnswered++;
    if( toBits(r)!=toBits(rWant) && p->zDiff[0]==0 ){
      snprintf(p->zDiff, sizeof(p->zDiff),
               "remoteTextDouble(\"%s\") = %.17g, strtod: %.17g", z, r, rWant);
    }
  }
}

/* remoteDoubleText(r) must be the printf loop's text; and the text read
** back (strtod, remoteTextDouble) must be r */
static void checkDouble(Tally *p, double r){
  char zGot[REMOTE_DOUBLE_TEXT_MAX], zWant[REMOTE_DOUBLE_TEXT_MAX];
  char zFast[REMOTE_DOUBLE_TEXT_MAX];
  int n, nWant;
  sqlite3_uint64 u = toBits(r);
  int bin = (int)(u>>52) & 0x7ff;
  if( bin==0x7ff ) return;           /* callers deal with NaN and Inf */
  p->nRun++;
  if( bin!=0 ){
    p->nNormal++;
    if( doubleTextFast(r, zFast)==0 ) p->nDeclined++;
  }
  memset(zGot, 'x', sizeof(zGot));
  n = remoteDoubleText(r, zGot);
  nWant = doubleTextPrintf(r, zWant);
  if( p->zDiff[0] ) return;
  if( n!=nWant || strcmp(zGot, zWant)!=0 || (int)strlen(zGot)!=n ){
    snprintf(p->zDiff, sizeof(p->zDiff),
             "%016llx: remoteDoubleText gave \"%s\" (%d), printf loop \"%s\"",
             u, zGot, n, zWant);
  }else if( toBits(strtod(zGot, 0))!=u && r==r ){
    snprintf(p->zDiff, sizeof(p->zDiff),
             "%016llx: \"%s\" reads back as another double", u, zGot);
  }
  checkText(p, zGot);
}

/* A random decimal text of nDig digits (the first nonzero) in one of the
** forms "d.ddde-x", "ddd", "0.000ddd", "ddd000", "ddd.dd" */
static void randomDecimal(char *z, int nDig, int iExp){
  char a[32];
  int i, n = 0;
  a[0] = (char)('1'+rnd()%9);
  for(i=1; i<nDig; i++) a[i] = (char)('0'+rnd()%10);
  if( rnd()%2 ) z[n++] = '-';
  switch( rnd()%4 ){
    case 0:
      z[n++] = a[0];
      if( nDig>1 ){ z[n++] = '.'; memcpy(&z[n], &a[1], nDig-1); n += nDig-1; }
      n += sprintf(&z[n], "e%d", iExp);
      break;
    case 1:
      memcpy(&z[n], a, nDig); n += nDig;
      n += sprintf(&z[n], "e%d", iExp-nDig+1);
      break;
    case 2: {
      int nZero = (int)(rnd()%6);
      z[n++] = '0'; z[n++] = '.';
      for(i=0; i<nZero; i++) z[n++] = '0';
      memcpy(&z[n], a, nDig); n += nDig;
      break;
    }
    default: {
      int nInt = 1+(int)(rnd()%nDig);
      memcpy(&z[n], a, nInt); n += nInt;
      if( nInt<nDig ){ z[n++] = '.'; memcpy(&z[n], &a[nInt], nDig-nInt); n += nDig-nInt; }
      break;
    }
  }
  z[n] = 0;
}

int main(int argc, char **argv){
  double nScale = argc>1 ? atof(argv[1]) : 1.0;
  Tally t;
  long i, nRand;
  int k;
  char z[128];
  if( argc>2 ) iRand = strtoull(argv[2], 0, 0) | 1;

  /* Random bit patterns: every exponent and sign alike */
  tallyStart(&t, "double-bits");
  nRand = (long)(1000000*nScale);
  for(i=0; i<nRand; i++) checkDouble(&t, fromBits(rnd()));
  tallyEnd(&t);

  /* Random doubles in [1e-6, 1e7): what tables hold */
  tallyStart(&t, "double-everyday");
  for(i=0; i<nRand/2; i++){
    double r = (double)(rnd()>>11) / 9007199254740992.0;
    checkDouble(&t, ldexp(r+0.5, (int)(rnd()%44)-20));
  }
  for(i=1; i<=nRand/4; i++){
    checkDouble(&t, (double)i/7.0);       /* the bench's column r */
    checkDouble(&t, (double)i/100.0);     /* its column n */
    checkDouble(&t, (double)(rnd()%2000000001)/1000.0-1000000.0);
  }
  tallyEnd(&t);

  /* Random decimals of 1..17 digits: mostly 15 digits or fewer */
  tallyStart(&t, "double-decimal");
  for(i=0; i<nRand; i++){
    int nDig = 1+(int)(rnd()%17);
    randomDecimal(z, nDig, (int)(rnd()%640)-325);
    checkDouble(&t, strtod(z, 0));
  }
  tallyEnd(&t);

  /* Powers of 10 and 2, with the doubles either side */
  tallyStart(&t, "double-powers");
  for(k=-330; k<=310; k++){
    double r;
    snprintf(z, sizeof(z), "1e%d", k);
    r = strtod(z, 0);
    checkDouble(&t, r);
    checkDouble(&t, nextafter(r, 0));
    checkDouble(&t, nextafter(r, INFINITY));
    checkDouble(&t, -r);
  }
  for(k=-1074; k<=1023; k++){
    double r = ldexp(1.0, k);
    checkDouble(&t, r);
    checkDouble(&t, nextafter(r, 0));
    checkDouble(&t, nextafter(r, INFINITY));
    checkDouble(&t, 3*r);
    checkDouble(&t, 5*r);
    checkDouble(&t, -r);
  }
  tallyEnd(&t);

  /* Integers: exact, and large ones on ties of 15 or 16 digits */
  tallyStart(&t, "double-integers");
  for(i=0; i<nRand/4; i++){
    checkDouble(&t, (double)(rnd()>>(rnd()%64)));
    checkDouble(&t, (double)(rnd()%100000)*1e15 + (double)(rnd()%10));
  }
  for(i=0; i<=20000; i++){
    checkDouble(&t, (double)i);
    checkDouble(&t, 9007199254740992.0 - 10000 + (double)i);
    checkDouble(&t, 1e15 + (double)i*5);
    checkDouble(&t, 1e16 + (double)i*10);
  }
  tallyEnd(&t);

  /* Subnormals: left to the printf loop */
  tallyStart(&t, "double-subnormal");
  for(i=0; i<nRand/20; i++){
    checkDouble(&t, fromBits(rnd()>>12));
    checkDouble(&t, fromBits(rnd()>>(12+rnd()%52)));
  }
  tallyEnd(&t);

  /* The extremes and the values the Tcl tests insert */
  tallyStart(&t, "double-extremes");
  {
    static const double aR[] = {
      0.0, 1.0, 0.1, 0.2, 0.3, 1.0/3, 2.0/3, 5e-324, 1e-323,
      2.2250738585072014e-308, 2.2250738585072009e-308,
      1.7976931348623157e308, 1e22, 1e23, 9007199254740993.0,
      9007199254740992.0, 123456789.125, 3.141592653589793, 100.0, 1e15,
      1e16, 1e17, 1e21, 0.0001, 0.00001, 123456.7, 1e-5, 9.999999999999999e22,
      18446744073709551616.0, 9223372036854775807.0, 1.5, 0.5, 4.35, 2.675
    };
    for(k=0; k<(int)(sizeof(aR)/sizeof(aR[0])); k++){
      checkDouble(&t, aR[k]);
      checkDouble(&t, -aR[k]);
    }
    checkDouble(&t, -0.0);
    checkDouble(&t, DBL_MAX);
    checkDouble(&t, DBL_MIN);
    checkDouble(&t, nextafter(DBL_MIN, 0));
    checkDouble(&t, DBL_TRUE_MIN);
    checkDouble(&t, DBL_EPSILON);
  }
  tallyEnd(&t);

  /* The exact texts some of them must become */
  tallyStart(&t, "double-texts");
  {
    static const struct { double r; const char *z; } aCase[] = {
      { 0.1, "0.1" }, { 1.0/3, "0.3333333333333333" },
      { 5e-324, "4.94065645841247e-324" }, { -0.0, "-0" }, { 0.0, "0" },
      { 1.7976931348623157e308, "1.7976931348623157e+308" },
      { 1e22, "1e+22" }, { 1e23, "1e+23" },
      { 9007199254740993.0, "9007199254740992" }, { 100.0, "100" },
      { 1e15, "1e+15" }, { 123456789012345.0, "123456789012345" },
      { 1234567890123456.0, "1234567890123456" }, { 0.0001, "0.0001" },
      { 0.00001, "1e-05" }, { 2.5, "2.5" }, { -1e-300, "-1e-300" },
      { 1.0/7, "0.14285714285714285" }, { 2e-308, "2e-308" },
    };
    for(k=0; k<(int)(sizeof(aCase)/sizeof(aCase[0])); k++){
      char zGot[REMOTE_DOUBLE_TEXT_MAX];
      t.nRun++;
      remoteDoubleText(aCase[k].r, zGot);
      if( strcmp(zGot, aCase[k].z)!=0 && t.zDiff[0]==0 ){
        snprintf(t.zDiff, sizeof(t.zDiff), "%.17g: \"%s\", want \"%s\"",
                 aCase[k].r, zGot, aCase[k].z);
      }
    }
  }
  tallyEnd(&t);

  /* remoteTextDouble on random decimal texts of 1..25 digits */
  tallyStart(&t, "text-decimal");
  for(i=0; i<nRand; i++){
    int nDig = 1+(int)(rnd()%25);
    int iExp = (rnd()%4) ? (int)(rnd()%60)-30 : (int)(rnd()%700)-350;
    randomDecimal(z, nDig, iExp);
    t.nRun++;
    checkText(&t, z);
  }
  tallyEnd(&t);

  /* %.17g texts of random doubles (what printf-style clients send) */
  tallyStart(&t, "text-17g");
  for(i=0; i<nRand/2; i++){
    double r = ldexp((double)(rnd()>>11) / 9007199254740992.0 + 0.5,
                     (int)(rnd()%120)-60);
    snprintf(z, sizeof(z), "%.17g", r);
    t.nRun++;
    checkText(&t, z);
  }
  tallyEnd(&t);

  /* Texts it must decline or read exactly as strtod does */
  tallyStart(&t, "text-edges");
  {
    static const char *azText[] = {
      "0", "-0", "+0", "0.0", "-0.0", "0e999", "1", "-1", ".5", "5.", "-.5",
      "1e22", "1e23", "1e-22", "1e-23", "9007199254740993", "9007199254740992",
      "9007199254740993.0", "1.7976931348623157e308", "4.9e-324",
      "2.2250738585072014e-308", "123456789012345678", "1234567890123456789",
      "12345678901234567890", "1000000000000000000000", "1.000000000000000000000",
      "0.00000000000000000000000000001", "100000000000000000000000000000",
      "0.30000000000000004", "142857.14285714287", "1E5", "1e+05", "1e-05",
      "000000000000000000000000012.5", "7.0e0", "2.5000000000000000001",
    };
    static const char *azNo[] = {
      "", "-", "+", ".", "e5", "1e", "1e+", " 1", "1 ", "0x10", "inf", "nan",
      "Infinity", "1,5", "1.5.5", "--1", "1e5x", "12345678901234567891",
      "1e999999",
    };
    for(k=0; k<(int)(sizeof(azText)/sizeof(azText[0])); k++){
      t.nRun++;
      checkText(&t, azText[k]);
    }
    for(k=0; k<(int)(sizeof(azNo)/sizeof(azNo[0])); k++){
      double r;
      t.nRun++;
      if( remoteTextDouble(azNo[k], (int)strlen(azNo[k]), &r) && t.zDiff[0]==0 ){
        snprintf(t.zDiff, sizeof(t.zDiff), "\"%s\" was read (%.17g)", azNo[k], r);
      }
    }
    /* a prefix only: z[0..n) is all that is read */
    t.nRun++;
    {
      double r = 0;
      if( !remoteTextDouble("2.5junk", 3, &r) || r!=2.5 ){
        snprintf(t.zDiff, sizeof(t.zDiff), "\"2.5junk\" n=3 gave %g", r);
      }
    }
  }
  tallyEnd(&t);

  /* remoteIntText against %lld */
  tallyStart(&t, "int-text");
  {
    static const sqlite3_int64 aI[] = {
      0, 1, -1, 9, 10, 99, 100, -100, 2147483647LL, -2147483648LL,
      9223372036854775807LL, -9223372036854775807LL-1, 1000000000000000000LL,
      999999999999999999LL, -999999999999999999LL
    };
    char zGot[32], zWant[32];
    for(i=0; i<nRand+(long)(sizeof(aI)/sizeof(aI[0])); i++){
      sqlite3_int64 v;
      int n;
      if( i<(long)(sizeof(aI)/sizeof(aI[0])) ){
        v = aI[i];
      }else{
        v = (sqlite3_int64)(rnd()>>(rnd()%64));
        if( rnd()%2 ) v = -v;
      }
      t.nRun++;
      n = remoteIntText(v, zGot);
      snprintf(zWant, sizeof(zWant), "%lld", v);
      if( (strcmp(zGot, zWant)!=0 || n!=(int)strlen(zWant)) && t.zDiff[0]==0 ){
        snprintf(t.zDiff, sizeof(t.zDiff), "%s gave \"%s\" (%d)", zWant, zGot, n);
      }
    }
  }
  tallyEnd(&t);

  printf("%d passed, %d failed\n", nPass, nFail);
  return nFail>0;
}
