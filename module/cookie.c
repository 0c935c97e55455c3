// SPDX-License-Identifier: GPL-2.0
/*
 * SYN cookies: every initial sequence number hsk sends is a cookie, so an
 * ACK can be validated whether or not its half-open entry was kept.
 *
 * Layout of the 32-bit ISN (bit 31 first):
 *
 *   | MAC (24 bits) | flags (8 bits) XOR the low byte of the MAC |
 *
 * flags: bit 7 period parity, bits 6-4 MSS index, bits 3-1 window-scale
 * index (0 = no scaling), bit 0 SACK permitted. Carrying the options in
 * the ISN keeps them alive without TCP timestamps. When timestamps are on,
 * HSK_COOKIE_TS_BITS more MAC bits ride in the low bits of TSval.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/random.h>

#include "cookie.h"

/* For tests: periods counted from the module's load rather than from
 * boot, so that period 0, whose predecessor never had a key, can be
 * reached at any uptime.
 */
static bool cookie_clock_from_load;
module_param(cookie_clock_from_load, bool, 0444);
MODULE_PARM_DESC(cookie_clock_from_load,
		 "count SYN cookie periods from module load (testing)");

static time64_t hsk_cookie_clock_base;

/**
 * hsk_cookie_clock_start() - start the clock cookie periods count from
 */
void hsk_cookie_clock_start(void)
{
	if (cookie_clock_from_load)
		hsk_cookie_clock_base = ktime_get_seconds();
}

/* Peers' MSS and window scale are rounded down to these; index 0 of the
 * scale table means the peer did not offer window scaling at all.
 */
static const u16 hsk_mss_table[] = { 536, 1220, 1300, 1380, 1440, 1460, 4312, 8960 };
static const u8 hsk_wscale_table[] = { 0, 0, 2, 4, 6, 7, 8, 9 };

struct hsk_cookie_input {
	__be32 raddr;
	__be32 laddr;
	__be16 rport;
	__be16 lport;
	u32 rcv_isn;
	u32 period;
	u32 flags;
};

static u32 hsk_cookie_period(void)
{
	return (u32)((ktime_get_seconds() - hsk_cookie_clock_base) /
		     HSK_COOKIE_PERIOD_SEC);
}

/**
 * hsk_cookie_init() - set up the cookie keys of a netns
 * @c: the netns's cookie state
 */
void hsk_cookie_init(struct hsk_cookie *c)
{
	seqlock_init(&c->lock);
	/* Period 0 and 1 start unkeyed: U32_MAX never equals a live period. */
	c->key_period[0] = U32_MAX;
	c->key_period[1] = U32_MAX;
	get_random_bytes(&c->tsoff_key, sizeof(c->tsoff_key));
}

static void hsk_cookie_rotate(struct hsk_cookie *c, unsigned int slot, u32 period)
{
	write_seqlock_bh(&c->lock);
	if (c->key_period[slot] != period) {
		get_random_bytes(&c->keys[slot], sizeof(c->keys[slot]));
		c->key_period[slot] = period;
	}
	write_sequnlock_bh(&c->lock);
}

/* Copies the key of @slot if it belongs to @period. */
static bool hsk_cookie_key(struct hsk_cookie *c, unsigned int slot, u32 period,
			   siphash_key_t *key)
{
	unsigned int seq;
	bool live;

	do {
		seq = read_seqbegin(&c->lock);
		live = c->key_period[slot] == period;
		*key = c->keys[slot];
	} while (read_seqretry(&c->lock, seq));
	return live;
}

static u64 hsk_cookie_mac(const siphash_key_t *key, const struct hsk_tuple *t,
			  u32 rcv_isn, u32 period, u32 flags)
{
	struct hsk_cookie_input in = {
		.raddr = t->raddr,
		.laddr = t->laddr,
		.rport = t->rport,
		.lport = t->lport,
		.rcv_isn = rcv_isn,
		.period = period,
		.flags = flags,
	};

	return siphash(&in, sizeof(in), key);
}

static u32 hsk_cookie_encode_opts(const struct hsk_cookie_opts *opts)
{
	unsigned int mss_idx = 0, ws_idx = 0, i;

	for (i = 1; i < ARRAY_SIZE(hsk_mss_table); i++)
		if (opts->mss >= hsk_mss_table[i])
			mss_idx = i;
	if (opts->wscale_ok) {
		ws_idx = 1;
		for (i = 2; i < ARRAY_SIZE(hsk_wscale_table); i++)
			if (opts->snd_wscale >= hsk_wscale_table[i])
				ws_idx = i;
	}
	return mss_idx << 4 | ws_idx << 1 | opts->sack_ok;
}

static void hsk_cookie_decode_opts(u32 flags, struct hsk_cookie_opts *opts)
{
	unsigned int ws_idx = (flags >> 1) & 7;

	opts->mss = hsk_mss_table[(flags >> 4) & 7];
	opts->wscale_ok = ws_idx != 0;
	opts->snd_wscale = hsk_wscale_table[ws_idx];
	opts->sack_ok = flags & 1;
}

/**
 * hsk_cookie_make() - make the cookie ISN of a SYN-ACK
 * @c: the netns's cookie state
 * @t: the connection
 * @rcv_isn: the client's ISN
 * @opts: what the cookie is to carry besides its MAC
 * @ts_mac: where the MAC bits for the timestamp are written
 *
 * Return: the cookie, to be sent as our ISN.
 */
u32 hsk_cookie_make(struct hsk_cookie *c, const struct hsk_tuple *t,
		    u32 rcv_isn, const struct hsk_cookie_opts *opts, u32 *ts_mac)
{
	u32 period = hsk_cookie_period();
	unsigned int slot = period & 1;
	siphash_key_t key;
	u32 flags, mac;
	u64 hash;

	if (READ_ONCE(c->key_period[slot]) != period)
		hsk_cookie_rotate(c, slot, period);
	/* A rotation racing with us can only move the key forward to this
	 * very period, so the copy is always the right one.
	 */
	hsk_cookie_key(c, slot, period, &key);

	flags = slot << 7 | hsk_cookie_encode_opts(opts);
	hash = hsk_cookie_mac(&key, t, rcv_isn, period, flags);
	mac = hash & GENMASK(HSK_COOKIE_MAC_BITS - 1, 0);
	*ts_mac = (hash >> 32) & GENMASK(HSK_COOKIE_TS_BITS - 1, 0);
	return mac << 8 | ((flags ^ mac) & 0xff);
}

/**
 * hsk_cookie_check() - check the cookie an ACK returns
 * @c: the netns's cookie state
 * @t: the connection
 * @rcv_isn: the client's ISN
 * @cookie: the cookie, the ACK's acknowledgment number minus one
 * @opts: where what the cookie carries is written, on success
 * @ts_mac: where the MAC bits for the timestamp are written, on success
 *
 * Return: 0 when the cookie is valid, -ETIMEDOUT when its period is over
 * (or never was), -EBADMSG when its MAC is wrong.
 */
int hsk_cookie_check(struct hsk_cookie *c, const struct hsk_tuple *t,
		     u32 rcv_isn, u32 cookie, struct hsk_cookie_opts *opts,
		     u32 *ts_mac)
{
	u32 mac = cookie >> 8;
	u32 flags = (cookie ^ mac) & 0xff;
	unsigned int slot = flags >> 7;
	u32 period = hsk_cookie_period();
	siphash_key_t key;
	u64 hash;

	/* The parity names the period: this one or the one before, which
	 * in period 0 never was and has no key to check with.
	 */
	if ((period & 1) != slot) {
		if (!period)
			return -ETIMEDOUT;
		period--;
	}
	if (!hsk_cookie_key(c, slot, period, &key))
		return -ETIMEDOUT;

	hash = hsk_cookie_mac(&key, t, rcv_isn, period, flags);
	if ((hash & GENMASK(HSK_COOKIE_MAC_BITS - 1, 0)) != mac)
		return -EBADMSG;

	*ts_mac = (hash >> 32) & GENMASK(HSK_COOKIE_TS_BITS - 1, 0);
	hsk_cookie_decode_opts(flags, opts);
	return 0;
}

/**
 * hsk_cookie_tsoff() - the timestamp offset of an address pair
 * @c: the netns's cookie state
 * @t: the connection
 *
 * Timestamp offset per address pair, like Linux's, so TSvals leak no
 * uptime and the child socket continues the clock the SYN-ACK started.
 *
 * Return: the offset added to our TSvals.
 */
u32 hsk_cookie_tsoff(const struct hsk_cookie *c, const struct hsk_tuple *t)
{
	return siphash_2u32((__force u32)t->raddr, (__force u32)t->laddr,
			    &c->tsoff_key);
}

/**
 * hsk_cookie_recent() - whether cookies sent after an overflow may still come back
 * @stamp: the time of a queue overflow, in jiffies
 *
 * Return: whether a queue overflow at @stamp is recent enough that ACKs
 * without an entry may carry cookies still valid.
 */
bool hsk_cookie_recent(unsigned long stamp)
{
	return time_before(jiffies, stamp + 2 * HSK_COOKIE_PERIOD_SEC * HZ);
}
