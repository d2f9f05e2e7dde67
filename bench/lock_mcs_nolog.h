/* Our MCS lock with logging compiled out; links libcore-nolog.a. */
#ifndef LOCK_LOG_OFF
#error "lock_mcs_nolog.h: build with -DLOCK_LOG_OFF and link libcore-nolog.a"
#endif
#include "bench/lock_mcs.h"
#undef LOCK_NAME
#define LOCK_NAME "mcs-nolog"
