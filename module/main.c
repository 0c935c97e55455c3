// SPDX-License-Identifier: GPL-2.0
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt
#include <linux/module.h>

static int __init hsk_init(void)
{
	return 0;
}

static void __exit hsk_exit(void)
{
}

module_init(hsk_init);
module_exit(hsk_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Kernel-space TCP handshake engine");
