/* glibc's pthread spinlock (reference: test-and-set, no fairness). */
#include <pthread.h>
#define LOCK_NAME "pthread-spin"
#define LOCK_DECL(l) pthread_spinlock_t l
#define LOCK_INIT(l) pthread_spin_init(&(l), PTHREAD_PROCESS_PRIVATE)
#define LOCK_THREAD_INIT(idx) ((void)(idx))
#define LOCK_ACQUIRE(l) pthread_spin_lock(&(l))
#define LOCK_RELEASE(l) pthread_spin_unlock(&(l))
