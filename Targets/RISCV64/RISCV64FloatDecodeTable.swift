/// The F and D encodings (unprivileged ISA 20191213 §11-12, opcode map §24). Arithmetic rows all
/// call the floating-point helper, which reads the format, rounding mode and operation from the
/// instruction word; loads, stores and raw moves are plain IR.
extension RISCV64DecodeTable {
    static let floatRows: [EncodingPattern] = [
        .init("flw",       "............ ..... 010 ..... 0000111", .floatLoad(.load32Unsigned)),
        .init("fld",       "............ ..... 011 ..... 0000111", .floatLoad(.load64)),
        .init("fsw",       "....... ..... ..... 010 ..... 0100111", .floatStore(.store32)),
        .init("fsd",       "....... ..... ..... 011 ..... 0100111", .floatStore(.store64)),
        .init("fmadd",     "..... 0. ..... ..... ... ..... 1000011", .floatOperation),
        .init("fmsub",     "..... 0. ..... ..... ... ..... 1000111", .floatOperation),
        .init("fnmsub",    "..... 0. ..... ..... ... ..... 1001011", .floatOperation),
        .init("fnmadd",    "..... 0. ..... ..... ... ..... 1001111", .floatOperation),
        .init("fadd",      "000000. ..... ..... ... ..... 1010011", .floatOperation),
        .init("fsub",      "000010. ..... ..... ... ..... 1010011", .floatOperation),
        .init("fmul",      "000100. ..... ..... ... ..... 1010011", .floatOperation),
        .init("fdiv",      "000110. ..... ..... ... ..... 1010011", .floatOperation),
        .init("fsqrt",     "010110. 00000 ..... ... ..... 1010011", .floatOperation),
        .init("fsgnj",     "001000. ..... ..... 000 ..... 1010011", .floatOperation),
        .init("fsgnjn",    "001000. ..... ..... 001 ..... 1010011", .floatOperation),
        .init("fsgnjx",    "001000. ..... ..... 010 ..... 1010011", .floatOperation),
        .init("fmin",      "001010. ..... ..... 000 ..... 1010011", .floatOperation),
        .init("fmax",      "001010. ..... ..... 001 ..... 1010011", .floatOperation),
        .init("fcvt.s.d",  "0100000 00001 ..... ... ..... 1010011", .floatOperation),
        .init("fcvt.d.s",  "0100001 00000 ..... ... ..... 1010011", .floatOperation),
        .init("fle",       "101000. ..... ..... 000 ..... 1010011", .floatOperation),
        .init("flt",       "101000. ..... ..... 001 ..... 1010011", .floatOperation),
        .init("feq",       "101000. ..... ..... 010 ..... 1010011", .floatOperation),
        .init("fcvt.int.fp", "110000. 000.. ..... ... ..... 1010011", .floatOperation),
        .init("fcvt.fp.int", "110100. 000.. ..... ... ..... 1010011", .floatOperation),
        .init("fmv.x.w",   "1110000 00000 ..... 000 ..... 1010011", .floatMoveToInteger(single: true)),
        .init("fmv.x.d",   "1110001 00000 ..... 000 ..... 1010011", .floatMoveToInteger(single: false)),
        .init("fclass",    "111000. 00000 ..... 001 ..... 1010011", .floatOperation),
        .init("fmv.w.x",   "1111000 00000 ..... 000 ..... 1010011", .floatMoveFromInteger(single: true)),
        .init("fmv.d.x",   "1111001 00000 ..... 000 ..... 1010011", .floatMoveFromInteger(single: false)),
    ]
}
