import Machine

extension VirtioMMIOTransport {
    /// The device-tree node name for a transport at `base` (`virtio_mmio@a000000`, as QEMU names it).
    public static func deviceTreeNodeName(base: UInt64) -> String {
        "virtio_mmio@\(String(base, radix: 16))"
    }

    /// The properties of a transport's node (Linux's bindings/virtio/mmio.yaml): compatible
    /// "virtio,mmio", `reg` for a parent with two address and two size cells, the interrupt
    /// specifier in the parent's format (`[irq]` on a PLIC, `[0, spi, 4]` on a GIC), and
    /// `dma-coherent` where DMA is cache-coherent (the arm64 board says so, as QEMU does).
    public static func deviceTreeProperties(base: UInt64, interruptParent: UInt32, interrupts: [UInt32],
                                            dmaCoherent: Bool = false) -> [DeviceTreeProperty] {
        var properties = [
            DeviceTreeProperty("compatible", string: "virtio,mmio"),
            DeviceTreeProperty("reg", u64s: [base, regionSize]),
            DeviceTreeProperty("interrupt-parent", u32: interruptParent),
            DeviceTreeProperty("interrupts", u32s: interrupts),
        ]
        if dmaCoherent { properties.append(DeviceTreeProperty("dma-coherent")) }
        return properties
    }
}
