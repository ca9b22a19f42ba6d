/// How long an I/O worker polls its ring before it sleeps, adapted after every sleep (as QEMU's
/// adaptive polling): a kick that came within `limit` of going to sleep would have been caught
/// by a longer poll, so the window doubles (from 4 µs, up to `limit`); a kick that came later
/// means the driver is not submitting back to back, so the window halves (to 0 below 4 µs) and
/// a quiet queue soon stops taking CPU from the vCPU.
struct AdaptivePollWindow {
    let limit: UInt64
    /// Nanoseconds the next poll lasts (0: do not poll).
    private(set) var nanoseconds: UInt64 = 0
    static let step: UInt64 = 4_000

    init(limit: UInt64) { self.limit = limit }

    mutating func update(asleep: UInt64) {
        if asleep > limit {
            nanoseconds = nanoseconds / 2 < Self.step ? 0 : nanoseconds / 2
        } else if asleep > nanoseconds {
            nanoseconds = min(limit, max(nanoseconds &* 2, Self.step))
        }
    }
}
