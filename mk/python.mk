# Python binding (bindings/python): `make python-test` pip-installs it into
# a fresh venv and runs its pytest suite; see bindings/python/README.md.
#   make python-wheel   build/dist/ddbxo-<v>-py3-none-manylinux_2_17_x86_64
#                       .manylinux2014_x86_64.whl: libddbxo.so.0 inside,
#                       libcurl/OpenSSL/jansson linked in, glibc >= 2.17 only
#   make python-layer   build/lambda/ddbxo-python-layer.zip (python/ddbxo/...)
#                       for the Lambda Python runtimes
#   make python-dist-test    the wheel (readelf, auditwheel) and the sdist,
#                            each installed into a new venv that never saw
#                            this tree, applying an event against moto
#   make python-lambda-test  examples/python-lambda under the real runtime
#                            interface emulator and awslambdaric, with the layer
# The glibc 2.17 static libraries, zig (PyPI's ziglang) and the packaging
# tools are built or installed once per machine under ~/.cache/ddbxo
# (scripts/lambda-static.sh, scripts/zig.sh, scripts/python-tools.sh).
TEST_SUITES += python-test python-dist-test python-lambda-test
.PHONY: python-test python-wheel python-layer python-dist-test python-lambda-test

# pip builds in bindings/python/ itself, so the suites and the wheel take
# turns there (make -j); the lock also keeps two wheel builds apart.
PY_LOCK := flock $(B)/.python-build.lock

python-test: $(B)/env.mk $(B)/libddbxo.so
	@$(PY_LOCK) sh bindings/python/tests/run.sh $(B)/results $(VENV)

WHEEL_B      := $(B)/wheel
WHEEL_OBJ    := $(LIB_SRC:lib/%.c=$(WHEEL_B)/obj/%.o)
WHEEL_TARGET := x86_64-linux-gnu.2.17
WHEEL_PLAT   := manylinux_2_17_x86_64.manylinux2014_x86_64
PY_VERSION   := $(shell sed -n 's/^version = "\(.*\)"/\1/p' bindings/python/pyproject.toml)
WHEEL        := $(B)/dist/ddbxo-$(PY_VERSION)-py3-none-$(WHEEL_PLAT).whl
WHEEL_CFLAGS  = -std=gnu11 $(WARN) -O2 -fPIC -fvisibility=hidden -Iinclude -Ilib \
                -DDDBXO_BUILDING -isystem $(WHEEL_STATIC)/include \
                -ffunction-sections -fdata-sections
PY_SRC       := $(sort $(wildcard bindings/python/src/ddbxo/*.py)) bindings/python/setup.py \
                bindings/python/pyproject.toml bindings/python/README.md

python-wheel: $(WHEEL)

# Like the Lambda bootstrap's static objects: the compiler and the static
# libraries are known once their (cached) scripts ran, so a second make
# builds the library with them set.
$(WHEEL_B)/libddbxo.so.0: $(LIB_SRC) $(HDRS) scripts/lambda-static.sh scripts/zig.sh
	@d=$$(DDBXO_STATIC_FLAVOR=glibc2.17 sh scripts/lambda-static.sh) && \
	  zcc=$$(sh scripts/zig.sh cc $(WHEEL_TARGET)) && \
	  $(MAKE) --no-print-directory WHEEL_STATIC=$$d WHEEL_CC=$$zcc $(WHEEL_B)/link/libddbxo.so.0
	cp $(WHEEL_B)/link/libddbxo.so.0 $@

$(eval $(call LIB_OBJECT_RULE,$(WHEEL_B),WHEEL_CC,WHEEL_CFLAGS,WHEEL_CC))

# Everything but libddbxo's own ddbxo_* functions stays inside the library
# (a version script): its OpenSSL never meets the one Python's ssl module loads.
$(WHEEL_B)/link/libddbxo.so.0: $(WHEEL_OBJ)
	@mkdir -p $(dir $@)
	printf '{ global: ddbxo_*; local: *; };\n' > $(WHEEL_B)/link/exports.map
	$(WHEEL_CC) -shared -Wl,-soname,libddbxo.so.0 -Wl,--no-undefined \
	  -Wl,--version-script=$(WHEEL_B)/link/exports.map \
	  -Wl,--gc-sections -s -o $@ $(WHEEL_OBJ) -L$(WHEEL_STATIC)/lib \
	  -lcurl -lssl -lcrypto -ljansson -lpthread -lm

$(WHEEL): $(WHEEL_B)/libddbxo.so.0 $(PY_SRC) $(B)/env.mk
	@rm -rf $(WHEEL_B)/pip && mkdir -p $(B)/dist
	DDBXO_PREBUILT_LIBRARY=$(abspath $(WHEEL_B)/libddbxo.so.0) DDBXO_STATIC_TLS=1 \
	  DDBXO_WHEEL_PLATFORM=$(WHEEL_PLAT) \
	  $(VENV)/bin/pip wheel -q --disable-pip-version-check --no-deps -w $(WHEEL_B)/pip ./bindings/python
	@rm -rf bindings/python/build bindings/python/src/ddbxo.egg-info
	mv $(WHEEL_B)/pip/$(notdir $@) $@
	@echo "python-wheel: $@ ($$(stat -c %s $@) bytes)"

# The layer: the wheel's package under python/ (on sys.path in every
# Lambda Python runtime, /opt/python).
LAYER := $(B)/lambda/ddbxo-python-layer.zip
python-layer: $(LAYER)
$(LAYER): $(WHEEL)
	@rm -rf $(B)/lambda/pylayer && mkdir -p $(B)/lambda/pylayer/python
	cd $(B)/lambda/pylayer/python && $(VENV)/bin/python -m zipfile -e $(abspath $(WHEEL)) . && \
	  rm -rf ddbxo-*.dist-info
	@rm -f $@
	cd $(B)/lambda/pylayer && $(VENV)/bin/python -c 'import sys, zipfile, pathlib; \
	  z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED, compresslevel=9); \
	  [z.write(p, str(p)) for p in sorted(pathlib.Path("python").rglob("*")) if "__pycache__" not in p.parts]; \
	  z.close()' $(abspath $@)
	@echo "python-layer: $@ ($$(stat -c %s $@) bytes)"

# The wheel is built first: a failed build then fails the checks, by name.
python-dist-test: $(B)/env.mk
	@$(PY_LOCK) $(MAKE) --no-print-directory python-wheel || echo "python-dist: wheel build FAILED"
	@tools=$$(sh scripts/python-tools.sh) && \
	  sh bindings/python/tests/dist.sh $(B)/results $(VENV) $$tools $(WHEEL)

python-lambda-test: $(B)/env.mk
	@$(PY_LOCK) $(MAKE) --no-print-directory python-layer || echo "python-lambda: layer build FAILED"
	@rie=$$(sh scripts/lambda-rie.sh) && tools=$$(sh scripts/python-tools.sh) && cfn=$$(sh scripts/lambda-cfnlint.sh) && \
	  sh examples/python-lambda/test/run.sh $(B)/results $(VENV) $$tools $$rie $$cfn $(LAYER)
