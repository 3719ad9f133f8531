# The Go binding (bindings/go) and the Go Lambda example (examples/go-lambda).
# `make go-test` checks gofmt and go vet, runs go test -race against moto and
# builds the example for provided.al2023; it finds or fetches Go itself
# (bindings/go/tools/findgo.sh).  Both link build/libddbxo.a (-tags
# ddbxo_intree); see docs/go.md.
TEST_SUITES += go-test

.PHONY: go-test go-lambda
go-test: $(B)/env.mk $(B)/libddbxo.a
	@mkdir -p $(B)
	@VENV=$(VENV) sh bindings/go/tools/run-tests.sh $(B)/results $(B)

# The Lambda bootstrap alone: build/go-lambda/bootstrap.
go-lambda: $(B)/libddbxo.a
	@mkdir -p $(B)/go-lambda
	cd examples/go-lambda && CGO_ENABLED=1 GOOS=linux GOFLAGS=-buildvcs=false \
	  $$(sh ../../bindings/go/tools/findgo.sh) build -trimpath -tags ddbxo_intree,lambda.norpc \
	  -o $(abspath $(B))/go-lambda/bootstrap .
