#include <stdlib.h>
#include "mean.h"

double mean(int n, char **v)
{
	double sum = 0;
	for (int i = 0; i < n; i++)
		sum += strtod(v[i], NULL);
	return n ? sum / n : 0;
}
