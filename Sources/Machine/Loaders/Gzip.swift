import CZlib

/// gzip decompression (RFC 1952) through zlib, for compressed kernels such as Debian's arm64
/// `vmlinuz`.
///
/// The output is capped: a damaged file or a deliberate gzip bomb stops with an error at the
/// cap instead of exhausting host memory.
enum Gzip {
    /// Whether `bytes` start with the gzip magic 1f 8b.
    static func isCompressed(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    private enum Outcome { case finished, tooLarge, truncated, failed(Int32) }

    /// The decompressed contents of the first gzip member of `bytes`, at most `limit` bytes.
    static func decompress(_ bytes: [UInt8], limit: UInt64, path: String) throws(LoaderError) -> [UInt8] {
        var stream = z_stream()
        // 16 + 15: a gzip wrapper (not zlib or raw deflate) with the largest window.
        guard inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw LoaderError(path: path, problem: .unsupported("zlib could not start decompressing"))
        }
        defer { inflateEnd(&stream) }

        let chunk = 1 << 20
        var output = [UInt8](repeating: 0, count: min(Int(clamping: limit), max(chunk, bytes.count * 4)))
        var produced = 0
        var input = bytes
        let outcome: Outcome = input.withUnsafeMutableBufferPointer { input in
            stream.next_in = input.baseAddress
            stream.avail_in = UInt32(input.count)
            while true {
                if produced == output.count {
                    guard UInt64(output.count) < limit else { return .tooLarge }
                    let grown = min(UInt64(output.count) * 2, limit)
                    output += [UInt8](repeating: 0, count: Int(grown) - output.count)
                }
                let room = min(output.count - produced, Int(UInt32.max))
                let result: Int32 = output.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = UInt32(room)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                produced += room - Int(stream.avail_out)
                switch result {
                case Z_STREAM_END: return .finished
                case Z_OK: continue
                case Z_BUF_ERROR where stream.avail_in == 0: return .truncated
                case Z_BUF_ERROR: continue    // only out of output room: grow and go on
                default: return .failed(result)
                }
            }
        }
        switch outcome {
        case .finished:
            output.removeLast(output.count - produced)
            return output
        case .tooLarge:
            throw LoaderError(path: path, problem: .decompressedTooLarge(limit: limit))
        case .truncated:
            throw LoaderError(path: path, problem: .truncated("the gzip stream ends early"))
        case let .failed(status):
            let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            throw LoaderError(path: path, problem: .corrupt("gzip data: \(message)"))
        }
    }
}
