# SPDX-License-Identifier: MIT
# sqlite-remote: `make` builds dist/remote.so; `make test` installs what is
# missing, starts throwaway servers and runs the whole suite; `make demo`
# shows the extension against a real PostgreSQL.
#
#   make                           dist/remote.so (entry point sqlite3_remote_init)
#   make DIALECTS=postgresql       only libpq linked (or DIALECTS=mysql: only
#                                  libmariadb); the sqlite dialect is always built
#   make install / uninstall       PREFIX (/usr/local), DESTDIR: installs
#                                  $(LIBDIR)/libsqlite_remote.so,
#                                  $(INCLUDEDIR)/sqlite-remote/remote.h,
#                                  $(PKGCONFIGDIR)/sqlite-remote.pc, nothing else
#   make wheel                     dist/python/sqlite_remote-*.whl (python/)
#   make npm-package               dist/npm/sqlite-remote-*.tgz (npm/)
#
# Packagers: CC, CPPFLAGS, CFLAGS and LDFLAGS are on every compile and link
# line; WERROR=1 adds -Werror (`make test` sets it, a plain `make` does not);
# GNU-ld-only options are used only when $(CC) links with GNU ld.

CC           ?= cc
CFLAGS       ?= -O2 -g
CPPFLAGS     ?=
LDFLAGS      ?=
WERROR       ?=
DIALECTS     ?= postgresql mysql
PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
INSTALL      ?= install
comma        := ,

# --- dialects ------------------------------------------------------------------
ifneq ($(filter-out postgresql mysql sqlite,$(DIALECTS)),)
$(error DIALECTS=$(DIALECTS): the dialects are postgresql and mysql (sqlite is always built))
endif
WITH_PG    := $(filter postgresql,$(DIALECTS))
WITH_MYSQL := $(filter mysql,$(DIALECTS))
PKGS       := sqlite3 $(if $(WITH_PG),libpq) $(if $(WITH_MYSQL),libmariadb)
OMIT_SRC   := $(if $(WITH_PG),,ext/dialect_pg.c) $(if $(WITH_MYSQL),,ext/dialect_mysql.c)
OMIT_DEFS  := $(if $(WITH_PG),,-DREMOTE_OMIT_PG) $(if $(WITH_MYSQL),,-DREMOTE_OMIT_MYSQL)

# --- which SQLite ----------------------------------------------------------------
# SQLITE=latest: build against (and test on) the newest SQLite, a shared
# libsqlite3.so.0 that tool/sqlite.sh builds from the amalgamation the
# newest better-sqlite3@12 npm package carries (cached in .cache/sqlite/).
# Unset: the system's libsqlite3. SQLITE_DIR is where that library and its
# headers are (set once here, then inherited by the recursive makes).
SQLITE  ?=
ifeq ($(SQLITE),latest)
ifeq ($(SQLITE_DIR),)
SQLITE_DIR := $(shell tool/sqlite.sh latest)
ifeq ($(SQLITE_DIR),)
$(error SQLITE=latest: no SQLite library (tool/sqlite.sh latest failed: see its message above))
endif
endif
else ifneq ($(SQLITE),)
$(error SQLITE=$(SQLITE): only SQLITE=latest is known (unset: the system's SQLite))
else
SQLITE_DIR :=
endif
export SQLITE_DIR
# The sqlite3.h the extension is compiled with (harness.test checks that the
# SQLite the tests run on is that one)
SQLITE_HEADER := $(if $(SQLITE_DIR),$(SQLITE_DIR),$(shell pkg-config --variable=includedir sqlite3 2>/dev/null || echo /usr/include))/sqlite3.h

# --- flags ---------------------------------------------------------------------------
XCPPFLAGS := -D_GNU_SOURCE $(OMIT_DEFS) $(if $(SQLITE_DIR),-I$(SQLITE_DIR)) \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
XCFLAGS   := -std=c11 -fPIC -fvisibility=hidden -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror)
LIBS      := $(shell pkg-config --libs $(filter-out sqlite3,$(PKGS)) 2>/dev/null) -lpthread -lm
ifeq ($(SANITIZE),1)
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
# GNU ld: calls inside the library to its exported API go straight, not
# through the PLT; a sanitized build is linked -z nodelete (it stays mapped
# after sqlite3_close() unloads it, so leak reports at exit can name its
# functions). Other linkers (gold, lld, ...) get neither.
GNU_LD    ?= $(shell $(CC) $(LDFLAGS) -Wl,--version 2>/dev/null | grep -q '^GNU ld' && echo 1)
GNU_LDFLAGS := $(if $(GNU_LD),-Wl$(comma)-Bsymbolic-functions $(if $(SANFLAGS),-Wl$(comma)-z$(comma)nodelete))

SRC := $(filter-out $(OMIT_SRC),$(wildcard ext/*.c))
HDR := $(wildcard ext/*.h)
OBJ := $(SRC:ext/%.c=dist/obj/%.o)

all: dist/remote.so

# One object per source (make -j), then the library. dist/obj/LINK records
# the objects and the link options, for the test programs that link the
# objects themselves (test/fork.c: the internals are not exported).
dist/obj/%.o: ext/%.c $(HDR) Makefile dist/.flavor
	@mkdir -p dist/obj
	$(CC) $(CPPFLAGS) $(XCPPFLAGS) $(CFLAGS) $(XCFLAGS) $(SANFLAGS) -c -o $@ $<

dist/remote.so: $(OBJ)
	$(CC) $(CFLAGS) $(XCFLAGS) $(SANFLAGS) $(LDFLAGS) -shared -o $@ $(OBJ) $(LIBS) $(GNU_LDFLAGS)
	@printf '%s\n%s\n' "$(OBJ)" "$(SANFLAGS) $(LDFLAGS) $(LIBS)" > dist/obj/LINK

# The build flavor is kept in dist/.flavor: switching SANITIZE, SQLITE,
# DIALECTS or the compiler and its flags rebuilds everything.
FLAVOR := $(if $(filter 1,$(SANITIZE)),sanitize,plain) $(SQLITE_HEADER) dialects=$(WITH_PG),$(WITH_MYSQL) $(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS)
dist/.flavor: FORCE
	@mkdir -p dist
	@if [ "$$(cat $@ 2>/dev/null)" != "$(FLAVOR)" ]; then echo "$(FLAVOR)" > $@; fi

clean:
	rm -rf dist

# --- install -------------------------------------------------------------------------
# libsqlite_remote.so: `.load libsqlite_remote` (or a path to it) finds the
# entry point sqlite3_sqliteremote_init that SQLite derives from the file
# name; `-lsqlite_remote` links it. The header goes in a directory of its
# own (no clash with another remote.h); the .pc file gives that directory.
VERSION := $(firstword $(shell sed -n 's/^\#define REMOTE_VERSION "\(.*\)"/\1/p' ext/*.h))
pc_dir   = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

install: all
	$(INSTALL) -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR)/sqlite-remote $(DESTDIR)$(PKGCONFIGDIR)
	$(INSTALL) -m 0755 dist/remote.so $(DESTDIR)$(LIBDIR)/libsqlite_remote.so
	$(INSTALL) -m 0644 ext/remote.h $(DESTDIR)$(INCLUDEDIR)/sqlite-remote/remote.h
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(call pc_dir,$(LIBDIR))' \
	  'includedir=$(call pc_dir,$(INCLUDEDIR))' '' 'Name: sqlite-remote' \
	  'Description: SQLite extension: PostgreSQL and MySQL/MariaDB tables, engines, pools and transactions' \
	  'Version: $(VERSION)' 'Requires: sqlite3' 'Libs: -L$${libdir} -lsqlite_remote' \
	  'Cflags: -I$${includedir}/sqlite-remote' > dist/sqlite-remote.pc
	$(INSTALL) -m 0644 dist/sqlite-remote.pc $(DESTDIR)$(PKGCONFIGDIR)/sqlite-remote.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libsqlite_remote.so \
	      $(DESTDIR)$(INCLUDEDIR)/sqlite-remote/remote.h \
	      $(DESTDIR)$(PKGCONFIGDIR)/sqlite-remote.pc
	rmdir $(DESTDIR)$(INCLUDEDIR)/sqlite-remote 2>/dev/null || true

# --- packages (tool/package.sh) ----------------------------------------------------
wheel: all
	tool/package.sh python dist/remote.so dist/python

npm-package: all
	tool/package.sh npm dist/remote.so dist/npm

.PHONY: all clean install uninstall wheel npm-package

# --- tests, demo, bench, servers (tool/servers.sh, test/all.tcl) -----------
#
#   make test                      deps, build, servers, the whole suite
#   make test TESTS="exec pool"    only test/exec.test and test/pool.test
#   make test SANITIZE=1           ASan+UBSan build, runtimes preloaded into tclsh
#   make test SQLITE=latest        the suite on the newest SQLite (tool/sqlite.sh)
#   make servers / stop-servers    start (and print the env) / stop the servers
#   make demo                      tool/demo.sh: tool/demo.sql on PostgreSQL
#   make bench                     tool/bench (BENCH_ARGS="--rows 100000 ...")

TCLSH      ?= tclsh
TESTS      ?=
BENCH_ARGS ?=

# Sanitizer runs: tclsh is not built with ASan, so its runtime (and UBSan's)
# is preloaded; LSan checks for leaks at exit, with test/lsan.supp for leaks
# of Tcl itself; full (slow) unwinding so that a leak's stack reaches the
# frames of remote.so through the uninstrumented libsqlite3.  External
# programs started by tests run without LD_PRELOAD (test_exec in tester.tcl).
ifeq ($(SANITIZE),1)
TEST_ENV := LD_PRELOAD="$(shell $(CC) -print-file-name=libasan.so) $(shell $(CC) -print-file-name=libubsan.so)" \
            ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=40:abort_on_error=0 \
            LSAN_OPTIONS=suppressions=$(CURDIR)/test/lsan.supp:print_suppressions=0 \
            UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
else
TEST_ENV :=
endif
# The SQLite the suite runs on: Tcl's sqlite3 package and Python's sqlite3
# module load libsqlite3.so.0 from SQLITE_DIR first
TEST_ENV += REMOTE_SQLITE_HEADER=$(SQLITE_HEADER) REMOTE_SQLITE=$(SQLITE)
ifneq ($(SQLITE_DIR),)
TEST_ENV += LD_LIBRARY_PATH=$(SQLITE_DIR)$${LD_LIBRARY_PATH:+:$$LD_LIBRARY_PATH}
endif

# The exit status is the suite's.  Under CI the servers are stopped after.
test:
	tool/deps.sh
	$(MAKE) -j$$(nproc 2>/dev/null || echo 2) all WERROR=1
	tool/servers.sh start
	@eval "$$(tool/servers.sh env)"; rc=0; \
	  $(TEST_ENV) $(TCLSH) test/all.tcl $(TESTS) || rc=$$?; \
	  if [ -n "$${CI:-}" ]; then tool/servers.sh stop >/dev/null 2>&1 || true; fi; \
	  exit $$rc

servers:
	tool/servers.sh start
	@tool/servers.sh env

stop-servers:
	tool/servers.sh stop

demo:
	tool/deps.sh
	$(MAKE) all
	tool/servers.sh start
	tool/demo.sh

bench:
	tool/deps.sh
	$(MAKE) all
	tool/bench $(BENCH_ARGS)

# --- fuzzing: test/fuzz/fuzz_remote.c (libFuzzer, clang) -----------------------
#
#   make fuzz                      run it FUZZ_SECONDS (300) from test/fuzz/corpus
#                                  (new inputs and crash files go to dist/fuzz/)
#   test/fuzz.test                 runs it 20 s in `make test` (FUZZ_TEST_SECONDS)

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 300

dist/fuzz_remote: test/fuzz/fuzz_remote.c $(SRC) $(HDR)
	@mkdir -p dist
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  -std=c11 -D_GNU_SOURCE -DSQLITE_CORE -Iext $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
	  -o $@ test/fuzz/fuzz_remote.c $(SRC) -lsqlite3 \
	  $(shell pkg-config --libs libpq libmariadb 2>/dev/null) -lpthread -lm

fuzz: dist/fuzz_remote
	@mkdir -p dist/fuzz/corpus
	dist/fuzz_remote -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=dist/fuzz/ \
	  dist/fuzz/corpus test/fuzz/corpus

FORCE:

.PHONY: test servers stop-servers demo bench fuzz FORCE
