# Makefile - builds build/tokentrail, its unit tests and benchmarks.
#
#   make                       build/tokentrail
#   make check                 unit tests and end-to-end tests
#   make SANITIZE=address,undefined check
#   make DEVELOPER=1           warnings become errors
#   make demo                  the whole pipeline on bundled data
#   make deps                  the Debian packages for all of the below
#   make install               binary and man page under PREFIX, DESTDIR
#   make static                build/static/tokentrail, for air-gapped use
#   make lint                  cppcheck, clang-tidy, gcc -fanalyzer
#   make valgrind-check        end-to-end scripts under valgrind
#   make fuzz [FUZZ_SECONDS=N] libFuzzer targets with ASan and UBSan
#   make bench                 analyze benchmark; make bench-snapshot,
#                              make bench-load

# The project's own flags are appended with "override", so that
# "make CFLAGS=-O0" or "make LDFLAGS=..." adds to them instead of
# replacing them.
CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
PKGS      = libpq sqlite3 zlib libcrypto

# STATIC=1 (set by "make static"): no libpq, whose Kerberos and LDAP
# dependencies Debian ships no static libraries for, so "snapshot" has
# only the CSV route; everything else is linked in.
ifeq ($(STATIC),1)
PKGS      = sqlite3 zlib libcrypto
override CPPFLAGS += -DTOKENTRAIL_NO_LIBPQ
override LDFLAGS  += -static
endif

override CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. \
            -include common/banned.h
CFLAGS   ?= -O2 -g
override CFLAGS   += -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wmissing-declarations \
            -Wold-style-definition -Wpointer-arith -Wcast-qual \
            -Wcast-align -Wwrite-strings -Wformat=2 -Wformat-security \
            -Wundef -Wvla -Wimplicit-fallthrough -Wnull-dereference \
            -Wunused -fno-common -pthread
override CFLAGS   += $(shell pkg-config --cflags $(PKGS))
override LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lcsv -pthread -lm

# ISA-L's igzip inflates about twice as fast as zlib.  It is used when
# pkg-config finds it, unless ISAL=0; zlib stays the portable path.
ISAL     ?= $(shell pkg-config --exists libisal && echo 1)
ifeq ($(ISAL),1)
override CPPFLAGS += -DTOKENTRAIL_HAVE_ISAL
override CFLAGS   += $(shell pkg-config --cflags libisal)
override LDLIBS   += $(shell pkg-config --libs libisal)
endif

ifeq ($(DEVELOPER),1)
override CFLAGS   += -Werror
endif
ifneq ($(SANITIZE),)
override CFLAGS   += -fsanitize=$(SANITIZE) -g -O1 -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
override LDFLAGS  += -fsanitize=$(SANITIZE)
endif

MODULE_SRC := $(sort $(wildcard common/*.c snapshot/*.c analyze/*.c))
ifeq ($(STATIC),1)
MODULE_SRC := $(filter-out snapshot/pgexport.c snapshot/pgstream.c, \
                $(MODULE_SRC))
endif
CMD_SRC    := $(sort $(wildcard cmd/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/test_*.c))
HEADERS    := $(wildcard common/*.h snapshot/*.h analyze/*.h cmd/*.h)

MODULE_OBJ := $(MODULE_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ    := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all check unit e2e demo bench bench-snapshot clean install

all: $(BUILD)/tokentrail

# $(BUILD)/.flags holds the compiler and flags the objects were built
# with and changes only when they do, so that "make SANITIZE=..." in a tree
# built without it compiles everything again instead of linking the old
# objects.
BUILD_FLAGS = $(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) $(LDLIBS)

.PHONY: FORCE
$(BUILD)/.flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(BUILD_FLAGS)' | cmp -s - $@ || echo '$(BUILD_FLAGS)' >$@

# common/outfile.c needs fopencookie(), a GNU extension that glibc and
# musl both have; only that file sees the GNU names.
GNU_SRC   = common/outfile.c
GNU_FLAGS = $(if $(filter $(GNU_SRC),$<),-D_GNU_SOURCE)

$(BUILD)/%.o: %.c $(HEADERS) $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(GNU_FLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libtokentrail.a: $(MODULE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/tokentrail: $(CMD_OBJ) $(BUILD)/libtokentrail.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libtokentrail.a $(HEADERS) \
    $(BUILD)/.flags
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(BUILD)/libtokentrail.a $(LDLIBS) -lcmocka

unit: $(UNIT_BIN)

check: $(BUILD)/tokentrail $(UNIT_BIN)
	BUILD=$(BUILD) tests/run.sh

# make install [PREFIX=/usr/local] [DESTDIR=/staging]: the binary and the
# manual page.
MANDIR ?= $(PREFIX)/share/man

install: $(BUILD)/tokentrail
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1
	install -m 0755 $(BUILD)/tokentrail $(DESTDIR)$(PREFIX)/bin/tokentrail
	install -m 0644 docs/tokentrail.1 $(DESTDIR)$(MANDIR)/man1/tokentrail.1

# make static: build/static/tokentrail, one file with no shared library,
# to carry to an air-gapped machine (README).  It can analyze, lookup,
# identify and snapshot --from-csv; ISA-L, which Debian ships as a shared
# library only, is left out, so gzip is inflated with zlib.  Sanitizers,
# which cannot be linked statically, are left out even when the calling
# make has SANITIZE set.
.PHONY: static
static:
	$(MAKE) BUILD=$(BUILD)/static STATIC=1 ISAL=0 SANITIZE= $(BUILD)/static/tokentrail

clean:
	rm -rf $(BUILD)

# Debian packages for building, testing and benchmarking; sudo when not
# root.  "make deps" is the first half of the README's quick start.
DEB_PACKAGES = build-essential pkg-config postgresql postgresql-client \
               libpq-dev libsqlite3-dev sqlite3 zlib1g-dev libcsv-dev \
               libcmocka-dev libssl-dev libisal-dev tzdata time \
               clang libclang-rt-14-dev git man-db groff-base \
               clang-tidy cppcheck valgrind
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: deps
# Only the missing packages are installed, and nothing is fetched (no
# apt-get, no sudo) when every one is there already.
deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${db:Status-Status}' $$p 2>/dev/null | \
	    grep -qx installed || echo $$p; done); \
	if [ -z "$$missing" ]; then \
	    echo "make deps: every package is installed"; exit 0; fi; \
	echo "make deps: installing" $$missing; \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $$missing

# ---------------------------------------------------------------------------
# Analyze benchmark (bench/): a deterministic log generator, the zlib floor
# and bench/run.sh, which times them against gzip, grep, rg and analyze.
# "make bench BENCH_MB=150" runs on a tenth of the default 1500 MB;
# "make bench BENCH_BIG=1" adds one multi-GB single-member gzip file.
BENCH_MB   ?= 1500
BENCH_LIBS  = $(shell pkg-config --libs zlib) -lm

$(BUILD)/bench/%: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BENCH_LIBS)

$(BUILD)/bench/readlines: bench/readlines.c $(BUILD)/libtokentrail.a $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< \
	    $(BUILD)/libtokentrail.a $(LDLIBS)

$(BUILD)/bench/isal_floor: bench/isal_floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< -lisal

# The ISA-L floor is built and measured only when ISA-L is built in.
BENCH_BINS = $(BUILD)/tokentrail $(BUILD)/bench/genlogs \
             $(BUILD)/bench/inflate_floor $(BUILD)/bench/readlines
ifeq ($(ISAL),1)
BENCH_BINS += $(BUILD)/bench/isal_floor
endif

bench: $(BENCH_BINS)
	BUILD=$(BUILD) BENCH_MB=$(BENCH_MB) bench/run.sh

# Snapshot benchmark (bench/snapshot/): loads fixtures/pg/large.sql into a
# throwaway server and times "tokentrail snapshot" against psql \copy and
# psql \copy + sqlite3 .import of the same rows.
bench-snapshot: $(BUILD)/tokentrail
	BUILD=$(BUILD) bench/snapshot/run.sh

# Demo on bundled data (fixtures/demo/README.md): a snapshot of the CSV
# export of a small instance, then an analysis of two nodes' gzipped logs
# with planted incidents.  Everything goes to demo-out/.
DEMO_OUT ?= demo-out

demo: $(BUILD)/tokentrail
	@mkdir -p $(DEMO_OUT)
	$(BUILD)/tokentrail snapshot -f --from-csv fixtures/demo/csv \
	    -o $(DEMO_OUT)/snapshot.db
	$(BUILD)/tokentrail analyze -f --log-tz UTC -s $(DEMO_OUT)/snapshot.db \
	    -o $(DEMO_OUT)/reports fixtures/demo/logs
	@echo
	@echo "The reports are in $(DEMO_OUT)/reports/:"
	@echo "  findings.csv   what looks wrong, critical first (start here)"
	@echo "  requests.csv   every request made with a token"
	@echo "  tokens.csv     every token, used or not"
	@echo "  timeline.csv   the requests for Timesketch"
	@echo "  manifest.csv   what was read; SHA256SUMS to check it"
	@echo "The snapshot is $(DEMO_OUT)/snapshot.db; see \"man docs/tokentrail.1\"."

# ---------------------------------------------------------------------------
# Fuzzing (tests/fuzz/): libFuzzer targets built with clang, ASan and UBSan
# in $(BUILD)/fuzz.  "make fuzz" runs each for FUZZ_SECONDS, starting from
# the seed corpus tests/fuzz/corpus/<target>/ and keeping what it finds in
# $(BUILD)/fuzz/corpus/<target>/; a crash leaves its input as
# $(BUILD)/fuzz/<target>-crash-* and fails the target.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
# Targets that read files write them here; a RAM disk is ten times faster.
FUZZ_TMPDIR  ?= $(shell [ -d /dev/shm ] && echo /dev/shm || echo /tmp)
FUZZ_BUILD    = $(BUILD)/fuzz
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS   = $(CFLAGS) -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN)
FUZZ_SRC     := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_MOD_OBJ := $(MODULE_SRC:%.c=$(FUZZ_BUILD)/%.o) \
                $(FUZZ_BUILD)/tests/fuzz/fuzzutil.o

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BIN)
.SECONDARY: $(FUZZ_MOD_OBJ)

$(FUZZ_BUILD)/%.o: %.c $(HEADERS) tests/fuzz/fuzzutil.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(GNU_FLAGS) $(FUZZ_CFLAGS) \
	    -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_MOD_OBJ) \
    tests/fuzz/fuzzutil.h $(HEADERS)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(FUZZ_MOD_OBJ) $(LDLIBS)

fuzz: $(FUZZ_BIN)
	@set -e; for bin in $(FUZZ_BIN); do \
	    t=$${bin##*/}; \
	    mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	    echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	    TMPDIR=$(FUZZ_TMPDIR) $$bin -max_total_time=$(FUZZ_SECONDS) \
	        -close_fd_mask=3 -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_BUILD)/$$t- \
	        $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
	        2>$(FUZZ_BUILD)/$$t.log || { tail -40 $(FUZZ_BUILD)/$$t.log; \
	        exit 1; }; \
	    grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' \
	        $(FUZZ_BUILD)/$$t.log; \
	done

# ---------------------------------------------------------------------------
# Static analysis: cppcheck, clang-tidy (checks and the reasons for the
# ones left out are in .clang-tidy) and gcc's -fanalyzer.  Every tool must
# be silent.  The analyzer's leak warnings are off: gcc 12 loses track of
# memory once it is stored in a hash map or struct and reports each such
# store; leaks are found at run time by LeakSanitizer ("make SANITIZE=
# address,undefined check") and valgrind ("make valgrind-check").
LINT_SRC   = $(MODULE_SRC) $(CMD_SRC) tests/fuzz/fuzzutil.c $(FUZZ_SRC)
LINT_CPP   = $(CPPFLAGS) $(shell pkg-config --cflags $(PKGS))
TIDY      ?= clang-tidy
CPPCHECK  ?= cppcheck

.PHONY: lint
lint:
	$(CPPCHECK) -q --std=c11 --enable=warning,portability,performance \
	    --error-exitcode=1 --inline-suppr \
	    --suppress=missingIncludeSystem -I. \
	    -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(LINT_SRC)
	$(TIDY) --quiet $(filter-out $(GNU_SRC),$(LINT_SRC)) -- -std=c11 \
	    $(LINT_CPP)
	$(TIDY) --quiet $(GNU_SRC) -- -std=c11 $(LINT_CPP) -D_GNU_SOURCE
	@set -e; for f in $(LINT_SRC); do \
	    echo "gcc -fanalyzer $$f"; \
	    gnu=; case " $(GNU_SRC) " in *" $$f "*) gnu=-D_GNU_SOURCE;; esac; \
	    gcc -std=c11 $(LINT_CPP) $$gnu -fanalyzer -Werror \
	        -Wno-analyzer-malloc-leak -Wno-analyzer-file-leak \
	        -c -o /dev/null $$f; \
	done

# Load benchmark (bench/load/, not a test): BENCH_LOAD_MB of logs (default
# 10240, 10 GB) with 100,000 tokens, 1,000,000 client addresses and 1,000
# requests in flight per node; prints analyze's time and peak memory.
BENCH_LOAD_MB ?= 10240

.PHONY: bench-load
bench-load: $(BUILD)/tokentrail $(BUILD)/bench/load/genload
	BUILD=$(BUILD) BENCH_LOAD_MB=$(BENCH_LOAD_MB) bench/load/run.sh

# valgrind over the end-to-end scripts of snapshot, analyze, lookup,
# identify and hostile input (tests/t[1-5]*.sh): every tokentrail run goes
# through valgrind --leak-check=full, and a script whose runs report an
# error or a definite or indirect leak fails.  The t0 scripts are left
# out: they time runs and interrupt them, which valgrind's slowness and
# signal handling would defeat.  A plain build in $(BUILD)/vg, as valgrind
# and the sanitizers do not mix.
VALGRIND_SCRIPTS ?= $(sort $(wildcard tests/t[1-5]*.sh))

.PHONY: valgrind-check
valgrind-check:
	$(MAKE) BUILD=$(BUILD)/vg SANITIZE= $(BUILD)/vg/tokentrail unit
	VALGRIND=1 BUILD=$(BUILD)/vg tests/run.sh $(VALGRIND_SCRIPTS)
