/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Children made off the accept queue, for parking; the rules of
 * unqueued.c are written once at its top.
 */
#ifndef _HSK_UNQUEUED_H
#define _HSK_UNQUEUED_H

#include <net/request_sock.h>

struct dst_entry;
struct sk_buff;
struct sock;

void hsk_unqueued_learn(const struct sock *lsk, const struct sock *child);
bool hsk_unqueued_possible(const struct sock *lsk);
struct sock *hsk_unqueued_child(struct sock *lsk, struct sk_buff *skb,
				struct request_sock *req,
				struct dst_entry *dst);

#endif /* _HSK_UNQUEUED_H */
