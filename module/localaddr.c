// SPDX-License-Identifier: GPL-2.0
/* The netns's interface addresses; the rules are at the top of localaddr.h. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <net/net_namespace.h>

#include "localaddr.h"

struct hsk_addr_set {
	struct rcu_head rcu;
	u32 genid;
	unsigned int len;
	u32 addr[];		/* network order, sorted as plain numbers */
};

/* Counts the netns's addresses, storing the first @room of them in @addr. */
static unsigned int hsk_localaddr_walk(struct net *net, u32 *addr,
				       unsigned int room)
{
	const struct in_ifaddr *ifa;
	struct net_device *dev;
	unsigned int n = 0;

	for_each_netdev_rcu(net, dev) {
		struct in_device *idev = __in_dev_get_rcu(dev);

		if (!idev)
			continue;
		in_dev_for_each_ifa_rcu(ifa, idev) {
			if (n < room)
				addr[n] = (__force u32)ifa->ifa_local;
			n++;
		}
	}
	return n;
}

static int hsk_addr_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

/* Reading the count before the lists means a change that lands during
 * the walk leaves the new array out of date, to be built again; a
 * change is never missed.
 */
static void hsk_localaddr_refresh(struct work_struct *work)
{
	struct hsk_localaddr *la = container_of(work, struct hsk_localaddr,
						refresh);
	struct hsk_addr_set *s, *old;
	unsigned int room;
	bool filled;
	u32 genid;

	do {
		genid = atomic_read(&la->net->ipv4.dev_addr_genid);
		smp_rmb();	/* the count before the lists it counts */
		rcu_read_lock();
		room = hsk_localaddr_walk(la->net, NULL, 0) + 1;
		rcu_read_unlock();
		s = kmalloc(struct_size(s, addr, room), GFP_KERNEL);
		if (!s)
			return;	/* the next early SYN asks again */
		rcu_read_lock();
		s->len = hsk_localaddr_walk(la->net, s->addr, room);
		rcu_read_unlock();
		filled = s->len <= room;
		if (!filled)
			kfree(s);
	} while (!filled);
	s->genid = genid;
	sort(s->addr, s->len, sizeof(s->addr[0]), hsk_addr_cmp, NULL);
	old = rcu_replace_pointer(la->set, s, true);
	if (old)
		kfree_rcu(old, rcu);
}

/**
 * hsk_localaddr_init() - set up the copy of a netns's addresses
 * @la: the copy
 * @net: its netns
 */
void hsk_localaddr_init(struct hsk_localaddr *la, struct net *net)
{
	la->net = net;
	RCU_INIT_POINTER(la->set, NULL);
	INIT_WORK(&la->refresh, hsk_localaddr_refresh);
}

/**
 * hsk_localaddr_exit() - free the copy of a netns's addresses
 * @la: the copy
 */
void hsk_localaddr_exit(struct hsk_localaddr *la)
{
	cancel_work_sync(&la->refresh);
	kfree(rcu_dereference_protected(la->set, true));
}

/**
 * hsk_localaddr_lookup() - whether an address is one of the netns's
 * @la: the copy
 * @addr: the address
 * @ours: where the answer is written
 *
 * Context: packet handler, RCU read side.
 * Return: whether @addr is an address of the netns, in *@ours; false when
 * the copy is out of date and cannot tell (the caller asks the kernel).
 */
bool hsk_localaddr_lookup(struct hsk_localaddr *la, __be32 addr, bool *ours)
{
	const struct hsk_addr_set *s = rcu_dereference(la->set);
	u32 key = (__force u32)addr;
	unsigned int lo = 0, hi;

	if (!s || s->genid != (u32)atomic_read(&la->net->ipv4.dev_addr_genid)) {
		if (!work_pending(&la->refresh))
			schedule_work(&la->refresh);
		return false;
	}
	hi = s->len;
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (s->addr[mid] == key) {
			*ours = true;
			return true;
		}
		if (s->addr[mid] < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	*ours = false;
	return true;
}
