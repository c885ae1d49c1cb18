#include <cstdio>
int main() { std::puts("quantscope-cli: under construction"); return 0; }
