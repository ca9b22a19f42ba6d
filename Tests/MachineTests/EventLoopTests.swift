import Foundation
import Synchronization
import Testing
@testable import Machine

@Suite struct EventLoopTests {
    @Test func readableDescriptorRunsItsCallback() throws {
        let loop = try EventLoop(clock: .host())
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let received = Mutex<[UInt8]>([])
        let readFD = fds[0]
        let id = loop.watch(readFD, for: .readable) { events in
            guard events.contains(.readable) else { return }
            var buffer = [UInt8](repeating: 0, count: 16)
            let n = read(readFD, &buffer, 16)
            if n > 0 { received.withLock { $0 += buffer[..<n] } }
        }
        loop.start()
        _ = [UInt8]("ping".utf8).withUnsafeBytes { write(fds[1], $0.baseAddress, 4) }
        #expect(eventually { received.withLock { $0 } == Array("ping".utf8) })
        loop.unwatch(id)
        _ = [UInt8]("more".utf8).withUnsafeBytes { write(fds[1], $0.baseAddress, 4) }
        usleep(50_000)
        #expect(received.withLock { $0 } == Array("ping".utf8), "no callbacks after unwatch")
        loop.stop()
    }

    @Test func stopFromAnotherThreadReturnsPromptly() throws {
        let loop = try EventLoop(clock: .host())
        let far = loop.timers.makeTimer {}
        far.schedule(after: 3_600_000_000_000)      // an hour: the loop sleeps in poll
        loop.start()
        usleep(20_000)
        let started = VirtualClock.hostMonotonicNanoseconds()
        loop.stop()
        #expect(VirtualClock.hostMonotonicNanoseconds() - started < 500_000_000)
    }

    @Test func hostTimersFireFromTheLoopInOrder() throws {
        let loop = try EventLoop(clock: .host())
        let log = FiringLog()
        let second = loop.timers.makeTimer { log.note("second", loop.timers.clock) }
        let first = loop.timers.makeTimer { log.note("first", loop.timers.clock) }
        let periodic = loop.timers.makeTimer { log.note("tick", loop.timers.clock) }
        loop.start()
        // Armed after the loop went to sleep with nothing to wait for: it must wake up.
        second.schedule(after: 30_000_000)
        first.schedule(after: 10_000_000)
        periodic.schedulePeriodic(every: 5_000_000)
        #expect(eventually { log.names.contains("second") && log.names.filter { $0 == "tick" }.count >= 4 })
        periodic.cancel()
        loop.stop()
        let entries = log.all
        let firstAt = entries.first { $0.0 == "first" }!.1, secondAt = entries.first { $0.0 == "second" }!.1
        #expect(log.names.firstIndex(of: "first")! < log.names.firstIndex(of: "second")!)
        #expect(firstAt >= 10_000_000 && secondAt >= 30_000_000, "never early")
    }

    @Test func manualClockTimersFireWhenTheClockMovesAndTheLoopIsWoken() throws {
        let clock = VirtualClock.manual()
        let loop = try EventLoop(clock: clock)
        let log = FiringLog()
        let timer = loop.timers.makeTimer { log.note("t", clock) }
        timer.schedule(at: 1_000_000_000_000)      // far in virtual time
        loop.start()
        usleep(20_000)
        #expect(log.names.isEmpty)
        clock.set(to: 1_000_000_000_000)
        loop.wake()
        #expect(eventually { log.names == ["t"] })
        #expect(log.all.first?.1 == 1_000_000_000_000)
        loop.stop()
    }

    @Test func performRunsWorkOnTheLoopThreadAndStopFromACallbackWorks() throws {
        let loop = try EventLoop(clock: .host())
        let ran = SharedCounter()
        loop.start()
        for _ in 0..<10 { loop.perform { ran.increment() } }
        #expect(eventually { ran.value == 10 })
        loop.perform { loop.stop() }
        usleep(50_000)
        loop.stop()
        #expect(ran.value == 10)
    }

    @Test func participantsAddDescriptorsAndBoundTheWait() throws {
        final class PipeParticipant: EventLoopParticipant {
            let fd: Int32
            let seen = Mutex<[PollEvents]>([])
            let index = Mutex(-1)
            init(fd: Int32) { self.fd = fd }
            func preparePoll(_ set: inout PollSet) -> UInt64? {
                let i = set.add(fd, .readable)
                index.withLock { $0 = i }
                return 2_000_000
            }
            func dispatchPoll(_ set: borrowing PollSet) {
                let events = set.events(at: index.withLock { $0 })
                if !events.isEmpty { seen.withLock { $0.append(events) } }
            }
        }
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        let loop = try EventLoop(clock: .host())
        let participant = PipeParticipant(fd: fds[0])
        loop.add(participant)
        loop.start()
        _ = [UInt8]("x".utf8).withUnsafeBytes { write(fds[1], $0.baseAddress, 1) }
        #expect(eventually { participant.seen.withLock { $0.first } == .readable })
        loop.remove(participant)
        loop.stop()
    }
}
