/*
 * qemu_plugin_v1.h - the part of QEMU's TCG plugin API (version 1, as in
 * QEMU 7.2, Debian 12's qemu-system-x86) that qprof.c uses.  Debian ships
 * no qemu-plugin.h, so the declarations are written out here; the
 * functions themselves are QEMU's, resolved when QEMU loads the plugin.
 */
#ifndef QPROF_QEMU_PLUGIN_V1_H
#define QPROF_QEMU_PLUGIN_V1_H

#include <stddef.h>
#include <stdint.h>

#define QPROF_EXPORT __attribute__((visibility("default")))

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t; /* opaque here */

enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

typedef void (*qemu_plugin_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_tb_trans_cb_t cb);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op,
					      void *ptr, uint64_t imm);

#endif
