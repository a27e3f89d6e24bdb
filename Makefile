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
#   make install     toy.ko into /lib/modules/KVER/updates/module (depmod),
#                    the tools into $(PREFIX)/bin, <linux/toy.h> into
#                    $(PREFIX)/include and the man pages; DESTDIR stages it
#   make uninstall   takes all that away again
#   make dkms        the source into /usr/src/toy-VERSION and `dkms install`
#                    (rebuilt for each new kernel); make dkms-remove undoes it

KDIR ?= /lib/modules/$(shell uname -r)/build
CACHE ?= $(HOME)/.cache/toy
SECONDS ?= 1800
PREFIX ?= /usr/local
DESTDIR ?=
TOOLS := toycat toyss toytrace toydemo toyperf
KVER = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
# What DKMS builds from: the module's sources and nothing built.
DKMS_SRC := Kbuild dkms.conf $(wildcard module/Kbuild module/Kconfig module/*.[ch] \
	module/uapi/linux/*.h module/test/*.c)

.PHONY: all module userspace selftests clean demo check check-full check-vm kunit \
	check-debug deps fuzz bench wire install uninstall dkms dkms-remove

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

# Two guests, 6.1 and 6.12, on one virtio-net wire: the full-size transfers
# (make check runs scripts/wire.sh with 8 MiB ones).
wire:
	scripts/wire.sh --bytes 67108864 --loss-bytes 8388608

install: module userspace
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=updates modules_install
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include/linux
	install -m 0755 $(addprefix userspace/,$(TOOLS)) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 module/uapi/linux/toy.h $(DESTDIR)$(PREFIX)/include/linux/
	$(MAKE) -C man install DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/updates/module/toy.ko*
	-rmdir $(DESTDIR)/lib/modules/$(KVER)/updates/module 2>/dev/null
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/bin/,$(TOOLS))
	rm -f $(DESTDIR)$(PREFIX)/include/linux/toy.h
	$(MAKE) -C man uninstall DESTDIR=$(DESTDIR) PREFIX=$(PREFIX)

# DKMS_KVER: the kernel to build for (default: the running one).
# DKMS_FLAGS: more dkms options (--dkmstree, --sourcetree, --installtree,
# as scripts/install-check.sh uses them); DKMS_SRCTREE must then be the
# --sourcetree.
DKMS_KVER ?=
DKMS_SRCTREE ?= /usr/src
DKMS_FLAGS ?=

dkms:
	rm -rf $(DKMS_SRCTREE)/toy-$(VERSION)
	for f in $(DKMS_SRC); do \
		install -D -m 0644 $$f $(DKMS_SRCTREE)/toy-$(VERSION)/$$f || exit 1; \
	done
	dkms status $(DKMS_FLAGS) -m toy -v $(VERSION) | grep -q . || \
		dkms add $(DKMS_FLAGS) toy/$(VERSION)
	dkms install $(DKMS_FLAGS) $(if $(DKMS_KVER),-k $(DKMS_KVER)) toy/$(VERSION)

dkms-remove:
	-dkms remove $(DKMS_FLAGS) toy/$(VERSION) --all
	rm -rf $(DKMS_SRCTREE)/toy-$(VERSION)
