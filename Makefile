# quitx — GNU Makefile.  `make check` and `make demo` install what they
# need first (see `deps`); `make` alone only builds.

VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
MANDIR    ?= $(PREFIX)/share/man
UNITDIR   ?= $(PREFIX)/lib/systemd/system
# quitx demo's helpers: the peers, the generator, demo.conf, messages
LIBEXECDIR ?= $(PREFIX)/libexec/quitx
DESTDIR   ?=

CC        ?= cc
FUZZ_CC   ?= clang
PKGS       = libcurl libwebsockets jansson sqlite3 libconfig libsystemd \
             libxml-2.0 libcrypto libzip

# Debian packages: to build, and in addition to test (clang and its
# runtime for the fuzz targets, perl for prove).
DEB_BUILD  = gcc make pkg-config libcurl4-openssl-dev libwebsockets-dev \
             libjansson-dev libsqlite3-dev libconfig-dev libsystemd-dev libxml2-dev \
             libssl-dev libunistring-dev libzip-dev \
             tzdata ca-certificates
DEB_CHECK  = libcmocka-dev clang libclang-rt-14-dev perl curl openssl \
             chromium postgresql redis-server $(if $(shell command -v npm 2>/dev/null),,nodejs npm)

WARN       = -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 -Wformat-truncation \
             -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
             -Wwrite-strings -Wvla -Wundef -Wcast-align -Wnull-dereference \
             -Wno-overlength-strings
OPT       ?= -O2 -g
# The build directory holds everything generated; a variant (sanitizer)
# gets its own so objects never mix.
B         ?= build
XCFLAGS   ?=
XLDFLAGS  ?=

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CPPFLAGS  += -Iinclude -D_GNU_SOURCE -DQUITX_VERSION='"$(VERSION)"' \
             -DQUITX_SYSCONFDIR='"$(SYSCONFDIR)"' \
             -DQUITX_LIBEXECDIR='"$(LIBEXECDIR)"'
CFLAGS    ?= $(OPT)
ALL_CFLAGS = -std=c11 -pthread $(WARN) $(CFLAGS) $(XCFLAGS) $(PKG_CFLAGS) -MMD -MP
# libunistring (Unicode normalisation and case folding for reading
# mentions) ships no pkg-config file in Debian 12
LDLIBS     = $(PKG_LIBS) -lunistring -pthread

LIB_SRC    = $(filter-out src/main.c,$(wildcard src/*.c))
# the upload page's files, built in (www-assets.S, include/quitx/www.h)
WWW_FILES  = $(wildcard src/www/*)
LIB_OBJ    = $(LIB_SRC:src/%.c=$(B)/obj/%.o) $(B)/obj/www-assets.o
TEST_SRC   = $(wildcard tests/test-*.c)
TEST_BIN   = $(TEST_SRC:tests/%.c=$(B)/tests/%)
# the tests' own generators (X archives, populations)
TOOL_SRC   = $(wildcard tests/tools/*.c)
TOOL_BIN   = $(TOOL_SRC:tests/tools/%.c=$(B)/tests/tools/%)
# local peers that behave like the real servers (tests and demo)
PEER_SRC   = $(wildcard tests/peers/*-peer.c)
PEER_BIN   = $(PEER_SRC:tests/peers/%.c=$(B)/tests/peers/%)
BENCH_SRC  = $(wildcard tests/bench/bench-*.c)
BENCH_BIN  = $(BENCH_SRC:tests/bench/%.c=$(B)/bench/%)
FUZZ_SRC   = $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BIN   = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
# quick regression pass over each fuzz target's seeds (longer: make fuzz)
FUZZ_RUNS ?= 10000

.PHONY: all check check-unit check-asan check-fuzz check-src fuzz demo bench \
        install clean deps browser-deps pkgconfig-ok atproto-deps check-atproto \
        FORCE

all: $(B)/quitx

pkgconfig-ok:
	@pkg-config --exists $(PKGS) || { \
	  echo "quitx: missing libraries for: $(PKGS)"; \
	  echo "quitx: run 'make deps' (Debian) or install their -dev packages"; \
	  exit 1; }

$(B)/obj/%.o: src/%.c | pkgconfig-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# The install paths compiled in: the files that use them are rebuilt
# when they change (`make`, then `make install PREFIX=/usr`).
PATHS_NOW  = SYSCONFDIR=$(SYSCONFDIR) LIBEXECDIR=$(LIBEXECDIR)
$(B)/paths.stamp: FORCE
	@mkdir -p $(@D)
	@if [ "$$(cat $@ 2>/dev/null)" != "$(PATHS_NOW)" ]; then \
	  echo "$(PATHS_NOW)" > $@; fi
$(B)/obj/main.o $(B)/obj/config.o $(B)/obj/cmd-demo.o: $(B)/paths.stamp
FORCE:

$(B)/obj/www-assets.o: src/www-assets.S $(WWW_FILES)
	@mkdir -p $(@D)
	$(CC) -c -o $@ $<

$(B)/libquitx.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(B)/quitx: $(B)/obj/main.o $(B)/libquitx.a
	$(CC) $(CFLAGS) $(XCFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/%.o: tests/%.c | pkgconfig-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/test-%: $(B)/tests/test-%.o $(B)/tests/testutil.o \
    $(B)/tests/fixture.o $(B)/libquitx.a
	$(CC) $(CFLAGS) $(XCFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(B)/tests/peers/%.o: tests/peers/%.c | pkgconfig-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/peers $(ALL_CFLAGS) -c -o $@ $<

$(B)/tests/tools/%: tests/tools/%.c | pkgconfig-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $< $(LDLIBS)

# a peer is its own program: it shares no code with quitx
$(B)/tests/peers/%-peer: $(B)/tests/peers/%-peer.o
	$(CC) $(CFLAGS) $(XCFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^ $(LDLIBS)

# deps: install the Debian packages that are missing (as root or with
# sudo), or print the exact command and stop.
deps:
	@missing=""; \
	if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "quitx: not a Debian system; install the equivalents of:"; \
	  echo "  $(DEB_BUILD) $(DEB_CHECK)"; exit 0; fi; \
	for p in $(DEB_BUILD) $(DEB_CHECK); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	echo "quitx: installing:$$missing"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; \
	else echo "quitx: missing packages; run as root:"; \
	  echo "  apt-get update && apt-get install -y$$missing"; exit 1; fi; \
	$$SUDO apt-get update -q >/dev/null && \
	DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q$$missing >/dev/null \
	  || { echo "quitx: apt-get failed; run: apt-get install -y$$missing"; exit 1; }

# browser-deps: playwright-core (from the npm registry, pinned by
# tests/browser/package-lock.json) drives Debian's chromium in the upload
# page's test; npm ci again whenever the lock file changes.
browser-deps: tests/browser/node_modules/.package-lock.json
tests/browser/node_modules/.package-lock.json: tests/browser/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  echo "quitx: npm is needed for the browser test; run as root:"; \
	  echo "  apt-get install -y nodejs npm"; exit 1; }
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# atproto-deps: the real Bluesky stack (@atproto/dev-env, pinned by
# tests/atproto/package-lock.json, with Node 22 from the npm registry),
# installed once per lock into a cache folder outside the clone.
atproto-deps: deps
	@tests/atproto/stack.sh install

# check-atproto: the stack on loopback (fresh PostgreSQL and Redis), the
# smoke checks of its answers, and quitx's Bluesky code against it;
# stopped by pid whatever happens.
check-atproto: $(B)/tests/atproto/test-atproto
	tests/atproto/stack.sh run $(abspath $(B))/atproto sh -c \
	  'tests/atproto/smoke.sh && CMOCKA_MESSAGE_OUTPUT=TAP QUITX_ATPROTO_REQUIRED=1 \
	   prove --merge -f $(abspath $(B))/tests/atproto/test-atproto'

$(B)/tests/atproto/test-atproto: $(B)/tests/atproto/test-atproto.o \
    $(B)/tests/testutil.o $(B)/libquitx.a
	$(CC) $(CFLAGS) $(XCFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# check: every test, plain and under ASan+UBSan, the fuzz targets over
# their seeds, the real Bluesky stack, and the source rules.  WERROR:
# zero warnings is the rule.
check: deps browser-deps atproto-deps
	@$(MAKE) --no-print-directory check-src
	@$(MAKE) --no-print-directory XCFLAGS=-Werror check-unit
	@$(MAKE) --no-print-directory XCFLAGS=-Werror check-atproto
	@$(MAKE) --no-print-directory check-asan
	@$(MAKE) --no-print-directory check-fuzz

check-unit: $(B)/quitx $(TEST_BIN) $(PEER_BIN) $(TOOL_BIN)
	QUITX_BIN=$(abspath $(B)/quitx) QUITX_PEERS=$(abspath $(B)/tests/peers) \
	  QUITX_TOOLS=$(abspath $(B)/tests/tools) \
	  QUITX_BROWSER=$(abspath tests/browser) \
	  QUITX_MESSAGES=$(abspath conf/messages) CMOCKA_MESSAGE_OUTPUT=TAP \
	  LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
	  prove --merge --comments -f $(TEST_BIN)

check-asan:
	@$(MAKE) --no-print-directory B=build/asan OPT="-O1 -g" \
	  XCFLAGS="-Werror -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  XLDFLAGS="-fsanitize=address,undefined" check-unit

# fuzz targets: the library rebuilt with clang and libFuzzer's coverage
FUZZ_FLAGS = -std=c11 -g -O1 -fsanitize=address,undefined \
             -fno-sanitize-recover=all
build/fuzz/obj/%.o: src/%.c | pkgconfig-ok
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link \
	  $(PKG_CFLAGS) -c -o $@ $<

build/fuzz/libquitx.a: $(LIB_SRC:src/%.c=build/fuzz/obj/%.o)
	$(AR) rcs $@ $^

build/fuzz/%: tests/fuzz/%.c build/fuzz/libquitx.a
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer $(PKG_CFLAGS) \
	  -o $@ $< build/fuzz/libquitx.a $(LDLIBS)

check-fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	  name=$${f##*/}; seeds=tests/fuzz/corpus/$${name#fuzz-}; \
	  work=build/fuzz/corpus-$${name#fuzz-}; mkdir -p $$work; \
	  echo "fuzz: $$name ($(FUZZ_RUNS) runs over $$seeds)"; \
	  LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
	  $$f -runs=$(FUZZ_RUNS) -max_len=4096 -artifact_prefix=build/fuzz/ \
	    $$work $$seeds \
	    >build/fuzz/$$name.log 2>&1 \
	    || { tail -n 40 build/fuzz/$$name.log; exit 1; }; \
	done

# fuzz: a longer run of each target (FUZZ_TIME seconds each)
FUZZ_TIME ?= 60
fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	  name=$${f##*/}; seeds=tests/fuzz/corpus/$${name#fuzz-}; \
	  work=build/fuzz/corpus-$${name#fuzz-}; mkdir -p $$work; \
	  LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp) \
	  $$f -max_total_time=$(FUZZ_TIME) -artifact_prefix=build/fuzz/ \
	    $$work $$seeds || exit 1; \
	done

# check-src: no unbounded string functions on outside data anywhere.
check-src:
	@if grep -nE '\<(strcpy|strcat|sprintf|vsprintf|gets|atoi|atol|strtok)\s*\(' \
	    src/*.c src/*.h include/quitx/*.h tests/*.c tests/fuzz/*.c tests/bench/*.c \
	    tests/atproto/*.c \
	    $(wildcard tests/peers/*.c); then \
	  echo "check-src: use bounded functions (snprintf, strtol, strtok_r...)"; \
	  exit 1; fi

# demo: `quitx demo` from the build tree; its helpers (installed in
# LIBEXECDIR by `make install`) are gathered by links in $(B)/libexec.
# DEMO_MEMBERS=N for another population size (default 300).
DEMO_MEMBERS ?=
demo: deps $(B)/quitx $(PEER_BIN) $(TOOL_BIN)
	@mkdir -p $(B)/libexec
	@for f in $(abspath $(PEER_BIN) $(TOOL_BIN) conf/demo.conf conf/messages); do \
	  ln -sfn $$f $(B)/libexec/$${f##*/}; done
	@QUITX_LIBEXEC=$(abspath $(B)/libexec) $(B)/quitx demo --keep \
	  $(if $(DEMO_MEMBERS),--members $(DEMO_MEMBERS))

$(B)/bench/%.o: tests/bench/%.c | pkgconfig-ok
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests $(ALL_CFLAGS) -c -o $@ $<

$(B)/bench/bench-%: $(B)/bench/bench-%.o $(B)/tests/testutil.o $(B)/libquitx.a
	$(CC) $(CFLAGS) $(XCFLAGS) $(LDFLAGS) $(XLDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# bench: speed and memory figures (never pass/fail timing in tests)
bench: deps $(B)/quitx $(BENCH_BIN) $(PEER_BIN) $(TOOL_BIN)
	@for b in $(BENCH_BIN); do \
	  QUITX_BIN=$(abspath $(B)/quitx) QUITX_PEERS=$(abspath $(B)/tests/peers) \
	  QUITX_TOOLS=$(abspath $(B)/tests/tools) \
	  QUITX_MESSAGES=$(abspath conf/messages) $$b || exit 1; \
	done
	@# the same Jetstream events through Node, for a side-by-side ratio
	@if command -v node >/dev/null; then \
	  QUITX_BENCH_NDJSON=$(B)/bench/jetstream-pool.ndjson \
	    $(B)/bench/bench-jetstream >/dev/null && \
	  node tests/bench/jetstream-node.mjs $(B)/bench/jetstream-pool.ndjson; \
	else echo "bench: node not found: no Node comparison"; fi

install: $(B)/quitx $(PEER_BIN) $(TOOL_BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/quitx \
	  $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR)
	install -m 755 $(B)/quitx $(DESTDIR)$(BINDIR)/quitx
	install -m 644 conf/quitx.conf.example $(DESTDIR)$(SYSCONFDIR)/quitx/quitx.conf.example
	install -d $(DESTDIR)$(SYSCONFDIR)/quitx/messages
	install -m 644 conf/messages/en.conf conf/messages/fr.conf \
	  $(DESTDIR)$(SYSCONFDIR)/quitx/messages/
	install -m 644 src/quitx.1 $(DESTDIR)$(MANDIR)/man1/quitx.1
	install -m 644 src/quitx.conf.5 $(DESTDIR)$(MANDIR)/man5/quitx.conf.5
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	  systemd/quitx.service > $(DESTDIR)$(UNITDIR)/quitx.service
	chmod 644 $(DESTDIR)$(UNITDIR)/quitx.service
	install -d $(DESTDIR)$(LIBEXECDIR)/messages
	install -m 755 $(PEER_BIN) $(TOOL_BIN) $(DESTDIR)$(LIBEXECDIR)/
	install -m 644 conf/demo.conf $(DESTDIR)$(LIBEXECDIR)/demo.conf
	install -m 644 conf/messages/en.conf conf/messages/fr.conf \
	  $(DESTDIR)$(LIBEXECDIR)/messages/

clean:
	rm -rf build tests/browser/node_modules

-include $(LIB_OBJ:.o=.d) $(B)/obj/main.d $(TEST_SRC:tests/%.c=$(B)/tests/%.d) $(B)/tests/fixture.d \
  $(PEER_SRC:tests/peers/%.c=$(B)/tests/peers/%.d) \
  $(BENCH_SRC:tests/bench/%.c=$(B)/bench/%.d)
.SECONDARY:
