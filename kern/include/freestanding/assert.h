/* libatomic_ops includes <assert.h>; in the kernel its assert() is ours (lib/panic.h). */
#ifndef FREESTANDING_ASSERT_H
#define FREESTANDING_ASSERT_H
#include "lib/panic.h"
#endif
