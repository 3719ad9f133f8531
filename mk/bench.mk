# `make bench`: libddbxo against boto3 and aws-sdk-go-v2, side by side
# (issues #10 and #16; bench/README.md, docs/performance.md).  Not part of
# `make test`: nothing here asserts a time.  It installs its own Debian
# packages once (bench/tools/setup.sh: valgrind, simdjson), builds the
# drivers, the simdjson anchor, the bench's fake DynamoDB, the Go Lambda
# peer and the cold-start harness, makes the pinned boto3 venv once per
# machine (~/.cache/ddbxo/bench-venv-*), and prints one table.
# BENCH_ARGS=--quick for a smoke run; BENCH_ARGS=--write-doc=docs/performance.md
# to update the doc's table.
.PHONY: bench bench-build bench-profile
BENCH_B    := $(B)/bench
BENCH_GO   := $(BENCH_B)/fake_ddb $(BENCH_B)/bench_go $(BENCH_B)/lambda_peer $(BENCH_B)/coldstart
BENCH_ARGS ?=
BENCH_CXX  ?= c++

$(BENCH_B)/bench_c: bench/c/bench_c.c include/ddbxo.h $(B)/libddbxo.a
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -g -Iinclude -o $@ $< $(B)/libddbxo.a $(DEP_LIBS) -lpthread

# The anchor row: simdjson (Debian's libsimdjson-dev), bench-only, never
# linked into the library.
$(BENCH_B)/bench_simdjson: bench/c/bench_simdjson.cpp bench/tools/setup.sh
	@mkdir -p $(dir $@)
	@sh bench/tools/setup.sh
	$(BENCH_CXX) -std=c++17 -Wall -Wextra -O2 -g -o $@ $< -lsimdjson

# One go build per binary; the module cache and build cache are Go's own.
BENCH_GO_SRC := $(wildcard bench/go/cmd/*/*.go bench/go/internal/*/*.go) bench/go/go.mod bench/go/go.sum
$(BENCH_GO): $(BENCH_B)/%: $(BENCH_GO_SRC)
	@mkdir -p $(dir $@)
	cd bench/go && GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
	  $$(sh ../../bindings/go/tools/findgo.sh) build -trimpath -tags lambda.norpc -ldflags=-s \
	  -o $(abspath $@) ./cmd/$*

bench-build: $(BENCH_B)/bench_c $(BENCH_B)/bench_simdjson $(BENCH_GO) $(B)/libddbxo.so $(B)/lambda/dyn/bootstrap
	@$(MAKE) --no-print-directory lambda

bench: bench-build
	@sh bench/tools/setup.sh
	@py=$$(sh bench/tools/venv.sh) && $$py bench/run.py --build $(B) --python $$py $(BENCH_ARGS)

# Callgrind profiles of the C side (parse and replicate), for hot spots:
# build/bench/callgrind.*; read them with callgrind_annotate --inclusive=yes.
bench-profile: bench-build
	@sh bench/tools/profile.sh $(B)
