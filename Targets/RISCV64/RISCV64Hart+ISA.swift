extension RISCV64Hart {
    /// The ISA string for the device tree's `riscv,isa`: exactly the extensions this hart
    /// implements, since Linux and OpenSBI use whatever it advertises.
    public static let isaString = "rv64imafdc_zicsr_zifencei_zba_zbb_zbs"

    /// The device tree's `mmu-type`: the hart implements Sv39 and Sv48; Linux uses the largest
    /// one advertised.
    public static let mmuType = "riscv,sv48"
}
