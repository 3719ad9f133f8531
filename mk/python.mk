# Python binding (bindings/python): `make python-test` pip-installs it into
# a fresh venv and runs its pytest suite; see bindings/python/README.md.
TEST_SUITES += python-test
.PHONY: python-test

python-test: $(B)/env.mk $(B)/libddbxo.so
	@sh bindings/python/tests/run.sh $(B)/results $(VENV)
