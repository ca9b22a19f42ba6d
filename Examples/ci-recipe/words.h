/* Counting words and lines in a buffer: the library the CI recipe tests. */
#ifndef WORDS_H
#define WORDS_H

#include <stddef.h>

struct counts {
    size_t lines;
    size_t words;
    size_t bytes;
};

/* Counts like wc(1): a line per '\n', a word per run of non-space bytes. */
struct counts count_words(const char *text, size_t length);

#endif
