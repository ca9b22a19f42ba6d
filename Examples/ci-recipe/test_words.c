/* The test the CI recipe cross-compiles for riscv64 and runs with `xemu run`: it exits with 0
 * when every case passes and 1 otherwise, printing one line per failure to stderr. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "words.h"

static int failures;

static void check(const char *text, size_t lines, size_t words)
{
    struct counts got = count_words(text, strlen(text));
    if (got.lines != lines || got.words != words || got.bytes != strlen(text)) {
        fprintf(stderr, "FAIL \"%s\": %zu lines %zu words, expected %zu lines %zu words\n",
                text, got.lines, got.words, lines, words);
        failures++;
    }
}

int main(void)
{
    check("", 0, 0);
    check("one", 0, 1);
    check("two words\n", 1, 2);
    check("  leading and trailing  ", 0, 3);
    check("tabs\tand\nnew\nlines\n", 3, 4);

    struct utsname host;
    uname(&host);
    if (failures) {
        fprintf(stderr, "%d test(s) failed on %s\n", failures, host.machine);
        return 1;
    }
    printf("all tests passed on %s\n", host.machine);
    return 0;
}
