/* SPDX-License-Identifier: MIT */
/*
** bench_common.h: what tool/bench_run.c (ours) and the two reference
** programs (bench_ref_pg.c, bench_ref_mysql.c) must do identically: the
** clock, peak memory, the lookup ids, the filter range, the checksum and
** the output format. One copy, so the two sides cannot drift apart.
*/
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

typedef long long i64;


static double now_sec(void){
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec*1e-9;
}

static long peak_rss_kb(void){
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* The K lookup ids: an LCG over 1..nRow */
static i64 lookup_id(uint64_t *pState, i64 nRow){
  *pState = *pState*6364136223846793005ULL + 1442695040888963407ULL;
  return (i64)((*pState >> 33) % (uint64_t)nRow) + 1;
}

/* The 1% range of the filter workload: lo <= a < hi */
static void filter_range(i64 nRow, i64 *pLo, i64 *pHi){
  *pLo = nRow/2;
  *pHi = *pLo + nRow/100;
}

/* "YYYY-MM-DD HH:MM:SS[.ffffff]" to a sortable integer */
static i64 parse_ts(const char *z, int n){
  i64 f[6] = {0,0,0,0,0,0};
  i64 us = 0;
  int i = 0, k = 0, nDigit = 0;
  for(; i<n && k<6; i++){
    char c = z[i];
    if( c>='0' && c<='9' ){ f[k] = f[k]*10 + (c-'0'); }
    else if( c=='.' ){ i++; break; }
    else k++;
  }
  for(; i<n && z[i]>='0' && z[i]<='9'; i++){ us = us*10 + (z[i]-'0'); nDigit++; }
  for(; nDigit<6; nDigit++) us *= 10;
  return ((((((f[0]*13+f[1])*32+f[2])*24+f[3])*60+f[4])*60+f[5])*1000000) + us;
}

/* Row g of the bulk-insert source, as bench_run.c's SQLite table holds it */
typedef struct SrcRow SrcRow;
struct SrcRow {
  i64 id, a;
  double r;
  char zT[40];
  char zTs[80];
  int b;
  char zN[32];
};
static void src_row(i64 g, i64 nRow, SrcRow *p){
  time_t t = (time_t)(1577836800 + g*5/4);
  struct tm tm;
  p->id = g;
  p->a = (g*7919) % nRow;
  p->r = (double)g/7.0;
  snprintf(p->zT, sizeof(p->zT), "%08llx%08llx%08llx%08llx",
           (g*2654435761LL) % 4294967296LL, (g*40503LL) % 4294967296LL,
           (g*2246822519LL) % 4294967296LL, g);
  gmtime_r(&t, &tm);
  snprintf(p->zTs, sizeof(p->zTs), "%04d-%02d-%02d %02d:%02d:%02d.%03lld",
           tm.tm_year+1900, tm.tm_mon+1, tm.tm_mday, tm.tm_hour, tm.tm_min,
           tm.tm_sec, (g*1250) % 1000);
  p->b = g%3==0;
  snprintf(p->zN, sizeof(p->zN), "%lld.%02lld", g/100, g%100);
}

/* MD5 of the decimal text of g as 32 hex digits (column t of row g, which
** both servers make with md5(g as text)): the key of the text lookups */
static void md5_key(i64 g, char *zOut){
  static const uint32_t aK[64] = {
    0xd76aa478,0xe8c7b756,0x242070db,0xc1bdceee,0xf57c0faf,0x4787c62a,0xa8304613,0xfd469501,
    0x698098d8,0x8b44f7af,0xffff5bb1,0x895cd7be,0x6b901122,0xfd987193,0xa679438e,0x49b40821,
    0xf61e2562,0xc040b340,0x265e5a51,0xe9b6c7aa,0xd62f105d,0x02441453,0xd8a1e681,0xe7d3fbc8,
    0x21e1cde6,0xc33707d6,0xf4d50d87,0x455a14ed,0xa9e3e905,0xfcefa3f8,0x676f02d9,0x8d2a4c8a,
    0xfffa3942,0x8771f681,0x6d9d6122,0xfde5380c,0xa4beea44,0x4bdecfa9,0xf6bb4b60,0xbebfbc70,
    0x289b7ec6,0xeaa127fa,0xd4ef3085,0x04881d05,0xd9d4d039,0xe6db99e5,0x1fa27cf8,0xc4ac5665,
    0xf4292244,0x432aff97,0xab9423a7,0xfc93a039,0x655b59c3,0x8f0ccc92,0xffeff47d,0x85845dd1,
    0x6fa87e4f,0xfe2ce6e0,0xa3014314,0x4e0811a1,0xf7537e82,0xbd3af235,0x2ad7d2bb,0xeb86d391 };
  static const int aR[16] = { 7,12,17,22, 5,9,14,20, 4,11,16,23, 6,10,15,21 };
  unsigned char aMsg[64];
  uint32_t h[4] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476 };
  uint32_t w[16], a, b, c, d;
  int n, i;
  memset(aMsg, 0, sizeof(aMsg));
  n = snprintf((char*)aMsg, 32, "%lld", g);       /* one block: < 56 bytes */
  aMsg[n] = 0x80;
  aMsg[56] = (unsigned char)((n*8) & 0xff);
  aMsg[57] = (unsigned char)((n*8) >> 8);
  for(i=0; i<16; i++){
    w[i] = (uint32_t)aMsg[i*4] | (uint32_t)aMsg[i*4+1]<<8
         | (uint32_t)aMsg[i*4+2]<<16 | (uint32_t)aMsg[i*4+3]<<24;
  }
  a = h[0]; b = h[1]; c = h[2]; d = h[3];
  for(i=0; i<64; i++){
    uint32_t f, t;
    int k;
    if( i<16 ){ f = (b & c) | (~b & d); k = i; }
    else if( i<32 ){ f = (d & b) | (~d & c); k = (5*i+1) % 16; }
    else if( i<48 ){ f = b ^ c ^ d; k = (3*i+5) % 16; }
    else{ f = c ^ (b | ~d); k = (7*i) % 16; }
    t = d; d = c; c = b;
    f = a + f + aK[i] + w[k];
    b = b + ((f << aR[(i/16)*4 + i%4]) | (f >> (32 - aR[(i/16)*4 + i%4])));
    a = t;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d;
  for(i=0; i<16; i++){
    snprintf(&zOut[i*2], 3, "%02x", (unsigned)((h[i/4] >> ((i%4)*8)) & 0xff));
  }
}

/* The timestamp of row g (2020-01-01 + g*1.25 s) as the canonical text
** "YYYY-MM-DD HH:MM:SS[.f]" (fraction without trailing zeros) */
static void row_ts(i64 g, char *zOut, int nOut){
  time_t t = (time_t)(1577836800 + g*5/4);
  struct tm tm;
  int nFrac = (int)((g*1250) % 1000);
  int n;
  gmtime_r(&t, &tm);
  n = snprintf(zOut, nOut, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year+1900,
               tm.tm_mon+1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if( nFrac ){
    snprintf(&zOut[n], nOut-n, ".%03d", nFrac);
    n += 4;
    while( zOut[n-1]=='0' ) zOut[--n] = 0;
  }
}

/* The timestamp range of the tsrange workload: the rows of the filter
** range (1%), as texts: lo <= ts < hi */
static void ts_range(i64 nRow, char *zLo, char *zHi, int n){
  i64 lo, hi;
  filter_range(nRow, &lo, &hi);
  row_ts(lo, zLo, n);
  row_ts(hi, zHi, n);
}

/* Totals of the values read: check text and something the compiler keeps */
typedef struct Acc Acc;
struct Acc {
  i64 nRow, sumId, sumA, sumB, sumLen, maxTs;
  double sumR, sumN;
};

static void acc_check(const Acc *p, char *z, int n){
  snprintf(z, n, "%lld,%lld,%lld,%lld,%lld", p->nRow, p->sumId, p->sumA,
           p->sumLen, p->sumB);
}

/*
** The write workloads (tool/bench 7-11) work on bench_w_M, M rows made
** afresh before each measurement (outside the clock) by each program
** through its own client, the same rows on both servers:
**   id bigint PRIMARY KEY  g
**   a  integer NOT NULL    (g * 7919) % M
**   t  text / varchar(32)  32 hex characters
** Each side runs these statements (the reference runs the UPDATE or DELETE
** itself, on the server: the floor a remote write can reach), then reads
** the check below.
*/
#define BENCH_W_PG \
  "DROP TABLE IF EXISTS bench_w_%lld;" \
  "CREATE TABLE bench_w_%lld (id bigint PRIMARY KEY, a integer NOT NULL, t text);" \
  "INSERT INTO bench_w_%lld SELECT g, (g * 7919) %% %lld, md5(g::text)" \
  " FROM generate_series(1, %lld) g;" \
  "ANALYZE bench_w_%lld"
#define BENCH_W_MYSQL \
  "DROP TABLE IF EXISTS bench_w_%lld;" \
  "CREATE TABLE bench_w_%lld (id BIGINT PRIMARY KEY, a INT NOT NULL," \
  " t VARCHAR(32)) ENGINE=InnoDB;" \
  "INSERT INTO bench_w_%lld SELECT seq, (seq * 7919) %% %lld, md5(seq)" \
  " FROM seq_1_to_%lld;" \
  "ANALYZE TABLE bench_w_%lld"
/* The statement of each write workload, on table bench_w_M; %lld is M */
#define BENCH_W_UPDATE        "UPDATE bench_w_%lld SET a = a + 1"
#define BENCH_W_UPDATE_FILTER "UPDATE bench_w_%lld SET a = a + 1 WHERE (id * 7) %% 3 = 0"
#define BENCH_W_DELETE        "DELETE FROM bench_w_%lld WHERE id %% 2 = 0"
/* The check after a write workload: count and sum of a */
#define BENCH_W_CHECK "SELECT count(*) || ',' || sum(a) FROM bench_w_%lld"
#define BENCH_W_CHECK_MYSQL "SELECT CONCAT(count(*), ',', sum(a)) FROM bench_w_%lld"

/* The SQL making bench_w_M (zFmt: BENCH_W_PG or BENCH_W_MYSQL) */
static inline void bench_w_sql(char *z, int n, const char *zFmt, i64 m){
  snprintf(z, n, zFmt, m, m, m, m, m, m);
}

/* 1 if zWorkload is one of the write workloads on bench_w_M */
static inline int bench_is_write(const char *zWorkload){
  return strcmp(zWorkload, "update")==0 || strcmp(zWorkload, "update_txn")==0
      || strcmp(zWorkload, "update_filter")==0 || strcmp(zWorkload, "delete")==0;
}

/* The statement of write workload zWorkload on bench_w_M */
static inline void bench_w_stmt(char *z, int n, const char *zWorkload, i64 m){
  if( strcmp(zWorkload, "update_filter")==0 ) snprintf(z, n, BENCH_W_UPDATE_FILTER, m);
  else if( strcmp(zWorkload, "delete")==0 ) snprintf(z, n, BENCH_W_DELETE, m);
  else snprintf(z, n, BENCH_W_UPDATE, m);
}

#endif /* BENCH_COMMON_H */
