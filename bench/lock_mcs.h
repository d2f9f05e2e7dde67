/* Our MCS lock (kern/lock/mcs.c; its queue nodes are per CPU, inside the core). */
#include "lock/mcs.h"
#define LOCK_NAME "mcs"
#define LOCK_DECL(l) struct mcs_lock l
#define LOCK_INIT(l) mcs_init(&(l), "bench")
#define LOCK_THREAD_INIT(idx) (host_cpu = (idx), host_thread = (idx) + 1)
#define LOCK_ACQUIRE(l) mcs_acquire(&(l))
#define LOCK_RELEASE(l) mcs_release(&(l))
/* --record: keep the order stream as well (what record=1 does). */
#define LOCK_RECORD() (log_record_order = true)
