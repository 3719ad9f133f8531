# The Go binding (bindings/go) and the Go Lambda example (examples/go-lambda).
# `make go-test` checks gofmt and go vet, runs go test -race against moto and
# builds the example for provided.al2023; it finds or fetches Go itself
# (bindings/go/tools/findgo.sh).  Both link build/libddbxo.a (-tags
# ddbxo_intree); see docs/go.md.  `make go-install-test` does the same
# against an installed library (make install PREFIX=..., pkg-config).
TEST_SUITES += go-test go-install-test

.PHONY: go-test go-install-test go-lambda
go-test: $(B)/env.mk $(B)/libddbxo.a
	@mkdir -p $(B)
	@VENV=$(VENV) sh bindings/go/tools/run-tests.sh $(B)/results $(B)

# docs/go.md's other way, word for word: make install PREFIX=<tmp>, then
# go test and go build of copies of the modules via PKG_CONFIG_PATH.
go-install-test: $(B)/env.mk all
	@VENV=$(VENV) sh bindings/go/tools/install-test.sh $(B)/results $(VENV)

# The Lambda bootstrap alone: build/go-lambda/bootstrap.
go-lambda: $(B)/libddbxo.a
	@mkdir -p $(B)/go-lambda
	cd examples/go-lambda && CGO_ENABLED=1 GOOS=linux GOFLAGS=-buildvcs=false \
	  $$(sh ../../bindings/go/tools/findgo.sh) build -trimpath -tags ddbxo_intree,lambda.norpc \
	  -o $(abspath $(B))/go-lambda/bootstrap .
