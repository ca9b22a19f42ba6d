#if canImport(Glibc)
import Glibc
#endif

/// Runs `xemu bench blk`: each case through the block device, and the raw file once per
/// workload and depth, in the same run on the same file.
public enum BlockBenchRunner {
    /// Runs `cases` on the file at `path` (which must exist, a whole number of MiB) with
    /// `workers` I/O threads in the device, `seconds` per measurement.
    public static func run(_ cases: [BlockBenchCase], path: String, workers: Int, seconds: Double) throws(BlockBenchError) -> [BlockBenchResult] {
        let fileSize = try BenchFile.size(path)
        try BenchFile.warm(path)
        var raw: [String: RawFileBaseline.Measurement] = [:]
        var results: [BlockBenchResult] = []
        for c in cases {
            let key = "\(c.workload.rawValue)/\(c.depth)"
            if raw[key] == nil {
                raw[key] = try RawFileBaseline.measure(path: path, fileSize: fileSize, workload: c.workload,
                                                       threads: min(c.depth, workers), depth: c.depth,
                                                       seconds: seconds)
            }
            let m = try BlockDeviceLoad.measure(c, path: path, workers: workers, seconds: seconds)
            let baseline = raw[key]!
            let size = Double(c.workload.requestSize)
            let iops = Double(m.operations) / m.seconds
            let rawIOPS = Double(baseline.operations) / baseline.seconds
            results.append(BlockBenchResult(
                workload: c.workload.rawValue, depth: c.depth, format: c.format.rawValue, requestSize: c.workload.requestSize,
                megabytesPerSecond: iops * size / 1e6, iops: iops, rawMegabytesPerSecond: rawIOPS * size / 1e6,
                rawIOPS: rawIOPS, fractionOfRaw: rawIOPS > 0 ? iops / rawIOPS : 0, requests: m.operations,
                interrupts: m.interrupts, kicks: m.kicks))
        }
        return results
    }
}

/// The benchmark's scratch file.
public enum BenchFile {
    /// Creates `path` with `megabytes` MiB of non-zero data (so reads come from written pages).
    public static func create(_ path: String, megabytes: Int) throws(BlockBenchError) {
        let fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        defer { close(fd) }
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { chunk.deallocate() }
        for i in 0..<(1 << 20) { chunk.storeBytes(of: UInt8(truncatingIfNeeded: i &* 131 &+ 7), toByteOffset: i, as: UInt8.self) }
        for m in 0..<megabytes {
            guard pwrite(fd, chunk, 1 << 20, off_t(m) << 20) == 1 << 20 else { throw .ioFailed(path: path, errno: errno) }
        }
    }

    static func size(_ path: String) throws(BlockBenchError) -> Int {
        var s = stat()
        guard stat(path, &s) == 0 else { throw .cannotOpen(path: path, errno: errno) }
        return Int(s.st_size)
    }

    /// Reads the whole file once so every measurement starts from the page cache.
    static func warm(_ path: String) throws(BlockBenchError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotOpen(path: path, errno: errno) }
        defer { close(fd) }
        let chunk = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { chunk.deallocate() }
        while read(fd, chunk, 1 << 20) > 0 {}
    }
}
