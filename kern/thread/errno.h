/*
 * errno.h - the seeds' error codes (mCertiKOS ObjTrap), returned negated by
 * kernel primitives (-E_IPC) and as they are by system calls.  One
 * definition, shared with user space: uapi/syscall.h.
 */
#ifndef THREAD_ERRNO_H
#define THREAD_ERRNO_H

#include "uapi/syscall.h"

#endif
