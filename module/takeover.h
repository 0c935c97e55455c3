/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Taking TIME_WAIT over from the kernel: segments that may end in a
 * timewait sock are noted, and a soft hrtimer looks for the sock right
 * after the kernel had them. The rules of takeover.c are written once at
 * its top.
 */
#ifndef _HSK_TAKEOVER_H
#define _HSK_TAKEOVER_H

#include <linux/hrtimer.h>
#include <linux/spinlock.h>

#include "cookie.h"

struct hsk_net;
struct sock;

enum {
	HSK_TAKEOVER_SLOTS = 64,
};

/**
 * struct hsk_takeover_item - a 4-tuple to look for a timewait sock at
 * @tuple: the connection
 * @dif: the device the segment came in on, for the lookup
 * @sdif: its l3 master device, for the lookup
 * @tries: timer runs that found the connection still closing
 */
struct hsk_takeover_item {
	struct hsk_tuple tuple;
	int dif;
	int sdif;
	unsigned int tries;
};

/**
 * struct hsk_takeover - the tuples of a netns to look at
 * @lock: guards @items, @n and @cur
 * @timer: looks at the noted tuples, armed while any are noted
 * @items: two lists: @cur takes notes while the timer reads the other
 * @n: how many items each list holds
 * @cur: the list notes go to
 */
struct hsk_takeover {
	spinlock_t lock;		/* guards @items, @n and @cur */
	struct hrtimer timer;
	struct hsk_takeover_item items[2][HSK_TAKEOVER_SLOTS];
	unsigned int n[2];
	unsigned int cur;
};

void hsk_takeover_init(struct hsk_net *hn);
void hsk_takeover_exit(struct hsk_net *hn);
void hsk_takeover_connect(struct hsk_net *hn, const struct hsk_tuple *t);
void hsk_takeover_note(struct hsk_net *hn, const struct sock *sk,
		       const struct hsk_tuple *t, u8 tcp_flags, int dif,
		       int sdif);

#endif /* _HSK_TAKEOVER_H */
