import Testing
import Devices
import Machine

@Suite struct SiFiveTestTests {
    final class Recorder { var exits: [MachineExit] = [] }

    @Test func finisherCodes() {
        let recorder = Recorder()
        let finisher = SiFiveTest { recorder.exits.append($0) }
        finisher.write(offset: 0, size: 4, value: 0x5555)
        finisher.write(offset: 0, size: 4, value: (42 << 16) | 0x3333)
        finisher.write(offset: 0, size: 4, value: 0x7777)
        finisher.write(offset: 0, size: 4, value: 0xFFFF_3333)
        #expect(recorder.exits == [.poweredOff(status: 0), .poweredOff(status: 42), .reset, .poweredOff(status: 0xFFFF)])
    }

    /// OpenSBI's sifive_test driver powers off and reboots with 16-bit stores.
    @Test func halfwordWritesCount() {
        let recorder = Recorder()
        let finisher = SiFiveTest { recorder.exits.append($0) }
        finisher.write(offset: 0, size: 2, value: 0x7777)
        finisher.write(offset: 0, size: 2, value: 0x5555)
        #expect(recorder.exits == [.reset, .poweredOff(status: 0)])
    }

    @Test func otherValuesOffsetsAndReadsAreIgnored() {
        let recorder = Recorder()
        let finisher = SiFiveTest { recorder.exits.append($0) }
        finisher.write(offset: 0, size: 4, value: 0x1234)
        finisher.write(offset: 4, size: 4, value: 0x5555)
        finisher.write(offset: 0, size: 1, value: 0x55)
        #expect(finisher.read(offset: 0, size: 4) == 0)
        #expect(recorder.exits.isEmpty)
    }
}
