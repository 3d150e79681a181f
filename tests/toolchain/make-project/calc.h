double cube_root(double x);
