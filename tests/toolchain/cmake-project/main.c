/* stats: the mean of its arguments; exit status: how many there were. */
#include <stdio.h>
#include "mean.h"

int main(int argc, char **argv)
{
	printf("mean of %d: %.2f\n", argc - 1, mean(argc - 1, argv + 1));
	return argc - 1;
}
