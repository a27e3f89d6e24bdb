# SPDX-License-Identifier: GPL-2.0
#
# Top-level targets. Every target that needs packages installs them itself
# (scripts/deps.sh), so each works on a fresh Debian 12 machine.
#
#   make             build module/toy.ko against KDIR (default: running kernel)
#   make userspace   build toycat, toyss and the selftests (static binaries)
#   make demo        boot Debian's kernel in QEMU and walk a connection
#   make check       every test tier; ends with "N passed, N failed"
#   make check-full  the same, with the lossy-link transfers of toy_netem.sh at
#                    64 MiB each way per profile instead of 8 (~10 min more)
#   make check-vm    the selftests inside QEMU on Debian's 6.1 and 6.12 kernels
#   make kunit       KUnit suites in UML
#   make check-debug the selftests on a KASAN/lockdep/kmemleak kernel
#   make fuzz        the fuzzers for SECONDS (default 1800) on the debug
#                    kernel, FUZZ_KERNELS="debug 6.12 6.1" for more, one
#                    seed (FUZZ_SEED replays it); not part of make check
#   make bench       toyperf, AF_TOY beside TCP, on each Debian kernel:
#                    STREAM, RR, CRR and memory per socket, medians and
#                    spread (~15 min); not part of make check

KDIR ?= /lib/modules/$(shell uname -r)/build
CACHE ?= $(HOME)/.cache/toy
SECONDS ?= 1800

.PHONY: all module userspace selftests clean demo check check-full check-vm kunit \
	check-debug deps fuzz bench

all: module

module:
	@if [ ! -d "$(KDIR)" ]; then \
		echo "error: no kernel build tree at $(KDIR)."; \
		echo "  Install the headers for the running kernel:"; \
		echo "    sudo apt-get install linux-headers-$$(uname -r)"; \
		echo "  or build against another tree: make KDIR=/usr/src/linux-headers-<version>"; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

selftests:
	$(MAKE) -C selftests

clean:
	-[ -d "$(KDIR)" ] && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean

deps:
	scripts/deps.sh

demo:
	scripts/demo.sh

check:
	scripts/check.sh

check-full:
	scripts/check.sh --full

check-vm:
	scripts/vm-check.sh

kunit:
	scripts/kunit.sh

check-debug:
	scripts/debug-check.sh

fuzz:
	scripts/fuzz.sh $(SECONDS)

bench:
	scripts/bench.sh
