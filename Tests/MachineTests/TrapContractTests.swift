import Testing
@testable import Machine

/// Misuse that is a bug in xemu's own code (never reachable from guest or user input) traps.
@Suite struct TrapContractTests {
    @Test func closingANodeThatWasNeverOpenedTraps() async {
        await #expect(processExitsWith: .failure) {
            var fdt = DeviceTreeBuilder()
            fdt.endNode()
        }
    }

    @Test func finishingWithAnOpenNodeTraps() async {
        await #expect(processExitsWith: .failure) {
            var fdt = DeviceTreeBuilder()
            fdt.beginNode("cpus")
            _ = fdt.finish()
        }
    }

    @Test func aPropertyGivenTwiceTraps() async {
        await #expect(processExitsWith: .failure) {
            var fdt = DeviceTreeBuilder()
            fdt.property("reg", u32: 1)
            fdt.property("reg", u32: 2)
        }
    }

    @Test func advancingTheHostClockTraps() async {
        await #expect(processExitsWith: .failure) {
            VirtualClock.host().advance(by: 1)
        }
    }

    @Test func settingAManualClockBackwardsTraps() async {
        await #expect(processExitsWith: .failure) {
            VirtualClock.manual(startingAt: 10).set(to: 5)
        }
    }
}
