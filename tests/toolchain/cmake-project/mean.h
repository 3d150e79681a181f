double mean(int n, char **v);
