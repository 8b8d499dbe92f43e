#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tool/bench_load.sh: load the benchmark tables into the throwaway servers.
#
#   tool/bench_load.sh [--rows N] [--force] [pg|mysql ...]
#
# Uses the servers of tool/servers.sh (its `env`).  Creates, in the
# remote_test database of each dialect named (default: both):
#
#   bench_t_N    N rows (default 1,000,000), read by the scan, lookup and
#                filter workloads; secondary indexes on a, t and ts.  Its table
#                comment holds the layout version: a table already loaded
#                is left alone, so reruns are instant (--force reloads).
#                Tables of different sizes live side by side.
#   bench_ins_N  the same columns, empty: target of the bulk-insert workload
#                (each run truncates it first)
#
#   tool/bench_load.sh --drop [pg|mysql ...]   drops every bench_t_* and
#                                              bench_ins_* table
#
# Row g (1..N) of bench_t, the same formula on both servers:
#   id bigint PRIMARY KEY   g
#   a  int NOT NULL         (g * 7919) % N      (a permutation of 0..N-1 when
#                                                N is prime to 7919: the 1%
#                                                filter is a < N/100)
#   r  double               g / 7.0
#   t  text, 32 chars       md5(g as text)
#   ts timestamp            2020-01-01 00:00:00 + g * 1.25 s  (MariaDB:
#                                                DATETIME(6))
#   b  bool                 g % 3 = 0           (MariaDB: BOOL = tinyint(1))
#   n  numeric(12,2)        g / 100
#
# Generated on the server itself: generate_series on PostgreSQL, the
# SEQUENCE engine's seq_1_to_N on MariaDB.  Tables are named bench_* and
# nothing else is touched.
set -euo pipefail

VERSION=bench-v2
ROWS=1000000
FORCE=0
DROP=0
DIALECTS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) ROWS=${2:-}; shift 2 ;;
        --rows=*) ROWS=${1#--rows=}; shift ;;
        --force) FORCE=1; shift ;;
        --drop) DROP=1; shift ;;
        pg|mysql) DIALECTS+=("$1"); shift ;;
        *) echo "bench_load.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[ ${#DIALECTS[@]} -eq 0 ] && DIALECTS=(pg mysql)
case "$ROWS" in ''|*[!0-9]*) echo "bench_load.sh: --rows needs a positive integer" >&2; exit 2 ;; esac
[ "$ROWS" -ge 100 ] || { echo "bench_load.sh: --rows must be at least 100" >&2; exit 2; }

if [ -z "${REMOTE_PG_URL:-}" ] || [ -z "${REMOTE_MYSQL_PORT:-}" ]; then
    env_sh=$("$(dirname "${BASH_SOURCE[0]}")/servers.sh" env) \
        || { echo "bench_load.sh: servers not running: tool/servers.sh start" >&2; exit 1; }
    eval "$env_sh"
fi

T=bench_t_$ROWS
INS=bench_ins_$ROWS
PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$REMOTE_PG_URL")
MYSQL=(mariadb --no-defaults -uremote -premote_pw -h127.0.0.1 -P"$REMOTE_MYSQL_PORT"
       remote_test)
command -v mariadb >/dev/null 2>&1 || MYSQL[0]=mysql

log() { echo "bench_load.sh: $*" >&2; }

pg_loaded() {
    local v
    v=$("${PSQL[@]}" -Atc "SELECT obj_description('$T'::regclass, 'pg_class')
                           || ' ' || to_regclass('$INS')::text" 2>/dev/null </dev/null) || return 1
    [ "$v" = "$VERSION $INS" ]
}

my_loaded() {
    local v
    v=$("${MYSQL[@]}" -N -B -e "SELECT GROUP_CONCAT(table_name, ':', table_comment ORDER BY table_name)
        FROM information_schema.tables WHERE table_schema = DATABASE()
        AND table_name IN ('$T', '$INS')" 2>/dev/null </dev/null) || return 1
    [ "$v" = "$INS:,$T:$VERSION" ]
}

load_pg() {
    if [ $FORCE = 0 ] && pg_loaded; then
        log "pg: $T already loaded"
    else
        log "pg: loading $ROWS rows into $T"
        "${PSQL[@]}" </dev/null \
            -c "SET client_min_messages = warning" \
            -c "DROP TABLE IF EXISTS $T, $INS" \
            -c "CREATE TABLE $T (id bigint PRIMARY KEY, a integer NOT NULL,
                  r double precision, t text, ts timestamp, b boolean, n numeric(12,2))" \
            -c "INSERT INTO $T
                SELECT g, ((g::bigint * 7919) % $ROWS)::integer, g / 7.0::float8,
                       md5(g::text), timestamp '2020-01-01 00:00:00' + g * interval '1.25 second',
                       g % 3 = 0, (g / 100.0)::numeric(12,2)
                FROM generate_series(1, $ROWS) AS g" \
            -c "CREATE INDEX ${T}_a ON $T (a)" \
            -c "CREATE INDEX ${T}_t ON $T (t)" \
            -c "CREATE INDEX ${T}_ts ON $T (ts)" \
            -c "VACUUM ANALYZE $T" \
            -c "CREATE TABLE $INS (id bigint PRIMARY KEY, a integer NOT NULL,
                  r double precision, t text, ts timestamp, b boolean, n numeric(12,2))" \
            -c "COMMENT ON TABLE $T IS '$VERSION'"
    fi
    "${PSQL[@]}" </dev/null -c "TRUNCATE $INS"
}

load_my() {
    if [ $FORCE = 0 ] && my_loaded; then
        log "mysql: $T already loaded"
    else
        log "mysql: loading $ROWS rows into $T"
        "${MYSQL[@]}" </dev/null -e "
            DROP TABLE IF EXISTS $T, $INS;
            CREATE TABLE $T (id BIGINT PRIMARY KEY, a INT NOT NULL, r DOUBLE,
              t VARCHAR(32), ts DATETIME(6), b BOOL, n DECIMAL(12,2)) ENGINE=InnoDB;
            INSERT INTO $T
              SELECT seq, (seq * 7919) % $ROWS, seq / 7e0, md5(seq),
                     TIMESTAMP'2020-01-01 00:00:00' + INTERVAL seq * 1250000 MICROSECOND,
                     seq % 3 = 0, seq / 100
              FROM seq_1_to_$ROWS;
            CREATE INDEX ${T}_a ON $T (a);
            CREATE INDEX ${T}_t ON $T (t);
            CREATE INDEX ${T}_ts ON $T (ts);
            ANALYZE TABLE $T;
            CREATE TABLE $INS (id BIGINT PRIMARY KEY, a INT NOT NULL, r DOUBLE,
              t VARCHAR(32), ts DATETIME(6), b BOOL, n DECIMAL(12,2)) ENGINE=InnoDB;
            ALTER TABLE $T COMMENT = '$VERSION';" >/dev/null
    fi
    "${MYSQL[@]}" </dev/null -e "TRUNCATE TABLE $INS"
}

drop_pg() {
    local l
    l=$("${PSQL[@]}" -Atc "SELECT string_agg(quote_ident(tablename), ', ') FROM pg_tables
        WHERE schemaname = current_schema() AND tablename ~ '^bench_(t|ins)_[0-9]+$'" </dev/null)
    [ -n "$l" ] && "${PSQL[@]}" </dev/null -c "DROP TABLE IF EXISTS $l" && log "pg: dropped $l"
    return 0
}

drop_my() {
    local l
    l=$("${MYSQL[@]}" -N -B -e "SELECT GROUP_CONCAT(table_name SEPARATOR ', ') FROM
        information_schema.tables WHERE table_schema = DATABASE()
        AND table_name REGEXP '^bench_(t|ins)_[0-9]+\$'" </dev/null)
    [ -n "$l" ] && [ "$l" != NULL ] && "${MYSQL[@]}" </dev/null -e "DROP TABLE IF EXISTS $l" \
        && log "mysql: dropped $l"
    return 0
}

for d in "${DIALECTS[@]}"; do
    case "$d:$DROP" in
        pg:0) load_pg ;;
        mysql:0) load_my ;;
        pg:1) drop_pg ;;
        mysql:1) drop_my ;;
    esac
done
