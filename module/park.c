// SPDX-License-Identifier: GPL-2.0
/*
 * Parking: a per-netns hash of per-listener FIFOs of established children
 * that did not fit in their listener's accept queue (net.hsk.accept_backlog).
 *
 * A parked connection is a request sock whose ->sk is the child, exactly
 * what the accept queue itself holds; parked ones are chained through
 * ->dl_next like the accept queue chains them. The child is in the
 * established hash, so the kernel receives and ACKs its data meanwhile.
 *
 * Ownership, one party at a time:
 *  - input.c reserves a slot (hsk_park_reserve) before the child exists,
 *    under the half-open bucket lock; child.c makes the child without
 *    queueing it; the final ACK is processed; hsk_park_add() then takes
 *    over the request sock, the child and the child's one reference (the
 *    one the accept queue would own). A reservation is undone with
 *    hsk_park_cancel() if the child could not be made.
 *  - While parked, both belong to the queue. Only the poll timer and
 *    netns exit take them out, under the bucket lock, and either hand
 *    them to the listener with inet_csk_reqsk_queue_add() (which then
 *    owns both, or forgets the child with a RST if the listener closed)
 *    or, for a child the peer already reset (state CLOSE), forget it
 *    themselves the way the kernel forgets accept-queue children.
 *  - A queue holds a reference on its listener from creation until it is
 *    freed, which happens when nothing is reserved or parked in it; a
 *    listener that closes is noticed by the poll (sk_state no longer
 *    LISTEN) and its children go through inet_csk_reqsk_queue_add(),
 *    which resets them.
 *
 * Locking:
 *  - One spinlock per bucket guards its chain and every field of its
 *    queues. Softirq (packets, the soft hrtimer) takes it with spin_lock,
 *    process context (netns exit) with spin_lock_bh.
 *  - Lock order: half-open bucket lock -> park bucket lock -> child's
 *    bh lock -> listener's accept queue lock. A child is never locked
 *    when hsk_park_add() is called.
 *  - Queues are freed with kfree_rcu, so the packet path and /proc look
 *    them up without the lock (hsk_park_room, _pending, _parked) and read
 *    @count with READ_ONCE: a stale answer only means one connection is
 *    parked or handed over directly where the other would have been.
 *  - @count of struct hsk_park is the netns total, checked against
 *    net.hsk.accept_backlog_max when a slot is reserved.
 *
 * The poll: one soft hrtimer per netns, armed while anything is parked,
 * every HSK_PARK_POLL_NS; nothing runs while nothing is parked. Each run
 * moves as many children per listener as its accept queue has room for,
 * oldest first, resets those that waited longer than
 * net.hsk.park_timeout_ms (the oldest are at the head), and every
 * HSK_PARK_REAP_TICKS runs looks through whole queues for children whose
 * peer reset them.
 *
 * When it was parked is kept in the request sock's ->timeout, in
 * jiffies: a request made as a cookie's, as these are, is never timed,
 * and nothing reads the field after the child took the final ACK.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hash.h>
#include <linux/slab.h>
#include <net/inet_connection_sock.h>
#include <net/tcp.h>

#include "handshake.h"
#include "hsk.h"
#include "unqueued.h"

enum {
	HSK_PARK_POLL_NS = 500 * NSEC_PER_USEC,
	HSK_PARK_REAP_TICKS = 200,	/* 100 ms */
};

struct hsk_park_queue {
	struct hlist_node node;
	struct sock *lsk;		/* held */
	struct request_sock *head;	/* oldest parked */
	struct request_sock *tail;
	int count;			/* parked + reserved */
	int parked;
	struct rcu_head rcu;
};

/* Arms the poll unless it is already pending; a running poll that finds
 * work rearms itself.
 */
static void hsk_park_kick(struct hsk_net *hn)
{
	if (!hrtimer_is_queued(&hn->park.timer))
		hrtimer_start(&hn->park.timer, ns_to_ktime(HSK_PARK_POLL_NS),
			      HRTIMER_MODE_REL_SOFT);
}

static struct hsk_park_bucket *hsk_park_bucket(struct hsk_net *hn,
					       const struct sock *lsk)
{
	return &hn->park.buckets[hash_ptr(lsk, HSK_PARK_HASH_BITS)];
}

/* Under the bucket lock or rcu_read_lock(). */
static struct hsk_park_queue *hsk_park_lookup(struct hsk_park_bucket *b,
					      const struct sock *lsk)
{
	struct hsk_park_queue *q;

	hlist_for_each_entry_rcu(q, &b->chain, node, lockdep_is_held(&b->lock))
		if (q->lsk == lsk)
			return q;
	return NULL;
}

static int hsk_park_count(struct hsk_net *hn, const struct sock *lsk,
			  bool parked_only)
{
	struct hsk_park_queue *q;
	int n = 0;

	if (!atomic_read(&hn->park.count))
		return 0;
	rcu_read_lock();
	q = hsk_park_lookup(hsk_park_bucket(hn, lsk), lsk);
	if (q)
		n = parked_only ? READ_ONCE(q->parked) : READ_ONCE(q->count);
	rcu_read_unlock();
	return n;
}

/**
 * hsk_park_pending() - whether connections to a listener wait in parking
 * @hn: the netns's hsk state
 * @lsk: the listener
 *
 * Return: whether a completion for @lsk would go to the back of its FIFO.
 */
bool hsk_park_pending(struct hsk_net *hn, const struct sock *lsk)
{
	return hsk_park_count(hn, lsk, false) > 0;
}

/**
 * hsk_park_parked() - how many connections to a listener are parked
 * @hn: the netns's hsk state
 * @lsk: the listener
 *
 * Return: the number of parked connections of @lsk.
 */
int hsk_park_parked(struct hsk_net *hn, const struct sock *lsk)
{
	return hsk_park_count(hn, lsk, true);
}

/* Listeners with TCP-MD5 keys are never parked: child.c does not copy
 * keys into the child it makes for parking. Nor are dual-stack ones
 * before child.c knows how to make their IPv4 children.
 */
static bool hsk_park_allowed(struct hsk_net *hn, const struct sock *lsk,
			     int limit)
{
	if (limit <= 0 ||
	    atomic_read(&hn->park.count) >= READ_ONCE(hn->accept_backlog_max))
		return false;
#ifdef CONFIG_TCP_MD5SIG
	if (rcu_access_pointer(tcp_sk(lsk)->md5sig_info))
		return false;
#endif
	return hsk_unqueued_possible(lsk);
}

/**
 * hsk_park_room() - whether a SYN to a full listener may still be answered
 * @hn: the netns's hsk state
 * @lsk: the listener, its accept queue full
 *
 * Return: whether a SYN to a listener with a full accept queue may still
 * be answered because its completion could be parked.
 */
bool hsk_park_room(struct hsk_net *hn, const struct sock *lsk)
{
	int limit = READ_ONCE(hn->accept_backlog);

	return hsk_park_allowed(hn, lsk, limit) &&
	       hsk_park_count(hn, lsk, false) < limit;
}

/**
 * hsk_park_reserve() - reserve a parking slot
 * @hn: the netns's hsk state
 * @lsk: the listener
 *
 * Return: a slot for one connection to @lsk, or NULL when parking is off
 * or full.
 */
struct hsk_park_queue *hsk_park_reserve(struct hsk_net *hn, struct sock *lsk)
{
	struct hsk_park_bucket *b = hsk_park_bucket(hn, lsk);
	int limit = READ_ONCE(hn->accept_backlog);
	struct hsk_park_queue *q;

	if (!hsk_park_allowed(hn, lsk, limit))
		return NULL;
	spin_lock(&b->lock);
	q = hsk_park_lookup(b, lsk);
	if (!q) {
		q = kzalloc(sizeof(*q), GFP_ATOMIC | __GFP_NOWARN);
		if (!q)
			goto out;
		/* Found under RCU without a reference: it may be dying. */
		if (!refcount_inc_not_zero(&lsk->sk_refcnt)) {
			kfree(q);
			goto out;
		}
		q->lsk = lsk;
		hlist_add_head_rcu(&q->node, &b->chain);
	}
	if (q->count >= limit)
		goto full;
	if (atomic_inc_return(&hn->park.count) > READ_ONCE(hn->accept_backlog_max)) {
		atomic_dec(&hn->park.count);
		goto full;
	}
	WRITE_ONCE(q->count, q->count + 1);
	spin_unlock(&b->lock);
	return q;
full:
	/* A queue just made and left empty is freed by the next poll. */
	if (!q->count)
		hsk_park_kick(hn);
out:
	spin_unlock(&b->lock);
	return NULL;
}

static void hsk_park_unreserve(struct hsk_net *hn, struct hsk_park_queue *q)
{
	WRITE_ONCE(q->count, q->count - 1);
	atomic_dec(&hn->park.count);
}

/**
 * hsk_park_cancel() - give back a slot hsk_park_reserve() returned
 * @hn: the netns's hsk state
 * @q: the slot's queue
 */
void hsk_park_cancel(struct hsk_net *hn, struct hsk_park_queue *q)
{
	struct hsk_park_bucket *b = hsk_park_bucket(hn, q->lsk);

	spin_lock(&b->lock);
	hsk_park_unreserve(hn, q);
	spin_unlock(&b->lock);
	hsk_park_kick(hn);
}

/**
 * hsk_park_add() - park a connection in its reserved slot
 * @hn: the netns's hsk state
 * @q: the queue hsk_park_reserve() returned
 * @req: the request sock of the child
 *
 * Takes over @req and its child (req->sk), unlocked, with the one
 * reference the accept queue would own.
 */
void hsk_park_add(struct hsk_net *hn, struct hsk_park_queue *q,
		  struct request_sock *req)
{
	struct hsk_park_bucket *b = hsk_park_bucket(hn, q->lsk);

	req->dl_next = NULL;
	req->timeout = (u32)jiffies;
	spin_lock(&b->lock);
	if (q->tail)
		q->tail->dl_next = req;
	else
		q->head = req;
	q->tail = req;
	WRITE_ONCE(q->parked, q->parked + 1);
	spin_unlock(&b->lock);
	HSK_INC(hn, PARKED);
	hsk_park_kick(hn);
}

/* What inet_child_forget() does to accept-queue children when their
 * listener closes, for a child whose peer already reset it.
 */
static void hsk_park_forget(struct sock *child)
{
	child->sk_prot->disconnect(child, O_NONBLOCK);
	sock_orphan(child);
	this_cpu_inc(*child->sk_prot->orphan_count);
	inet_csk_destroy_sock(child);
}

/* Ends the parking of @req: onto the accept queue, or reset. Bucket lock
 * held, bottom halves off. Returns whether the child was handed over.
 */
static bool hsk_park_release(struct hsk_net *hn, struct sock *lsk,
			     struct request_sock *req)
{
	struct sock *child = req->sk;
	bool handed = false;

	/* The owner's reference may go with the child below. */
	sock_hold(child);
	bh_lock_sock(child);
	if (child->sk_state == TCP_CLOSE) {
		hsk_park_forget(child);
		reqsk_put(req);
	} else if (inet_csk_reqsk_queue_add(lsk, req, child)) {
		handed = true;
	} else {
		reqsk_put(req);		/* the listener closed: child reset */
	}
	bh_unlock_sock(child);
	sock_put(child);
	if (handed)
		HSK_INC(hn, PARKED_HANDED_OVER);
	else
		HSK_INC(hn, PARKED_RESET);
	return handed;
}

static struct request_sock *hsk_park_pop(struct hsk_net *hn,
					 struct hsk_park_queue *q,
					 struct request_sock *prev)
{
	struct request_sock *req = prev ? prev->dl_next : q->head;

	if (prev)
		prev->dl_next = req->dl_next;
	else
		q->head = req->dl_next;
	if (q->tail == req)
		q->tail = prev;
	WRITE_ONCE(q->parked, q->parked - 1);
	hsk_park_unreserve(hn, q);
	return req;
}

/* Resets the children that waited too long, oldest first, as a listener
 * closing resets its accept queue's (inet_child_forget()).
 */
static void hsk_park_expire(struct hsk_net *hn, struct hsk_park_queue *q)
{
	u32 limit = msecs_to_jiffies(READ_ONCE(hn->park_timeout_ms));
	struct request_sock *req;
	struct sock *child;

	while (q->head && (u32)jiffies - q->head->timeout >= limit) {
		req = hsk_park_pop(hn, q, NULL);
		child = req->sk;
		sock_hold(child);
		bh_lock_sock(child);
		hsk_park_forget(child);
		reqsk_put(req);
		bh_unlock_sock(child);
		sock_put(child);
		HSK_INC(hn, PARKED_EXPIRED);
	}
}

/* Children whose peer reset them leave the queue without a hand-over. */
static void hsk_park_reap(struct hsk_net *hn, struct hsk_park_queue *q)
{
	struct request_sock *prev = NULL, *req = q->head;

	while (req) {
		if (READ_ONCE(req->sk->sk_state) == TCP_CLOSE) {
			hsk_park_release(hn, q->lsk, hsk_park_pop(hn, q, prev));
			req = prev ? prev->dl_next : q->head;
			continue;
		}
		prev = req;
		req = req->dl_next;
	}
}

/* Moves what fits (everything with @all) to the accept queue, oldest
 * first. A closed listener takes everything: it resets them.
 */
static void hsk_park_drain(struct hsk_net *hn, struct hsk_park_queue *q,
			   bool all)
{
	struct sock *lsk = q->lsk;
	bool wake = false;

	if (READ_ONCE(lsk->sk_state) != TCP_LISTEN)
		all = true;
	while (q->head && (all || !sk_acceptq_is_full(lsk)))
		wake |= hsk_park_release(hn, lsk, hsk_park_pop(hn, q, NULL));
	if (wake)
		lsk->sk_data_ready(lsk);
}

static void hsk_park_free(struct hsk_park_queue *q)
{
	hlist_del_rcu(&q->node);
	sock_put(q->lsk);
	kfree_rcu(q, rcu);
}

static enum hrtimer_restart hsk_park_timer(struct hrtimer *timer)
{
	struct hsk_net *hn = container_of(timer, struct hsk_net, park.timer);
	bool reap = ++hn->park.ticks % HSK_PARK_REAP_TICKS == 0;
	struct hsk_park_queue *q;
	struct hlist_node *tmp;
	bool busy = false;
	unsigned int i;

	for (i = 0; i < HSK_PARK_BUCKETS; i++) {
		struct hsk_park_bucket *b = &hn->park.buckets[i];

		if (hlist_empty(&b->chain))
			continue;
		spin_lock(&b->lock);
		hlist_for_each_entry_safe(q, tmp, &b->chain, node) {
			hsk_park_drain(hn, q, false);
			hsk_park_expire(hn, q);
			if (reap)
				hsk_park_reap(hn, q);
			if (q->count)
				busy = true;
			else
				hsk_park_free(q);
		}
		spin_unlock(&b->lock);
	}
	/* Not hrtimer_forward(): a packet on another cpu may have queued
	 * the timer again while this ran.
	 */
	if (busy)
		hrtimer_start(timer, ns_to_ktime(HSK_PARK_POLL_NS),
			      HRTIMER_MODE_REL_SOFT);
	return HRTIMER_NORESTART;
}

/**
 * hsk_park_init() - set up the parking of a netns
 * @hn: the netns's hsk state
 */
void hsk_park_init(struct hsk_net *hn)
{
	unsigned int i;

	for (i = 0; i < HSK_PARK_BUCKETS; i++) {
		spin_lock_init(&hn->park.buckets[i].lock);
		INIT_HLIST_HEAD(&hn->park.buckets[i].chain);
	}
	atomic_set(&hn->park.count, 0);
	hrtimer_init(&hn->park.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	hn->park.timer.function = hsk_park_timer;
}

/**
 * hsk_park_exit() - hand every parked connection over
 * @hn: the netns's hsk state
 *
 * Every parked child is handed over, beyond the backlog if need be, so
 * unloading hsk loses no connection; those of closed listeners are reset.
 * Emptying the queues first lets a running poll finish without rearming,
 * then hrtimer_cancel() waits for it.
 *
 * Context: Runs after the hook is gone and no packet is in hsk: nothing
 * reserves any more.
 */
void hsk_park_exit(struct hsk_net *hn)
{
	struct hsk_park_queue *q;
	struct hlist_node *tmp;
	unsigned int i;

	for (i = 0; i < HSK_PARK_BUCKETS; i++) {
		struct hsk_park_bucket *b = &hn->park.buckets[i];

		spin_lock_bh(&b->lock);
		hlist_for_each_entry_safe(q, tmp, &b->chain, node) {
			hsk_park_drain(hn, q, true);
			WARN_ON_ONCE(q->count);
			hsk_park_free(q);
		}
		spin_unlock_bh(&b->lock);
	}
	hrtimer_cancel(&hn->park.timer);
	WARN_ON_ONCE(atomic_read(&hn->park.count));
}
