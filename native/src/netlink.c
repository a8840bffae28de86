/* `berth-helper net OP ARGS... [OP ARGS...]`: a container's network plumbing in one process,
 * over rtnetlink (src/sys/netExec.ts builds the argument list from src/network/plan.ts ops).
 * Ops run in order, each in the process's current network namespace:
 *   netns-new FILE              new netns bound onto FILE (as `ip netns add`); later ops run in it
 *   netns-rm FILE               detach the bind mount (MNT_DETACH) and unlink FILE; missing is fine
 *   ns FILE | ns -              later ops run in FILE's netns (`-`: the one the helper started in)
 *   veth HOST PEER MAC BRIDGE NETNS
 *                               veth pair: HOST up (enslaved to BRIDGE unless `-`), PEER created
 *                               in NETNS's netns (a file) with address MAC (unless `-`)
 *   up DEV                      set DEV up
 *   addr DEV A.B.C.D/LEN        add an IPv4 address
 *   route-default GW DEV        add the default route via GW on DEV (main table)
 *   del DEV                     delete a link (a veth takes its peer with it)
 *   nft-gen                     print `nft-gen N`: the nf_tables ruleset generation (bumped by
 *                               every committed ruleset change, iptables-nft's included)
 * No policy: names, addresses and order come from the caller. Errors: one line on stderr,
 * `net: OP `ARG`: strerror`, exit 1 (2 for usage). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

struct nl {
	int fd;     /* rtnetlink socket of the current netns */
	int hostns; /* the netns the helper started in */
	unsigned seq;
};

static int net_fail(const char *op, const char *arg, int err)
{
	fprintf(stderr, "net: %s `%s`: %s\n", op, arg, strerror(err));
	return 1;
}

static int nl_open(struct nl *n)
{
	if (n->fd >= 0) close(n->fd);
	n->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	return n->fd < 0 ? errno : 0;
}

/* A request in buf: header + fixed body; attributes are appended after it. */
static struct nlmsghdr *nl_begin(char *buf, int type, int flags, const void *body, size_t len)
{
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	memset(buf, 0, NLMSG_SPACE(len));
	h->nlmsg_len = NLMSG_LENGTH(len);
	h->nlmsg_type = type;
	h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	memcpy(NLMSG_DATA(h), body, len);
	return h;
}

static struct rtattr *nl_attr(struct nlmsghdr *h, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)h + NLMSG_ALIGN(h->nlmsg_len));
	a->rta_type = type;
	a->rta_len = RTA_LENGTH(len);
	if (len) memcpy(RTA_DATA(a), data, len);
	h->nlmsg_len = NLMSG_ALIGN(h->nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

/* Close a nested attribute opened by nl_attr(h, type, body, len): it spans to the message end. */
static void nl_nest_end(struct nlmsghdr *h, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)h + h->nlmsg_len - (char *)nest);
}

/* Send and wait for the kernel's ack: 0 or an errno. */
static int nl_talk(struct nl *n, struct nlmsghdr *h)
{
	h->nlmsg_seq = ++n->seq;
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	if (sendto(n->fd, h, h->nlmsg_len, 0, (struct sockaddr *)&k, sizeof k) < 0) return errno;
	char buf[8192] __attribute__((aligned(4)));
	for (;;) {
		int len = (int)recv(n->fd, buf, sizeof buf, 0);
		if (len < 0) {
			if (errno == EINTR) continue;
			return errno;
		}
		for (struct nlmsghdr *r = (struct nlmsghdr *)buf; NLMSG_OK(r, len); r = NLMSG_NEXT(r, len)) {
			if (r->nlmsg_seq != h->nlmsg_seq || r->nlmsg_type != NLMSG_ERROR) continue;
			return -((struct nlmsgerr *)NLMSG_DATA(r))->error;
		}
	}
}

static int ifindex(const char *name, int *idx)
{
	if (strlen(name) >= IFNAMSIZ) return ENAMETOOLONG;
	*idx = (int)if_nametoindex(name);
	return *idx ? 0 : ENODEV;
}

static int parse_mac(const char *s, unsigned char mac[6])
{
	char end;
	int k = sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx%c", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4], &mac[5], &end);
	return k == 6 ? 0 : EINVAL;
}

static int do_veth(struct nl *n, char **a)
{
	const char *host = a[0], *peer = a[1], *mac = a[2], *bridge = a[3], *netns = a[4];
	if (strlen(host) >= IFNAMSIZ || strlen(peer) >= IFNAMSIZ) return ENAMETOOLONG;
	int master = 0, e;
	unsigned char hw[6];
	if (strcmp(bridge, "-") && (e = ifindex(bridge, &master))) return e;
	if (strcmp(mac, "-") && parse_mac(mac, hw)) return EINVAL;
	int nsfd = open(netns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) return errno;
	char buf[1024] __attribute__((aligned(4)));
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
	struct nlmsghdr *h = nl_begin(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, sizeof ifi);
	nl_attr(h, IFLA_IFNAME, host, strlen(host) + 1);
	if (master) nl_attr(h, IFLA_MASTER, &master, sizeof master);
	struct rtattr *info = nl_attr(h, IFLA_LINKINFO, NULL, 0);
	nl_attr(h, IFLA_INFO_KIND, "veth", 5);
	struct rtattr *data = nl_attr(h, IFLA_INFO_DATA, NULL, 0);
	struct ifinfomsg pi = { .ifi_family = AF_UNSPEC };
	struct rtattr *p = nl_attr(h, VETH_INFO_PEER, &pi, sizeof pi);
	nl_attr(h, IFLA_IFNAME, peer, strlen(peer) + 1);
	if (strcmp(mac, "-")) nl_attr(h, IFLA_ADDRESS, hw, sizeof hw);
	nl_attr(h, IFLA_NET_NS_FD, &nsfd, sizeof nsfd);
	nl_nest_end(h, p);
	nl_nest_end(h, data);
	nl_nest_end(h, info);
	e = nl_talk(n, h);
	close(nsfd);
	return e;
}

static int do_link(struct nl *n, int type, const char *dev)
{
	int idx, e;
	if ((e = ifindex(dev, &idx))) return e;
	char buf[256] __attribute__((aligned(4)));
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = idx };
	if (type == RTM_NEWLINK) ifi.ifi_flags = ifi.ifi_change = IFF_UP;
	return nl_talk(n, nl_begin(buf, type, 0, &ifi, sizeof ifi));
}

static int do_addr(struct nl *n, const char *dev, const char *cidr)
{
	char ip[INET_ADDRSTRLEN];
	const char *slash = strchr(cidr, '/');
	struct in_addr in;
	if (!slash || (size_t)(slash - cidr) >= sizeof ip) return EINVAL;
	memcpy(ip, cidr, (size_t)(slash - cidr));
	ip[slash - cidr] = 0;
	char *end;
	long len = strtol(slash + 1, &end, 10);
	if (*end || end == slash + 1 || len < 0 || len > 32 || inet_pton(AF_INET, ip, &in) != 1) return EINVAL;
	int idx, e;
	if ((e = ifindex(dev, &idx))) return e;
	char buf[256] __attribute__((aligned(4)));
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = (unsigned char)len, .ifa_index = (unsigned)idx };
	struct nlmsghdr *h = nl_begin(buf, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof ifa);
	nl_attr(h, IFA_LOCAL, &in, sizeof in);
	nl_attr(h, IFA_ADDRESS, &in, sizeof in);
	return nl_talk(n, h);
}

static int do_route_default(struct nl *n, const char *gw, const char *dev)
{
	struct in_addr in;
	if (inet_pton(AF_INET, gw, &in) != 1) return EINVAL;
	int idx, e;
	if ((e = ifindex(dev, &idx))) return e;
	char buf[256] __attribute__((aligned(4)));
	struct rtmsg rt = { .rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_BOOT, .rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST };
	struct nlmsghdr *h = nl_begin(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rt, sizeof rt);
	nl_attr(h, RTA_GATEWAY, &in, sizeof in);
	nl_attr(h, RTA_OIF, &idx, sizeof idx);
	return nl_talk(n, h);
}

static int do_netns_new(struct nl *n, const char *file)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0 && errno != EEXIST) return errno;
	int made = fd >= 0;
	if (made) close(fd);
	int e = 0;
	if (unshare(CLONE_NEWNET)) e = errno;
	else if (mount("/proc/self/ns/net", file, NULL, MS_BIND, NULL)) e = errno;
	if (e && made) unlink(file);
	return e ? e : nl_open(n);
}

static int do_netns_rm(const char *file)
{
	if (umount2(file, MNT_DETACH) && errno != EINVAL && errno != ENOENT) return errno;
	if (unlink(file) && errno != ENOENT) return errno;
	return 0;
}

static int do_ns(struct nl *n, const char *file)
{
	int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : n->hostns;
	if (fd < 0) return errno;
	int e = setns(fd, CLONE_NEWNET) ? errno : 0;
	if (fd != n->hostns) close(fd);
	return e ? e : nl_open(n);
}

/* NFT_MSG_GETGEN on a netfilter socket of the current netns. */
static int do_nft_gen(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0) return errno;
	char buf[256] __attribute__((aligned(4)));
	struct nfgenmsg g = { .nfgen_family = AF_UNSPEC, .version = NFNETLINK_V0 };
	struct nlmsghdr *h = nl_begin(buf, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN, 0, &g, sizeof g);
	h->nlmsg_flags = NLM_F_REQUEST;
	h->nlmsg_seq = 1;
	struct sockaddr_nl k = { .nl_family = AF_NETLINK };
	int e = ENOMSG;
	if (sendto(fd, h, h->nlmsg_len, 0, (struct sockaddr *)&k, sizeof k) < 0) e = errno;
	else {
		char rb[1024] __attribute__((aligned(4)));
		int len = (int)recv(fd, rb, sizeof rb, 0);
		if (len < 0) e = errno;
		for (struct nlmsghdr *r = (struct nlmsghdr *)rb; len > 0 && NLMSG_OK(r, len); r = NLMSG_NEXT(r, len)) {
			if (r->nlmsg_type == NLMSG_ERROR) {
				e = -((struct nlmsgerr *)NLMSG_DATA(r))->error;
				break;
			}
			if (r->nlmsg_type != ((NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN)) continue;
			int alen = (int)r->nlmsg_len - (int)NLMSG_SPACE(sizeof g);
			for (struct rtattr *a = (struct rtattr *)((char *)NLMSG_DATA(r) + NLMSG_ALIGN(sizeof g)); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
				if ((a->rta_type & NLA_TYPE_MASK) != NFTA_GEN_ID || RTA_PAYLOAD(a) < 4) continue;
				uint32_t id;
				memcpy(&id, RTA_DATA(a), 4);
				printf("nft-gen %u\n", ntohl(id));
				e = 0;
			}
			break;
		}
	}
	close(fd);
	return e;
}

static const struct { const char *name; int argc; } OPS[] = {
	{ "netns-new", 1 }, { "netns-rm", 1 }, { "ns", 1 }, { "veth", 5 },
	{ "up", 1 }, { "addr", 2 }, { "route-default", 2 }, { "del", 1 }, { "nft-gen", 0 },
};

static int arity(const char *op)
{
	for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++)
		if (!strcmp(OPS[i].name, op)) return OPS[i].argc;
	return -1;
}

static int run_op(struct nl *n, const char *op, char **a)
{
	if (!strcmp(op, "netns-new")) return do_netns_new(n, a[0]);
	if (!strcmp(op, "netns-rm")) return do_netns_rm(a[0]);
	if (!strcmp(op, "ns")) return do_ns(n, a[0]);
	if (!strcmp(op, "veth")) return do_veth(n, a);
	if (!strcmp(op, "up")) return do_link(n, RTM_NEWLINK, a[0]);
	if (!strcmp(op, "del")) return do_link(n, RTM_DELLINK, a[0]);
	if (!strcmp(op, "addr")) return do_addr(n, a[0], a[1]);
	if (!strcmp(op, "nft-gen")) return do_nft_gen();
	return do_route_default(n, a[0], a[1]);
}

int net_main(int argc, char **argv)
{
	/* Check the whole list first: a usage error changes nothing. */
	for (int i = 0; i < argc; i += 1 + arity(argv[i])) {
		int k = arity(argv[i]);
		if (k < 0 || i + k >= argc + (k == 0)) {
			fprintf(stderr, "usage: berth-helper net OP ARGS... (ops: netns-new netns-rm ns veth up addr route-default del nft-gen; docs/plan.md)\n");
			return 2;
		}
	}
	struct nl n = { .fd = -1, .hostns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC) };
	if (n.hostns < 0) return net_fail("open", "/proc/self/ns/net", errno);
	int e = nl_open(&n);
	if (e) return net_fail("socket", "netlink", e);
	for (int i = 0; i < argc; i += 1 + arity(argv[i])) {
		if ((e = run_op(&n, argv[i], argv + i + 1))) return net_fail(argv[i], arity(argv[i]) ? argv[i + 1] : "", e);
	}
	return 0;
}
