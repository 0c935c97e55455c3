// SPDX-License-Identifier: GPL-2.0
/*
 * net.hsk.* sysctls, one table per netns. A write is parsed in full and
 * range-checked before it is stored: anything else (empty, non-numeric,
 * out of range, overlong, several values, a write at an offset) fails
 * with -EINVAL and leaves the old value in place.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

#include "compat.h"
#include "hsk.h"

enum {
	HSK_INT_TEXT_MAX = 24,
	HSK_PORTS_TEXT_MAX = 4096,
};

static const int hsk_one = 1;
static const int hsk_zero;
static const int hsk_backlog_max = 1 << 20;
static const int hsk_rto_min = 10;
static const int hsk_rto_max = 60000;
static const int hsk_retries_max = 15;
static const int hsk_cookies_max = HSK_COOKIES_ADAPTIVE;
static const int hsk_syn_rate_max = 100000000;
static const int hsk_percent_max = 100;
static const int hsk_hold_max = 600000;
static const int hsk_msl_min = 10;
static const int hsk_msl_max = 300000;
static const int hsk_max_tw_max = 1 << 24;
static const int hsk_park_timeout_min = 100;
static const int hsk_park_timeout_max = 3600000;

/* Parses a write to an integer entry into *@val, in ->extra1..->extra2. */
static int hsk_sysctl_parse_int(const struct ctl_table *table, void *buffer,
				size_t *lenp, loff_t *ppos, int *val)
{
	char text[HSK_INT_TEXT_MAX];

	if (*ppos || *lenp >= sizeof(text))
		return -EINVAL;
	memcpy(text, buffer, *lenp);
	text[*lenp] = '\0';
	if (kstrtoint(strim(text), 10, val) ||
	    *val < *(const int *)table->extra1 ||
	    *val > *(const int *)table->extra2)
		return -EINVAL;
	*ppos += *lenp;
	return 0;
}

static int hsk_sysctl_int(HSK_CTL_CONST struct ctl_table *table, int write,
			  void *buffer, size_t *lenp, loff_t *ppos)
{
	int val, err;

	if (!write)
		return proc_dointvec(table, write, buffer, lenp, ppos);
	err = hsk_sysctl_parse_int(table, buffer, lenp, ppos, &val);
	if (!err)
		WRITE_ONCE(*(int *)table->data, val);
	return err;
}

/* The mode also starts or stops mode 3's sampler (adaptive.c). */
static int hsk_sysctl_syncookies(HSK_CTL_CONST struct ctl_table *table,
				 int write, void *buffer, size_t *lenp,
				 loff_t *ppos)
{
	struct hsk_net *hn = container_of((int *)table->data, struct hsk_net,
					  syncookies);
	int val, err;

	if (!write)
		return proc_dointvec(table, write, buffer, lenp, ppos);
	err = hsk_sysctl_parse_int(table, buffer, lenp, ppos, &val);
	if (!err)
		hsk_adaptive_set_mode(hn, val);
	return err;
}

/* ->data of these entries is the struct hsk_net itself, ->extra1 the
 * offset of their port set in it.
 */
static int hsk_sysctl_ports(HSK_CTL_CONST struct ctl_table *table, int write,
			    void *buffer, size_t *lenp, loff_t *ppos)
{
	struct hsk_net *hn = table->data;
	struct hsk_ports __rcu **set = (void *)((char *)hn +
						(uintptr_t)table->extra1);
	struct ctl_table tmp = { .maxlen = HSK_PORTS_TEXT_MAX };
	char *text;
	int err;

	if (write) {
		if (*ppos || *lenp >= HSK_PORTS_TEXT_MAX)
			return -EINVAL;
		text = kmemdup_nul(buffer, *lenp, GFP_KERNEL);
		if (!text)
			return -ENOMEM;
		err = hsk_ports_set(hn, set, text);
		kfree(text);
		if (!err)
			*ppos += *lenp;
		return err;
	}

	text = kmalloc(HSK_PORTS_TEXT_MAX, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	hsk_ports_format(set, text, HSK_PORTS_TEXT_MAX);
	tmp.data = text;
	err = proc_dostring(&tmp, write, buffer, lenp, ppos);
	kfree(text);
	return err;
}

/* ->data holds the field's offset in struct hsk_net until
 * hsk_sysctl_register() rebases it onto one netns's copy.
 */
#define HSK_SYSCTL_INT(name, field, min, max) {				\
	.procname	= name,						\
	.data		= (void *)offsetof(struct hsk_net, field),	\
	.maxlen		= sizeof(int),					\
	.mode		= 0644,						\
	.proc_handler	= hsk_sysctl_int,				\
	.extra1		= (void *)(min),				\
	.extra2		= (void *)(max),				\
}

static const struct ctl_table hsk_sysctl_template[] = {
	{
		.procname	= "ports",
		.data		= (void *)0,
		.maxlen		= HSK_PORTS_TEXT_MAX,
		.mode		= 0644,
		.proc_handler	= hsk_sysctl_ports,
		.extra1		= (void *)offsetof(struct hsk_net, ports),
	},
	HSK_SYSCTL_INT("max_syn_backlog", max_syn_backlog, &hsk_one, &hsk_backlog_max),
	HSK_SYSCTL_INT("synack_rto_ms", synack_rto_ms, &hsk_rto_min, &hsk_rto_max),
	HSK_SYSCTL_INT("synack_retries", synack_retries, &hsk_zero, &hsk_retries_max),
	{
		.procname	= "syncookies",
		.data		= (void *)offsetof(struct hsk_net, syncookies),
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= hsk_sysctl_syncookies,
		.extra1		= (void *)&hsk_zero,
		.extra2		= (void *)&hsk_cookies_max,
	},
	HSK_SYSCTL_INT("adaptive_syn_high", adaptive_syn_high, &hsk_one, &hsk_syn_rate_max),
	HSK_SYSCTL_INT("adaptive_syn_low", adaptive_syn_low, &hsk_zero, &hsk_syn_rate_max),
	HSK_SYSCTL_INT("adaptive_fill_high", adaptive_fill_high, &hsk_one, &hsk_percent_max),
	HSK_SYSCTL_INT("adaptive_fill_low", adaptive_fill_low, &hsk_zero, &hsk_percent_max),
	HSK_SYSCTL_INT("adaptive_hold_ms", adaptive_hold_ms, &hsk_zero, &hsk_hold_max),
	HSK_SYSCTL_INT("abort_on_overflow", abort_on_overflow, &hsk_zero, &hsk_one),
	HSK_SYSCTL_INT("accept_backlog", accept_backlog, &hsk_zero, &hsk_backlog_max),
	HSK_SYSCTL_INT("accept_backlog_max", accept_backlog_max, &hsk_one, &hsk_backlog_max),
	HSK_SYSCTL_INT("park_timeout_ms", park_timeout_ms, &hsk_park_timeout_min,
		       &hsk_park_timeout_max),
	{
		.procname	= "tw_remote_ports",
		.data		= (void *)0,
		.maxlen		= HSK_PORTS_TEXT_MAX,
		.mode		= 0644,
		.proc_handler	= hsk_sysctl_ports,
		.extra1		= (void *)offsetof(struct hsk_net, tw_remote_ports),
	},
	HSK_SYSCTL_INT("msl_ms", msl_ms, &hsk_msl_min, &hsk_msl_max),
	HSK_SYSCTL_INT("max_tw", max_tw, &hsk_one, &hsk_max_tw_max),
	HSK_SYSCTL_INT("rfc1337", rfc1337, &hsk_zero, &hsk_one),
	HSK_SYSCTL_INT("early_syn", early_syn, &hsk_zero, &hsk_one),
	{ }
};

/* The limits on memory a netns may take: in one owned by another user
 * namespace than the initial one (unprivileged users can make those),
 * a write may not go past the initial netns' current value.
 */
static bool hsk_sysctl_is_limit(const struct ctl_table *entry)
{
	static const char * const limits[] = {
		"max_syn_backlog", "accept_backlog", "accept_backlog_max",
		"max_tw",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(limits); i++)
		if (!strcmp(entry->procname, limits[i]))
			return true;
	return false;
}

/**
 * hsk_sysctl_register() - register the net.hsk sysctl table of a netns
 * @hn: the netns's hsk state
 *
 * Return: 0 or -ENOMEM.
 */
int hsk_sysctl_register(struct hsk_net *hn)
{
	struct hsk_net *init_hn = hsk_pernet(&init_net);
	bool userns = hn->net->user_ns != &init_user_ns;
	struct ctl_table *table;
	unsigned int i;

	table = kmemdup(hsk_sysctl_template, sizeof(hsk_sysctl_template),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	for (i = 0; table[i].procname; i++) {
		uintptr_t off = (uintptr_t)table[i].data;

		table[i].data = (char *)hn + off;
		/* The initial netns outlives every other. */
		if (userns && hsk_sysctl_is_limit(&table[i]))
			table[i].extra2 = (char *)init_hn + off;
	}

	hn->sysctl = hsk_register_net_sysctl(hn->net, "net/hsk", table,
					     ARRAY_SIZE(hsk_sysctl_template) - 1);
	if (!hn->sysctl) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

/**
 * hsk_sysctl_unregister() - unregister the net.hsk sysctl table of a netns
 * @hn: the netns's hsk state
 */
void hsk_sysctl_unregister(struct hsk_net *hn)
{
	const struct ctl_table *table = hn->sysctl->ctl_table_arg;

	unregister_net_sysctl_table(hn->sysctl);
	kfree(table);
}
