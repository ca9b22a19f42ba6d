/* The virt board's 16550A UART at 0x1000_0000 (PC16550D data sheet): scratch register,
 * divisor latch behind LCR.DLAB, FIFO enable visible in IIR, LSR transmitter-empty bits,
 * THR-empty interrupt identification cleared by reading IIR, and loopback through MCR. */
#include "runtime.h"

#define UART ((volatile unsigned char *)0x10000000UL)
enum { RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7 };

#define CHECK(n, actual, expected)                                         \
    do {                                                                   \
        unsigned long a_ = (actual), e_ = (expected);                      \
        if (a_ != e_) test_fail((n), a_, e_);                              \
    } while (0)

int test_main(void) {
    UART[SCR] = 0x5a;
    CHECK(1, UART[SCR], 0x5a);
    UART[SCR] = 0xa5;
    CHECK(2, UART[SCR], 0xa5);
    CHECK(3, UART[LSR] & 0x60, 0x60); /* THRE and TEMT */
    unsigned char lcr = UART[LCR];
    UART[IER] = 0x00;
    UART[LCR] = 0x80 | lcr; /* DLAB: offsets 0 and 1 are the divisor latch */
    UART[DLL] = 0x0c;
    UART[DLM] = 0x01;
    CHECK(4, UART[DLL], 0x0c);
    CHECK(5, UART[DLM], 0x01);
    UART[LCR] = lcr;
    CHECK(6, UART[IER], 0x00); /* IER kept apart from DLM */
    CHECK(7, UART[LCR], lcr);
    UART[FCR] = 0x07; /* FIFOs on (and cleared) */
    CHECK(8, UART[IIR] & 0xc0, 0xc0);
    UART[FCR] = 0x00;
    CHECK(9, UART[IIR] & 0xc0, 0x00);
    CHECK(10, UART[IIR] & 0x0f, 0x01); /* no interrupt pending */
    UART[IER] = 0x02;                  /* THR empty interrupt: pending at once */
    CHECK(11, UART[IIR] & 0x0f, 0x02);
    CHECK(12, UART[IIR] & 0x0f, 0x01); /* reading IIR cleared it */
    UART[IER] = 0x00;
    /* loopback: the transmitter feeds the receiver, MCR drives the modem status lines */
    UART[MCR] = 0x10;
    CHECK(13, UART[LSR] & 0x01, 0x00);
    UART[THR] = 'Z';
    CHECK(14, UART[LSR] & 0x01, 0x01);
    CHECK(15, UART[RBR], 'Z');
    CHECK(16, UART[LSR] & 0x01, 0x00);
    UART[MCR] = 0x13; /* DTR, RTS -> DSR, CTS */
    CHECK(17, UART[MSR] & 0xf0, 0x30);
    UART[MCR] = 0x1c; /* OUT1, OUT2 -> RI, DCD */
    CHECK(18, UART[MSR] & 0xf0, 0xc0);
    UART[MCR] = 0x00;
    CHECK(19, UART[LSR] & 0x61, 0x60);
    put_string("uart registers ok\n");
    return 0;
}
