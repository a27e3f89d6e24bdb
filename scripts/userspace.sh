#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The userspace tier of `make check`: host tests of libtoy, toyss and
# toytrace (parsers, golden output). Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
make -s -C userspace test
