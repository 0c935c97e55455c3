// SPDX-License-Identifier: GPL-2.0
/* Per-netns setup and teardown; the state itself is described in hsk.h. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <net/net_namespace.h>

#include "hsk.h"

enum {
	HSK_DEFAULT_MAX_SYN_BACKLOG = 4096,
	HSK_DEFAULT_SYNACK_RTO_MS = 1000,
	HSK_DEFAULT_SYNACK_RETRIES = 5,
	HSK_DEFAULT_ACCEPT_BACKLOG_MAX = 65536,
	HSK_DEFAULT_PARK_TIMEOUT_MS = 60000,
	HSK_DEFAULT_MSL_MS = 30000,
	HSK_DEFAULT_MAX_TW = 262144,
	/* Why these: Documentation/admin-guide.rst, net.hsk.adaptive_*. */
	HSK_DEFAULT_ADAPTIVE_SYN_HIGH = 10000,
	HSK_DEFAULT_ADAPTIVE_SYN_LOW = 5000,
	HSK_DEFAULT_ADAPTIVE_FILL_HIGH = 50,
	HSK_DEFAULT_ADAPTIVE_FILL_LOW = 25,
	HSK_DEFAULT_ADAPTIVE_HOLD_MS = 10000,
};

unsigned int hsk_net_id __read_mostly;

static int __net_init hsk_net_init(struct net *net)
{
	struct hsk_net *hn = hsk_pernet(net);
	int err;

	hn->net = net;
	mutex_init(&hn->ports_mutex);
	hn->max_syn_backlog = HSK_DEFAULT_MAX_SYN_BACKLOG;
	hn->synack_rto_ms = HSK_DEFAULT_SYNACK_RTO_MS;
	hn->synack_retries = HSK_DEFAULT_SYNACK_RETRIES;
	hn->syncookies = HSK_COOKIES_ON_OVERFLOW;
	hn->adaptive_syn_high = HSK_DEFAULT_ADAPTIVE_SYN_HIGH;
	hn->adaptive_syn_low = HSK_DEFAULT_ADAPTIVE_SYN_LOW;
	hn->adaptive_fill_high = HSK_DEFAULT_ADAPTIVE_FILL_HIGH;
	hn->adaptive_fill_low = HSK_DEFAULT_ADAPTIVE_FILL_LOW;
	hn->adaptive_hold_ms = HSK_DEFAULT_ADAPTIVE_HOLD_MS;
	hn->abort_on_overflow = 0;
	hn->accept_backlog = 0;
	hn->accept_backlog_max = HSK_DEFAULT_ACCEPT_BACKLOG_MAX;
	hn->park_timeout_ms = HSK_DEFAULT_PARK_TIMEOUT_MS;
	hn->msl_ms = HSK_DEFAULT_MSL_MS;
	hn->max_tw = HSK_DEFAULT_MAX_TW;
	hn->rfc1337 = 1;
	hn->early_syn = 1;
	/* Nor do its defaults go past them (sysctl.c). */
	if (net->user_ns != &init_user_ns) {
		const struct hsk_net *init_hn = hsk_pernet(&init_net);

		hn->max_syn_backlog = min(hn->max_syn_backlog,
					  READ_ONCE(init_hn->max_syn_backlog));
		hn->accept_backlog_max = min(hn->accept_backlog_max,
					     READ_ONCE(init_hn->accept_backlog_max));
		hn->max_tw = min(hn->max_tw, READ_ONCE(init_hn->max_tw));
	}
	hn->last_overflow = jiffies - 2 * HSK_COOKIE_PERIOD_SEC * HZ - 1;
	hsk_cookie_init(&hn->cookie);
	hsk_park_init(hn);
	hsk_takeover_init(hn);
	hsk_adaptive_init(hn);
	hsk_localaddr_init(&hn->localaddr, net);

	hn->mib = alloc_percpu_gfp(struct hsk_mib, GFP_KERNEL_ACCOUNT);
	if (!hn->mib)
		return -ENOMEM;
	err = hsk_synq_init(hn);
	if (err)
		goto err_synq;
	err = hsk_tw_init(hn);
	if (err)
		goto err_tw;
	err = hsk_sysctl_register(hn);
	if (err)
		goto err_sysctl;
	err = hsk_proc_init(hn);
	if (err)
		goto err_proc;
	err = hsk_hook_register(hn);
	if (err)
		goto err_hook;
	return 0;

err_hook:
	hsk_proc_exit(hn);
err_proc:
	hsk_sysctl_unregister(hn);
	hsk_adaptive_exit(hn);
err_sysctl:
	hsk_takeover_exit(hn);
	hsk_tw_exit(hn);
err_tw:
	hsk_synq_exit(hn);
err_synq:
	free_percpu(hn->mib);
	return err;
}

/* nf_unregister_net_hook() does not wait for packets already inside the
 * hook: one may still insert a half-open entry and arm its bucket's timer.
 * The pernet core runs synchronize_rcu() between pre_exit and exit, so by
 * the time hsk_net_exit() empties the queue no packet is in hsk code.
 */
static void __net_exit hsk_net_pre_exit(struct net *net)
{
	struct hsk_net *hn = hsk_pernet(net);

	hsk_hook_unregister(hn);
	hsk_tw_pre_exit(hn);
}

static void __net_exit hsk_net_exit(struct net *net)
{
	struct hsk_net *hn = hsk_pernet(net);

	hsk_proc_exit(hn);
	hsk_sysctl_unregister(hn);
	/* No sysctl writer is left to restart the sampler. */
	hsk_adaptive_exit(hn);
	hsk_takeover_exit(hn);
	hsk_tw_exit(hn);
	hsk_synq_exit(hn);
	hsk_park_exit(hn);
	hsk_localaddr_exit(&hn->localaddr);
	hsk_ports_free(hn);
	free_percpu(hn->mib);
}

static struct pernet_operations hsk_net_ops = {
	.init = hsk_net_init,
	.pre_exit = hsk_net_pre_exit,
	.exit = hsk_net_exit,
	.id = &hsk_net_id,
	.size = sizeof(struct hsk_net),
};

/**
 * hsk_netns_register() - register hsk's pernet operations
 *
 * Return: 0 or a negative errno.
 */
int hsk_netns_register(void)
{
	return register_pernet_subsys(&hsk_net_ops);
}

/**
 * hsk_netns_unregister() - unregister hsk's pernet operations
 */
void hsk_netns_unregister(void)
{
	unregister_pernet_subsys(&hsk_net_ops);
}
