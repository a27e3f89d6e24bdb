// SPDX-License-Identifier: GPL-2.0
/*
 * The test network of peer.h: two namespaces joined by a veth, the peer's
 * packet socket on one end. See "the test network" in peer.h.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "toy_test.h"
#include "peer.h"

static pid_t peer_net_owner;

/* Deletes the test network, what is left of it. */
void peer_net_delete(void)
{
	if (!access(NETNS_DIR NS_A, F_OK))
		toy_sh("ip netns del " NS_A);
	if (!access(NETNS_DIR NS_B, F_OK))
		toy_sh("ip netns del " NS_B);
}

__attribute__((constructor)) static void peer_net_init(void)
{
	peer_net_owner = getpid();
	/* A network left by a killed program may be in any state. */
	peer_net_delete();
}

__attribute__((destructor)) static void peer_net_fini(void)
{
	if (getpid() == peer_net_owner)
		peer_net_delete();
}

/* Runs the @n commands of @cmds in one `ip [-n ns] -batch -`. */
static int ns_ip_batch(const char *ns, const char * const *cmds, size_t n)
{
	char cmd[128];
	size_t i;
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), "ip%s%s -batch - >/dev/null 2>&1",
		 ns ? " -n " : "", ns ? ns : "");
	f = popen(cmd, "w");
	if (!f)
		return -1;
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", cmds[i]);
	st = pclose(f);
	return st == -1 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
}

static int ipv6_up(void)
{
	return access("/proc/net/if_inet6", F_OK) == 0;
}

/* Two `ip` runs instead of one per step (three with IPv6). */
static int ns_create(void)
{
	static const char * const in_a[] = {
		"link add " IF_A " address " MAC_A " type veth peer name " IF_B
			" address " MAC_B " netns " NS_B,
		"addr add " ADDR_A "/24 dev " IF_A,
		"link set lo up",
		"link set " IF_A " up",
		"neigh replace " ADDR_B " lladdr " MAC_B " dev " IF_A " nud permanent",
	};
	static const char * const in_b[] = {
		"link set " IF_B " up",
	};
	/* no DAD: the address is usable at once, and nobody else has it */
	static const char * const in_a6[] = {
		"addr add " ADDR6_A "/64 dev " IF_A " nodad",
		"neigh replace " ADDR6_B " lladdr " MAC_B " dev " IF_A " nud permanent",
	};

	if (ns_ip_batch(NS_A, in_a, ARRAY_SIZE(in_a)) ||
	    ns_ip_batch(NS_B, in_b, ARRAY_SIZE(in_b)))
		return -1;
	/* IPv4 cases still run where IPv6 is disabled (ipv6.disable=1) */
	if (ipv6_up() && ns_ip_batch(NS_A, in_a6, ARRAY_SIZE(in_a6)))
		return -1;
	return 0;
}

static int ns_build(void)
{
	toy_sh("modprobe veth");
	peer_net_delete();
	if (toy_sh("ip netns add " NS_A) || toy_sh("ip netns add " NS_B) ||
	    ns_create()) {
		peer_net_delete();
		return -1;
	}
	return 0;
}

/* "02:77:00:00:00:01" into @mac (6 bytes). */
void peer_mac_parse(const char *s, unsigned char *mac)
{
	unsigned int b[6];
	int i;

	sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]);
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
}

/*
 * Whether @ifname, in the caller's namespace, is up with hardware address
 * @mac and, unless NULL, IPv4 address @addr. @fd is any socket there.
 */
static int ns_if_ok(int fd, const char *ifname, const char *mac,
		    const char *addr)
{
	unsigned char want[ETH_ALEN];
	struct sockaddr_in sin;
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) || !(ifr.ifr_flags & IFF_UP))
		return 0;
	if (mac) {
		peer_mac_parse(mac, want);
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) ||
		    memcmp(ifr.ifr_hwaddr.sa_data, want, ETH_ALEN))
			return 0;
	}
	if (addr) {
		if (ioctl(fd, SIOCGIFADDR, &ifr))
			return 0;
		memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
		if (sin.sin_addr.s_addr != inet_addr(addr))
			return 0;
	}
	return 1;
}

int peer_if_feature(const char *ifname, const char *name, int on)
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t len;
	} sset = { .hdr = { .cmd = ETHTOOL_GSSET_INFO,
			    .sset_mask = 1ULL << ETH_SS_FEATURES } };
	struct ethtool_gstrings *strs = NULL;
	struct ethtool_sfeatures *sf = NULL;
	int fd, ret = -1, bit = -1, i;
	struct ifreq ifr;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&sset;
	if (ioctl(fd, SIOCETHTOOL, &ifr) || !sset.hdr.sset_mask)
		goto out;
	strs = calloc(1, sizeof(*strs) + sset.len * ETH_GSTRING_LEN);
	if (!strs)
		goto out;
	strs->cmd = ETHTOOL_GSTRINGS;
	strs->string_set = ETH_SS_FEATURES;
	strs->len = sset.len;
	ifr.ifr_data = (void *)strs;
	if (ioctl(fd, SIOCETHTOOL, &ifr))
		goto out;
	for (i = 0; i < (int)strs->len; i++)
		if (!strncmp((char *)strs->data + i * ETH_GSTRING_LEN, name,
			     ETH_GSTRING_LEN))
			bit = i;
	errno = ENOENT;
	if (bit < 0)
		goto out;
	sf = calloc(1, sizeof(*sf) + (strs->len + 31) / 32 *
			       sizeof(sf->features[0]));
	if (!sf)
		goto out;
	sf->cmd = ETHTOOL_SFEATURES;
	sf->size = (strs->len + 31) / 32;
	sf->features[bit / 32].valid = 1U << (bit % 32);
	sf->features[bit / 32].requested = on ? 1U << (bit % 32) : 0;
	ifr.ifr_data = (void *)sf;
	/* >= 0: done, or done with flags saying what else changed */
	ret = ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -1 : 0;
out:
	free(sf);
	free(strs);
	close(fd);
	return ret;
}

/*
 * ADDR6_A on IF_A (a socket can bind to it) and a route to ADDR6_B out of
 * IF_A (a socket can connect to it): the neighbour entry, which nothing
 * else would make, is checked by ns_create()'s `ip` alone.
 */
static int ns_a6_ok(void)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
	int fd, ok;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	inet_pton(AF_INET6, ADDR6_A, &a.sin6_addr);
	ok = !bind(fd, (struct sockaddr *)&a, sizeof(a));
	a.sin6_port = htons(9);
	inet_pton(AF_INET6, ADDR6_B, &a.sin6_addr);
	ok = ok && !connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return ok;
}

/* NS_A, which the caller is in, as ns_create() left it. */
static int ns_a_ok(void)
{
	char line[256], ip[64], hw[64], dev[64];
	unsigned int type, flags;
	int fd, ok, neigh = 0;
	FILE *f;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	ok = ns_if_ok(fd, "lo", NULL, NULL) &&
	     ns_if_ok(fd, IF_A, MAC_A, ADDR_A);
	close(fd);
	f = fopen("/proc/net/arp", "r");
	if (!f)
		return 0;
	/* IP address, HW type, Flags, HW address, Mask, Device */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %x %x %63s %*s %63s", ip, &type, &flags,
			   hw, dev) == 5 &&
		    !strcmp(ip, ADDR_B) && (flags & 0x4 /* ATF_PERM */) &&
		    !strcasecmp(hw, MAC_B) && !strcmp(dev, IF_A))
			neigh = 1;
	fclose(f);
	return ok && neigh && (!ipv6_up() || ns_a6_ok());
}

/* Drops whatever the packet socket caught before it was bound to IF_B. */
static void peer_drain(struct toy_peer *p)
{
	unsigned char b[64];

	while (recv(p->fd, b, sizeof(b), MSG_DONTWAIT) >= 0)
		;
}

/*
 * Opens the peer in the network as it is. Returns 0, leaving the caller in
 * NS_A; 1 if the network is missing, incomplete or not idle; -1 on another
 * error, errno set. @fresh: just built, nothing to wait for.
 */
static int ns_enter(struct toy_peer *p, int *ns_a, int fresh, int v6)
{
	int ns_b, err = 1;

	ns_b = open(NETNS_DIR NS_B, O_RDONLY | O_CLOEXEC);
	*ns_a = open(NETNS_DIR NS_A, O_RDONLY | O_CLOEXEC);
	if (ns_b < 0 || *ns_a < 0)
		goto out;
	err = -1;
	if (setns(*ns_a, CLONE_NEWNET))
		goto out;
	err = 1;
	if (!ns_a_ok())
		goto out;
	/*
	 * The peer reads segments, not our super-segments (offload.c): IF_A
	 * cuts them, and so the cases run toy_gso_segment() too.
	 */
	err = -1;
	if (peer_if_feature(IF_A, "tx-sctp-segmentation", 0))
		goto out;
	err = 1;
	if (!fresh && toy_wait_idle(PEER_IDLE_MS)) {
		printf("# peer network: Toy sockets of an earlier case still in "
		       NS_A " after %d ms; building it anew\n", PEER_IDLE_MS);
		fflush(stdout);
		goto out;
	}
	err = -1;
	if (setns(ns_b, CLONE_NEWNET))
		goto out;
	err = 1;
	if (v6 ? peer_open6(p, IF_B) : peer_open(p, IF_B))
		goto out;
	if (!ns_if_ok(p->fd, IF_B, MAC_B, NULL))
		goto out;
	peer_drain(p);
	err = -1;
	if (setns(*ns_a, CLONE_NEWNET))
		goto out;
	err = 0;
out:
	if (ns_b >= 0)
		close(ns_b);
	if (err > 0)
		errno = ENODEV;
	if (err) {
		peer_close(p);
		if (*ns_a >= 0)
			close(*ns_a);
		*ns_a = -1;
	}
	return err;
}

static int netns_open(struct toy_peer *p, int *ns_a, int v6)
{
	int orig, err;

	p->fd = -1;
	*ns_a = -1;
	if (v6 && !ipv6_up())
		return 1;
	orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return -1;
	err = ns_enter(p, ns_a, 0, v6);
	if (err > 0) {
		/* `ip` runs where the caller was, not in what is deleted */
		if (setns(orig, CLONE_NEWNET))
			err = -1;
		else if (ns_build())
			err = 1;
		else	/* just built: it is as ns_create() says or broken */
			err = ns_enter(p, ns_a, 1, v6) ? -1 : 0;
	}
	close(orig);
	if (err)
		return err;
	peer_mac_parse(MAC_A, p->dst_mac);
	p->addr = inet_addr(ADDR_B);
	p->dst = inet_addr(ADDR_A);
	inet_pton(AF_INET6, ADDR6_B, &p->addr6);
	inet_pton(AF_INET6, ADDR6_A, &p->dst6);
	p->proto = toy_ipproto();
	return 0;
}

int peer_netns_open(struct toy_peer *p, int *ns_a)
{
	return netns_open(p, ns_a, 0);
}

int peer_netns_open6(struct toy_peer *p, int *ns_a)
{
	return netns_open(p, ns_a, 1);
}

/*
 * The state table counts per namespace, and ours may go with the program:
 * leave what it took where run_tests.sh's coverage finds it (TOY_FSM_DIR).
 */
static void fsm_snapshot(void)
{
	const char *dir = getenv("TOY_FSM_DIR");
	char path[256], buf[4096];
	FILE *in, *out;
	size_t n;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/netns.%d", dir, (int)getpid());
	in = fopen("/proc/net/toy_fsm", "r");
	out = in ? fopen(path, "w") : NULL;
	while (out && (n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			break;
	if (out)
		fclose(out);
	if (in)
		fclose(in);
}

void peer_netns_close(int ns_orig, int ns_a)
{
	fsm_snapshot();
	if (ns_a >= 0)
		close(ns_a);
	if (ns_orig >= 0)
		setns(ns_orig, CLONE_NEWNET);
}

int peer_case_open(struct toy_peer *p, uint16_t port, int *ns_orig,
		   int *ns_a)
{
	int err;

	p->fd = -1;
	*ns_a = -1;
	*ns_orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*ns_orig < 0)
		return -1;
	err = peer_netns_open(p, ns_a);
	p->port = port;
	return err;
}

int peer_passive(struct toy_peer *p, uint32_t iss, int syn_flags, int rto_ms,
		 int ms, struct peer_open *o, const char **why)
{
	struct toy_seg s;

	o->fd = -1;
	o->lfd = toy_listener(inet_addr(ADDR_A), 8, &o->lport);
	if (o->lfd < 0)
		return *why = "listener", -1;
	p->dport = (uint16_t)o->lport;
	if (peer_send(p, iss, 0, TOYHDR_SYN | syn_flags, NULL, 0))
		return *why = "sending the SYN", -1;
	if (peer_recv(p, &s, ms) != 1 || p->bad || s.ack != iss + 1 ||
	    !(s.flags & TOYHDR_SYN)) {
		errno = EPROTO;
		return *why = "no valid SYN-ACK", -1;
	}
	o->synack = s.flags;
	o->m_nxt = s.seq + 1;
	o->p_nxt = iss + 1;
	if (peer_send(p, o->p_nxt, o->m_nxt, TOYHDR_ACK, NULL, 0))
		return *why = "sending the ACK", -1;
	if (toy_poll(o->lfd, POLLIN, ms) <= 0) {
		errno = ETIMEDOUT;
		return *why = "accept queue", -1;
	}
	o->fd = toy_accept(o->lfd);
	if (o->fd < 0)
		return *why = "accept", -1;
	if (toy_set_int(o->fd, SOL_TOY, TOY_RTO_MAX, rto_ms) ||
	    toy_set_int(o->fd, SOL_TOY, TOY_RTO_MIN, rto_ms))
		return *why = "RTO bounds", -1;
	return 0;
}

void peer_case_close(struct toy_peer *p, int *fd, int *lfd,
		     int ns_orig, int ns_a)
{
	struct linger lg = { 1, 0 };

	if (*fd >= 0) {
		setsockopt(*fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(*fd);
	}
	if (*lfd >= 0)
		close(*lfd);
	*fd = *lfd = -1;
	peer_close(p);
	peer_netns_close(ns_orig, ns_a);
}
