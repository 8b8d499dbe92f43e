#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tool/demo.sh: the `make demo` tour.  Starts the throwaway servers (if they
# are not running), (re)creates the sample table public.demo_items in their
# PostgreSQL with psql, then feeds tool/demo.sql to the sqlite3 shell, which
# loads ./dist/remote and reads the URL from $REMOTE_PG_URL (env:REMOTE_PG_URL).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

[ -f dist/remote.so ] || { echo "demo.sh: dist/remote.so is missing: run make" >&2; exit 1; }
tool/servers.sh start
eval "$(tool/servers.sh env)"

"$REMOTE_PG_BIN/psql" "$REMOTE_PG_URL" -X -q -v ON_ERROR_STOP=1 </dev/null \
    -c "SET client_min_messages = warning" \
    -c "DROP TABLE IF EXISTS public.demo_items" \
    -c "CREATE TABLE public.demo_items (
            id      integer PRIMARY KEY,
            name    text NOT NULL,
            price   double precision NOT NULL,
            stock   integer NOT NULL DEFAULT 0,
            added   date NOT NULL DEFAULT current_date)" \
    -c "INSERT INTO public.demo_items (id, name, price, stock, added) VALUES
            (1, 'pencil',      1.5,   120, '2024-01-15'),
            (2, 'notebook',    4.25,   40, '2024-02-01'),
            (3, 'fountain pen', 32.0,   5, '2024-02-20'),
            (4, 'eraser',      0.75,  300, '2024-03-03'),
            (5, 'ink bottle',  9.9,    12, '2024-03-18')"
echo "demo.sh: loaded public.demo_items (5 rows) into $REMOTE_PG_URL" | sed 's/:remote_pw@/:***@/'

sqlite3 :memory: <tool/demo.sql
