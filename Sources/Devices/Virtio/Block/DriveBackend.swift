import Machine
#if canImport(Glibc)
import Glibc
#endif

/// The backend a `--drive` asks for (`DriveConfiguration`), behind one concrete type so the
/// block device's request path calls it without an existential: a read-only raw file
/// (`readonly=on`, opened `O_RDONLY`, whatever `snapshot` says), a copy-on-write overlay over a
/// read-only base (`snapshot=on`), or a read-write raw file.
public final class DriveBackend: BlockBackend {
    enum Storage {
        case raw(RawFileBackend)
        case snapshot(SnapshotOverlayBackend)
    }

    let storage: Storage

    /// Opens the drive's image as its options say.
    public init(drive: DriveConfiguration) throws(BlockError) {
        if drive.readOnly {
            storage = .raw(try RawFileBackend(path: drive.path, readOnly: true))
        } else if drive.snapshot {
            storage = .snapshot(try SnapshotOverlayBackend(path: drive.path))
        } else {
            storage = .raw(try RawFileBackend(path: drive.path, readOnly: false))
        }
    }

    public var capacity: UInt64 {
        switch storage {
        case .raw(let b): b.capacity
        case .snapshot(let b): b.capacity
        }
    }

    public var isReadOnly: Bool {
        switch storage {
        case .raw(let b): b.isReadOnly
        case .snapshot(let b): b.isReadOnly
        }
    }

    @inline(__always)
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws(BlockError) {
        switch storage {
        case .raw(let b): try b.read(into: buffer, at: offset)
        case .snapshot(let b): try b.read(into: buffer, at: offset)
        }
    }

    @inline(__always)
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws(BlockError) {
        switch storage {
        case .raw(let b): try b.write(bytes, at: offset)
        case .snapshot(let b): try b.write(bytes, at: offset)
        }
    }

    @inline(__always)
    public func read(vector buffers: UnsafeBufferPointer<iovec>, at offset: UInt64) throws(BlockError) {
        switch storage {
        case .raw(let b): try b.read(vector: buffers, at: offset)
        case .snapshot(let b): try b.read(vector: buffers, at: offset)
        }
    }

    @inline(__always)
    public func write(vector buffers: UnsafeBufferPointer<iovec>, at offset: UInt64) throws(BlockError) {
        switch storage {
        case .raw(let b): try b.write(vector: buffers, at: offset)
        case .snapshot(let b): try b.write(vector: buffers, at: offset)
        }
    }

    public func flush() throws(BlockError) {
        switch storage {
        case .raw(let b): try b.flush()
        case .snapshot(let b): try b.flush()
        }
    }

    public func writeZeroes(at offset: UInt64, length: UInt64) throws(BlockError) {
        switch storage {
        case .raw(let b): try b.writeZeroes(at: offset, length: length)
        case .snapshot(let b): try b.writeZeroes(at: offset, length: length)
        }
    }

    public func discard(at offset: UInt64, length: UInt64) throws(BlockError) {
        switch storage {
        case .raw(let b): try b.discard(at: offset, length: length)
        case .snapshot(let b): try b.discard(at: offset, length: length)
        }
    }
}
