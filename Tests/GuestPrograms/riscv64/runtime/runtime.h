/* Shared runtime of the bare-metal riscv64 test programs (see runtime.c). */
#ifndef XEMU_GUEST_RUNTIME_H
#define XEMU_GUEST_RUNTIME_H

void put_char(char c);
void put_string(const char *s);
void put_hex(unsigned long value);
void put_decimal(unsigned long value);
__attribute__((noreturn)) void exit_with(unsigned code);
__attribute__((noreturn)) void test_pass(void);
__attribute__((noreturn)) void test_fail(unsigned long check, unsigned long actual, unsigned long expected);
void report_unexpected_trap(unsigned long cause, unsigned long epc, unsigned long tval);

#endif
