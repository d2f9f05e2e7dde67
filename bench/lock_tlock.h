/* Our ticket lock (kern/lock/tlock.c), logging on; links libcore.a. */
#include "lock/tlock.h"
#define LOCK_NAME "tlock"
#define LOCK_DECL(l) struct tlock l
#define LOCK_INIT(l) tlock_init(&(l), "bench")
/* The core names CPUs through plat_cpu()/plat_thread() (host: thread-locals). */
#define LOCK_THREAD_INIT(idx) (host_cpu = (idx), host_thread = (idx) + 1)
#define LOCK_ACQUIRE(l) tlock_acquire(&(l))
#define LOCK_RELEASE(l) tlock_release(&(l))
/* --record: keep the order stream as well (what record=1 does). */
#define LOCK_RECORD() (log_record_order = true)
