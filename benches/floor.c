/* The floor: the least a wrapper can do. Exec argv[1..] and nothing else.
 * Built static (gcc -static -O2) so that it pays no dynamic loading; mcpjail's launch cost
 * is measured against it. */
#include <stdio.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
    if (argc < 2)
        return 125;
    execve(argv[1], argv + 1, environ);
    perror("floor: execve");
    return 127;
}
