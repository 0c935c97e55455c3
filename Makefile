# SPDX-License-Identifier: GPL-2.0
#
# hsk: out-of-tree build plus the QEMU test harness.  The module itself
# is described by ./Kbuild; see Documentation/testing.rst for the VMs.

# Build against the running kernel when its tree is installed, else
# against the newest Debian cloud kernel (the one the test VM boots).
KDIR ?= $(or $(shell d=/lib/modules/$$(uname -r)/build; [ -d $$d ] && echo $$d), \
	$(shell ls -d /usr/src/linux-headers-*-cloud-amd64 2>/dev/null | sort -V | tail -n1))

# Test VM knobs, see Documentation/testing.rst.
KERNELS ?= 6.1 6.12 debug
KERNEL ?= 6.1
export KERNELS KERNEL VM_TIMEOUT HSK_TIMEOUT HSK_TESTS HSK_VERBOSE

CHECKPATCH := build/checkpatch/checkpatch.pl
STYLE_FILES := $(filter-out %.mod.c,$(wildcard module/*.c module/*.h selftests/*.c \
	selftests/synflood/*.c))

# Every target that needs packages installs them first (scripts/deps.sh
# returns at once when all are there), so any one works on a fresh machine.
all:
ifeq ($(KDIR),)
	$(if $(HSK_DEPS_DONE),$(error no kernel tree found: install headers or set KDIR=))
	scripts/deps.sh
	$(MAKE) HSK_DEPS_DONE=1 all
else
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(W),W=$(W)) $(if $(C),C=$(C)) modules
	$(MAKE) -C $(KDIR) M=$(CURDIR)/selftests/synflood $(if $(W),W=$(W)) \
		$(if $(C),C=$(C)) modules
endif

deps:
	@scripts/deps.sh

selftests:
	$(MAKE) -C selftests

build/.kernel-files.stamp:
	@scripts/deps.sh
	scripts/kernel-files.sh

# checkpatch for the C files; for the shell tests, no "$$(f ...)" of a
# function f that calls fail (it would end the subshell only).
style: build/.kernel-files.stamp
	$(CHECKPATCH) --strict --no-tree --terse -f $(STYLE_FILES)
	scripts/lint-fail-subshell.sh

# check/run/shell/bench build their own hsk.ko per kernel under build/.
check:
	@scripts/check.sh

# Full-size campaigns, too long for make check: 100 reload cycles and 100
# namespace pairs under a flood, 10^6 fuzzed segments, on both kernels;
# every test's output (seeds, counts) is printed. The timeouts fit the
# debug kernel, where a reload cycle takes about 15 s, a namespace pair
# 30 s and the fuzzer sends 200 segments a second (Documentation/
# testing.rst): hours, not minutes.
STRESS_TESTS ?= test_churn,test_fuzz,test_faults,test_unload_live,test_timewait_limits
stress:
	@HSK_VERBOSE=1 HSK_TESTS=$(STRESS_TESTS) HSK_CHURN_CYCLES=100 HSK_CHURN_NETNS=100 \
		HSK_TW_ENTRIES=10000 HSK_TIMEOUT_test_timewait_limits_sh=5000 \
		HSK_FUZZ_SEGMENTS=500000 HSK_TIMEOUT_test_churn_sh=10000 \
		HSK_TIMEOUT_test_fuzz_sh=12000 VM_TIMEOUT=30000 \
		scripts/check.sh

run: deps
	@scripts/vm.sh $(KERNEL) run

shell: deps
	@scripts/vm.sh $(KERNEL) shell

# The bench on each kernel line in turn: ratios per kernel, raw numbers
# in build/bench/KERNEL/.
BENCH_KERNELS ?= 6.1 6.12
bench: deps
	@for k in $(BENCH_KERNELS); do scripts/vm.sh $$k bench || exit 1; done

# DKMS: hsk rebuilt for each installed kernel (scripts/dkms.sh).
dkms-install: deps
	@scripts/dkms.sh install

dkms-remove:
	@scripts/dkms.sh remove

# Every hsk_* name and net.hsk.* sysctl the documents mention must exist.
docs-check:
	@scripts/docs-check.sh

clean:
	$(if $(wildcard $(KDIR)/Makefile),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	$(if $(wildcard $(KDIR)/Makefile),$(MAKE) -C $(KDIR) M=$(CURDIR)/selftests/synflood clean)
	rm -f hsk.ko *.o *.mod *.mod.c modules.order Module.symvers
	rm -rf build

.PHONY: all deps selftests style check stress run shell bench dkms-install \
	dkms-remove docs-check clean
