/* Concurrency Kit's MCS lock; the queue node is per thread, on its own line. */
#include <ck_spinlock.h>
#define LOCK_NAME "ck-mcs"
static __thread ck_spinlock_mcs_context_t lock_node __attribute__((aligned(64)));
#define LOCK_DECL(l) ck_spinlock_mcs_t l
#define LOCK_INIT(l) ck_spinlock_mcs_init(&(l))
#define LOCK_THREAD_INIT(idx) ((void)(idx))
#define LOCK_ACQUIRE(l) ck_spinlock_mcs_lock(&(l), &lock_node)
#define LOCK_RELEASE(l) ck_spinlock_mcs_unlock(&(l), &lock_node)
