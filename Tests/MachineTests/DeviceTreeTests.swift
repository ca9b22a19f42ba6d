import Foundation
import Testing
@testable import Machine

/// A tree shaped like QEMU's riscv64 `virt` board's: what a board will really write.
func virtLikeTree() -> DeviceTree {
    var fdt = DeviceTreeBuilder()
    fdt.reserveMemory(address: 0x8000_0000, size: 0x4_0000)
    fdt.property("#address-cells", u32: 2)
    fdt.property("#size-cells", u32: 2)
    fdt.property("compatible", string: "riscv-virtio")
    fdt.property("model", string: "riscv-virtio,qemu")
    let plic = fdt.allocatePhandle()
    let cpuIntc = fdt.allocatePhandle()
    fdt.node("chosen") { fdt in
        fdt.property("bootargs", string: "console=ttyS0 root=/dev/vda rw")
        fdt.property("stdout-path", string: "/soc/serial@10000000")
    }
    fdt.node("memory@80000000") { fdt in
        fdt.property("device_type", string: "memory")
        fdt.property("reg", u64s: [0x8000_0000, 0x2000_0000])
    }
    fdt.node("cpus") { fdt in
        fdt.property("#address-cells", u32: 1)
        fdt.property("#size-cells", u32: 0)
        fdt.property("timebase-frequency", u32: 10_000_000)
        fdt.node("cpu@0") { fdt in
            fdt.property("device_type", string: "cpu")
            fdt.property("reg", u32: 0)
            fdt.property("status", string: "okay")
            fdt.property("compatible", string: "riscv")
            fdt.property("riscv,isa", string: "rv64imafdc_zicsr_zifencei")
            fdt.property("mmu-type", string: "riscv,sv48")
            fdt.node("interrupt-controller") { fdt in
                fdt.property("#address-cells", u32: 0)
                fdt.property("#interrupt-cells", u32: 1)
                fdt.property("interrupt-controller")
                fdt.property("compatible", string: "riscv,cpu-intc")
                fdt.setPhandle(cpuIntc)
            }
        }
    }
    fdt.node("soc") { fdt in
        fdt.property("#address-cells", u32: 2)
        fdt.property("#size-cells", u32: 2)
        fdt.property("compatible", string: "simple-bus")
        fdt.property("ranges")
        fdt.node("serial@10000000") { fdt in
            fdt.property("interrupts", u32: 10)
            fdt.property("interrupt-parent", phandle: plic)
            fdt.property("clock-frequency", u32: 0x38_4000)
            fdt.property("reg", u64s: [0x1000_0000, 0x100])
            fdt.property("compatible", string: "ns16550a")
        }
        for n in 0..<2 {
            let base: UInt64 = 0x1000_1000 + UInt64(n) * 0x1000
            fdt.node("virtio_mmio@\(String(base, radix: 16))") { fdt in
                fdt.property("interrupts", u32: UInt32(1 + n))
                fdt.property("interrupt-parent", phandle: plic)
                fdt.property("reg", u64s: [base, 0x1000])
                fdt.property("compatible", string: "virtio,mmio")
                fdt.property("dma-coherent")
            }
        }
        fdt.node("plic@c000000") { fdt in
            fdt.setPhandle(plic)
            fdt.property("riscv,ndev", u32: 0x5F)
            fdt.property("reg", u64s: [0xC00_0000, 0x60_0000])
            fdt.property("interrupts-extended", u32s: [cpuIntc.value, 11, cpuIntc.value, 9])
            fdt.property("interrupt-controller")
            fdt.property("compatible", strings: ["sifive,plic-1.0.0", "riscv,plic0"])
            fdt.property("#address-cells", u32: 0)
            fdt.property("#interrupt-cells", u32: 1)
        }
        fdt.node("pci@30000000") { fdt in
            fdt.property("interrupt-map-mask", u32s: [0x1800, 0, 0, 7])
            // PCI address (3 cells) + pin, then the PLIC phandle and its one interrupt cell.
            var map: [UInt32] = []
            for slot: UInt32 in 0..<4 {
                for pin: UInt32 in 1...4 {
                    map += [slot << 11, 0, 0, pin, plic.value, 0x20 + (slot + pin - 1) % 4]
                }
            }
            fdt.property("interrupt-map", u32s: map)
            fdt.property("ranges", u32s: [0x100_0000, 0, 0, 0, 0x300_0000, 0, 0x1_0000,
                                          0x200_0000, 0, 0x4000_0000, 0, 0x4000_0000, 0, 0x4000_0000])
            fdt.property("reg", u64s: [0x3000_0000, 0x1000_0000])
            fdt.property("dma-coherent")
            fdt.property("bus-range", u32s: [0, 0xFF])
            fdt.property("linux,pci-domain", u32: 0)
            fdt.property("device_type", string: "pci")
            fdt.property("compatible", string: "pci-host-ecam-generic")
            fdt.property("#size-cells", u32: 2)
            fdt.property("#interrupt-cells", u32: 1)
            fdt.property("#address-cells", u32: 3)
        }
    }
    fdt.property("raw-bytes-test", bytes: [1, 2, 3])
    return fdt.finish()
}

func bigEndian32(_ blob: [UInt8], _ offset: Int) -> UInt32 {
    blob[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
}

@Suite struct DeviceTreeWriterTests {
    @Test func headerFieldsAndAlignment() {
        let blob = virtLikeTree().flattened()
        #expect(bigEndian32(blob, 0) == 0xD00D_FEED)
        #expect(Int(bigEndian32(blob, 4)) == blob.count)
        let structure = bigEndian32(blob, 8), strings = bigEndian32(blob, 12), reservations = bigEndian32(blob, 16)
        #expect(bigEndian32(blob, 20) == 17 && bigEndian32(blob, 24) == 16)
        #expect(reservations % 8 == 0 && reservations >= 40)
        #expect(structure % 4 == 0)
        #expect(structure == reservations + 32, "one reservation plus the terminator")
        let structureSize = bigEndian32(blob, 36), stringsSize = bigEndian32(blob, 32)
        #expect(structure + structureSize == strings)
        #expect(Int(strings + stringsSize) == blob.count)
        #expect(bigEndian32(blob, Int(structure)) == 1, "begins with FDT_BEGIN_NODE")
        #expect(bigEndian32(blob, Int(structure + structureSize) - 4) == 9, "ends with FDT_END")
        // Each name appears once in the strings block although many nodes use it.
        let block = Array(blob[Int(strings)...])
        let names = block.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        #expect(names.count == Set(names).count)
        #expect(names.contains("#address-cells") && names.contains("interrupt-map"))
    }

    @Test func bootCPUIDIsInTheHeader() {
        var fdt = DeviceTreeBuilder()
        fdt.bootCPUID = 3
        #expect(bigEndian32(fdt.finish().flattened(), 28) == 3)
    }

    @Test func propertyEncodingsAreBigEndian() {
        #expect(DeviceTreeProperty("a", u32: 0x0102_0304).value == [1, 2, 3, 4])
        #expect(DeviceTreeProperty("a", u64: 0x0102_0304_0506_0708).value == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(DeviceTreeProperty("a", strings: ["ab", "c"]).value == [0x61, 0x62, 0, 0x63, 0])
        #expect(DeviceTreeProperty("a", strings: ["ab", "c"]).strings == ["ab", "c"])
        #expect(DeviceTreeProperty("a", u64s: [1, 2]).u32s == [0, 1, 0, 2])
        #expect(DeviceTreeProperty("a", bytes: [1, 2, 3]).u32s == nil)
        #expect(DeviceTreeProperty("a", string: "x").string == "x")
    }

    @Test func dtcAcceptsTheBlobAndRoundTripsIt() throws {
        guard HostTools.available("dtc") else {
            Issue.record("dtc is not installed (Debian package device-tree-compiler)")
            return
        }
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let tree = virtLikeTree()
        let ours = dir.appendingPathComponent("ours.dtb")
        try HostTools.write(tree.flattened(), to: ours)

        let first = try HostTools.run("dtc", ["-I", "dtb", "-O", "dts", ours.path])
        #expect(first.status == 0)
        #expect(first.stderr.isEmpty, "dtc warned: \(first.stderr)")
        #expect(first.stdout.contains("/memreserve/\t0x0000000080000000 0x0000000000040000;"))
        #expect(first.stdout.contains("bootargs = \"console=ttyS0 root=/dev/vda rw\";"))
        #expect(first.stdout.contains("compatible = \"sifive,plic-1.0.0\\0riscv,plic0\";"))

        let source = dir.appendingPathComponent("ours.dts")
        try first.stdout.write(to: source, atomically: true, encoding: .utf8)
        let theirs = dir.appendingPathComponent("theirs.dtb")
        let compiled = try HostTools.run("dtc", ["-I", "dts", "-O", "dtb", "-o", theirs.path, source.path])
        #expect(compiled.status == 0, "\(compiled.stderr)")
        let second = try HostTools.run("dtc", ["-I", "dtb", "-O", "dts", theirs.path])
        #expect(second.stdout == first.stdout)

        // dtc's own blob of the same source parses back into the same tree.
        #expect(try DeviceTree(flattened: HostTools.read(theirs)) == tree)
    }
}
