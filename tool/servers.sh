#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tool/servers.sh: throwaway PostgreSQL and MariaDB servers for the tests,
# and a PgBouncer in transaction pooling mode in front of the PostgreSQL.
#
#   tool/servers.sh start     start both (no-op when already running and healthy)
#   tool/servers.sh stop      stop both and delete their temporary directory
#   tool/servers.sh status    print what runs; exit 0 only when both answer
#   tool/servers.sh env       print `export` lines:  eval "$(tool/servers.sh env)"
#
# Both servers live in one `mktemp -d` directory under /tmp, listen on free
# loopback TCP ports (never 5432/3306) and on unix sockets inside that
# directory, and keep running after this script exits.  What runs where is
# recorded in <repo>/.servers/state (a shell fragment).  A stale state file
# (processes gone, machine rebooted) is cleaned up and the servers started anew.
#
# Accounts: user `remote`, password `remote_pw`, database `remote_test` on both
# (PostgreSQL superuser; MariaDB ALL on *.* WITH GRANT OPTION).  PostgreSQL runs
# as the `postgres` user when we are root (it refuses to run as root), with
# trust on the unix socket and scram-sha-256 over TCP.  MariaDB's root has no
# password and is reachable on the socket only.
#
# PgBouncer (Debian's `pgbouncer`) listens on its own loopback port with
# pool_mode=transaction and default_pool_size=2 (few server connections, so
# that clients really share them), the same user and password (userlist,
# scram-sha-256), and runs as the PostgreSQL user; `env` exports its URL as
# REMOTE_PGB_URL.  Without the package it is left out (REMOTE_PGB_URL unset).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE_DIR=$ROOT/.servers
STATE=$STATE_DIR/state
START_TIMEOUT=${REMOTE_SERVERS_TIMEOUT:-90}   # seconds to wait for readiness

log() { echo "servers.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

# --- locating binaries -------------------------------------------------------

find_pg_bin() {
    local d
    if [ -n "${REMOTE_PG_BIN:-}" ] && [ -x "$REMOTE_PG_BIN/initdb" ]; then
        echo "$REMOTE_PG_BIN"; return
    fi
    for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -t/ -k5 -rn); do
        [ -x "$d/initdb" ] && { echo "$d"; return; }
    done
    d=$(pg_config --bindir 2>/dev/null || true)
    [ -n "$d" ] && [ -x "$d/initdb" ] && { echo "$d"; return; }
    die "PostgreSQL server binaries (initdb) not found; run tool/deps.sh"
}

find_my_bin() {   # $1 = preferred name, $2 = fallback name
    command -v "$1" 2>/dev/null || command -v "$2" 2>/dev/null \
        || { [ -x "/usr/sbin/$1" ] && echo "/usr/sbin/$1"; } \
        || die "$1 not found; run tool/deps.sh"
}

# --- processes -----------------------------------------------------------------

# alive PID: the process exists and is not a zombie.
alive() {
    local s
    [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
    s=$(sed 's/^[^)]*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}

# ours PID DIR: the process is alive and its command line names DIR, so a
# recycled pid is never killed.
ours() {
    alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# wait_gone PID SECONDS: wait until PID is gone (or a zombie); 1 on timeout.
wait_gone() {
    local i n=$(( $2 * 10 ))
    for ((i = 0; i < n; i++)); do alive "$1" || return 0; sleep 0.1; done
    return 1
}

# run_pg CMD...: run a PostgreSQL server-side command as the postgres user when
# we are root, as ourselves otherwise; cwd is the temp dir (readable by it).
run_pg() {
    if [ "$(id -u)" = 0 ]; then
        (cd "$TMP" && runuser -u postgres -- "$@")
    else
        (cd "$TMP" && "$@")
    fi
}

# --- ports -----------------------------------------------------------------------

port_free() {
    local p=$1
    if command -v ss >/dev/null 2>&1; then
        [ -z "$(ss -Htln "sport = :$p" 2>/dev/null)" ] || return 1
    fi
    # Nothing may answer on it either (covers systems without ss).
    if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then return 1; fi
    return 0
}

# pick_port [AVOID]: a free port in 20000-39999, never AVOID, 5432 or 3306.
pick_port() {
    local p i
    for ((i = 0; i < 200; i++)); do
        p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 20000 ))
        [ "$p" = "${1:-}" ] && continue
        port_free "$p" && { echo "$p"; return; }
    done
    die "no free TCP port found in 20000-39999"
}

# --- state file --------------------------------------------------------------------

load_state() {
    [ -f "$STATE" ] || return 1
    # shellcheck disable=SC1090
    . "$STATE"
    [ -n "${TMP:-}" ]
}

write_state() {
    mkdir -p "$STATE_DIR"
    {
        echo "# written by tool/servers.sh start on $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        local v
        for v in TMP PG_BIN PG_PORT PG_PID PG_DATA PG_SOCKET_DIR PG_LOG \
                 MY_PORT MY_PID MY_SOCKET MY_LOG PGB_PORT PGB_PID PGB_LOG; do
            printf '%s=%q\n' "$v" "${!v:-}"
        done
    } >"$STATE.new"
    mv -f "$STATE.new" "$STATE"
}

clear_vars() {
    TMP='' PG_BIN='' PG_PORT='' PG_PID='' PG_DATA='' PG_SOCKET_DIR='' PG_LOG=''
    MY_PORT='' MY_PID='' MY_SOCKET='' MY_LOG='' PGB_PORT='' PGB_PID='' PGB_LOG=
}

# --- health --------------------------------------------------------------------------

pg_ok() {
    [ -n "${PG_PORT:-}" ] && ours "${PG_PID:-}" "$TMP" \
        && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d remote_test -U remote -t 5 \
           </dev/null >/dev/null 2>&1
}

my_ok() {
    [ -n "${MY_PORT:-}" ] && ours "${MY_PID:-}" "$TMP" \
        && "$(find_my_bin mariadb-admin mysqladmin)" --no-defaults --connect-timeout=5 \
           -uroot --socket="$MY_SOCKET" ping </dev/null >/dev/null 2>&1
}

pgbouncer_bin() { command -v pgbouncer 2>/dev/null || echo /usr/sbin/pgbouncer; }
have_pgbouncer() { [ -x "$(pgbouncer_bin)" ]; }

# pgb_ok: the PgBouncer answers (true when there is no pgbouncer to run)
pgb_ok() {
    have_pgbouncer || return 0
    [ -n "${PGB_PORT:-}" ] && ours "${PGB_PID:-}" "$TMP" \
        && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PGB_PORT" -d remote_test -U remote -t 5 \
           </dev/null >/dev/null 2>&1
}

healthy() { load_state && pg_ok && my_ok && pgb_ok; }

tail_log() {   # tail_log NAME FILE
    [ -f "$2" ] || return 0
    log "---- last lines of $1 log ($2) ----"
    tail -n 30 "$2" >&2 || true
    log "----"
}

# --- stop ----------------------------------------------------------------------------

# stop_all: stop whatever the loaded state describes, remove its directory and
# the state file.  Never touches processes that are not ours.
stop_all() {
    if [ -n "${PGB_PID:-}" ] && ours "$PGB_PID" "$TMP"; then
        # SIGTERM: immediate shutdown (SIGINT would wait for its clients)
        kill -TERM "$PGB_PID" 2>/dev/null || true
        wait_gone "$PGB_PID" 10 || kill -KILL "$PGB_PID" 2>/dev/null || true
    fi
    if [ -n "${PG_PID:-}" ] && ours "$PG_PID" "$TMP"; then
        if [ -d "${PG_DATA:-}" ]; then
            run_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop \
                </dev/null >/dev/null 2>&1 9>&- || true
        fi
        if ! wait_gone "$PG_PID" 5; then
            kill -QUIT "$PG_PID" 2>/dev/null || true
            wait_gone "$PG_PID" 5 || kill -KILL "$PG_PID" 2>/dev/null || true
        fi
    fi
    if [ -n "${MY_PID:-}" ] && ours "$MY_PID" "$TMP"; then
        kill -TERM "$MY_PID" 2>/dev/null || true
        wait_gone "$MY_PID" 30 || { kill -KILL "$MY_PID" 2>/dev/null || true; wait_gone "$MY_PID" 5 || true; }
    fi
    # Anything else still running out of our directory (a postgres child, an
    # unrecorded server after a failed start).
    if [ -n "${TMP:-}" ]; then
        local p
        for p in $(pgrep -f -- "$TMP" 2>/dev/null || true); do
            [ "$p" = "$$" ] && continue
            if ours "$p" "$TMP"; then kill -KILL "$p" 2>/dev/null || true; fi
        done
        case "$TMP" in
            /tmp/sqlite-remote.*) rm -rf -- "$TMP" ;;
            *) log "not removing unexpected directory '$TMP'" ;;
        esac
    fi
    rm -f "$STATE"
    clear_vars
}

# --- start -------------------------------------------------------------------------------

start_pg() {
    local locale=C
    locale -a 2>/dev/null | grep -qix 'c.utf-\?8' && locale=C.UTF-8
    PG_SOCKET_DIR=$TMP/pg
    PG_DATA=$TMP/pg/data
    PG_LOG=$TMP/pg/server.log
    mkdir -p "$PG_SOCKET_DIR"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "no 'postgres' user (install postgresql: tool/deps.sh)"
        chown postgres: "$PG_SOCKET_DIR"
    fi
    chmod 755 "$PG_SOCKET_DIR"
    run_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale="$locale" \
        --auth-local=trust --auth-host=scram-sha-256 -N \
        </dev/null >"$TMP/pg/initdb.log" 2>&1 \
        || { tail_log initdb "$TMP/pg/initdb.log"; die "initdb failed"; }

    local attempt
    for attempt in 1 2 3; do
        PG_PORT=$(pick_port)
        cat >>"$PG_DATA/postgresql.conf" <<EOF

# --- tool/servers.sh (attempt $attempt) ---
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
max_connections = 200
max_prepared_transactions = 50
shared_buffers = 64MB
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
log_min_messages = warning
EOF
        # pg_ctl detaches the postmaster (setsid, output to the log file).
        if run_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$START_TIMEOUT" \
                -s start </dev/null >/dev/null 2>&1 9>&-; then
            break
        fi
        if [ $attempt -lt 3 ] && grep -q 'Address already in use' "$PG_LOG" 2>/dev/null; then
            log "PostgreSQL port $PG_PORT was taken, trying another"
            continue
        fi
        tail_log PostgreSQL "$PG_LOG"
        die "PostgreSQL did not start (port $PG_PORT)"
    done
    PG_PID=$(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null || true)

    local i
    for ((i = 0; i < START_TIMEOUT * 10; i++)); do
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 </dev/null >/dev/null 2>&1 && break
        alive "$PG_PID" || break
        sleep 0.1
    done
    "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2 </dev/null >/dev/null 2>&1 \
        || { tail_log PostgreSQL "$PG_LOG"; die "PostgreSQL is not answering on port $PG_PORT"; }

    # Trust on the socket: no password needed for the bootstrap superuser.
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" \
        -U postgres -d postgres </dev/null >"$TMP/pg/setup.log" 2>&1 \
        -c "CREATE ROLE remote LOGIN SUPERUSER PASSWORD 'remote_pw'" \
        -c "CREATE DATABASE remote_test OWNER remote" \
        || { tail_log "PostgreSQL setup" "$TMP/pg/setup.log"; die "PostgreSQL user/database setup failed"; }
}

start_my() {
    local install mariadbd client
    install=$(find_my_bin mariadb-install-db mysql_install_db)
    mariadbd=$(find_my_bin mariadbd mysqld)
    client=$(find_my_bin mariadb mysql)
    local userarg=()
    [ "$(id -u)" = 0 ] && userarg=(--user=root)

    mkdir -p "$TMP/my/tmp"
    MY_SOCKET=$TMP/my/mysql.sock
    MY_LOG=$TMP/my/server.log
    "$install" --no-defaults --datadir="$TMP/my/data" "${userarg[@]}" \
        --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve \
        </dev/null >"$TMP/my/install.log" 2>&1 \
        || { tail_log mariadb-install-db "$TMP/my/install.log"; die "mariadb-install-db failed"; }

    local attempt i
    for attempt in 1 2 3; do
        MY_PORT=$(pick_port "${PG_PORT:-}")
        rm -f "$TMP/my/mariadbd.pid"
        # Own session, no terminal, no inherited lock fd: it outlives us.
        ( setsid "$mariadbd" --no-defaults \
            --datadir="$TMP/my/data" --pid-file="$TMP/my/mariadbd.pid" \
            --tmpdir="$TMP/my/tmp" \
            --socket="$MY_SOCKET" --port="$MY_PORT" --bind-address=127.0.0.1 \
            --log-error="$MY_LOG" "${userarg[@]}" \
            --skip-log-bin --skip-name-resolve --max-connections=300 \
            --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
            --innodb-buffer-pool-size=64M --innodb-log-file-size=48M \
            --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 \
            --innodb-flush-method=nosync --sync-frm=0 \
            </dev/null >>"$TMP/my/stdout.log" 2>&1 9>&- & )
        MY_PID=
        for ((i = 0; i < START_TIMEOUT * 10; i++)); do
            [ -z "$MY_PID" ] && MY_PID=$(cat "$TMP/my/mariadbd.pid" 2>/dev/null || true)
            if [ -n "$MY_PID" ]; then
                "$(find_my_bin mariadb-admin mysqladmin)" --no-defaults --connect-timeout=2 \
                    -uroot --socket="$MY_SOCKET" ping </dev/null >/dev/null 2>&1 && break
                alive "$MY_PID" || break
            elif [ $i -gt 50 ] && ! pgrep -f -- "--datadir=$TMP/my/data" >/dev/null; then
                break   # died before writing its pid file
            fi
            sleep 0.1
        done
        if [ -n "$MY_PID" ] && alive "$MY_PID" && port_in_use_by_us "$MY_PORT"; then
            break
        fi
        if [ $attempt -lt 3 ] && grep -qi 'bind on tcp/ip port\|address already in use' "$MY_LOG" 2>/dev/null; then
            log "MariaDB port $MY_PORT was taken, trying another"
            [ -n "$MY_PID" ] && { kill -KILL "$MY_PID" 2>/dev/null || true; wait_gone "$MY_PID" 5 || true; }
            continue
        fi
        tail_log MariaDB "$MY_LOG"
        die "MariaDB did not start (port $MY_PORT)"
    done

    local sql="
        CREATE DATABASE IF NOT EXISTS remote_test;
        CREATE USER 'remote'@'127.0.0.1' IDENTIFIED BY 'remote_pw';
        CREATE USER 'remote'@'localhost' IDENTIFIED BY 'remote_pw';
        CREATE USER 'remote'@'%' IDENTIFIED BY 'remote_pw';
        GRANT ALL PRIVILEGES ON *.* TO 'remote'@'127.0.0.1' WITH GRANT OPTION;
        GRANT ALL PRIVILEGES ON *.* TO 'remote'@'localhost' WITH GRANT OPTION;
        GRANT ALL PRIVILEGES ON *.* TO 'remote'@'%' WITH GRANT OPTION;
        FLUSH PRIVILEGES;"
    "$client" --no-defaults -uroot --socket="$MY_SOCKET" -e "$sql" \
        </dev/null >"$TMP/my/setup.log" 2>&1 \
        || { tail_log "MariaDB setup" "$TMP/my/setup.log"; die "MariaDB user/database setup failed"; }
    # Named time zones (SET time_zone='Europe/Paris') need the zone tables:
    # UTC and the zones the tests use (test/timezone.test), not all of them
    # (a few seconds more per start)
    if [ -f /usr/share/zoneinfo/UTC ] && command -v mariadb-tzinfo-to-sql >/dev/null 2>&1; then
        { mariadb-tzinfo-to-sql /usr/share/zoneinfo/UTC UTC
          mariadb-tzinfo-to-sql /usr/share/zoneinfo/UTC Etc/UTC
          for z in Europe/Paris America/New_York Asia/Kolkata Asia/Tokyo Australia/Lord_Howe; do
              [ -f "/usr/share/zoneinfo/$z" ] && mariadb-tzinfo-to-sql "/usr/share/zoneinfo/$z" "$z"
          done; } 2>/dev/null \
            | "$client" --no-defaults -uroot --socket="$MY_SOCKET" mysql \
              >>"$TMP/my/setup.log" 2>&1 || log "warning: could not load the time zones into MariaDB"
    fi
}

# pgb_config: the PgBouncer configuration for $PGB_PORT, in $1
pgb_config() {
    cat >"$1" <<EOF
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir = $TMP/pgb
auth_type = scram-sha-256
auth_file = $TMP/pgb/userlist.txt
pool_mode = transaction
default_pool_size = 2
min_pool_size = 0
reserve_pool_size = 0
max_db_connections = 2
max_client_conn = 500
query_wait_timeout = 120
logfile = $PGB_LOG
pidfile = $TMP/pgb/pgbouncer.pid
admin_users = remote
EOF
}

# run_pgb ARGS: pgbouncer as the postgres user when we are root (it refuses
# to run as root), detached (-d)
run_pgb() {
    if [ "$(id -u)" = 0 ]; then
        (cd "$TMP/pgb" && runuser -u postgres -- "$(pgbouncer_bin)" "$@")
    else
        (cd "$TMP/pgb" && "$(pgbouncer_bin)" "$@")
    fi
}

# start_pgb: PgBouncer in transaction mode in front of the PostgreSQL.
start_pgb() {
    have_pgbouncer || { log "pgbouncer not installed: no REMOTE_PGB_URL"; return 0; }
    local dir=$TMP/pgb attempt i
    mkdir -p "$dir"
    PGB_LOG=$dir/pgbouncer.log
    printf '"remote" "remote_pw"\n' >"$dir/userlist.txt"
    chmod 600 "$dir/userlist.txt"
    for attempt in 1 2 3; do
        PGB_PORT=$(pick_port "${PG_PORT:-}")
        pgb_config "$dir/pgbouncer.ini"
        [ "$(id -u)" = 0 ] && chown -R postgres: "$dir"
        rm -f "$dir/pgbouncer.pid"
        run_pgb -d -q "$dir/pgbouncer.ini" </dev/null >>"$dir/stdout.log" 2>&1 9>&- || true
        PGB_PID=
        for ((i = 0; i < 100; i++)); do
            [ -z "$PGB_PID" ] && PGB_PID=$(cat "$dir/pgbouncer.pid" 2>/dev/null || true)
            if [ -n "$PGB_PID" ] && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PGB_PORT" \
                    -d remote_test -U remote -t 2 </dev/null >/dev/null 2>&1; then
                return 0
            fi
            sleep 0.1
        done
        [ -n "$PGB_PID" ] && { kill -KILL "$PGB_PID" 2>/dev/null || true; }
        if [ $attempt -lt 3 ] && grep -qi 'address already in use' "$PGB_LOG" "$dir/stdout.log" 2>/dev/null; then
            log "PgBouncer port $PGB_PORT was taken, trying another"
            continue
        fi
        tail_log PgBouncer "$PGB_LOG"
        tail_log "PgBouncer stdout" "$dir/stdout.log"
        die "PgBouncer did not start (port $PGB_PORT)"
    done
}

# port_in_use_by_us PORT: something listens on PORT (the server we just started).
port_in_use_by_us() { ! port_free "$1"; }

cmd_start() {
    mkdir -p "$STATE_DIR"
    exec 9>"$STATE_DIR/lock"
    flock -w 600 9 || die "could not lock $STATE_DIR/lock"

    if load_state; then
        if pg_ok && my_ok; then
            if ! pgb_ok; then
                # servers of an older tool/servers.sh, or a PgBouncer gone
                log "starting PgBouncer in front of the running PostgreSQL"
                start_pgb
                write_state
            fi
            log "already running (PostgreSQL :$PG_PORT, MariaDB :$MY_PORT${PGB_PORT:+, PgBouncer :$PGB_PORT})"
            return 0
        fi
        log "stale state in $STATE (servers not answering): cleaning up"
        stop_all
    fi
    clear_vars

    PG_BIN=$(find_pg_bin)
    TMP=$(mktemp -d /tmp/sqlite-remote.XXXXXX)
    chmod 755 "$TMP"
    write_state   # so a failed start can still be cleaned by `stop`
    trap 'rc=$?; if [ $rc -ne 0 ]; then log "start failed: cleaning up"; stop_all; fi' EXIT

    start_pg
    write_state
    start_my
    write_state
    start_pgb
    write_state
    trap - EXIT
    log "PostgreSQL on 127.0.0.1:$PG_PORT (socket dir $PG_SOCKET_DIR), MariaDB on 127.0.0.1:$MY_PORT (socket $MY_SOCKET)${PGB_PORT:+, PgBouncer on 127.0.0.1:$PGB_PORT}"
}

cmd_stop() {
    mkdir -p "$STATE_DIR"
    exec 9>"$STATE_DIR/lock"
    flock -w 600 9 || die "could not lock $STATE_DIR/lock"
    if load_state; then
        PG_BIN=${PG_BIN:-$(find_pg_bin)}
        stop_all
        log "stopped"
    else
        log "not running"
    fi
}

cmd_status() {
    if ! load_state; then echo "not running (no $STATE)"; return 1; fi
    local rc=0
    if pg_ok; then
        echo "postgresql: up   127.0.0.1:$PG_PORT pid $PG_PID socket dir $PG_SOCKET_DIR"
    else
        echo "postgresql: DOWN (port ${PG_PORT:-?}, pid ${PG_PID:-?})"; rc=1
    fi
    if my_ok; then
        echo "mariadb:    up   127.0.0.1:$MY_PORT pid $MY_PID socket $MY_SOCKET"
    else
        echo "mariadb:    DOWN (port ${MY_PORT:-?}, pid ${MY_PID:-?})"; rc=1
    fi
    if ! have_pgbouncer; then
        echo "pgbouncer:  not installed"
    elif pgb_ok; then
        echo "pgbouncer:  up   127.0.0.1:$PGB_PORT pid $PGB_PID (transaction pooling, 2 server connections)"
    else
        echo "pgbouncer:  DOWN (port ${PGB_PORT:-?}, pid ${PGB_PID:-?})"; rc=1
    fi
    echo "directory:  $TMP"
    return $rc
}

cmd_env() {
    load_state && [ -n "${PG_PORT:-}" ] && [ -n "${MY_PORT:-}" ] \
        || die "servers are not running: run tool/servers.sh start"
    if ! ours "${PG_PID:-}" "$TMP" || ! ours "${MY_PID:-}" "$TMP"; then
        log "warning: the recorded servers are not running: run tool/servers.sh start"
    fi
    q() { printf 'export %s=%q\n' "$1" "$2"; }
    q REMOTE_PG_URL        "postgresql://remote:remote_pw@127.0.0.1:$PG_PORT/remote_test"
    q REMOTE_MYSQL_URL     "mysql://remote:remote_pw@127.0.0.1:$MY_PORT/remote_test"
    q REMOTE_PG_SOCKET_DIR "$PG_SOCKET_DIR"
    q REMOTE_MYSQL_SOCKET  "$MY_SOCKET"
    q REMOTE_PG_PORT       "$PG_PORT"
    q REMOTE_MYSQL_PORT    "$MY_PORT"
    q REMOTE_PG_BIN        "$PG_BIN"
    q REMOTE_SERVERS_DIR   "$TMP"
    if [ -n "${PGB_PORT:-}" ]; then
        q REMOTE_PGB_URL   "postgresql://remote:remote_pw@127.0.0.1:$PGB_PORT/remote_test"
        q REMOTE_PGB_PORT  "$PGB_PORT"
    fi
}

case "${1:-}" in
    start)  cmd_start ;;
    stop)   cmd_stop ;;
    status) cmd_status ;;
    env)    cmd_env ;;
    *)      echo "usage: $0 start|stop|status|env" >&2; exit 2 ;;
esac
