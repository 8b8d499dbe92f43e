#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tool/better-sqlite3.sh: Node's better-sqlite3 (what Node.js users load the
# extension into), built from source against the installed Node.js headers
# (no prebuilt binary can be downloaded), for test/node.test and
# test/packages.test. Prints the node_modules directory that holds it.
#
#   tool/better-sqlite3.sh
#
# The newest better-sqlite3@12 (Node 20 or later; @11 on an older Node) is
# asked of the npm registry every time and built once per version and Node
# ABI into <repo>/.cache/node/ (git-ignored; a minute or two). When the
# registry cannot be reached, or the build fails, this fails saying so.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${BSQ_CACHE_DIR:-$ROOT/.cache/node}

die() { echo "tool/better-sqlite3.sh: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 \
    || die "node and npm are needed (tool/deps.sh installs them)"
major=$(node -p 'process.versions.node.split(".")[0]')
abi=$(node -p 'process.versions.modules')
RANGE=${BSQ_RANGE:-12}
[ "$major" -ge 20 ] || RANGE=11        # better-sqlite3 12 needs Node 20

if ! out=$(npm view "better-sqlite3@$RANGE" version --json </dev/null 2>&1); then
    die "cannot ask the npm registry for better-sqlite3@$RANGE: $(printf '%s' "$out" | grep -m1 -i 'err' || printf '%s' "$out" | head -1)"
fi
ver=$(printf '%s' "$out" | tr -d '[]" \n' | tr ',' '\n' | grep -E '^[0-9]+\.[0-9]+\.[0-9]+$' | sort -t. -k1,1n -k2,2n -k3,3n | tail -1)
[ -n "$ver" ] || die "no version of better-sqlite3@$RANGE in the registry's answer: $out"

dir=$CACHE/node$abi-better-sqlite3-$ver
if [ ! -f "$dir/complete" ]; then
    mkdir -p "$CACHE"
    tmp=$(mktemp -d "$CACHE/.build.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    echo "tool/better-sqlite3.sh: building better-sqlite3@$ver from source for Node $(node --version) (a minute or two)" >&2
    printf '{ "name": "better-sqlite3-build", "private": true }\n' >"$tmp/package.json"
    # node-gyp: the installed headers (NodeSource's /usr/include/node, or
    # Debian's libnode-dev), Debian's python3, all cores
    nodedir=
    for d in /usr /usr/local; do
        [ -f "$d/include/node/common.gypi" ] && { nodedir=$d; break; }
    done
    if ! (cd "$tmp" && env ${nodedir:+npm_config_nodedir=$nodedir} \
              npm_config_python=/usr/bin/python3 JOBS=max \
              npm install "better-sqlite3@$ver" --build-from-source \
              --no-audit --no-fund --foreground-scripts \
              </dev/null >"$tmp/npm.log" 2>&1); then
        tail -n 30 "$tmp/npm.log" >&2
        die "npm install better-sqlite3@$ver --build-from-source failed"
    fi
    [ -f "$tmp/node_modules/better-sqlite3/build/Release/better_sqlite3.node" ] \
        || { tail -n 30 "$tmp/npm.log" >&2; die "better-sqlite3@$ver: no build/Release/better_sqlite3.node"; }
    rm -rf "$dir"
    mv "$tmp" "$dir"
    trap - EXIT
    touch "$dir/complete"
fi
echo "$dir/node_modules"
