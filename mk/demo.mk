# `make demo` (the target itself is in the Makefile) also needs the
# fault-injecting proxy, a test tool built from tests/harness/faultsrv.c; see
# tools/faultproxy.c and docs/demo.md.
.PHONY: faultproxy
faultproxy: $(B)/tools/faultproxy
demo: $(B)/tools/faultproxy

$(B)/tools/faultproxy: tools/faultproxy.c tests/harness/faultsrv.c tests/harness/faultsrv.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) $(CFLAGS) -Itests/harness \
	  -o $@ tools/faultproxy.c tests/harness/faultsrv.c -lpthread
