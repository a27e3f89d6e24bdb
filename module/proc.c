// SPDX-License-Identifier: GPL-2.0
/*
 * Toy Stream Protocol: /proc/net/toy, toy6, toy_stat and toy_fsm.
 *
 * /proc/net/toy lists every IPv4 socket that owns a local port, one line
 * each, in the layout of /proc/net/tcp (get_tcp4_sock()) so that its
 * readers feel at home; /proc/net/toy6 the IPv6 ones, as /proc/net/tcp6.
 * toy_stat is /proc/net/snmp's "name line, value line" form.
 * toy_fsm prints the state table with how often each cell was taken in
 * this namespace.
 */
#include <linux/jiffies.h>
#include <linux/percpu.h>
#include <linux/proc_fs.h>
#include <linux/rculist_nulls.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/tcp_states.h>

#include "toy.h"

const char * const toy_mib_names[__TOY_MIB_MAX] = {
	[TOY_MIB_ACTIVEOPENS]		= "ActiveOpens",
	[TOY_MIB_PASSIVEOPENS]		= "PassiveOpens",
	[TOY_MIB_ATTEMPTFAILS]		= "AttemptFails",
	[TOY_MIB_ESTABRESETS]		= "EstabResets",
	[TOY_MIB_CURRESTAB]		= "CurrEstab",
	[TOY_MIB_INSEGS]		= "InSegs",
	[TOY_MIB_OUTSEGS]		= "OutSegs",
	[TOY_MIB_RETRANSSEGS]		= "RetransSegs",
	[TOY_MIB_INERRS]		= "InErrs",
	[TOY_MIB_INCSUMERRORS]		= "InCsumErrors",
	[TOY_MIB_OUTRSTS]		= "OutRsts",
	[TOY_MIB_INNOSOCKET]		= "InNoSocket",
	[TOY_MIB_LISTENOVERFLOWS]	= "ListenOverflows",
	[TOY_MIB_LISTENDROPS]		= "ListenDrops",
	[TOY_MIB_RCVQDROPS]		= "RcvQDrops",
	[TOY_MIB_OUTOFWINDOW]		= "OutOfWindow",
	[TOY_MIB_OFOQUEUED]		= "OfoQueued",
	[TOY_MIB_DUPSEGS]		= "DupSegs",
	[TOY_MIB_FASTRETRANS]		= "FastRetrans",
	[TOY_MIB_TIMEOUTS]		= "Timeouts",
	[TOY_MIB_WINPROBES]		= "WinProbes",
	[TOY_MIB_KEEPALIVEPROBES]	= "KeepAliveProbes",
	[TOY_MIB_OFOPRUNED]		= "OfoPruned",
	[TOY_MIB_SACKRECOVERY]		= "SackRecovery",
	[TOY_MIB_SACKRETRANS]		= "SackRetrans",
	[TOY_MIB_SACKLOSTRETRANS]	= "SackLostRetrans",
	[TOY_MIB_SACKRENEGING]		= "SackReneging",
	[TOY_MIB_SACKDISCARD]		= "SackDiscard",
	[TOY_MIB_RTOEXPIRES]		= "RtoExpires",
	[TOY_MIB_DSACKRECV]		= "DsackRecv",
	[TOY_MIB_CHALLENGEACKS]		= "ChallengeACKs",
	[TOY_MIB_OOWACKSKIPPED]		= "OutOfWindowAckSkipped",
	[TOY_MIB_ABORTONORPHANS]	= "AbortOnOrphans",
	[TOY_MIB_SYNEVICTIONS]		= "SynEvictions",
	[TOY_MIB_TIMERSDEFERRED]	= "TimersDeferred",
	[TOY_MIB_DELAYEDACKS]		= "DelayedACKs",
	[TOY_MIB_OUTSUPERSEGS]		= "OutSuperSegs",
	[TOY_MIB_INSUPERSEGS]		= "InSuperSegs",
	[TOY_MIB_TSQTHROTTLED]		= "TSQThrottled",
	[TOY_MIB_WQUEUETOOBIG]		= "WQueueTooBig",
	[TOY_MIB_HYSTARTDELAYDETECT]	= "HystartDelayDetect",
	[TOY_MIB_HYSTARTDELAYCWND]	= "HystartDelayCwnd",
};

u64 toy_stat_read(struct toy_net *tn, int field)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(tn->mib, cpu)->mibs[field];
	return sum;
}

/* How often @net took the (state, event) cell; TOY_INC_FSM() counts. */
u64 toy_fsm_hits(const struct net *net, int state, int ev)
{
	struct toy_net *tn = toy_pernet(net);
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(tn->mib, cpu)->fsm_hits[state][ev];
	return sum;
}

/*
 * The listing walks the bind table under RCU: sockets are freed after a
 * grace period (SOCK_RCU_FREE), and a line may race with a state change
 * as /proc/net/tcp's do. A socket that leaves its chain and joins another
 * meanwhile (table.c) may take the walk along: lines may then be missed or
 * repeated, as with any socket that comes and goes during a read.
 *
 * Every read() of the file starts the walk again at its position; like
 * tcp_seq_start(), the walk remembers the bucket and the offset in it of
 * the socket where the last read stopped, so that it resumes there instead
 * of counting from the first socket: a whole read is linear, not quadratic.
 */
struct toy_iter_state {
	struct seq_net_private p;
	u32 bucket;	/* of the current socket */
	u32 offset;	/* sockets before it in its bucket */
	loff_t last_pos;
	bool v6;	/* toy6: list IPv6 sockets, else IPv4 ones */
};

static struct toy_sock *iter_entry(struct hlist_nulls_node *node)
{
	return is_a_nulls(node) ? NULL :
	       hlist_nulls_entry(node, struct toy_sock, bind_node);
}

/* The socket at @node or after it in its chain that the file lists. */
static struct toy_sock *iter_from(struct toy_iter_state *st,
				  struct hlist_nulls_node *node)
{
	struct toy_sock *ts;

	for (;;) {
		ts = iter_entry(node);
		if (!ts || READ_ONCE(ts->ipv6) == st->v6)
			return ts;
		node = rcu_dereference(hlist_nulls_next_rcu(&ts->bind_node));
	}
}

/* The first socket of st->bucket or a later one. */
static struct toy_sock *iter_first(struct toy_net *tn,
				   struct toy_iter_state *st)
{
	struct toy_sock *ts;

	for (; st->bucket < TOY_BIND_SIZE; st->bucket++) {
		struct hlist_nulls_head *head = &tn->bind[st->bucket];

		st->offset = 0;
		ts = iter_from(st, rcu_dereference(hlist_nulls_first_rcu(head)));
		if (ts)
			return ts;
	}
	return NULL;
}

static struct toy_sock *iter_after(struct toy_net *tn,
				   struct toy_iter_state *st,
				   struct toy_sock *ts)
{
	struct hlist_nulls_node *node;
	struct toy_sock *next;

	node = rcu_dereference(hlist_nulls_next_rcu(&ts->bind_node));
	next = iter_from(st, node);
	if (next) {
		st->offset++;
		return next;
	}
	st->bucket++;
	return iter_first(tn, st);
}

/* The socket at position @pos, counted from the first. */
static struct toy_sock *iter_idx(struct toy_net *tn,
				 struct toy_iter_state *st, loff_t pos)
{
	struct toy_sock *ts;

	st->bucket = 0;
	ts = iter_first(tn, st);
	while (ts && pos--)
		ts = iter_after(tn, st, ts);
	return ts;
}

/* The socket where the last read stopped, found again by bucket/offset. */
static struct toy_sock *iter_resume(struct toy_net *tn,
				    struct toy_iter_state *st)
{
	u32 bucket = st->bucket, offset = st->offset;
	struct toy_sock *ts;

	ts = iter_first(tn, st);
	while (ts && offset-- && st->bucket == bucket)
		ts = iter_after(tn, st, ts);
	return ts;
}

static void *toy_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(RCU)
{
	struct toy_net *tn = toy_pernet(seq_file_net(seq));
	struct toy_iter_state *st = seq->private;
	void *rc = NULL;

	st->v6 = !!pde_data(file_inode(seq->file));
	rcu_read_lock();
	if (*pos && *pos == st->last_pos)
		rc = iter_resume(tn, st);
	if (!rc)
		rc = *pos ? iter_idx(tn, st, *pos - 1) : SEQ_START_TOKEN;
	st->last_pos = *pos;
	return rc;
}

static void *toy_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct toy_net *tn = toy_pernet(seq_file_net(seq));
	struct toy_iter_state *st = seq->private;
	struct toy_sock *ts;

	if (v == SEQ_START_TOKEN)
		ts = iter_idx(tn, st, 0);
	else
		ts = iter_after(tn, st, v);
	++*pos;
	st->last_pos = *pos;
	return ts;
}

static void toy_seq_stop(struct seq_file *seq, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

static void iter_sock(struct seq_file *seq, struct sock *sk, int sl)
{
	struct toy_sock *ts = toy_sk(sk);
	int state = READ_ONCE(sk->sk_state);
	unsigned long expires = jiffies;
	u32 tx_queue, rx_queue;
	int timer = 0;

	if (timer_pending(&sk->sk_timer)) {
		timer = (1 << state) & (TCPF_TIME_WAIT | TCPF_FIN_WAIT2) ?
			TOY_TIMER_TIMEWAIT : TOY_TIMER_KEEPALIVE;
		expires = sk->sk_timer.expires;
	} else if (timer_pending(&ts->rtx_timer)) {
		timer = READ_ONCE(ts->timer_kind);
		expires = ts->rtx_timer.expires;
	}

	if (state == TCP_LISTEN) {
		rx_queue = READ_ONCE(sk->sk_ack_backlog);
		tx_queue = READ_ONCE(sk->sk_max_ack_backlog);
	} else {
		rx_queue = toy_inq(sk);
		tx_queue = READ_ONCE(ts->write_seq) - READ_ONCE(ts->snd_una);
		if ((1 << state) & (TCPF_CLOSE | TCPF_SYN_SENT | TCPF_SYN_RECV)) {
			rx_queue = 0;
			tx_queue = 0;
		}
	}

	if (ts->ipv6) {
		const __be32 *src = sk->sk_v6_rcv_saddr.s6_addr32;
		const __be32 *dst = sk->sk_v6_daddr.s6_addr32;

		seq_printf(seq, "%4d: %08X%08X%08X%08X:%04X %08X%08X%08X%08X:%04X ",
			   sl, src[0], src[1], src[2], src[3], sk->sk_num,
			   dst[0], dst[1], dst[2], dst[3], ntohs(sk->sk_dport));
	} else {
		seq_setwidth(seq, 127);
		seq_printf(seq, "%4d: %08X:%04X %08X:%04X ", sl,
			   sk->sk_rcv_saddr, sk->sk_num, sk->sk_daddr,
			   ntohs(sk->sk_dport));
	}
	seq_printf(seq, "%02X %08X:%08X %02X:%08lX %08X %5u %8d %lu",
		   state, tx_queue, rx_queue, timer,
		   timer ? jiffies_delta_to_clock_t(expires - jiffies) : 0,
		   READ_ONCE(ts->retransmits),
		   from_kuid_munged(seq_user_ns(seq), sock_i_uid(sk)), 0,
		   sock_i_ino(sk));
	if (ts->ipv6)
		seq_putc(seq, '\n');
	else
		seq_pad(seq, '\n');
}

static int toy_seq_show(struct seq_file *seq, void *v)
{
	struct toy_iter_state *st = seq->private;

	if (v == SEQ_START_TOKEN && st->v6) {
		seq_puts(seq, "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
		return 0;
	}
	if (v == SEQ_START_TOKEN) {
		seq_setwidth(seq, 127);
		seq_puts(seq, "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
		seq_pad(seq, '\n');
		return 0;
	}
	iter_sock(seq, &((struct toy_sock *)v)->sk, seq->index - 1);
	return 0;
}

static const struct seq_operations toy_seq_ops = {
	.start	= toy_seq_start,
	.next	= toy_seq_next,
	.stop	= toy_seq_stop,
	.show	= toy_seq_show,
};

static int toy_stat_show(struct seq_file *seq, void *v)
{
	struct toy_net *tn = toy_pernet(seq_file_single_net(seq));
	int i;

	seq_puts(seq, "Toy:");
	for (i = 0; i < __TOY_MIB_MAX; i++)
		seq_printf(seq, " %s", toy_mib_names[i]);
	seq_puts(seq, "\nToy:");
	for (i = 0; i < __TOY_MIB_MAX; i++)
		seq_printf(seq, " %llu", toy_stat_read(tn, i));
	seq_putc(seq, '\n');
	return 0;
}

static int toy_fsm_show(struct seq_file *seq, void *v)
{
	const struct net *net = seq_file_single_net(seq);
	int state, ev, bit;

	seq_printf(seq, "%-12s %-10s %-12s %-28s %8s\n",
		   "state", "event", "next", "actions", "hits");
	for (state = TCP_ESTABLISHED; state < TOY_NR_STATES; state++) {
		for (ev = 0; ev < TOY_NR_EVENTS; ev++) {
			const struct toy_transition *t = &toy_fsm[state][ev];
			char buf[128] = "-";
			int n = 0;

			for (bit = 0; bit < TOY_NR_ACTIONS; bit++)
				if (t->actions & BIT(bit))
					n += scnprintf(buf + n, sizeof(buf) - n,
						       "%s%s", n ? "," : "",
						       toy_action_names[bit]);
			seq_printf(seq, "%-12s %-10s %-12s %-28s %8llu%s%s\n",
				   toy_state_names[state], toy_event_names[ev],
				   t->unreachable ? "unreachable" :
						    toy_state_names[t->next],
				   buf, toy_fsm_hits(net, state, ev),
				   t->unreachable ? " # " : "",
				   t->unreachable ?: "");
		}
	}
	return 0;
}

int toy_proc_init(struct net *net)
{
	/* The entry's data says which IP version the file lists. */
	if (!proc_create_net_data("toy", 0444, net->proc_net, &toy_seq_ops,
				  sizeof(struct toy_iter_state), NULL))
		return -ENOMEM;
	if (!proc_create_net_data("toy6", 0444, net->proc_net, &toy_seq_ops,
				  sizeof(struct toy_iter_state), (void *)1))
		goto err_remove_toy;
	if (!proc_create_net_single("toy_stat", 0444, net->proc_net,
				    toy_stat_show, NULL))
		goto err_remove_toy6;
	if (!proc_create_net_single("toy_fsm", 0444, net->proc_net,
				    toy_fsm_show, NULL))
		goto err_remove_stat;
	return 0;

err_remove_stat:
	remove_proc_entry("toy_stat", net->proc_net);
err_remove_toy6:
	remove_proc_entry("toy6", net->proc_net);
err_remove_toy:
	remove_proc_entry("toy", net->proc_net);
	return -ENOMEM;
}

void toy_proc_exit(struct net *net)
{
	remove_proc_entry("toy_fsm", net->proc_net);
	remove_proc_entry("toy_stat", net->proc_net);
	remove_proc_entry("toy6", net->proc_net);
	remove_proc_entry("toy", net->proc_net);
}
