import Foundation
import Testing
@testable import Machine

@Suite struct DeviceTreeReaderTests {
    @Test func readsBackWhatTheWriterWrote() throws {
        let tree = virtLikeTree()
        let parsed = try DeviceTree(flattened: tree.flattened())
        #expect(parsed == tree)
        #expect(parsed.root.node(at: "chosen")?[property: "stdout-path"]?.string == "/soc/serial@10000000")
        #expect(parsed.root.node(at: "soc/plic@c000000")?[property: "phandle"]?.u32 == 1)
        #expect(parsed.root.node(at: "memory@80000000")?[property: "reg"]?.u32s == [0, 0x8000_0000, 0, 0x2000_0000])
        #expect(parsed.reservations == [DeviceTreeReservation(address: 0x8000_0000, size: 0x4_0000)])
    }

    @Test func readsABlobDtcCompiled() throws {
        guard HostTools.available("dtc") else {
            Issue.record("dtc is not installed (Debian package device-tree-compiler)")
            return
        }
        let dir = try HostTools.scratchDirectory()
        defer { HostTools.remove(dir) }
        let source = dir.appendingPathComponent("t.dts"), blob = dir.appendingPathComponent("t.dtb")
        try """
        /dts-v1/;
        /memreserve/ 0x1000 0x2000;
        / {
            #address-cells = <2>; #size-cells = <2>;
            big = /bits/ 64 <0x123456789abcdef0>;
            bytes = [de ad be ef 01];
            chosen { bootargs = "quiet"; };
            cpus { #address-cells = <1>; #size-cells = <0>; cpu@0 { reg = <0>; device_type = "cpu"; }; };
        };
        """.write(to: source, atomically: true, encoding: .utf8)
        // -p pads the blob and -b sets the boot CPU: both must be honoured.
        let result = try HostTools.run("dtc", ["-I", "dts", "-O", "dtb", "-p", "100", "-b", "2", "-o", blob.path, source.path])
        #expect(result.status == 0, "\(result.stderr)")
        let tree = try DeviceTree(flattened: HostTools.read(blob))
        #expect(tree.bootCPUID == 2)
        #expect(tree.reservations == [DeviceTreeReservation(address: 0x1000, size: 0x2000)])
        #expect(tree.root.node(at: "chosen")?[property: "bootargs"]?.string == "quiet")
        #expect(tree.root.node(at: "cpus/cpu@0")?[property: "device_type"]?.string == "cpu")
        #expect(tree.root[property: "big"]?.u64 == 0x1234_5678_9ABC_DEF0)
        #expect(tree.root[property: "bytes"]?.value == [0xDE, 0xAD, 0xBE, 0xEF, 0x01])
    }

    @Test func everyTruncationIsRefused() {
        let blob = virtLikeTree().flattened()
        for length in 0..<blob.count {
            #expect(throws: DeviceTreeError.self) { try DeviceTree(flattened: Array(blob[..<length])) }
        }
        #expect(throws: DeviceTreeError.truncated(what: "the size in the header", needed: blob.count, available: 100)) {
            try DeviceTree(flattened: Array(blob[..<100]))
        }
    }

    @Test func corruptHeadersGiveSpecificErrors() {
        let blob = virtLikeTree().flattened()
        var wrongMagic = blob
        wrongMagic[0] = 0x7F
        #expect(throws: DeviceTreeError.badMagic(0x7F0D_FEED)) { try DeviceTree(flattened: wrongMagic) }

        var oldVersion = blob
        oldVersion[23] = 3
        #expect(throws: DeviceTreeError.unsupportedVersion(version: 3, lastCompatible: 16)) { try DeviceTree(flattened: oldVersion) }

        var hugeStructure = blob
        hugeStructure.replaceSubrange(36..<40, with: [0xFF, 0xFF, 0xFF, 0xF0])
        #expect(throws: DeviceTreeError.self) { try DeviceTree(flattened: hugeStructure) }

        var misalignedReservations = blob
        misalignedReservations[19] = 0x2C
        #expect(throws: DeviceTreeError.badBlock(what: "memory reservation block", offset: 0x2C, size: 16)) {
            try DeviceTree(flattened: misalignedReservations)
        }

        // The first property's name offset points far outside the strings block.
        let structure = Int(bigEndian32(blob, 8))
        let firstProperty = structure + 8
        #expect(bigEndian32(blob, firstProperty) == 3)
        var badName = blob
        badName.replaceSubrange(firstProperty + 8..<firstProperty + 12, with: [0x7F, 0, 0, 0])
        #expect(throws: DeviceTreeError.badNameOffset(0x7F00_0000, offset: firstProperty)) { try DeviceTree(flattened: badName) }

        // A property length running past the structure block.
        var longProperty = blob
        longProperty.replaceSubrange(firstProperty + 4..<firstProperty + 8, with: [0, 0x10, 0, 0])
        #expect(throws: DeviceTreeError.self) { try DeviceTree(flattened: longProperty) }
    }

    @Test func deepNestingIsRefused() {
        var root = DeviceTreeNode(name: "")
        for depth in 0..<100 { root = DeviceTreeNode(name: "n\(depth)", children: [root]) }
        root.name = ""
        #expect(throws: DeviceTreeError.tooDeep(limit: 64)) { try DeviceTree(flattened: DeviceTree(root: root).flattened()) }
    }

    @Test func randomCorruptionNeverCrashes() {
        let blob = virtLikeTree().flattened()
        var rng = SplitMix64(seed: 0xFD7)
        var refused = 0
        for _ in 0..<3000 {
            var damaged = blob
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                damaged[Int.random(in: 0..<damaged.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            if (try? DeviceTree(flattened: damaged)) == nil { refused += 1 }
        }
        // Most damage is in values (still a valid tree); some must hit the structure.
        #expect(refused > 0)
    }
}
