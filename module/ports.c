// SPDX-License-Identifier: GPL-2.0
/*
 * Port sets, written as "80,443,8000-8100": net.hsk.ports (the local ports
 * hsk takes over) and net.hsk.tw_remote_ports (the remote ports whose
 * outgoing connections leave their TIME_WAIT to hsk). Each is kept as
 * a bitmap behind an RCU pointer: the hook tests one bit under the RCU
 * read lock the netfilter core already holds, and a write replaces the
 * whole map, so a reader sees either the old set or the new one.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/string.h>

#include "hsk.h"

enum {
	HSK_PORT_MAX = 65535,
};

struct hsk_ports {
	struct rcu_head rcu;
	DECLARE_BITMAP(map, HSK_PORT_MAX + 1);
};

static int hsk_port_parse(const char *s, u16 *port)
{
	if (kstrtou16(s, 10, port) || *port == 0)
		return -EINVAL;
	return 0;
}

/* Fills @map from @text; an empty or blank text is the empty set. */
static int hsk_ports_parse(const char *text, unsigned long *map)
{
	char *copy, *cursor, *item;
	int err = 0;

	copy = kstrdup(text, GFP_KERNEL);
	if (!copy)
		return -ENOMEM;
	cursor = strim(copy);
	bitmap_zero(map, HSK_PORT_MAX + 1);
	if (!*cursor)
		cursor = NULL;
	/* Every item, the one after a trailing comma too, must be a port. */
	while ((item = strsep(&cursor, ","))) {
		char *dash = strchr(item, '-');
		u16 lo, hi;

		item = strim(item);
		if (dash) {
			*dash = '\0';
			err = hsk_port_parse(strim(item), &lo) ?:
			      hsk_port_parse(strim(dash + 1), &hi);
		} else {
			err = hsk_port_parse(item, &lo);
			hi = lo;
		}
		if (err || lo > hi) {
			err = -EINVAL;
			break;
		}
		bitmap_set(map, lo, hi - lo + 1);
	}
	kfree(copy);
	return err;
}

/**
 * hsk_ports_set() - replace a port set
 * @hn: the netns's hsk state
 * @set: the set, net.hsk.ports or net.hsk.tw_remote_ports
 * @text: the new set, as written to the sysctl
 *
 * Context: process context; takes @hn's ports_mutex.
 * Return: 0, -EINVAL when @text does not parse, or -ENOMEM.
 */
int hsk_ports_set(struct hsk_net *hn, struct hsk_ports __rcu **set,
		  const char *text)
{
	struct hsk_ports *ports, *old;
	int err;

	ports = kvzalloc(sizeof(*ports), GFP_KERNEL_ACCOUNT);
	if (!ports)
		return -ENOMEM;
	err = hsk_ports_parse(text, ports->map);
	if (err) {
		kvfree(ports);
		return err;
	}
	if (bitmap_empty(ports->map, HSK_PORT_MAX + 1)) {
		kvfree(ports);
		ports = NULL;
	}

	mutex_lock(&hn->ports_mutex);
	old = rcu_replace_pointer(*set, ports,
				  lockdep_is_held(&hn->ports_mutex));
	mutex_unlock(&hn->ports_mutex);
	if (old)
		kvfree_rcu(old, rcu);
	return 0;
}

/**
 * hsk_ports_format() - write a port set as text
 * @set: the set
 * @buf: where the text is written
 * @len: the size of @buf
 *
 * Writes the set back in its shortest form, ranges merged.
 */
void hsk_ports_format(struct hsk_ports __rcu **set, char *buf, size_t len)
{
	const struct hsk_ports *ports;
	unsigned int lo, hi;
	size_t n = 0;

	buf[0] = '\0';
	rcu_read_lock();
	ports = rcu_dereference(*set);
	if (ports) {
		for_each_set_bitrange(lo, hi, ports->map, HSK_PORT_MAX + 1) {
			const char *sep = n ? "," : "";

			if (hi - 1 == lo)
				n += scnprintf(buf + n, len - n, "%s%u", sep, lo);
			else
				n += scnprintf(buf + n, len - n, "%s%u-%u", sep,
					       lo, hi - 1);
		}
	}
	rcu_read_unlock();
}

/**
 * hsk_port_enabled() - whether hsk serves a local port
 * @hn: the netns's hsk state
 * @port: the port
 *
 * Context: RCU read side.
 * Return: whether @port is in net.hsk.ports.
 */
bool hsk_port_enabled(const struct hsk_net *hn, u16 port)
{
	const struct hsk_ports *ports = rcu_dereference(hn->ports);

	return ports && test_bit(port, ports->map);
}

/**
 * hsk_tw_remote_port() - whether hsk holds TIME_WAIT for a remote port
 * @hn: the netns's hsk state
 * @port: the port
 *
 * Context: RCU read side.
 * Return: whether @port is in net.hsk.tw_remote_ports.
 */
bool hsk_tw_remote_port(const struct hsk_net *hn, u16 port)
{
	const struct hsk_ports *ports = rcu_dereference(hn->tw_remote_ports);

	return ports && test_bit(port, ports->map);
}

/**
 * hsk_ports_free() - free the port sets of a netns
 * @hn: the netns's hsk state
 *
 * Context: Called after the hook is unregistered: no reader is left.
 */
void hsk_ports_free(struct hsk_net *hn)
{
	kvfree(rcu_dereference_protected(hn->ports, true));
	kvfree(rcu_dereference_protected(hn->tw_remote_ports, true));
}
