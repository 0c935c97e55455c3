/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSK_LSM_H
#define _HSK_LSM_H

#include <linux/skbuff.h>
#include <net/sock.h>

struct hsk_net;
struct hsk_seg;
struct request_sock;

bool hsk_lsm_syn_refused(struct hsk_net *hn, struct sock *lsk,
			 struct sk_buff *skb, const struct hsk_seg *seg,
			 bool cookie);
int hsk_lsm_conn_request(struct hsk_net *hn, const struct sock *lsk,
			 struct sk_buff *skb, struct request_sock *req);

#endif /* _HSK_LSM_H */
