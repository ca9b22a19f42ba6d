#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a host descriptor is ready for, as poll(2) reports it.
public struct PollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let readable = PollEvents(rawValue: Int16(POLLIN))
    public static let writable = PollEvents(rawValue: Int16(POLLOUT))
    /// Urgent data (TCP out-of-band), which libslirp polls for.
    public static let priority = PollEvents(rawValue: Int16(POLLPRI))
    /// Only ever reported, never asked for.
    public static let error = PollEvents(rawValue: Int16(POLLERR))
    public static let hangup = PollEvents(rawValue: Int16(POLLHUP))
    public static let invalid = PollEvents(rawValue: Int16(POLLNVAL))
}

/// The descriptors of one event-loop iteration, in the shape libslirp's
/// `slirp_pollfds_fill` / `slirp_pollfds_poll` callbacks use: `add` returns an index, and after
/// the poll `events(at:)` gives that entry's result.
public struct PollSet: ~Copyable {
    var entries: [pollfd] = []

    init() { entries.reserveCapacity(16) }

    /// Asks for `events` on `fd` in this iteration; the index names the entry afterwards.
    public mutating func add(_ fd: Int32, _ events: PollEvents) -> Int {
        entries.append(pollfd(fd: fd, events: events.rawValue, revents: 0))
        return entries.count - 1
    }

    /// What poll reported for entry `index`; empty for an index that was never returned by `add`.
    public func events(at index: Int) -> PollEvents {
        guard entries.indices.contains(index) else { return [] }
        return PollEvents(rawValue: entries[index].revents)
    }

    var count: Int { entries.count }
}

/// Something that takes part in every event-loop iteration with descriptors and a deadline of
/// its own: libslirp (which fills its sockets into the poll set and names a timeout) is the
/// case this exists for.
public protocol EventLoopParticipant: AnyObject, Sendable {
    /// Adds this iteration's descriptors; returns the longest wait it allows, in nanoseconds,
    /// or nil for no limit.
    func preparePoll(_ set: inout PollSet) -> UInt64?
    /// Handles the poll's results for the descriptors it added.
    func dispatchPoll(_ set: borrowing PollSet)
}
