# The Lambda bootstrap (examples/lambda) and its tests; see docs/lambda.md.
#   make lambda       build/lambda/bootstrap.zip: a fully static (musl)
#                     bootstrap for provided.al2023 and provided.al2
#   make lambda-test  RIE end to end, static binary checks, cfn-lint
# The static libcurl/OpenSSL/jansson, the RIE and cfn-lint are built or
# installed once per machine under ~/.cache/ddbxo (scripts/lambda-*.sh).

.PHONY: lambda lambda-test
TEST_SUITES += lambda-test

LAMBDA_B      := $(B)/lambda
LAMBDA_OBJ    := $(LIB_SRC:lib/%.c=$(LAMBDA_B)/obj/%.o)
LAMBDA_SRC    := examples/lambda/bootstrap.c
LAMBDA_CFLAGS  = -std=gnu11 $(WARN) -Os -Iinclude -Ilib -DDDBXO_BUILDING \
                 -isystem $(LAMBDA_STATIC)/include -ffunction-sections -fdata-sections
LAMBDA_LIBS    = -L$(LAMBDA_STATIC)/lib -lcurl -lssl -lcrypto -ljansson -lpthread

lambda: $(LAMBDA_B)/bootstrap.zip

# The static libraries' directory is known only after the (cached) build
# script ran, so the static objects are made by a second make with it set.
# The old zip and static bootstrap go first: a build that fails must leave
# nothing behind for the Lambda suite to pass on.
$(LAMBDA_B)/bootstrap.zip: $(LAMBDA_SRC) examples/lambda/spec.json $(LIB_SRC) $(HDRS) scripts/lambda-static.sh
	@rm -rf $(LAMBDA_B)/pkg $@ $(LAMBDA_B)/static/bootstrap
	@d=$$(sh scripts/lambda-static.sh) && \
	  $(MAKE) --no-print-directory LAMBDA_STATIC=$$d $(LAMBDA_B)/static/bootstrap
	@mkdir -p $(LAMBDA_B)/pkg
	cp $(LAMBDA_B)/static/bootstrap examples/lambda/spec.json $(LAMBDA_B)/pkg/
	chmod 755 $(LAMBDA_B)/pkg/bootstrap
	cd $(LAMBDA_B)/pkg && zip -q -9 -X ../bootstrap.zip bootstrap spec.json
	@echo "lambda: $@ $$(stat -c %s $@) bytes (bootstrap $$(stat -c %s $(LAMBDA_B)/static/bootstrap) bytes)"

LAMBDA_CC     := musl-gcc
$(eval $(call LIB_OBJECT_RULE,$(LAMBDA_B),LAMBDA_CC,LAMBDA_CFLAGS,LAMBDA_STATIC))

$(LAMBDA_B)/static/bootstrap: $(LAMBDA_SRC) $(LAMBDA_OBJ)
	@mkdir -p $(dir $@)
	musl-gcc $(LAMBDA_CFLAGS) -static -Wl,--gc-sections -s -o $@ $(LAMBDA_SRC) $(LAMBDA_OBJ) $(LAMBDA_LIBS)

# The same bootstrap linked against the machine's shared libraries: the
# RIE tests use it, so they never wait for the static toolchain.
$(LAMBDA_B)/dyn/bootstrap: $(LAMBDA_SRC) $(B)/libddbxo.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $(LAMBDA_SRC) $(B)/libddbxo.a $(DEP_LIBS) -lpthread

$(LAMBDA_B)/check_lambda: tests/lambda/check_lambda.c $(HARNESS_OBJ) $(B)/libddbxo.a
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -MF $@.d -o $@ $< $(HARNESS_OBJ) $(B)/libddbxo.a $(DEP_LIBS) $(CHECK_LIBS) -lpthread

# ASan+UBSan variants (not part of `make test`: run by hand).
$(LAMBDA_B)/asan/bootstrap: $(LAMBDA_SRC) $(ASAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -O1 $(SAN) -o $@ $(LAMBDA_SRC) $(ASAN_OBJ) $(DEP_LIBS) -lpthread
$(LAMBDA_B)/asan/check_lambda: tests/lambda/check_lambda.c $(ASAN_HARNESS_OBJ) $(ASAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -O1 $(SAN) $(DEPFLAGS) -MF $@.d -o $@ $< $(ASAN_HARNESS_OBJ) $(ASAN_OBJ) $(DEP_LIBS) $(CHECK_LIBS) -lpthread

# A failed static build does not stop the suite (the RIE tests of the
# dynamic bootstrap still run), but it leaves no zip and no static
# bootstrap, so the package tests fail, saying so.
lambda-test: $(B)/env.mk $(LAMBDA_B)/check_lambda $(LAMBDA_B)/dyn/bootstrap
	@$(MAKE) --no-print-directory lambda || \
	  echo "lambda: static build FAILED: no $(LAMBDA_B)/bootstrap.zip; the package tests will fail"
	@rie=$$(sh scripts/lambda-rie.sh) && cfn=$$(sh scripts/lambda-cfnlint.sh) && \
	  VENV=$(VENV) LAMBDA_RIE=$$rie LAMBDA_CFNLINT=$$cfn \
	  LAMBDA_BOOTSTRAP=$(LAMBDA_B)/dyn/bootstrap LAMBDA_STATIC_BOOTSTRAP=$(LAMBDA_B)/static/bootstrap \
	  LAMBDA_ZIP=$(LAMBDA_B)/bootstrap.zip LAMBDA_TEMPLATE=examples/lambda/template.yaml \
	  sh tests/run-check.sh lambda $(B)/results $(LAMBDA_B)/check_lambda
