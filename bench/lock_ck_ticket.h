/* Concurrency Kit's ticket lock (Debian libck-dev, header only). */
#include <ck_spinlock.h>
#define LOCK_NAME "ck-ticket"
#define LOCK_DECL(l) ck_spinlock_ticket_t l
#define LOCK_INIT(l) ck_spinlock_ticket_init(&(l))
#define LOCK_THREAD_INIT(idx) ((void)(idx))
#define LOCK_ACQUIRE(l) ck_spinlock_ticket_lock(&(l))
#define LOCK_RELEASE(l) ck_spinlock_ticket_unlock(&(l))
