#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tool/sqlite.sh: the newest SQLite as a shared library, for
# `make test SQLITE=latest` (the suite run a second time on it).
#
#   tool/sqlite.sh latest     print the directory holding libsqlite3.so.0,
#                             sqlite3.h, sqlite3ext.h and VERSION
#
# The SQLite amalgamation comes from the npm registry: the newest
# better-sqlite3@12 package carries one (deps/sqlite3/sqlite3.c, .h), and
# better-sqlite3 12.x is what Node.js users load the extension into. The
# registry is asked every time which version is the newest (so the pass
# follows new SQLite releases), and the library is built once per version
# into <repo>/.cache/sqlite/better-sqlite3-<version>/ (git-ignored) with
# compile options close to Debian's libsqlite3 (load_extension, JSON, FTS3/4/5,
# RTREE, COLUMN_METADATA, ...).
#
# When the registry cannot be reached this fails with a message saying so:
# the SQLITE=latest pass never falls back to another SQLite silently.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PKG=better-sqlite3
RANGE=${SQLITE_NPM_RANGE:-12}         # better-sqlite3 13 needs a newer Node
CACHE=${SQLITE_CACHE_DIR:-$ROOT/.cache/sqlite}
CC=${CC:-cc}

die() { echo "tool/sqlite.sh: $*" >&2; exit 1; }

[ "${1:-}" = latest ] || die "usage: tool/sqlite.sh latest"

if ! command -v npm >/dev/null 2>&1; then
    "$ROOT/tool/deps.sh" >&2
    command -v npm >/dev/null 2>&1 || die "npm is not installed (tool/deps.sh)"
fi

# The newest version in the range (npm prints a JSON string or an array).
if ! out=$(npm view "$PKG@$RANGE" version --json </dev/null 2>&1); then
    die "SQLITE=latest: cannot ask the npm registry for $PKG@$RANGE: $(printf '%s' "$out" | grep -m1 -i 'err' || printf '%s' "$out" | head -1)"
fi
ver=$(printf '%s' "$out" | tr -d '[]" \n' | tr ',' '\n' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' | sort -t. -k1,1n -k2,2n -k3,3n | tail -1)
[ -n "$ver" ] || die "SQLITE=latest: no version of $PKG@$RANGE in the registry's answer: $out"

dir=$CACHE/$PKG-$ver
if [ ! -f "$dir/libsqlite3.so.0" ] || [ ! -f "$dir/VERSION" ]; then
    mkdir -p "$CACHE"
    tmp=$(mktemp -d "$CACHE/.build.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    echo "tool/sqlite.sh: fetching $PKG@$ver from the npm registry" >&2
    (cd "$tmp" && npm pack "$PKG@$ver" --silent </dev/null >pack.out 2>pack.err) \
        || die "SQLITE=latest: npm pack $PKG@$ver failed: $(head -3 "$tmp/pack.err")"
    tar -xzf "$tmp"/$PKG-"$ver".tgz -C "$tmp" package/deps/sqlite3 \
        || die "SQLITE=latest: $PKG@$ver has no deps/sqlite3"
    src=$tmp/package/deps/sqlite3
    [ -f "$src/sqlite3.c" ] && [ -f "$src/sqlite3.h" ] && [ -f "$src/sqlite3ext.h" ] \
        || die "SQLITE=latest: $PKG@$ver has no sqlite3.c/sqlite3.h/sqlite3ext.h"
    sv=$(sed -n 's/^#define SQLITE_VERSION  *"\([^"]*\)".*/\1/p' "$src/sqlite3.h")
    [ -n "$sv" ] || die "SQLITE=latest: no SQLITE_VERSION in $PKG@$ver's sqlite3.h"
    echo "tool/sqlite.sh: building libsqlite3.so.0 $sv (about a minute)" >&2
    # Debian's options (sqlite3 -cmd 'PRAGMA compile_options' on bookworm),
    # less the ones that only tune defaults
    $CC -O2 -g0 -fPIC -shared -Wl,-soname,libsqlite3.so.0 \
        -DSQLITE_ENABLE_COLUMN_METADATA -DSQLITE_ENABLE_DBSTAT_VTAB \
        -DSQLITE_ENABLE_FTS3 -DSQLITE_ENABLE_FTS3_PARENTHESIS \
        -DSQLITE_ENABLE_FTS3_TOKENIZER -DSQLITE_ENABLE_FTS4 -DSQLITE_ENABLE_FTS5 \
        -DSQLITE_ENABLE_MATH_FUNCTIONS -DSQLITE_ENABLE_PREUPDATE_HOOK \
        -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_STMTVTAB \
        -DSQLITE_ENABLE_UNLOCK_NOTIFY -DSQLITE_ENABLE_UPDATE_DELETE_LIMIT \
        -DSQLITE_LIKE_DOESNT_MATCH_BLOBS -DSQLITE_MAX_VARIABLE_NUMBER=250000 \
        -DSQLITE_MAX_SCHEMA_RETRY=25 -DSQLITE_SECURE_DELETE -DSQLITE_SOUNDEX \
        -DSQLITE_TEMP_STORE=1 -DSQLITE_THREADSAFE=1 -DSQLITE_USE_URI \
        -DSQLITE_DEFAULT_FILE_PERMISSIONS=0644 -DHAVE_USLEEP=1 -DHAVE_ISNAN=1 \
        -o "$tmp/libsqlite3.so.0" "$src/sqlite3.c" -lm -lpthread -ldl \
        || die "SQLITE=latest: building SQLite $sv failed"
    cp "$src/sqlite3.h" "$src/sqlite3ext.h" "$tmp/"
    echo "$sv" >"$tmp/VERSION"
    echo "$PKG@$ver" >"$tmp/SOURCE"
    rm -rf "$dir"
    mkdir "$dir"
    mv "$tmp/libsqlite3.so.0" "$tmp/sqlite3.h" "$tmp/sqlite3ext.h" "$tmp/SOURCE" "$dir/"
    mv "$tmp/VERSION" "$dir/"          # last: its presence means complete
fi
echo "$dir"
