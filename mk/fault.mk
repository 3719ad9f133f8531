# The fault campaign (issue #9, tests/fault/): the real ddbxo binary and
# the Lambda bootstrap under RIE, against single-threaded moto, through a
# seeded fault-injecting test proxy; invariants checked from full scans.
#   make fault-test   short form (part of `make test`): one table, one line
#                     "fault: N passed, N failed" (one per scenario)
#   make soak         long form: >= 20,000 source writes, higher fault
#                     rates; its table goes to build/soak-table.md (copy it
#                     into docs/reliability.md)
# FAULT_SEED picks the faults, the workload and the kill moments.
TEST_SUITES += fault-test
FAULT_SEED ?= 9

.PHONY: fault-test soak
FAULT_DEPS := $(B)/env.mk $(B)/ddbxo $(B)/lambda/dyn/bootstrap

fault-test: $(FAULT_DEPS)
	@rie=$$(sh scripts/lambda-rie.sh) || rie=; \
	  VENV=$(VENV) LAMBDA_RIE=$$rie $(VENV)/bin/python tests/fault/campaign.py \
	    --scale short --seed $(FAULT_SEED) --ddbxo $(B)/ddbxo \
	    --bootstrap $(B)/lambda/dyn/bootstrap --workdir $(B)/fault \
	    --results $(B)/results --label fault

soak: $(FAULT_DEPS)
	@rie=$$(sh scripts/lambda-rie.sh) || rie=; \
	  VENV=$(VENV) LAMBDA_RIE=$$rie $(VENV)/bin/python tests/fault/campaign.py \
	    --scale soak --seed $(FAULT_SEED) --ddbxo $(B)/ddbxo \
	    --bootstrap $(B)/lambda/dyn/bootstrap --workdir $(B)/fault \
	    --results $(B)/results.soak --label soak --table $(B)/soak-table.md
