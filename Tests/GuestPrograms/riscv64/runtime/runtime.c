/* The tiny runtime shared by the bare-metal programs: a polled 16550 UART at 0x10000000 and
 * the sifive,test0 finisher at 0x100000 (0x5555 pass, (n << 16) | 0x3333 fail with code n). */
#include "runtime.h"

#define UART_BASE 0x10000000UL
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define FINISHER_BASE 0x100000UL

static volatile unsigned char *const uart = (volatile unsigned char *)UART_BASE;

void put_char(char c) {
    for (unsigned long spins = 0; !(uart[UART_LSR] & UART_LSR_THRE) && spins < 1000000; spins++) {
    }
    uart[UART_THR] = (unsigned char)c;
}

void put_string(const char *s) {
    while (*s) put_char(*s++);
}

void put_hex(unsigned long value) {
    put_string("0x");
    for (int shift = 60; shift >= 0; shift -= 4) put_char("0123456789abcdef"[(value >> shift) & 0xF]);
}

void put_decimal(unsigned long value) {
    char digits[21];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n) put_char(digits[--n]);
}

__attribute__((noreturn)) void exit_with(unsigned code) {
    volatile unsigned *const finisher = (volatile unsigned *)FINISHER_BASE;
    *finisher = code == 0 ? 0x5555u : ((code & 0xFFFFu) << 16) | 0x3333u;
    for (;;) __asm__ volatile("wfi");
}

__attribute__((noreturn)) void test_pass(void) {
    put_string("PASS\n");
    exit_with(0);
}

__attribute__((noreturn)) void test_fail(unsigned long check, unsigned long actual, unsigned long expected) {
    put_string("FAIL check ");
    put_decimal(check);
    put_string(": got ");
    put_hex(actual);
    put_string(" expected ");
    put_hex(expected);
    put_char('\n');
    exit_with(check == 0 ? 255 : (unsigned)check);
}

void report_unexpected_trap(unsigned long cause, unsigned long epc, unsigned long tval) {
    put_string("unexpected trap: mcause ");
    put_hex(cause);
    put_string(" mepc ");
    put_hex(epc);
    put_string(" mtval ");
    put_hex(tval);
    put_char('\n');
}
