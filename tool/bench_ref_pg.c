/* SPDX-License-Identifier: MIT */
/*
** bench_ref_pg.c: the PostgreSQL reference side of tool/bench.
**
**   bench_ref_pg --workload scan|lookup|insert|filter|textlookup|tsrange|
**                fdw|update|update_txn|update_filter|delete --rows N
**                [--lookups K] [--write-rows M]
**
** Does each workload the way a C program using only libpq would, reading
** and converting every value to its C type (integers with strtoll, doubles
** and numerics with strtod, timestamps parsed into their fields, booleans
** from 't'/'f', text by length), so that the figure it prints is the floor
** our extension is compared with. The SQL text is the text the extension
** sends for the same workload (tool/bench --sql shows it). Connects to
** $REMOTE_PG_URL before the clock starts.
**
** Prints one line:  time=SECONDS check=TEXT rss_kb=PEAK_RSS base_rss_kb=RSS
** where check is compared with tool/bench_run's for the same workload, and
** base_rss_kb is the peak resident size just before the timed part.
**
** Workloads (tables made by tool/bench_load.sh):
**   scan    SELECT every column of bench_t_N, single-row mode
**   lookup  K lookups by primary key through one prepared statement
**           (binary int8 parameter), ids from the same LCG as bench_run
**   insert  COPY bench_ins_N FROM STDIN (text format) of the same N rows the
**           extension inserts from a local table (bench_ins_N truncated
**           first, outside the clock)
**   filter  the 1% range a >= $1 AND a < $2, single-row mode
**   textlookup  K lookups by the indexed text column t through one prepared
**           statement (WHERE "t" = $1, a text parameter), md5 keys of the
**           same ids
**   tsrange the 1% range "ts" >= $1 AND "ts" < $2 as one would write it by
**           hand (two text parameters the server reads as timestamps),
**           single-row mode
**   fdw     the scan's aggregate (workload 1: every column of every row,
**           summed and checked) through postgres_fdw: a foreign table
**           sr_bench_fdw.bench_t_N over a loopback foreign server to the
**           same database (host, port, user and password of this
**           connection), made before the clock; `WHERE random() >= 0`
**           keeps the aggregate local (postgres_fdw would push it to the
**           remote otherwise), default fetch_size (100). Prints
**           skip=REASON instead when the server has no postgres_fdw.
**   update, update_txn, update_filter, delete: the server runs the
**           workload's statement itself (bench_common.h: BENCH_W_*) on a
**           fresh bench_w_M (update_txn inside BEGIN ... COMMIT)
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include <libpq-fe.h>

#include "bench_common.h"

static PGconn *pg;

static void die(const char *zWhat, PGresult *pRes){
  fprintf(stderr, "bench_ref_pg: %s: %s", zWhat,
          pRes ? PQresultErrorMessage(pRes) : PQerrorMessage(pg));
  exit(1);
}

static void exec_ok(const char *zSql){
  PGresult *pRes = PQexec(pg, zSql);
  if( PQresultStatus(pRes)!=PGRES_COMMAND_OK
   && PQresultStatus(pRes)!=PGRES_TUPLES_OK ) die(zSql, pRes);
  PQclear(pRes);
}

/* Convert the 7 columns of row iRow of pRes and add them to pAcc */
static void acc_row(Acc *pAcc, const PGresult *pRes, int iRow){
  const char *z;
  i64 ts;
  pAcc->nRow++;
  if( !PQgetisnull(pRes, iRow, 0) ) pAcc->sumId += strtoll(PQgetvalue(pRes, iRow, 0), 0, 10);
  if( !PQgetisnull(pRes, iRow, 1) ) pAcc->sumA += strtoll(PQgetvalue(pRes, iRow, 1), 0, 10);
  if( !PQgetisnull(pRes, iRow, 2) ) pAcc->sumR += strtod(PQgetvalue(pRes, iRow, 2), 0);
  if( !PQgetisnull(pRes, iRow, 3) ) pAcc->sumLen += PQgetlength(pRes, iRow, 3);
  if( !PQgetisnull(pRes, iRow, 4) ){
    z = PQgetvalue(pRes, iRow, 4);
    ts = parse_ts(z, PQgetlength(pRes, iRow, 4));
    if( ts>pAcc->maxTs ) pAcc->maxTs = ts;
  }
  if( !PQgetisnull(pRes, iRow, 5) ) pAcc->sumB += PQgetvalue(pRes, iRow, 5)[0]=='t';
  if( !PQgetisnull(pRes, iRow, 6) ) pAcc->sumN += strtod(PQgetvalue(pRes, iRow, 6), 0);
}

/* Send zSql (nParam binary int8 parameters, or the texts azText when not
** NULL) in single-row mode and convert every row */
static void stream(const char *zSql, int nParam, const i64 *aParam,
                   const char **azText, Acc *pAcc){
  const char *azVal[2];
  int anLen[2], aFmt[2];
  Oid aType[2];
  unsigned char aBuf[2][8];
  PGresult *pRes;
  int i, j;
  for(i=0; i<nParam && azText; i++){
    azVal[i] = azText[i];
    anLen[i] = 0; aFmt[i] = 0; aType[i] = 0;  /* the server infers the type */
  }
  for(i=0; i<nParam && !azText; i++){
    uint64_t u = (uint64_t)aParam[i];
    for(j=7; j>=0; j--){ aBuf[i][j] = (unsigned char)(u & 0xff); u >>= 8; }
    azVal[i] = (const char*)aBuf[i];
    anLen[i] = 8; aFmt[i] = 1; aType[i] = 20;   /* int8 */
  }
  if( !PQsendQueryParams(pg, zSql, nParam, aType, azVal, anLen, aFmt, 0) ){
    die("send", 0);
  }
  if( !PQsetSingleRowMode(pg) ) die("single-row mode", 0);
  while( (pRes = PQgetResult(pg))!=0 ){
    ExecStatusType e = PQresultStatus(pRes);
    if( e==PGRES_SINGLE_TUPLE ){
      acc_row(pAcc, pRes, 0);
    }else if( e!=PGRES_TUPLES_OK ){
      die(zSql, pRes);
    }
    PQclear(pRes);
  }
}

static void do_lookup(const char *zT, i64 nRow, int nLookup, int bText, Acc *pAcc){
  char zSql[256];
  uint64_t st = 42;
  PGresult *pRes;
  Oid aType[1] = { 20 };
  int anLen[1] = { 8 }, aFmt[1] = { 1 };
  int i, j;
  if( bText ){ aType[0] = 25; anLen[0] = 32; aFmt[0] = 0; }   /* text */
  snprintf(zSql, sizeof(zSql), "SELECT \"id\", \"a\", \"r\", \"t\", \"ts\", \"b\", \"n\" "
           "FROM \"%s\" WHERE \"%s\" = $1", zT, bText ? "t" : "id");
  pRes = PQprepare(pg, "bench_lookup", zSql, 1, aType);
  if( PQresultStatus(pRes)!=PGRES_COMMAND_OK ) die("prepare", pRes);
  PQclear(pRes);
  for(i=0; i<nLookup; i++){
    unsigned char aBuf[8];
    char zKey[40];
    const char *azVal[1];
    uint64_t u = (uint64_t)lookup_id(&st, nRow);
    if( bText ){
      md5_key((i64)u, zKey);
      azVal[0] = zKey;
    }else{
      for(j=7; j>=0; j--){ aBuf[j] = (unsigned char)(u & 0xff); u >>= 8; }
      azVal[0] = (const char*)aBuf;
    }
    pRes = PQexecPrepared(pg, "bench_lookup", 1, azVal, anLen, aFmt, 0);
    if( PQresultStatus(pRes)!=PGRES_TUPLES_OK ) die("lookup", pRes);
    for(j=0; j<PQntuples(pRes); j++) acc_row(pAcc, pRes, j);
    PQclear(pRes);
  }
}

static void do_insert(const char *zIns, i64 nRow, Acc *pAcc){
  char zSql[256];
  char *zBuf;
  size_t nBuf = 0, nAlloc = 1<<16;
  PGresult *pRes;
  i64 g;
  zBuf = malloc(nAlloc);
  if( zBuf==0 ){ fprintf(stderr, "bench_ref_pg: out of memory\n"); exit(1); }
  snprintf(zSql, sizeof(zSql),
           "COPY \"%s\" (\"id\", \"a\", \"r\", \"t\", \"ts\", \"b\", \"n\") FROM STDIN", zIns);
  pRes = PQexec(pg, zSql);
  if( PQresultStatus(pRes)!=PGRES_COPY_IN ) die("copy", pRes);
  PQclear(pRes);
  for(g=1; g<=nRow; g++){
    SrcRow r;
    src_row(g, nRow, &r);
    nBuf += (size_t)snprintf(&zBuf[nBuf], nAlloc-nBuf, "%lld\t%lld\t%.17g\t%s\t%s\t%c\t%s\n",
                             r.id, r.a, r.r, r.zT, r.zTs, r.b ? 't' : 'f', r.zN);
    if( nBuf>nAlloc-256 || g==nRow ){
      if( PQputCopyData(pg, zBuf, (int)nBuf)!=1 ) die("copy data", 0);
      nBuf = 0;
    }
    pAcc->nRow++;
  }
  if( PQputCopyEnd(pg, 0)!=1 ) die("copy end", 0);
  while( (pRes = PQgetResult(pg))!=0 ){
    if( PQresultStatus(pRes)!=PGRES_COMMAND_OK ) die("copy", pRes);
    PQclear(pRes);
  }
  free(zBuf);
}

/* The foreign table sr_bench_fdw.<zT> over a loopback postgres_fdw server
** to this database, made afresh (0), or 1 when the server has no
** postgres_fdw (contrib) to make it with */
static int fdw_setup(const char *zT){
  char zSql[1024];
  PGresult *pRes;
  exec_ok("SET client_min_messages = warning");
  pRes = PQexec(pg, "CREATE EXTENSION IF NOT EXISTS postgres_fdw");
  int bNo = PQresultStatus(pRes)!=PGRES_COMMAND_OK;
  PQclear(pRes);
  if( bNo ) return 1;
  exec_ok("DROP SERVER IF EXISTS sr_bench_loop CASCADE");
  snprintf(zSql, sizeof(zSql),
           "CREATE SERVER sr_bench_loop FOREIGN DATA WRAPPER postgres_fdw "
           "OPTIONS (host '%s', port '%s', dbname '%s')",
           PQhost(pg), PQport(pg), PQdb(pg));
  exec_ok(zSql);
  snprintf(zSql, sizeof(zSql),
           "CREATE USER MAPPING FOR CURRENT_USER SERVER sr_bench_loop "
           "OPTIONS (user '%s', password '%s')", PQuser(pg), PQpass(pg));
  exec_ok(zSql);
  exec_ok("DROP SCHEMA IF EXISTS sr_bench_fdw CASCADE");
  exec_ok("CREATE SCHEMA sr_bench_fdw");
  snprintf(zSql, sizeof(zSql), "IMPORT FOREIGN SCHEMA public LIMIT TO (\"%s\") "
           "FROM SERVER sr_bench_loop INTO sr_bench_fdw", zT);
  exec_ok(zSql);
  return 0;
}

int main(int argc, char **argv){
  const char *zWorkload = 0;
  const char *zUrl = getenv("REMOTE_PG_URL");
  i64 nRow = 0, nWrite = 20000;
  int nLookup = 20000;
  char zT[64], zIns[64], zSql[1024], zCheck[256];
  Acc acc;
  double t0, t1;
  long nBase;
  int i;
  for(i=1; i<argc; i++){
    if( strcmp(argv[i], "--workload")==0 && i+1<argc ) zWorkload = argv[++i];
    else if( strcmp(argv[i], "--rows")==0 && i+1<argc ) nRow = atoll(argv[++i]);
    else if( strcmp(argv[i], "--lookups")==0 && i+1<argc ) nLookup = atoi(argv[++i]);
    else if( strcmp(argv[i], "--write-rows")==0 && i+1<argc ) nWrite = atoll(argv[++i]);
    else{
      fprintf(stderr, "usage: bench_ref_pg --workload scan|lookup|insert|filter|"
                      "textlookup|tsrange|fdw|update|update_txn|update_filter|delete "
                      "--rows N [--lookups K] "
                      "[--write-rows M]\n");
      return 2;
    }
  }
  if( zWorkload==0 || nRow<=0 ){
    fprintf(stderr, "bench_ref_pg: --workload and --rows are required\n");
    return 2;
  }
  if( zUrl==0 ){
    fprintf(stderr, "bench_ref_pg: REMOTE_PG_URL is not set "
                    "(eval \"$(tool/servers.sh env)\")\n");
    return 2;
  }
  snprintf(zT, sizeof(zT), "bench_t_%lld", nRow);
  snprintf(zIns, sizeof(zIns), "bench_ins_%lld", nRow);
  memset(&acc, 0, sizeof(acc));

  pg = PQconnectdb(zUrl);
  if( PQstatus(pg)!=CONNECTION_OK ) die("connect", 0);
  /* the extension's session setup (UTC, ISO dates) */
  exec_ok("SET TIME ZONE 'UTC'");
  exec_ok("SET DateStyle = 'ISO, YMD'");
  if( strcmp(zWorkload, "insert")==0 ){
    snprintf(zSql, sizeof(zSql), "TRUNCATE \"%s\"", zIns);
    exec_ok(zSql);
  }
  if( bench_is_write(zWorkload) ){
    bench_w_sql(zSql, sizeof(zSql), BENCH_W_PG, nWrite);
    exec_ok(zSql);
  }
  if( strcmp(zWorkload, "fdw")==0 && fdw_setup(zT) ){
    printf("skip=no_postgres_fdw\n");
    PQfinish(pg);
    return 0;
  }

  nBase = peak_rss_kb();
  t0 = now_sec();
  if( strcmp(zWorkload, "scan")==0 ){
    snprintf(zSql, sizeof(zSql), "SELECT \"id\", \"a\", \"r\", \"t\", \"ts\", \"b\", \"n\" "
             "FROM \"%s\"", zT);
    stream(zSql, 0, 0, 0, &acc);
  }else if( strcmp(zWorkload, "fdw")==0 ){
    PGresult *pRes;
    snprintf(zSql, sizeof(zSql),
             "SELECT count(*) || ',' || sum(id) || ',' || sum(a) || ',' || sum(length(t))"
             " || ',' || sum(b::int), sum(r), max(ts), sum(n)"
             " FROM sr_bench_fdw.\"%s\" WHERE random() >= 0", zT);
    pRes = PQexec(pg, zSql);
    if( PQresultStatus(pRes)!=PGRES_TUPLES_OK ) die(zSql, pRes);
    snprintf(zCheck, sizeof(zCheck), "%s", PQgetvalue(pRes, 0, 0));
    acc.sumR = strtod(PQgetvalue(pRes, 0, 1), 0);
    PQclear(pRes);
  }else if( strcmp(zWorkload, "filter")==0 ){
    i64 aParam[2];
    filter_range(nRow, &aParam[0], &aParam[1]);
    snprintf(zSql, sizeof(zSql), "SELECT \"id\", \"a\", \"r\", \"t\", \"ts\", \"b\", \"n\" "
             "FROM \"%s\" WHERE \"a\" >= $1 AND \"a\" < $2", zT);
    stream(zSql, 2, aParam, 0, &acc);
  }else if( strcmp(zWorkload, "tsrange")==0 ){
    char zLo[40], zHi[40];
    const char *az[2];
    ts_range(nRow, zLo, zHi, sizeof(zLo));
    az[0] = zLo; az[1] = zHi;
    snprintf(zSql, sizeof(zSql), "SELECT \"id\", \"a\", \"r\", \"t\", \"ts\", \"b\", \"n\" "
             "FROM \"%s\" WHERE \"ts\" >= $1 AND \"ts\" < $2", zT);
    stream(zSql, 2, 0, az, &acc);
  }else if( strcmp(zWorkload, "lookup")==0 || strcmp(zWorkload, "textlookup")==0 ){
    do_lookup(zT, nRow, nLookup, zWorkload[0]=='t', &acc);
  }else if( strcmp(zWorkload, "insert")==0 ){
    do_insert(zIns, nRow, &acc);
  }else if( bench_is_write(zWorkload) ){
    int bTxn = strcmp(zWorkload, "update_txn")==0;
    if( bTxn ) exec_ok("BEGIN");
    bench_w_stmt(zSql, sizeof(zSql), zWorkload, nWrite);
    exec_ok(zSql);
    if( bTxn ) exec_ok("COMMIT");
  }else{
    fprintf(stderr, "bench_ref_pg: unknown workload '%s'\n", zWorkload);
    return 2;
  }
  t1 = now_sec();

  if( strcmp(zWorkload, "insert")==0 ){
    PGresult *pRes;
    snprintf(zSql, sizeof(zSql), "SELECT count(*) FROM \"%s\"", zIns);
    pRes = PQexec(pg, zSql);
    if( PQresultStatus(pRes)!=PGRES_TUPLES_OK ) die(zSql, pRes);
    snprintf(zCheck, sizeof(zCheck), "%s", PQgetvalue(pRes, 0, 0));
    PQclear(pRes);
  }else if( bench_is_write(zWorkload) ){
    PGresult *pRes;
    snprintf(zSql, sizeof(zSql), BENCH_W_CHECK, nWrite);
    pRes = PQexec(pg, zSql);
    if( PQresultStatus(pRes)!=PGRES_TUPLES_OK ) die(zSql, pRes);
    snprintf(zCheck, sizeof(zCheck), "%s", PQgetvalue(pRes, 0, 0));
    PQclear(pRes);
  }else if( strcmp(zWorkload, "fdw")!=0 ){   /* (fdw: the server's sums) */
    acc_check(&acc, zCheck, sizeof(zCheck));
  }
  PQfinish(pg);
  printf("time=%.6f check=%s rss_kb=%ld base_rss_kb=%ld sink=%.0f\n", t1-t0,
         zCheck, peak_rss_kb(), nBase, acc.sumR + acc.sumN + (double)acc.maxTs);
  return 0;
}
