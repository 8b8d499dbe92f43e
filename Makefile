# sqlite-remote: `make` builds dist/remote.so; `make test` installs what is
# missing, starts throwaway servers and runs the whole suite; `make demo`
# shows the extension against a real PostgreSQL.

CC      ?= cc
PKGS    := libpq libmariadb sqlite3
CFLAGS  ?= -O2 -g
XCFLAGS := -std=c11 -D_GNU_SOURCE -fPIC -fvisibility=hidden -Wall -Wextra -Werror \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS    := $(shell pkg-config --libs libpq libmariadb 2>/dev/null) -lpthread -lm \
           -Wl,-Bsymbolic-functions

ifeq ($(SANITIZE),1)
XCFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LIBS    += -fsanitize=address,undefined
endif

SRC := $(wildcard ext/*.c)
HDR := $(wildcard ext/*.h)

all: dist/remote.so

dist/remote.so: $(SRC) $(HDR) Makefile
	@mkdir -p dist
	$(CC) $(CFLAGS) $(XCFLAGS) -shared -o $@ $(SRC) $(LIBS)

clean:
	rm -rf dist

.PHONY: all clean

# --- tests, demo, bench, servers (tool/servers.sh, test/all.tcl) -----------
#
#   make test                      deps, build, servers, the whole suite
#   make test TESTS="exec pool"    only test/exec.test and test/pool.test
#   make test SANITIZE=1           ASan+UBSan build, runtimes preloaded into tclsh
#   make servers / stop-servers    start (and print the env) / stop the servers
#   make demo                      tool/demo.sh: tool/demo.sql on PostgreSQL
#   make bench                     tool/bench (BENCH_ARGS="--rows 100000 ...")

TCLSH      ?= tclsh
TESTS      ?=
BENCH_ARGS ?=

# The build flavor is kept in dist/.flavor, so switching SANITIZE on or off
# rebuilds dist/remote.so.  A sanitized build is linked -z nodelete: it stays
# mapped after sqlite3_close() unloads it, so leak reports at exit can name
# its functions.
FLAVOR := $(if $(filter 1,$(SANITIZE)),sanitize,plain)
ifeq ($(SANITIZE),1)
LIBS += -Wl,-z,nodelete
endif
dist/remote.so: dist/.flavor
dist/.flavor: FORCE
	@mkdir -p dist
	@if [ "$$(cat $@ 2>/dev/null)" != "$(FLAVOR)" ]; then echo "$(FLAVOR)" > $@; fi

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

# The exit status is the suite's.  Under CI the servers are stopped after.
test:
	tool/deps.sh
	$(MAKE) all
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
