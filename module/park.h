/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parking: completed connections that do not fit in their listener's
 * accept queue wait here, already established, until accept() makes room.
 * The rules of park.c are written once at its top.
 */
#ifndef _HSK_PARK_H
#define _HSK_PARK_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <net/request_sock.h>

enum {
	HSK_PARK_HASH_BITS = 6,
	HSK_PARK_BUCKETS = 1 << HSK_PARK_HASH_BITS,
};

struct hsk_net;
struct hsk_park_queue;

/**
 * struct hsk_park_bucket - a bucket of the parking hash
 * @lock: guards @chain and its queues
 * @chain: struct hsk_park_queue, RCU
 */
struct hsk_park_bucket {
	spinlock_t lock;		/* guards @chain and its queues */
	struct hlist_head chain;
};

/**
 * struct hsk_park - the parked connections of a netns
 * @buckets: the per-listener FIFOs, hashed by listener
 * @timer: the poll, armed while anything is parked
 * @count: parked + reserved, whole netns
 * @ticks: timer runs, paces the reaper
 *
 * The rules are written once at the top of park.c.
 */
struct hsk_park {
	struct hsk_park_bucket buckets[HSK_PARK_BUCKETS];
	struct hrtimer timer;
	atomic_t count;
	unsigned int ticks;
};

void hsk_park_init(struct hsk_net *hn);
void hsk_park_exit(struct hsk_net *hn);

bool hsk_park_room(struct hsk_net *hn, const struct sock *lsk);
bool hsk_park_pending(struct hsk_net *hn, const struct sock *lsk);
int hsk_park_parked(struct hsk_net *hn, const struct sock *lsk);
struct hsk_park_queue *hsk_park_reserve(struct hsk_net *hn, struct sock *lsk);
void hsk_park_cancel(struct hsk_net *hn, struct hsk_park_queue *q);
void hsk_park_add(struct hsk_net *hn, struct hsk_park_queue *q,
		  struct request_sock *req);

#endif /* _HSK_PARK_H */
