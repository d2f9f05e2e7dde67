#ifndef BOOT_MONITOR_H
#define BOOT_MONITOR_H
#include <stdbool.h>

/* Run one command line (modified in place); false if the command is unknown. */
bool monitor_exec(char *line);
void monitor(void) __attribute__((noreturn)); /* the boot CPU's console loop */
#endif
