#include "dev/debugexit.h"

#include "dev/serial.h"
#include "x86.h"

void debug_exit(int code)
{
	serial_drain();	/* the last line must reach the log before the machine goes */
	outl(0xf4, (uint32_t)code);
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (uint8_t)*s);
	cli();
	for (;;)
		hlt();
}
