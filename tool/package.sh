#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tool/package.sh: the packages users install the way they install other
# SQLite extensions, made from a built extension (dist/remote.so):
#
#   tool/package.sh python SO OUTDIR   OUTDIR/sqlite_remote-VERSION-py3-none-PLATFORM.whl
#                                      (python/, built with Debian's python3-build)
#   tool/package.sh npm SO OUTDIR      OUTDIR/sqlite-remote-VERSION.tgz (npm/, npm pack)
#
# SO goes in as libsqlite_remote.so (its entry point sqlite3_sqliteremote_init
# is the one SQLite derives from that name), with LICENSE. Works on a copy:
# python/ and npm/ stay as they are. Prints the path of the package made.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "tool/package.sh: $*" >&2; exit 1; }

[ $# -eq 3 ] || die "usage: tool/package.sh python|npm SO OUTDIR"
kind=$1 so=$2 out=$3
[ -f "$so" ] || die "$so does not exist (run make)"
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d "${TMPDIR:-/tmp}/sqlite-remote-package.XXXXXX")
trap 'rm -rf "$stage"' EXIT

case $kind in
python)
    cp -R "$ROOT/python/." "$stage/"
    rm -rf "$stage"/build "$stage"/*.egg-info "$stage"/sqlite_remote/__pycache__
    cp "$so" "$stage/sqlite_remote/libsqlite_remote.so"
    cp "$ROOT/LICENSE" "$stage/"
    /usr/bin/python3 -c 'import build' 2>/dev/null \
        || die "python3-build is not installed (tool/deps.sh installs it)"
    if ! (cd "$stage" && /usr/bin/python3 -m build --wheel --no-isolation --outdir "$stage/out" . \
              </dev/null >"$stage/build.log" 2>&1); then
        tail -n 30 "$stage/build.log" >&2
        die "python3 -m build failed"
    fi
    whl=$(ls "$stage"/out/*.whl 2>/dev/null | head -1)
    [ -n "$whl" ] || die "python3 -m build made no wheel"
    cp "$whl" "$out/"
    echo "$out/$(basename "$whl")"
    ;;
npm)
    command -v npm >/dev/null 2>&1 || die "npm is not installed (tool/deps.sh installs it)"
    cp -R "$ROOT/npm/." "$stage/"
    mkdir -p "$stage/lib"
    cp "$so" "$stage/lib/libsqlite_remote.so"
    cp "$ROOT/LICENSE" "$stage/"
    # the package is for this machine's CPU
    node -e '
      const fs = require("fs"), f = process.argv[1];
      const p = JSON.parse(fs.readFileSync(f, "utf8"));
      p.cpu = [process.arch];
      fs.writeFileSync(f, JSON.stringify(p, null, 2) + "\n");' "$stage/package.json"
    if ! tgz=$(cd "$stage" && npm pack --silent --pack-destination "$out" </dev/null 2>"$stage/pack.log"); then
        cat "$stage/pack.log" >&2
        die "npm pack failed"
    fi
    tgz=$(printf '%s\n' "$tgz" | tail -1)
    [ -f "$out/$tgz" ] || die "npm pack made no $out/$tgz"
    echo "$out/$tgz"
    ;;
*)
    die "usage: tool/package.sh python|npm SO OUTDIR"
    ;;
esac
