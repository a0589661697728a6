#include <pthread.h>
#include <signal.h>
#include <unistd.h>
static void *spin(void *a)
{
	for (;;)
		pause();
	return a;
}
int main(void)
{
	pthread_t t;
	pthread_create(&t, 0, spin, 0);
	usleep(10000);
	*(volatile int *)0 = 1;
	return 0;
}
