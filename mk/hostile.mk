# Hostile input and memory checks (issue #9; docs/security.md).
#   make test      suite "memcheck": the unit suites that need no server,
#                  under valgrind memcheck (well under a minute)
#   make memcheck  every unit suite under valgrind (several minutes: the
#                  moto-backed suites are slow under valgrind)
#   make fuzz      every fuzz/fuzz_*.c for FUZZ_SECONDS (main Makefile)
# valgrind and clang come from scripts/setup.sh ($(B)/env.mk).

.PHONY: memcheck-test
TEST_SUITES += memcheck-test

MEMCHECK_QUICK := value number decimal canon dedup record transform \
                  shard_tree ddb_error sigv4 config creds apply_plan \
                  cli_parse retry wipe sides doc
MEMCHECK_QUICK_BIN := $(foreach n,$(MEMCHECK_QUICK),$(filter %/check_$(n),$(TEST_BIN)))

memcheck-test: $(B)/env.mk $(MEMCHECK_QUICK_BIN)
	@VENV=$(VENV) sh tests/run-check.sh memcheck $(B)/results --valgrind \
	  $(MEMCHECK_QUICK_BIN)
