/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSK_COOKIE_H
#define _HSK_COOKIE_H

#include <linux/seqlock.h>
#include <linux/siphash.h>
#include <linux/types.h>

/*
 * The cookie period (keys: struct hsk_cookie) is as long as Linux's
 * (cookies live 64 to 128 s here, 60 to 120 s there): a client whose ACK
 * a full accept queue keeps dropping retransmits it with backoff for
 * minutes, and a cookie that dies first turns it into a reset the kernel
 * would not send. A longer life costs no strength: each forged ACK still
 * passes with 2^-24 at most.
 */
enum {
	HSK_COOKIE_PERIOD_SEC = 64,
	HSK_COOKIE_MAC_BITS = 24,
	HSK_COOKIE_TS_BITS = 6,
};

/**
 * struct hsk_cookie - the cookie keys of a netns
 * @lock: lets softirq readers copy a key while another cpu redraws it
 * @keys: the MAC keys, one per parity of the cookie period
 * @key_period: the period each of @keys was drawn for
 * @tsoff_key: the key of the timestamp offsets; never rotated, so
 *             offsets stay stable
 *
 * Two MAC keys, one per parity of the cookie period. A key is redrawn the
 * first time a cookie is made in a new period of its parity, so a cookie
 * made in period p validates during p and p + 1 only: it lives at least
 * HSK_COOKIE_PERIOD_SEC and at most twice that. @lock (a seqlock) lets
 * softirq readers copy a key while another cpu redraws it.
 */
struct hsk_cookie {
	seqlock_t lock;
	siphash_key_t keys[2];
	u32 key_period[2];
	siphash_key_t tsoff_key;
};

/**
 * struct hsk_tuple - a connection as seen from the server
 * @raddr: the remote (client) address
 * @laddr: the local address
 * @rport: the remote port
 * @lport: the local port
 */
struct hsk_tuple {
	__be32 raddr;
	__be32 laddr;
	__be16 rport;
	__be16 lport;
};

/**
 * struct hsk_cookie_opts - what a cookie carries besides its MAC
 * @mss: the client's MSS
 * @snd_wscale: the client's window scale
 * @wscale_ok: the client offered window scaling
 * @sack_ok: the client offered SACK
 */
struct hsk_cookie_opts {
	u16 mss;
	u8 snd_wscale;
	u8 wscale_ok:1,
	   sack_ok:1;
};

void hsk_cookie_clock_start(void);
void hsk_cookie_init(struct hsk_cookie *c);
u32 hsk_cookie_make(struct hsk_cookie *c, const struct hsk_tuple *t,
		    u32 rcv_isn, const struct hsk_cookie_opts *opts,
		    u32 *ts_mac);
int hsk_cookie_check(struct hsk_cookie *c, const struct hsk_tuple *t,
		     u32 rcv_isn, u32 cookie, struct hsk_cookie_opts *opts,
		     u32 *ts_mac);
u32 hsk_cookie_tsoff(const struct hsk_cookie *c, const struct hsk_tuple *t);
bool hsk_cookie_recent(unsigned long stamp);

#endif /* _HSK_COOKIE_H */
