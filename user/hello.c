/* hello - prints its arguments: `hello [WORD...]`. */
#include "ulib.h"

int main(int argc, char **argv)
{
	printf("hello: pid %d on cpu %d of %d, argc %d\n", sys_getpid(), sys_getcpu(), sys_ncpu(),
	       argc);
	for (int i = 0; i < argc; i++)
		printf("hello: argv[%d] = \"%s\"\n", i, argv[i]);
	return 0;
}
