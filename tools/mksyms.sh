#!/bin/sh
# Emit the kernel's function table (address-sorted) as assembly for .ksyms.
# Usage: mksyms.sh kernel0.elf > ksyms.S
set -e
nm -n --defined-only "$1" | awk 'BEGIN { n = 0 }
	NF == 3 && $1 ~ /^[0-9a-f]+$/ && $2 ~ /^[tTwW]$/ { addr[n] = $1; name[n] = $3; n++ }
	END {
		print "\t.section .ksyms,\"a\""
		print "\t.align 8"
		print "\t.globl ksyms, ksyms_count"
		printf "ksyms_count: .quad %d\n", n
		print "ksyms:"
		for (i = 0; i < n; i++)
			printf "\t.quad 0x%s, .Lname%d\n", addr[i], i
		for (i = 0; i < n; i++)
			printf ".Lname%d: .asciz \"%s\"\n", i, name[i]
	}'
