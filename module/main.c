// SPDX-License-Identifier: GPL-2.0
/*
 * hsk: TCP connection setup for chosen ports, taken over in kernel space.
 * See Documentation/design.rst for how the pieces fit together.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "hsk.h"

static int __init hsk_init(void)
{
	int err;

	hsk_cookie_clock_start();
	err = hsk_synq_cache_create();
	if (err)
		return err;
	err = hsk_tw_cache_create();
	if (err)
		goto err_tw_cache;
	err = hsk_netns_register();
	if (err)
		goto err_netns;
	return 0;

err_netns:
	hsk_tw_cache_destroy();
err_tw_cache:
	hsk_synq_cache_destroy();
	return err;
}

static void __exit hsk_exit(void)
{
	hsk_netns_unregister();
	hsk_tw_cache_destroy();
	hsk_synq_cache_destroy();
}

module_init(hsk_init);
module_exit(hsk_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel-space TCP handshake engine with SYN cookies");
