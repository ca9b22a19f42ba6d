#include "words.h"

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

struct counts count_words(const char *text, size_t length)
{
    struct counts counts = {0, 0, length};
    int in_word = 0;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\n')
            counts.lines++;
        if (is_space(c)) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            counts.words++;
        }
    }
    return counts;
}
