/*
 * errno.h - the seeds' error codes (mCertiKOS ObjTrap), returned negated by
 * kernel primitives (-E_IPC) and as they are by system calls.
 */
#ifndef THREAD_ERRNO_H
#define THREAD_ERRNO_H

enum kerr {
	E_SUCC = 0,
	E_MEM = 1,
	E_IPC = 2,
	E_INVAL_CALLNR = 3,
	E_INVAL_ADDR = 4,
	E_INVAL_PID = 5,
	E_INVAL_REG = 6,
	E_INVAL_SEG = 7,
	E_INVAL_EVENT = 8,
	E_INVAL_PORT = 9,
	E_INVAL_HVM = 10,
	E_INVAL_CHID = 11,
	E_INVAL_ID = 12,
};

#endif
