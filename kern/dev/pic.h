#ifndef DEV_PIC_H
#define DEV_PIC_H
void pic_disable(void);
#endif
