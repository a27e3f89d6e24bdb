/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's kselftest_harness.h, as every test here includes it. Its
 * TEST() wrappers have unused parameters and its TEST_F() keeps a local
 * across setjmp(); -Wextra flags both in every test, so those two warnings
 * are off in the files that include this.
 */
#ifndef TOY_HARNESS_H
#define TOY_HARNESS_H

#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wclobbered"
#include "kselftest_harness.h"

#endif /* TOY_HARNESS_H */
