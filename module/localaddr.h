/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A per-netns copy of the namespace's IPv4 interface addresses, for the
 * early SYN path's martian check: the kernel asks its interface address
 * hash whether a SYN's source is one of ours, which modules cannot reach,
 * and __ip_dev_find() adds a local-table lookup for every source that is
 * not, which is every source of a flood.
 *
 * Locking and lifetime, the one place they are written down:
 *  - @set is a sorted array, replaced as a whole under RCU and freed with
 *    kfree_rcu(). Readers are packet handlers under the RCU read side.
 *  - The array carries the net->ipv4.dev_addr_genid it was built for;
 *    the kernel bumps that count on every address added or removed. A
 *    reader that finds it out of date (or no array yet) does not use it
 *    and queues @refresh, the only writer of @set.
 *  - @refresh is cancelled in pernet exit, after the hooks are gone and a
 *    grace period has passed, so no packet can queue it again; the
 *    array is freed after that.
 */
#ifndef _HSK_LOCALADDR_H
#define _HSK_LOCALADDR_H

#include <linux/rcupdate.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct net;
struct hsk_addr_set;

/**
 * struct hsk_localaddr - a netns's copy of its IPv4 interface addresses
 * @set: the sorted array, replaced as a whole under RCU
 * @refresh: the only writer of @set
 * @net: the netns
 *
 * Locking and lifetime: at the top of this file.
 */
struct hsk_localaddr {
	struct hsk_addr_set __rcu *set;
	struct work_struct refresh;
	struct net *net;
};

void hsk_localaddr_init(struct hsk_localaddr *la, struct net *net);
void hsk_localaddr_exit(struct hsk_localaddr *la);
bool hsk_localaddr_lookup(struct hsk_localaddr *la, __be32 addr, bool *ours);

#endif /* _HSK_LOCALADDR_H */
