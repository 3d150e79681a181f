#include <math.h>
#include "calc.h"

double cube_root(double x)
{
	return cbrt(x);
}
