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

#endif /* BENCH_COMMON_H */
