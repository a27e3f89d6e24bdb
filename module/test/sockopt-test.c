// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the SOL_TOY option table (sockopt.c), #included at its
 * end when CONFIG_TOY_KUNIT_TEST is set: every entry fits its field, its
 * default is in its range, and a value stored is the value read back.
 * What user space sees (errnos, inheritance) is selftests/toy_errno.c's.
 */
#include <kunit/test.h>

static void toy_sockopt_entries_fit(struct kunit *test)
{
	struct toy_sock *ts = kunit_kzalloc(test, sizeof(*ts), GFP_KERNEL);
	int i, n = 0;

	KUNIT_ASSERT_NOT_NULL(test, ts);
	for (i = 0; i < ARRAY_SIZE(toy_sockopts); i++) {
		const struct toy_sockopt *o = &toy_sockopts[i];

		if (!o->size) {
			KUNIT_EXPECT_PTR_EQ(test, lookup(i), NULL);
			continue;
		}
		n++;
		KUNIT_EXPECT_PTR_EQ(test, lookup(i), o);
		KUNIT_EXPECT_TRUE_MSG(test, o->size == 1 || o->size == 2 ||
				      o->size == 4, "option %d", i);
		KUNIT_EXPECT_LE_MSG(test, o->offset + o->size, sizeof(*ts),
				    "option %d", i);
		KUNIT_EXPECT_GE_MSG(test, o->offset, sizeof(struct sock),
				    "option %d", i);
		KUNIT_EXPECT_LE_MSG(test, 0, o->min, "option %d", i);
		KUNIT_EXPECT_LE_MSG(test, o->min, o->dflt, "option %d", i);
		KUNIT_EXPECT_LE_MSG(test, o->dflt, o->max, "option %d", i);
		if (o->size < 4)
			KUNIT_EXPECT_LT_MSG(test, (u32)o->max,
					    1U << (8 * o->size), "option %d", i);

		field_set(ts, o, o->max);
		KUNIT_EXPECT_EQ_MSG(test, field_get(ts, o), o->max,
				    "option %d", i);
		field_set(ts, o, o->min);
		KUNIT_EXPECT_EQ_MSG(test, field_get(ts, o), o->min,
				    "option %d", i);
	}
	KUNIT_EXPECT_EQ(test, n, 8);
	KUNIT_EXPECT_PTR_EQ(test, lookup(-1), NULL);
	KUNIT_EXPECT_PTR_EQ(test, lookup(ARRAY_SIZE(toy_sockopts)), NULL);
	KUNIT_EXPECT_PTR_EQ(test, lookup(TOY_INFO), NULL);
}

/* Defaults, then inheritance, touch every option and nothing else. */
static void toy_sockopt_defaults_and_inherit(struct kunit *test)
{
	struct toy_sock *a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	struct toy_sock *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	toy_sockopt_defaults(a);
	KUNIT_EXPECT_EQ(test, a->syn_retries, TOY_SYN_RETRIES_DEF);
	KUNIT_EXPECT_EQ(test, a->rto_max, TOY_RTO_MAX_MS);
	KUNIT_EXPECT_EQ(test, a->keepidle, TOY_KEEPIDLE_DEF);
	for (i = 0; i < ARRAY_SIZE(toy_sockopts); i++)
		if (toy_sockopts[i].size)
			field_set(a, &toy_sockopts[i], toy_sockopts[i].max);
	toy_sockopt_inherit(b, a);
	KUNIT_EXPECT_EQ(test, memcmp(a, b, sizeof(*a)), 0);
}

static struct kunit_case toy_sockopt_test_cases[] = {
	KUNIT_CASE(toy_sockopt_entries_fit),
	KUNIT_CASE(toy_sockopt_defaults_and_inherit),
	{}
};

static struct kunit_suite toy_sockopt_test_suite = {
	.name = "toy_sockopt",
	.test_cases = toy_sockopt_test_cases,
};

kunit_test_suites(&toy_sockopt_test_suite);
