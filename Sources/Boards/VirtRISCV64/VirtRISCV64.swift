import Devices
import Dispatch
import Machine
import RISCV64
import Translator

/// QEMU's riscv64 `virt` machine: one hart, RAM at 0x8000_0000, the reset ROM, CLINT, PLIC,
/// an NS16550A console and the SiFive test device whose exit code becomes xemu's.
///
/// Boot follows QEMU: the reset ROM enters the firmware (`--bios`, default OpenSBI
/// `fw_dynamic.bin`) or, with `--bios none`, the kernel or bare-metal program directly, in
/// machine mode with a0 = hart id, a1 = device tree, a2 = fw_dynamic_info.
public final class VirtRISCV64: Board {
    public static var descriptor: BoardDescriptor { BoardCatalog.virtRISCV64 }

    private let configuration: MachineConfiguration
    private let memory: GuestMemory
    private let bus = Bus(name: "mmio")
    private let hart: RISCV64Hart
    private let stop: MachineStop
    private let console: any CharBackend
    private let clint: CLINT
    private let plic: PLIC
    private let uart: NS16550A
    private let virtioDevices: VirtioDeviceSet
    private let virtio: VirtRISCV64Virtio
    let deviceTree: DeviceTree

    public convenience init(configuration: MachineConfiguration) throws {
        try self.init(configuration: configuration, attachments: MachineAttachments())
    }

    public init(configuration: MachineConfiguration, attachments: MachineAttachments) throws {
        typealias L = VirtRISCV64Layout
        self.configuration = configuration
        do {
            memory = try GuestMemory(banks: [
                (L.resetROM, L.resetROMSize), (L.dram, configuration.memorySize),
            ])
        } catch {
            throw BoardError.memory(error.description)
        }
        let hart: RISCV64Hart
        do {
            hart = try RISCV64Hart(memory: memory, bus: bus, hartID: 0, jit: configuration.jit)
        } catch {
            throw BoardError.translator("\(error)")
        }
        self.hart = hart
        let stop = MachineStop(stopHart: { hart.requestExit() })
        self.stop = stop
        let wakeup = stop.wakeup
        hart.interruptRaised = { wakeup.signal() }

        console = try attachments.serial ?? configuration.serial.makeBackend(onQuit: { stop.finish(.userQuit) })
        clint = CLINT(harts: [CLINT.HartLines(hart: hart)])
        plic = PLIC(sourceCount: L.plicSources, contexts: PLIC.hartContexts([hart]))
        uart = NS16550A(backend: console, interrupt: InterruptLine(controller: plic, line: L.uartIRQ))
        let test = SiFiveTest(onExit: { stop.finish($0) })
        try bus.register(test, at: L.test, size: SiFiveTest.regionSize, name: "test")
        try bus.register(clint, at: L.clint, size: CLINT.regionSize, name: "clint")
        try bus.register(plic, at: L.plic, size: L.plicSize, name: "plic")
        try bus.register(uart, at: L.uart, size: L.uartSize, name: "uart0")
        let clint = clint
        hart.timeSource = { clint.mtime }
        virtioDevices = try VirtioDeviceSet(configuration, console: console, extraConsoles: attachments.consoles)
        virtio = try VirtRISCV64Virtio(devices: virtioDevices, configuration: configuration,
                                       memory: memory, bus: bus, interrupts: plic)

        let boot = try VirtRISCV64Boot.load(configuration, initrdAppendix: attachments.initrdAppendix, into: memory)
        deviceTree = VirtRISCV64DeviceTree(
            memoryBase: L.dram, memorySize: configuration.memorySize, hartCount: 1,
            isa: RISCV64Hart.isaString, mmuType: RISCV64Hart.mmuType, commandLine: configuration.commandLine,
            initrd: boot.initrd, rngSeed: Self.rngSeed(), virtioMMIO: virtio.mmioSlots
        ).build()
        let blob: [UInt8]
        if let path = configuration.deviceTree {
            do { blob = try DeviceTreeLoader.load(path).flattened() } catch { throw BoardError.load(error.description) }
        } else {
            blob = deviceTree.flattened()
        }
        let deviceTreeAddress = try boot.placeDeviceTree(blob, memory: memory, memorySize: configuration.memorySize)
        try memory.write(RISCVResetVector.image(start: boot.start, deviceTree: deviceTreeAddress, nextStage: boot.nextStage),
                         at: L.resetROM)
        hart.pc = L.resetROM
    }

    /// Bytes of the device tree's `rng-seed`, fresh from the host's generator for every boot.
    private static func rngSeed() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<VirtRISCV64Layout.rngSeedSize).map { _ in generator.next() }
    }

    public func run() throws -> MachineExit {
        defer { (console as? StdioCharBackend)?.stop() }
        if let path = configuration.dumpDeviceTree {
            try DeviceTreeDump.write(deviceTree, to: path)
            return .poweredOff(status: 0)
        }
        if let seconds = configuration.timeout { stop.armTimeout(seconds: seconds) }
        let start = ContinuousClock.now
        defer {
            if configuration.jit.collectsStatistics, let statistics = hart.engine.jitStatistics {
                JITStatistics.print(statistics, error: hart.engine.jitError, wallTime: ContinuousClock.now - start)
            }
        }
        virtioDevices.start()
        defer { virtioDevices.stop() }
        while true {
            switch hart.run() {
            case .exitRequested:
                if let exit = stop.exit { return exit }
            case .waitingForInterrupt:
                while !hart.hasPendingInterrupt, stop.exit == nil {
                    _ = stop.wakeup.wait(timeout: .now() + .milliseconds(10))
                }
                if let exit = stop.exit { return exit }
            }
        }
    }
}
