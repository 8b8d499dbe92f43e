/* SPDX-License-Identifier: MIT */
/*
** bench_ref_mysql.c: the MariaDB/MySQL reference side of tool/bench.
**
**   bench_ref_mysql --workload scan|lookup|insert|filter|update|update_txn|
**                   update_filter|delete --rows N [--lookups K] [--write-rows M]
**
** Does each workload the way a C program using only the MySQL/MariaDB client
** library would, reading and converting every value to its C type, so that
** the figure it prints is the floor our extension is compared with. The SQL
** text is the text the extension sends for the same workload (tool/bench
** --sql shows it). Connects to 127.0.0.1:$REMOTE_MYSQL_PORT as
** remote/remote_pw, database remote_test, before the clock starts.
**
** Prints one line:  time=SECONDS check=TEXT rss_kb=PEAK_RSS base_rss_kb=RSS
** where check is compared with tool/bench_run's for the same workload.
**
** Workloads (tables made by tool/bench_load.sh):
**   scan    text protocol: mysql_real_query + mysql_use_result +
**           mysql_fetch_row, every value converted (strtoll, strtod, the
**           DATETIME parsed into its fields)
**   lookup  K lookups by primary key through one server-side prepared
**           statement (mysql_stmt_*), results bound to native C types
**   insert  multi-row INSERT of the same N rows the extension inserts from a
**           local table, 1000 rows a statement, in one transaction
**           (bench_ins_N truncated first, outside the clock)
**   filter  the 1% range a >= ? AND a < ? through a prepared statement,
**           unbuffered (mysql_stmt_fetch without mysql_stmt_store_result),
**           as the extension runs a statement with parameters
**   textlookup  K lookups by the indexed text column t through one prepared
**           statement (WHERE `t` = ?, a string parameter), md5 keys of the
**           same ids
**   tsrange the 1% range `ts` >= ? AND `ts` < ? with two string
**           parameters, prepared and fetched unbuffered
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>

#include <mysql.h>

#include "bench_common.h"

static MYSQL *db;

static void die(const char *zWhat){
  fprintf(stderr, "bench_ref_mysql: %s: %s\n", zWhat, mysql_error(db));
  exit(1);
}

static void die_stmt(const char *zWhat, MYSQL_STMT *pStmt){
  fprintf(stderr, "bench_ref_mysql: %s: %s\n", zWhat, mysql_stmt_error(pStmt));
  exit(1);
}

static void exec_ok(const char *zSql){
  if( mysql_real_query(db, zSql, (unsigned long)strlen(zSql)) ) die(zSql);
  if( mysql_field_count(db)>0 ){
    MYSQL_RES *pRes = mysql_store_result(db);
    mysql_free_result(pRes);
  }
}

/* Text protocol: convert the 7 columns of a row and add them to pAcc */
static void acc_row_text(Acc *pAcc, MYSQL_ROW row, unsigned long *anLen){
  i64 ts;
  pAcc->nRow++;
  if( row[0] ) pAcc->sumId += strtoll(row[0], 0, 10);
  if( row[1] ) pAcc->sumA += strtoll(row[1], 0, 10);
  if( row[2] ) pAcc->sumR += strtod(row[2], 0);
  if( row[3] ) pAcc->sumLen += (i64)anLen[3];
  if( row[4] ){
    ts = parse_ts(row[4], (int)anLen[4]);
    if( ts>pAcc->maxTs ) pAcc->maxTs = ts;
  }
  if( row[5] ) pAcc->sumB += strtoll(row[5], 0, 10);
  if( row[6] ) pAcc->sumN += strtod(row[6], 0);
}

/* Result buffers of a prepared statement over the 7 columns */
typedef struct Out Out;
struct Out {
  MYSQL_BIND aBind[7];
  i64 id;
  int a;
  double r;
  char zT[256];
  MYSQL_TIME ts;
  signed char b;
  char zN[64];
  unsigned long anLen[7];
  my_bool abNull[7];
  my_bool abErr[7];
};

static void out_bind(Out *p){
  static const enum enum_field_types aType[7] = {
    MYSQL_TYPE_LONGLONG, MYSQL_TYPE_LONG, MYSQL_TYPE_DOUBLE, MYSQL_TYPE_STRING,
    MYSQL_TYPE_DATETIME, MYSQL_TYPE_TINY, MYSQL_TYPE_STRING
  };
  void *apBuf[7];
  unsigned long anBuf[7] = { 8, 4, 8, sizeof(p->zT), sizeof(MYSQL_TIME), 1, sizeof(p->zN) };
  int i;
  apBuf[0] = &p->id; apBuf[1] = &p->a; apBuf[2] = &p->r; apBuf[3] = p->zT;
  apBuf[4] = &p->ts; apBuf[5] = &p->b; apBuf[6] = p->zN;
  memset(p->aBind, 0, sizeof(p->aBind));
  for(i=0; i<7; i++){
    p->aBind[i].buffer_type = aType[i];
    p->aBind[i].buffer = apBuf[i];
    p->aBind[i].buffer_length = anBuf[i];
    p->aBind[i].length = &p->anLen[i];
    p->aBind[i].is_null = &p->abNull[i];
    p->aBind[i].error = &p->abErr[i];
  }
}

static void acc_row_bin(Acc *pAcc, Out *p){
  pAcc->nRow++;
  if( !p->abNull[0] ) pAcc->sumId += p->id;
  if( !p->abNull[1] ) pAcc->sumA += p->a;
  if( !p->abNull[2] ) pAcc->sumR += p->r;
  if( !p->abNull[3] ) pAcc->sumLen += (i64)p->anLen[3];
  if( !p->abNull[4] ){
    const MYSQL_TIME *t = &p->ts;
    i64 ts = ((((((i64)t->year*13+t->month)*32+t->day)*24+t->hour)*60+t->minute)*60
              + t->second)*1000000 + t->second_part;
    if( ts>pAcc->maxTs ) pAcc->maxTs = ts;
  }
  if( !p->abNull[5] ) pAcc->sumB += p->b;
  if( !p->abNull[6] ){
    p->zN[p->anLen[6]<sizeof(p->zN) ? p->anLen[6] : sizeof(p->zN)-1] = 0;
    pAcc->sumN += strtod(p->zN, 0);
  }
}

static MYSQL_STMT *prepare(const char *zSql){
  MYSQL_STMT *pStmt = mysql_stmt_init(db);
  if( pStmt==0 ) die("stmt init");
  if( mysql_stmt_prepare(pStmt, zSql, (unsigned long)strlen(zSql)) ){
    die_stmt(zSql, pStmt);
  }
  return pStmt;
}

/* Execute pStmt with nParam int64 parameters (or the strings azText when
** not NULL) and fetch every row unbuffered */
static void run_stmt(MYSQL_STMT *pStmt, Out *pOut, int nParam, i64 *aParam,
                     char **azText, Acc *pAcc){
  MYSQL_BIND aIn[2];
  unsigned long anText[2];
  int i, r;
  memset(aIn, 0, sizeof(aIn));
  for(i=0; i<nParam; i++){
    if( azText ){
      anText[i] = (unsigned long)strlen(azText[i]);
      aIn[i].buffer_type = MYSQL_TYPE_STRING;
      aIn[i].buffer = azText[i];
      aIn[i].buffer_length = anText[i];
      aIn[i].length = &anText[i];
    }else{
      aIn[i].buffer_type = MYSQL_TYPE_LONGLONG;
      aIn[i].buffer = &aParam[i];
    }
  }
  if( nParam>0 && mysql_stmt_bind_param(pStmt, aIn) ) die_stmt("bind param", pStmt);
  if( mysql_stmt_execute(pStmt) ) die_stmt("execute", pStmt);
  while( (r = mysql_stmt_fetch(pStmt))==0 || r==MYSQL_DATA_TRUNCATED ){
    acc_row_bin(pAcc, pOut);
  }
  if( r!=MYSQL_NO_DATA ) die_stmt("fetch", pStmt);
  mysql_stmt_free_result(pStmt);
}

static void do_scan(const char *zSql, Acc *pAcc){
  MYSQL_RES *pRes;
  MYSQL_ROW row;
  if( mysql_real_query(db, zSql, (unsigned long)strlen(zSql)) ) die(zSql);
  pRes = mysql_use_result(db);
  if( pRes==0 ) die("use result");
  while( (row = mysql_fetch_row(pRes))!=0 ){
    acc_row_text(pAcc, row, mysql_fetch_lengths(pRes));
  }
  if( mysql_errno(db) ) die("fetch row");
  mysql_free_result(pRes);
}

/* eKind: 0 the filter range, 1 id lookups, 2 text-key lookups, 3 the
** timestamp range */
static void do_stmt(const char *zSql, int nExec, i64 nRow, int eKind, Acc *pAcc){
  MYSQL_STMT *pStmt = prepare(zSql);
  Out out;
  uint64_t st = 42;
  int i;
  out_bind(&out);
  if( mysql_stmt_bind_result(pStmt, out.aBind) ) die_stmt("bind result", pStmt);
  for(i=0; i<nExec; i++){
    i64 aParam[2];
    char zA[40], zB[40];
    char *az[2];
    az[0] = zA; az[1] = zB;
    if( eKind==1 ){
      aParam[0] = lookup_id(&st, nRow);
      run_stmt(pStmt, &out, 1, aParam, 0, pAcc);
    }else if( eKind==2 ){
      md5_key(lookup_id(&st, nRow), zA);
      run_stmt(pStmt, &out, 1, 0, az, pAcc);
    }else if( eKind==3 ){
      ts_range(nRow, zA, zB, sizeof(zA));
      run_stmt(pStmt, &out, 2, 0, az, pAcc);
    }else{
      filter_range(nRow, &aParam[0], &aParam[1]);
      run_stmt(pStmt, &out, 2, aParam, 0, pAcc);
    }
  }
  mysql_stmt_close(pStmt);
}

static void do_insert(const char *zIns, i64 nRow, Acc *pAcc){
  char *zBuf;
  size_t nBuf, nAlloc = 1<<20;
  size_t nHead;
  int nInBatch = 0;
  i64 g;
  zBuf = malloc(nAlloc);
  if( zBuf==0 ){ fprintf(stderr, "bench_ref_mysql: out of memory\n"); exit(1); }
  nHead = (size_t)snprintf(zBuf, nAlloc,
      "INSERT INTO `%s` (`id`, `a`, `r`, `t`, `ts`, `b`, `n`) VALUES ", zIns);
  nBuf = nHead;
  exec_ok("START TRANSACTION");
  for(g=1; g<=nRow; g++){
    SrcRow r;
    char zEsc[2*sizeof(r.zT)+1];
    src_row(g, nRow, &r);
    mysql_real_escape_string(db, zEsc, r.zT, (unsigned long)strlen(r.zT));
    nBuf += (size_t)snprintf(&zBuf[nBuf], nAlloc-nBuf, "%s(%lld,%lld,%.17g,'%s','%s',%d,%s)",
                             nInBatch ? "," : "", r.id, r.a, r.r, zEsc, r.zTs, r.b, r.zN);
    nInBatch++;
    pAcc->nRow++;
    if( nInBatch==1000 || g==nRow ){
      if( mysql_real_query(db, zBuf, (unsigned long)nBuf) ) die("insert");
      nBuf = nHead;
      nInBatch = 0;
    }
  }
  exec_ok("COMMIT");
  free(zBuf);
}

int main(int argc, char **argv){
  const char *zWorkload = 0;
  const char *zPort = getenv("REMOTE_MYSQL_PORT");
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
      fprintf(stderr, "usage: bench_ref_mysql --workload scan|lookup|insert|filter|"
                      "update|update_txn|update_filter|delete --rows N [--lookups K] "
                      "[--write-rows M]\n");
      return 2;
    }
  }
  if( zWorkload==0 || nRow<=0 ){
    fprintf(stderr, "bench_ref_mysql: --workload and --rows are required\n");
    return 2;
  }
  if( zPort==0 ){
    fprintf(stderr, "bench_ref_mysql: REMOTE_MYSQL_PORT is not set "
                    "(eval \"$(tool/servers.sh env)\")\n");
    return 2;
  }
  snprintf(zT, sizeof(zT), "bench_t_%lld", nRow);
  snprintf(zIns, sizeof(zIns), "bench_ins_%lld", nRow);
  memset(&acc, 0, sizeof(acc));

  db = mysql_init(0);
  if( db==0 ){ fprintf(stderr, "bench_ref_mysql: mysql_init failed\n"); return 1; }
  if( mysql_real_connect(db, "127.0.0.1", "remote", "remote_pw", "remote_test",
                         (unsigned)atoi(zPort), 0, 0)==0 ) die("connect");
  /* the extension's session setup (UTC) */
  exec_ok("SET time_zone = '+00:00'");
  if( strcmp(zWorkload, "insert")==0 ){
    snprintf(zSql, sizeof(zSql), "TRUNCATE TABLE `%s`", zIns);
    exec_ok(zSql);
  }
  if( bench_is_write(zWorkload) ){
    /* one statement at a time (no CLIENT_MULTI_STATEMENTS) */
    char *z, *zEnd;
    bench_w_sql(zSql, sizeof(zSql), BENCH_W_MYSQL, nWrite);
    for(z=zSql; z; z=zEnd){
      zEnd = strchr(z, ';');
      if( zEnd ) *zEnd++ = 0;
      if( mysql_real_query(db, z, (unsigned long)strlen(z)) ) die(z);
      { MYSQL_RES *pR = mysql_store_result(db); if( pR ) mysql_free_result(pR); }
    }
  }

  nBase = peak_rss_kb();
  t0 = now_sec();
  if( strcmp(zWorkload, "scan")==0 ){
    snprintf(zSql, sizeof(zSql), "SELECT `id`, `a`, `r`, `t`, `ts`, `b`, `n` FROM `%s`", zT);
    do_scan(zSql, &acc);
  }else if( strcmp(zWorkload, "filter")==0 ){
    snprintf(zSql, sizeof(zSql), "SELECT `id`, `a`, `r`, `t`, `ts`, `b`, `n` FROM `%s` "
             "WHERE `a` >= ? AND `a` < ?", zT);
    do_stmt(zSql, 1, nRow, 0, &acc);
  }else if( strcmp(zWorkload, "lookup")==0 ){
    snprintf(zSql, sizeof(zSql), "SELECT `id`, `a`, `r`, `t`, `ts`, `b`, `n` FROM `%s` "
             "WHERE `id` = ?", zT);
    do_stmt(zSql, nLookup, nRow, 1, &acc);
  }else if( strcmp(zWorkload, "textlookup")==0 ){
    snprintf(zSql, sizeof(zSql), "SELECT `id`, `a`, `r`, `t`, `ts`, `b`, `n` FROM `%s` "
             "WHERE `t` = ?", zT);
    do_stmt(zSql, nLookup, nRow, 2, &acc);
  }else if( strcmp(zWorkload, "tsrange")==0 ){
    snprintf(zSql, sizeof(zSql), "SELECT `id`, `a`, `r`, `t`, `ts`, `b`, `n` FROM `%s` "
             "WHERE `ts` >= ? AND `ts` < ?", zT);
    do_stmt(zSql, 1, nRow, 3, &acc);
  }else if( strcmp(zWorkload, "insert")==0 ){
    do_insert(zIns, nRow, &acc);
  }else if( bench_is_write(zWorkload) ){
    int bTxn = strcmp(zWorkload, "update_txn")==0;
    if( bTxn ) exec_ok("START TRANSACTION");
    bench_w_stmt(zSql, sizeof(zSql), zWorkload, nWrite);
    exec_ok(zSql);
    if( bTxn ) exec_ok("COMMIT");
  }else{
    fprintf(stderr, "bench_ref_mysql: unknown workload '%s'\n", zWorkload);
    return 2;
  }
  t1 = now_sec();

  if( strcmp(zWorkload, "insert")==0 || bench_is_write(zWorkload) ){
    MYSQL_RES *pRes;
    MYSQL_ROW row;
    if( bench_is_write(zWorkload) ){
      snprintf(zSql, sizeof(zSql), BENCH_W_CHECK_MYSQL, nWrite);
    }else{
      snprintf(zSql, sizeof(zSql), "SELECT count(*) FROM `%s`", zIns);
    }
    if( mysql_real_query(db, zSql, (unsigned long)strlen(zSql)) ) die(zSql);
    pRes = mysql_store_result(db);
    if( pRes==0 || (row = mysql_fetch_row(pRes))==0 ) die(zSql);
    snprintf(zCheck, sizeof(zCheck), "%s", row[0]);
    mysql_free_result(pRes);
  }else{
    acc_check(&acc, zCheck, sizeof(zCheck));
  }
  mysql_close(db);
  printf("time=%.6f check=%s rss_kb=%ld base_rss_kb=%ld sink=%.0f\n", t1-t0,
         zCheck, peak_rss_kb(), nBase, acc.sumR + acc.sumN + (double)acc.maxTs);
  return 0;
}
