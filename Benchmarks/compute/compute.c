/* xemu compute benchmark: integer work typical of real programs, built from this one source
 * for the host (native baseline) and for bare-metal riscv64 on the virt board (with the guest
 * test runtime). Prints a checksum that must agree everywhere and, on riscv64, the retired
 * instruction count from the instret CSR.
 *
 * Kernels: quicksort of pseudo-random keys, a sieve of Eratosthenes, an integer matrix
 * product, CRC-32 (bitwise, reflected polynomial 0xEDB88320), and a branchy state machine
 * (a tokenizer over pseudo-random text). ROUNDS scales the whole workload. */
#include <stdint.h>

#ifdef BARE_METAL
#include "runtime.h"
#define print_text(s) put_string(s)
static void print_number(uint64_t v) { put_decimal(v); }
static void print_hex(uint64_t v) { put_hex(v); }
#else
#include <stdio.h>
#define print_text(s) fputs(s, stdout)
static void print_number(uint64_t v) { printf("%llu", (unsigned long long)v); }
static void print_hex(uint64_t v) { printf("0x%016llx", (unsigned long long)v); }
#endif

#ifndef ROUNDS
#define ROUNDS 64
#endif

#define SORT_N 20000
#define SIEVE_N 400000
#define MAT_N 48
#define CRC_N 65536
#define TEXT_N 120000

static uint64_t rng_state;
static uint32_t next_random(void) {
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

static uint32_t keys[SORT_N];
static uint8_t composite[SIEVE_N + 1];
static int64_t mat_a[MAT_N][MAT_N], mat_b[MAT_N][MAT_N], mat_c[MAT_N][MAT_N];
static uint8_t bytes[CRC_N > TEXT_N ? CRC_N : TEXT_N];

static void quicksort(uint32_t *a, long lo, long hi) {
    while (lo < hi) {
        uint32_t pivot = a[lo + (hi - lo) / 2];
        long i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) {
                uint32_t t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        }
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

static uint64_t run_sort(void) {
    for (long i = 0; i < SORT_N; i++) keys[i] = next_random();
    quicksort(keys, 0, SORT_N - 1);
    uint64_t sum = 0;
    for (long i = 0; i < SORT_N; i += 97) sum = sum * 31 + keys[i];
    for (long i = 1; i < SORT_N; i++)
        if (keys[i - 1] > keys[i]) return 0xBAD;
    return sum;
}

static uint64_t run_sieve(void) {
    for (long i = 0; i <= SIEVE_N; i++) composite[i] = 0;
    uint64_t count = 0, last = 0;
    for (long i = 2; i <= SIEVE_N; i++) {
        if (composite[i]) continue;
        count++;
        last = (uint64_t)i;
        for (long j = i * 2; j <= SIEVE_N; j += i) composite[j] = 1;
    }
    return count * 1000003 + last;
}

static uint64_t run_matrix(void) {
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            mat_a[i][j] = (int64_t)(next_random() % 2001) - 1000;
            mat_b[i][j] = (int64_t)(next_random() % 2001) - 1000;
        }
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) {
            int64_t s = 0;
            for (int k = 0; k < MAT_N; k++) s += mat_a[i][k] * mat_b[k][j];
            mat_c[i][j] = s;
        }
    uint64_t sum = 0;
    for (int i = 0; i < MAT_N; i++)
        for (int j = 0; j < MAT_N; j++) sum = sum * 1099511628211ULL ^ (uint64_t)mat_c[i][j];
    return sum;
}

static uint64_t run_crc(void) {
    for (long i = 0; i < CRC_N; i++) bytes[i] = (uint8_t)next_random();
    uint32_t crc = 0xFFFFFFFFu;
    for (long i = 0; i < CRC_N; i++) {
        crc ^= bytes[i];
        for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

/* Tokenizer states over text drawn from a small alphabet: identifiers, numbers, strings
 * with escapes, comments, operators. Counts each token kind. */
enum { START, IDENT, NUMBER, STRING, ESCAPE, COMMENT, SLASH };

static uint64_t run_state_machine(void) {
    static const char alphabet[] = "abcxyz_019 \n\"\\/*+-=;(){}";
    for (long i = 0; i < TEXT_N; i++) bytes[i] = (uint8_t)alphabet[next_random() % (sizeof alphabet - 1)];
    uint64_t counts[8] = {0};
    int state = START;
    for (long i = 0; i < TEXT_N; i++) {
        char c = (char)bytes[i];
        switch (state) {
        case START:
            if ((c >= 'a' && c <= 'z') || c == '_') state = IDENT;
            else if (c >= '0' && c <= '9') state = NUMBER;
            else if (c == '"') state = STRING;
            else if (c == '/') state = SLASH;
            else if (c != ' ' && c != '\n') counts[0]++;
            break;
        case IDENT:
            if (!((c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9'))) { counts[1]++; state = START; i--; }
            break;
        case NUMBER:
            if (!(c >= '0' && c <= '9')) { counts[2]++; state = START; i--; }
            break;
        case STRING:
            if (c == '\\') state = ESCAPE;
            else if (c == '"') { counts[3]++; state = START; }
            else if (c == '\n') { counts[4]++; state = START; }
            break;
        case ESCAPE:
            state = STRING;
            break;
        case SLASH:
            if (c == '/') state = COMMENT;
            else { counts[0]++; state = START; i--; }
            break;
        case COMMENT:
            if (c == '\n') { counts[5]++; state = START; }
            break;
        }
    }
    uint64_t sum = 0;
    for (int k = 0; k < 8; k++) sum = sum * 65599 + counts[k];
    return sum;
}

static inline uint64_t retired_instructions(void) {
#if defined(__riscv)
    uint64_t n;
    __asm__ volatile("rdinstret %0" : "=r"(n));
    return n;
#else
    return 0;
#endif
}

#ifdef BARE_METAL
int test_main(void)
#else
int main(void)
#endif
{
    uint64_t start = retired_instructions();
    uint64_t checksum = 0;
    rng_state = 42;
    for (int round = 0; round < ROUNDS; round++) {
        checksum = checksum * 31 + run_sort();
        checksum = checksum * 31 + run_sieve();
        checksum = checksum * 31 + run_matrix();
        checksum = checksum * 31 + run_crc();
        checksum = checksum * 31 + run_state_machine();
    }
    uint64_t end = retired_instructions();
    print_text("checksum ");
    print_hex(checksum);
    print_text("\ninstret ");
    print_number(end - start);
    print_text("\n");
    return 0;
}
