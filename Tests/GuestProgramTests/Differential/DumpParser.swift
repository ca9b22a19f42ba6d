/// Reads the per-case dumps a differential program prints: a "CASE" line, then one 16-digit
/// hex line per entry of `DifferentialProgram.dumpNames`.
enum DumpParser {
    /// The dumps found in `output`, in order; a truncated last case is dropped.
    static func cases(in output: String) -> [[UInt64]] {
        let lines = output.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
        let count = DifferentialProgram.dumpNames.count
        var result: [[UInt64]] = []
        var index = 0
        while index < lines.count {
            guard lines[index] == "CASE" else {
                index += 1
                continue
            }
            let values = lines[(index + 1)..<min(index + 1 + count, lines.count)].compactMap { UInt64($0, radix: 16) }
            guard values.count == count else { break }
            result.append(values)
            index += 1 + count
        }
        return result
    }

    /// The first entry where two dumps differ, described for a failure message.
    static func firstMismatch(_ reference: [UInt64], _ candidate: [UInt64], referenceName: String, candidateName: String) -> String? {
        for (index, name) in DifferentialProgram.dumpNames.enumerated() where reference[index] != candidate[index] {
            return "\(name): \(referenceName) 0x\(String(reference[index], radix: 16)) vs \(candidateName) 0x\(String(candidate[index], radix: 16))"
        }
        return nil
    }
}
