/* The legacy 8259 PICs: remapped away from the exception vectors, then fully masked (we use the IOAPIC). */
#include "dev/pic.h"

#include "trap/trapframe.h"
#include "x86.h"

void pic_disable(void)
{
	outb(0x20, 0x11); /* ICW1: init, expect ICW4 */
	outb(0xa0, 0x11);
	outb(0x21, T_IRQ0); /* ICW2: vector base */
	outb(0xa1, T_IRQ0 + 8);
	outb(0x21, 0x04); /* ICW3: slave on IRQ2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01); /* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0xff); /* mask everything */
	outb(0xa1, 0xff);
}
