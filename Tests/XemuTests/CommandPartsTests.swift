import Testing
import Boards
import Machine
@testable import xemu

@Suite struct CommandPartsTests {
    @Test func boardTableListsEveryBoardWithItsStatusWord() {
        let table = BoardTable.render(BoardCatalog.descriptors).split(separator: "\n")
        #expect(table.count == BoardCatalog.descriptors.count + 1)
        #expect(table[0].hasPrefix("BOARD"))
        for (row, board) in zip(table.dropFirst(), BoardCatalog.descriptors) {
            #expect(row.hasPrefix(board.name))
            #expect(row.contains(board.architecture) && row.contains(board.summary))
        }
        #expect(BoardTable.statusText(.available) == "available")
        #expect(BoardTable.statusText(.partial("bare metal only")) == "partial: bare metal only")
        #expect(BoardTable.statusText(.planned) == "planned")
    }

    /// The LLVM tier is what a user gets without asking: it is faster than the interpreter on
    /// a kernel boot, a short `xemu run` and compute alike (README, `--jit`).
    @Test func theLLVMTierIsOnByDefault() throws {
        let defaults = try MachineOptions.parse([]).configuration(board: "virt-riscv64")
        #expect(defaults.jit.mode == .auto)
        let interpreted = try MachineOptions.parse(["--jit", "interp"]).configuration(board: "virt-riscv64")
        #expect(interpreted.jit.mode == .interpreter)
    }

    @Test func onlyUnbuiltFeaturesAreRefused() throws {
        var configuration = MachineConfiguration(board: "virt-riscv64")
        #expect(UnbuiltFeatures.firstRequested(in: configuration) == nil)
        // Devices that are built reach the board.
        configuration.netdevs = [NetdevConfiguration()]
        configuration.entropyDevice = true
        configuration.console = .virtio
        #expect(UnbuiltFeatures.firstRequested(in: configuration) == nil)
        configuration.cpuCount = 2
        #expect(UnbuiltFeatures.firstRequested(in: configuration) == "--smp")
    }

    @Test func machineExitsMapToExitStatuses() {
        #expect(MachineExit.poweredOff(status: 0).failure(timeout: nil) == nil)
        #expect(MachineExit.poweredOff(status: 3).failure(timeout: nil)?.status == 3)
        #expect(MachineExit.poweredOff(status: 256).failure(timeout: nil)?.status == 1)
        #expect(MachineExit.poweredOff(status: -1).failure(timeout: nil)?.status == 1)
        #expect(MachineExit.reset.failure(timeout: nil) == nil)
        #expect(MachineExit.userQuit.failure(timeout: nil) == nil)
        #expect(MachineExit.timedOut.failure(timeout: 30) == CommandFailure("guest timed out after 30 s", status: 124))
        #expect(MachineExit.timedOut.failure(timeout: 1.5)?.message == "guest timed out after 1.5 s")
    }

    @Test func plannedBoardsHaveNoTypeYet() {
        for board in BoardCatalog.descriptors where board.status == .planned {
            #expect(BoardCatalog.boardType(named: board.name) == nil)
        }
        #expect(BoardCatalog.boardType(named: "no-such-board") == nil)
    }
}
