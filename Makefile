# libddbxo — see README.md.  `make`, `make test`, `make demo`.
VERSION      := 0.1.0
SOVERSION    := 0
PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
DESTDIR      ?=

CC           ?= cc
PKGS         := libcurl jansson libcrypto
DEP_CFLAGS   := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEP_LIBS     := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
WARN         := -Werror=implicit-function-declaration -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
CFLAGS       ?= -O2 -g
ALL_CFLAGS   := -std=gnu11 $(WARN) $(CFLAGS) -Iinclude -Ilib -DDDBXO_BUILDING $(DEP_CFLAGS)
LIB_CFLAGS   := $(ALL_CFLAGS) -fPIC -fvisibility=hidden
SAN          := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

B            := build
# lib/ is one folder per layer (docs/design.md); tests/<layer>/ mirrors it.
LIB_SRC      := $(sort $(wildcard lib/*/*.c))
LIB_OBJ      := $(LIB_SRC:lib/%.c=$(B)/obj/%.o)
ASAN_OBJ     := $(LIB_SRC:lib/%.c=$(B)/asan/obj/%.o)
CLI_SRC      := $(sort $(wildcard cli/*.c))
CLI_OBJ      := $(CLI_SRC:cli/%.c=$(B)/cli/%.o)
HARNESS_SRC  := $(sort $(wildcard tests/harness/*.c))
HARNESS_OBJ  := $(HARNESS_SRC:tests/harness/%.c=$(B)/tests/harness/%.o)
ASAN_HARNESS_OBJ := $(HARNESS_SRC:tests/harness/%.c=$(B)/asan/tests/harness/%.o)
# tests/lambda/ is the Lambda suite's (mk/lambda.mk), run under the RIE.
TEST_SRC     := $(filter-out tests/lambda/%,$(sort $(wildcard tests/*/check_*.c)))
TEST_BIN     := $(TEST_SRC:tests/%.c=$(B)/tests/%)
ASAN_TEST_BIN:= $(TEST_SRC:tests/%.c=$(B)/asan/tests/%)
FUZZ_SRC     := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_SRC:fuzz/%.c=$(B)/fuzz/%)
# For the rules that start a second make (the static builds); every
# compile also writes its own header dependencies (-MMD -MP).
HDRS         := $(wildcard include/*.h include/*/*.h include/*/*/*.h lib/*/*.h)
DEPFLAGS     := -MMD -MP

SONAME       := libddbxo.so.$(SOVERSION)
SHLIB        := $(B)/libddbxo.so.$(VERSION)

.PHONY: all setup test unit-test asan-test install-test docs-test layers-test demo fuzz install clean memcheck
all: $(SHLIB) $(B)/libddbxo.so $(B)/libddbxo.a $(B)/ddbxo

# The setup step installs Debian packages and the test venv (idempotent).
setup $(B)/env.mk: scripts/setup.sh scripts/requirements-test.txt
	@sh scripts/setup.sh

-include $(B)/env.mk

# Objects and test binaries are outputs, not intermediates to delete.
.SECONDARY:

# The one rule for library objects, whatever the build: $(1) is the
# variant's output directory (objects go to $(1)/obj/<layer>/<file>.o),
# $(2) and $(3) name the variables holding its compiler and flags, and $(4)
# names a variable that must be set (the static builds set theirs in a
# second make, once their cached toolchain is known).
define LIB_OBJECT_RULE
$(1)/obj/%.o: lib/%.c
	@test -n "$$($(4))" || { echo "$$@: $(4) is not set; build it through its make target"; exit 1; }
	@mkdir -p $$(@D)
	$$($(2)) $$($(3)) $$(DEPFLAGS) -c $$< -o $$@
endef
ASAN_CFLAGS  := $(LIB_CFLAGS) -O1 $(SAN)
$(eval $(call LIB_OBJECT_RULE,$(B),CC,LIB_CFLAGS,CC))
$(eval $(call LIB_OBJECT_RULE,$(B)/asan,CC,ASAN_CFLAGS,CC))

$(SHLIB): $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined -o $@ $^ $(DEP_LIBS)

$(B)/libddbxo.so: $(SHLIB)
	ln -sf libddbxo.so.$(VERSION) $(B)/$(SONAME)
	ln -sf libddbxo.so.$(VERSION) $@

$(B)/libddbxo.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(B)/cli/%.o: cli/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(DEPFLAGS) -Icli -c $< -o $@

# The CLI links the static library: one self-contained binary.
$(B)/ddbxo: $(CLI_OBJ) $(B)/libddbxo.a
	$(CC) -o $@ $(CLI_OBJ) $(B)/libddbxo.a $(DEP_LIBS) -lpthread

# Unit tests link the static library so they can reach internal functions.
# check_wipe sees every free() and realloc() of the library's objects.
TEST_LDFLAGS  =
$(B)/tests/util/check_wipe $(B)/asan/tests/util/check_wipe: TEST_LDFLAGS = -Wl,--wrap=free,--wrap=realloc
TEST_CFLAGS  := $(ALL_CFLAGS) -Itests/harness
$(B)/tests/harness/%.o: tests/harness/%.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(B)/asan/tests/harness/%.o: tests/harness/%.c
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -O1 $(SAN) $(DEPFLAGS) -c $< -o $@

$(B)/tests/%: tests/%.c $(HARNESS_OBJ) $(B)/libddbxo.a
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -MF $@.d -o $@ $< $(HARNESS_OBJ) $(B)/libddbxo.a $(DEP_LIBS) $(CHECK_LIBS) -lpthread $(TEST_LDFLAGS)

$(B)/asan/tests/%: tests/%.c $(ASAN_HARNESS_OBJ) $(ASAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -O1 $(SAN) $(DEPFLAGS) -MF $@.d -o $@ $< $(ASAN_HARNESS_OBJ) $(ASAN_OBJ) $(DEP_LIBS) $(CHECK_LIBS) -lpthread $(TEST_LDFLAGS)

# ---------------------------------------------------------------- tests
# Every runner appends "suite: N passed, N failed" to $(B)/results; the last
# line of `make test` is the total.
# Each suite writes one line to $(B)/results; a suite without a line failed.
TEST_SUITES  := unit-test asan-test install-test docs-test layers-test
# unit and asan run side by side: they wait on moto far more than they
# compute, and each test binary starts its own servers on free ports.
PAIRED_SUITES := unit-test asan-test
test: $(B)/env.mk all
	@rm -f $(B)/results
	@$(MAKE) --no-print-directory -k -j2 $(PAIRED_SUITES) || true
	@$(MAKE) --no-print-directory -k $(filter-out $(PAIRED_SUITES),$(TEST_SUITES)) || true
	@sh tests/summary.sh $(B)/results $(TEST_SUITES)

unit-test: $(TEST_BIN)
	@VENV=$(VENV) sh tests/run-check.sh unit $(B)/results $(TEST_BIN)

asan-test: $(ASAN_TEST_BIN)
	@VENV=$(VENV) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  sh tests/run-check.sh asan $(B)/results $(ASAN_TEST_BIN)

install-test: all
	@sh tests/install_test.sh $(B)/results

# The API reference is generated from the header; stale or undocumented
# public functions fail the run.
docs-test:
	@if $(VENV)/bin/python scripts/gen_api_doc.py --check; then \
	  echo "docs: 1 passed, 0 failed" >> $(B)/results; echo "docs   api.md current, every public function documented"; \
	else echo "docs: 0 passed, 1 failed" >> $(B)/results; exit 1; fi

# lib/LAYERS is the order of the layer folders; no file includes or calls
# (through any header) a folder that is not below its own.
layers-test: $(B)/env.mk $(B)/libddbxo.a
	@if out=$$($(VENV)/bin/python scripts/check_layers.py $(B)/obj); then \
	  echo "layers: 1 passed, 0 failed" >> $(B)/results; echo "layers every lib/ folder uses only the layers below it (lib/LAYERS)"; \
	else echo "$$out"; echo "layers: 0 passed, 1 failed" >> $(B)/results; exit 1; fi

# One layer's unit suites, or one binary: `make check T=value`,
# `make check T=auth/check_sigv4`; with CK_RUN_CASE=<case> for one case
# (docs/testing.md).  Without T, every unit suite.
T ?=
CHECK_BIN = $(filter $(B)/tests/$(T)%,$(TEST_BIN))
.PHONY: check
check: $(B)/env.mk
	@test -n "$(CHECK_BIN)" || { echo "check: no unit suite under tests/$(T)"; exit 1; }
	@$(MAKE) --no-print-directory $(CHECK_BIN)
	@rm -f $(B)/results.check
	@VENV=$(VENV) sh tests/run-check.sh unit $(B)/results.check $(CHECK_BIN)

memcheck: $(TEST_BIN)
	@sh tests/run-check.sh memcheck $(B)/results.memcheck --valgrind $(TEST_BIN)

# Bindings, the Lambda bootstrap and other parts with their own toolchains
# keep their rules in mk/*.mk; each may append to TEST_SUITES.
-include $(sort $(wildcard mk/*.mk))

# ---------------------------------------------------------------- demo
demo: $(B)/env.mk all
	@sh scripts/demo.sh

# ---------------------------------------------------------------- fuzz
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Iinclude -Ilib -DDDBXO_BUILDING $(DEP_CFLAGS)
FUZZ_OBJ    := $(LIB_SRC:lib/%.c=$(B)/fuzz/obj/%.o)
# The library is instrumented once and shared by every target.
FUZZ_CC     := clang
FUZZ_LIB_CFLAGS := $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined
$(eval $(call LIB_OBJECT_RULE,$(B)/fuzz,FUZZ_CC,FUZZ_LIB_CFLAGS,FUZZ_CC))

# tests/harness/docdiff.c is the differential check fuzz_doc shares with
# tests/value/check_doc.c (its short form in `make test`).
$(B)/fuzz/%: fuzz/%.c $(FUZZ_OBJ) tests/harness/docdiff.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(DEPFLAGS) -MF $@.d -Itests/harness -fsanitize=fuzzer,address,undefined -o $@ $< tests/harness/docdiff.c $(FUZZ_OBJ) $(DEP_LIBS)

fuzz: $(B)/env.mk $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	  n=$$(basename $$f); mkdir -p $(B)/fuzz/corpus-$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 $(B)/fuzz/corpus-$$n fuzz/seeds/$$n tests/data/events \
	    2>$(B)/fuzz/$$n.log || { tail -40 $(B)/fuzz/$$n.log; exit 1; }; \
	  tail -1 $(B)/fuzz/$$n.log; done

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(PREFIX)/include/ddbxo/sys $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/ddbxo.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 $(wildcard include/ddbxo/sys/*.h) $(DESTDIR)$(PREFIX)/include/ddbxo/sys/
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libddbxo.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf libddbxo.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libddbxo.so
	install -m 644 $(B)/libddbxo.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(B)/ddbxo $(DESTDIR)$(PREFIX)/bin/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	  pkgconfig/ddbxo.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/ddbxo.pc

clean:
	rm -rf $(B)

# Header dependencies written by the compiles above (-MMD -MP).
-include $(shell find $(B) -name '*.d' 2>/dev/null)
