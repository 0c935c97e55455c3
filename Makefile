# SPDX-License-Identifier: GPL-2.0
#
# hsk: out-of-tree build plus the QEMU test harness.  The module itself
# is described by ./Kbuild; see Documentation/testing.rst for the VMs.

# Build against the running kernel when its tree is installed, else
# against the newest Debian cloud kernel (the one the test VM boots).
KDIR ?= $(or $(shell d=/lib/modules/$$(uname -r)/build; [ -d $$d ] && echo $$d), \
	$(shell ls -d /usr/src/linux-headers-*-cloud-amd64 2>/dev/null | sort -V | tail -n1))

# Test VM knobs, see Documentation/testing.rst.
KERNELS ?= distro debug
KERNEL ?= distro
export KERNELS KERNEL VM_TIMEOUT HSK_TIMEOUT HSK_TESTS HSK_VERBOSE

CHECKPATCH := build/checkpatch/checkpatch.pl
STYLE_FILES := $(wildcard module/*.c module/*.h selftests/*.c)

# Every target that needs packages installs them first (scripts/deps.sh
# returns at once when all are there), so any one works on a fresh machine.
all:
ifeq ($(KDIR),)
	$(if $(HSK_DEPS_DONE),$(error no kernel tree found: install headers or set KDIR=))
	scripts/deps.sh
	$(MAKE) HSK_DEPS_DONE=1 all
else
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(if $(W),W=$(W)) $(if $(C),C=$(C)) modules
endif

deps:
	@scripts/deps.sh

selftests:
	$(MAKE) -C selftests

build/.kernel-files.stamp:
	@scripts/deps.sh
	scripts/kernel-files.sh

style: build/.kernel-files.stamp
	$(CHECKPATCH) --strict --no-tree --terse -f $(STYLE_FILES)

# check/run/shell/bench build their own hsk.ko per kernel under build/.
check:
	@scripts/check.sh

run: deps
	@scripts/vm.sh $(KERNEL) run

shell: deps
	@scripts/vm.sh $(KERNEL) shell

bench: deps
	@scripts/vm.sh distro bench

clean:
	$(if $(wildcard $(KDIR)/Makefile),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	rm -f hsk.ko *.o *.mod *.mod.c modules.order Module.symvers
	rm -rf build

.PHONY: all deps selftests style check run shell bench clean
