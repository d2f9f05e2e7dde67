/* vmx.c - the Intel VMX backend (placeholder until it is written). */
#include "vmx/hvm_impl.h"

bool vmx_detect(const char **why, const char **name)
{
	*why = "no VMX backend yet";
	return false;
}

const struct hvm_ops vmx_ops = { .name = "vmx" };
