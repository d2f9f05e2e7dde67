#include "dev/debugexit.h"

#include "dev/serial.h"
#include "lib/kprintf.h"
#include "log/log.h"
#include "oracle/oracle.h"
#include "x86.h"

/* Every run ends here (test verdict, monitor quit, panic): the summary of
 * every object's log is its last word. */
void debug_exit(int code)
{
	uint64_t steps, switches;
	oracle_script_totals(&steps, &switches);
	if (oracle_base_is_script()) /* what explore's shrinker weighs schedules by */
		kprintf("script: %lu steps, %lu cpu switches\n", (unsigned long)steps,
			(unsigned long)switches);
	if (code != EXIT_PASS)
		oracle_script_print_schedule(); /* explore shrinks a failing schedule from it */
	log_summary();
	debug_exit_now(code);
}

void debug_exit_now(int code)
{
	serial_drain(); /* the last line must reach the log before the machine goes */
	outl(0xf4, (uint32_t)code);
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (uint8_t)*s);
	cli();
	for (;;)
		hlt();
}
