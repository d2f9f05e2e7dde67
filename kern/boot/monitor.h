#ifndef BOOT_MONITOR_H
#define BOOT_MONITOR_H
void monitor(void) __attribute__((noreturn)); /* the boot CPU's console loop */
#endif
