// SPDX-License-Identifier: GPL-2.0
/*
 * hsk_synflood: the SYN flood of make bench, sent from a kernel thread.
 *
 * A user-space generator pays for a syscall, a copy and a zeroed slab
 * buffer per frame; under TCG that made it slower than the listener it
 * was meant to saturate, so the bench measured the generator.  Here each
 * SYN is built straight into a fresh skb (netdev_alloc_skb(), as a driver
 * takes one for a received frame) and handed to the device.
 *
 * Load it in the netns that owns @dev; the flood runs until rmmod, which
 * logs how many SYNs went out.  Every SYN comes from a random source
 * address, port and sequence number, with one MSS option, as a flood tool
 * sends them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/inet.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <net/ip.h>
#include <net/tcp.h>

static char *dev = "veth1";
module_param(dev, charp, 0444);
MODULE_PARM_DESC(dev, "device the SYNs leave by, in the loading netns");

static char *mac;
module_param(mac, charp, 0444);
MODULE_PARM_DESC(mac, "destination MAC address");

static char *dst;
module_param(dst, charp, 0444);
MODULE_PARM_DESC(dst, "destination IPv4 address");

static ushort dport;
module_param(dport, ushort, 0444);
MODULE_PARM_DESC(dport, "destination port");

static uint rate;
module_param(rate, uint, 0444);
MODULE_PARM_DESC(rate, "SYNs per second, 0 for as fast as the CPU goes");

static int cpu = -1;
module_param(cpu, int, 0444);
MODULE_PARM_DESC(cpu, "CPU the generator thread is bound to, -1 for any");

enum {
	SYNFLOOD_BATCH = 64,
	SYNFLOOD_MSS = 1460,
	SYNFLOOD_WINDOW = 64240,
	SYNFLOOD_TTL = 64,
	SYNFLOOD_TCPLEN = sizeof(struct tcphdr) + TCPOLEN_MSS,
	SYNFLOOD_LEN = sizeof(struct iphdr) + SYNFLOOD_TCPLEN,
};

/* Written by init before the thread starts, read-only after, except the
 * IP id and the count, which only the thread touches until exit stops it.
 */
static struct {
	struct net_device *dev;
	struct task_struct *thread;
	u8 dest_mac[ETH_ALEN];
	__be32 daddr;
	__be16 dport;
	u16 ip_id;
	u64 sent;
} flood;

static struct sk_buff *synflood_build(void)
{
	struct net_device *ndev = flood.dev;
	struct sk_buff *skb;
	struct tcphdr *th;
	struct iphdr *iph;

	skb = netdev_alloc_skb(ndev, LL_RESERVED_SPACE(ndev) + SYNFLOOD_LEN);
	if (!skb)
		return NULL;
	skb_reserve(skb, LL_RESERVED_SPACE(ndev));
	skb_reset_network_header(skb);
	iph = skb_put(skb, sizeof(*iph));
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = 0;
	iph->tot_len = htons(SYNFLOOD_LEN);
	iph->id = htons(flood.ip_id++);
	iph->frag_off = 0;
	iph->ttl = SYNFLOOD_TTL;
	iph->protocol = IPPROTO_TCP;
	iph->saddr = (__force __be32)get_random_u32();
	iph->daddr = flood.daddr;
	ip_send_check(iph);

	skb_set_transport_header(skb, skb->len);
	th = skb_put_zero(skb, SYNFLOOD_TCPLEN);
	th->source = (__force __be16)get_random_u16();
	th->dest = flood.dport;
	th->seq = (__force __be32)get_random_u32();
	th->doff = SYNFLOOD_TCPLEN / 4;
	th->syn = 1;
	th->window = htons(SYNFLOOD_WINDOW);
	*(__be32 *)(th + 1) = htonl(TCPOPT_MSS << 24 | TCPOLEN_MSS << 16 |
				    SYNFLOOD_MSS);
	th->check = tcp_v4_check(SYNFLOOD_TCPLEN, iph->saddr, iph->daddr,
				 csum_partial(th, SYNFLOOD_TCPLEN, 0));

	skb->protocol = htons(ETH_P_IP);
	skb->dev = ndev;
	if (dev_hard_header(skb, ndev, ETH_P_IP, flood.dest_mac, NULL,
			    skb->len) < 0) {
		kfree_skb(skb);
		return NULL;
	}
	return skb;
}

/* A paced flood sends a millisecond's worth at a time and sleeps until
 * the schedule catches up; a full one only yields between batches.
 */
static void synflood_pace(ktime_t start)
{
	s64 ahead_us;

	if (!rate) {
		cond_resched();
		return;
	}
	ahead_us = div_u64(flood.sent * USEC_PER_SEC, rate) -
		   ktime_us_delta(ktime_get(), start);
	if (ahead_us > 0)
		usleep_range(ahead_us, ahead_us + USEC_PER_MSEC / 10);
	else
		cond_resched();
}

static int synflood_thread(void *unused)
{
	unsigned int batch = clamp_t(unsigned int, rate / MSEC_PER_SEC, 1,
				     SYNFLOOD_BATCH);
	ktime_t start = ktime_get();

	/* Clients and the server share this CPU: they go first. */
	set_user_nice(current, MAX_NICE);
	while (!kthread_should_stop()) {
		unsigned int i;

		if (!rate)
			batch = SYNFLOOD_BATCH;
		local_bh_disable();
		for (i = 0; i < batch; i++) {
			struct sk_buff *skb = synflood_build();

			if (!skb)
				break;
			/* A full queue drops the frame; the bench counts it. */
			dev_queue_xmit(skb);
			flood.sent++;
		}
		local_bh_enable();
		synflood_pace(start);
	}
	return 0;
}

static int __init synflood_init(void)
{
	struct net *net = current->nsproxy->net_ns;

	if (!mac || !mac_pton(mac, flood.dest_mac)) {
		pr_err("mac= must be a MAC address\n");
		return -EINVAL;
	}
	if (!dst || !in4_pton(dst, -1, (u8 *)&flood.daddr, -1, NULL)) {
		pr_err("dst= must be an IPv4 address\n");
		return -EINVAL;
	}
	if (!dport || (cpu != -1 && (cpu < 0 || cpu >= nr_cpu_ids ||
				     !cpu_online(cpu)))) {
		pr_err("dport= must be set and cpu= online or -1\n");
		return -EINVAL;
	}
	flood.dport = htons(dport);
	flood.dev = dev_get_by_name(net, dev);
	if (!flood.dev) {
		pr_err("no device %s in this netns\n", dev);
		return -ENODEV;
	}
	flood.thread = kthread_create(synflood_thread, NULL, "hsk_synflood");
	if (IS_ERR(flood.thread)) {
		dev_put(flood.dev);
		return PTR_ERR(flood.thread);
	}
	if (cpu != -1)
		kthread_bind(flood.thread, cpu);
	wake_up_process(flood.thread);
	return 0;
}

static void __exit synflood_exit(void)
{
	kthread_stop(flood.thread);
	pr_info("sent %llu\n", flood.sent);
	dev_put(flood.dev);
}

module_init(synflood_init);
module_exit(synflood_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("SYN flood generator for the hsk benchmark");
