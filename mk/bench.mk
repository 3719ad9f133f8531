# `make bench`: libddbxo against boto3 and aws-sdk-go-v2, side by side
# (issue #10; bench/README.md, docs/performance.md).  Not part of `make
# test`: nothing here asserts a time.  It builds the drivers, the bench's
# fake DynamoDB, the Go Lambda peer and the cold-start harness, makes the
# pinned boto3 venv once per machine (~/.cache/ddbxo/bench-venv-*), and
# prints one table.  BENCH_ARGS=--quick for a smoke run;
# BENCH_ARGS=--write-doc=docs/performance.md to update the doc's table.
.PHONY: bench bench-build bench-profile
BENCH_B    := $(B)/bench
BENCH_GO   := $(BENCH_B)/fake_ddb $(BENCH_B)/bench_go $(BENCH_B)/lambda_peer $(BENCH_B)/coldstart
BENCH_ARGS ?=

$(BENCH_B)/bench_c: bench/c/bench_c.c include/ddbxo.h $(B)/libddbxo.a
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -g -Iinclude -o $@ $< $(B)/libddbxo.a $(DEP_LIBS) -lpthread

# One go build per binary; the module cache and build cache are Go's own.
BENCH_GO_SRC := $(wildcard bench/go/cmd/*/*.go bench/go/internal/*/*.go) bench/go/go.mod bench/go/go.sum
$(BENCH_GO): $(BENCH_B)/%: $(BENCH_GO_SRC)
	@mkdir -p $(dir $@)
	cd bench/go && GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
	  $$(sh ../../bindings/go/tools/findgo.sh) build -trimpath -tags lambda.norpc -ldflags=-s \
	  -o $(abspath $@) ./cmd/$*

bench-build: $(BENCH_B)/bench_c $(BENCH_GO) $(B)/libddbxo.so $(B)/lambda/dyn/bootstrap
	@$(MAKE) --no-print-directory lambda

bench: bench-build
	@py=$$(sh bench/tools/venv.sh) && $$py bench/run.py --build $(B) --python $$py $(BENCH_ARGS)

# Callgrind profiles of the C side (parse and replicate), for hot spots:
# build/bench/callgrind.*; read them with callgrind_annotate --inclusive=yes.
bench-profile: bench-build
	@sh bench/tools/profile.sh $(B)
