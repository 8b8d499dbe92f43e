#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# tool/deps.sh: install the Debian packages sqlite-remote needs to build and
# test (compiler, client libraries, Tcl + sqlite3 Tcl binding, PostgreSQL and
# MariaDB servers, Node.js and npm, Python's packaging tools).  Quiet no-op
# when everything is present; otherwise one
# `apt-get update` and one non-interactive `apt-get install`.  Safe in CI (no
# stdin).  System-wide servers are never started: we run our own throwaway
# ones (tool/servers.sh), so the package scripts are kept from starting them.
set -euo pipefail

# python3-build/-setuptools/-wheel/-venv: the wheel (tool/package.sh) and
# its install into a venv (test/packages.test); g++: better-sqlite3's build
# (tool/better-sqlite3.sh); binutils: readelf, nm, gold (test/install.test);
# tzdata: the zone rules of MySQL sessions in named zones (ext/tz.c)
PKGS=(libsqlite3-dev libsqlite3-tcl tcl sqlite3 python3 libpq-dev postgresql
      libmariadb-dev mariadb-server mariadb-client pgbouncer pkg-config gcc g++ make
      binutils iproute2 python3-build python3-setuptools python3-wheel python3-venv
      tzdata clang libclang-rt-dev)

missing=()
for p in "${PKGS[@]}"; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$st" = "install ok installed" ] || missing+=("$p")
done
# Node.js and npm (test/node.test, test/packages.test, tool/sqlite.sh): a
# node and npm already there are used (this machine's may come from
# NodeSource, whose nodejs carries npm and the headers); else Debian's, with
# node-gyp and the headers (libnode-dev)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm node-gyp libnode-dev)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing: ${missing[*]}" >&2
SUDO=
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "deps.sh: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    SUDO="sudo -n"
fi
export DEBIAN_FRONTEND=noninteractive

# Keep maintainer scripts from starting system-wide postgresql/mariadb.  An
# existing policy-rc.d is left alone; one we add is removed again on exit.
added_policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
fi
cleanup() { [ -n "$added_policy" ] && $SUDO rm -f /usr/sbin/policy-rc.d; return 0; }
trap cleanup EXIT

$SUDO apt-get update -q </dev/null
$SUDO apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}" </dev/null
