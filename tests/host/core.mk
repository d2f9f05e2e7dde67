# tests/host/core.mk - cmocka unit tests of the portable core and its host
# platform: build/host/tests/test_*.  test_*_broken.c link the broken-lock
# variant of the core (-DTLOCK_BROKEN) and check that it IS caught.

CORE_TEST_SRC := $(wildcard tests/host/test_log*.c tests/host/test_lock*.c \
                            tests/host/test_oracle*.c tests/host/test_core*.c)
CORE_TEST_BROKEN := $(filter %_broken.c,$(CORE_TEST_SRC))
CORE_TEST_NORMAL := $(filter-out %_broken.c,$(CORE_TEST_SRC))
CORE_TESTS_N := $(patsubst tests/host/%.c,$(B)/host/tests/%,$(CORE_TEST_NORMAL))
CORE_TESTS_B := $(patsubst tests/host/%.c,$(B)/host/tests/%,$(CORE_TEST_BROKEN))

$(CORE_TESTS_N): $(B)/host/tests/%: $(B)/host/obj/tests/host/%.o $(B)/host/libcore.a
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(HOST_LINK) -lcmocka $(HOST_LDLIBS)

$(CORE_TESTS_B): $(B)/host/tests/%: $(B)/host/broken/tests/host/%.o $(B)/host/libcore-broken.a
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $(HOST_LINK) -lcmocka $(HOST_LDLIBS)

HOST_TESTS += $(CORE_TESTS_N) $(CORE_TESTS_B)
