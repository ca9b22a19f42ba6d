#if canImport(Glibc)
import Glibc
#endif
import VirtioDriver

/// libFuzzer entry point: every input is one run of `VirtqueueFuzzHarness`.
/// `XEMU_FUZZ_FORMAT=split|packed` pins the ring format (the script fuzzes each in turn).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzVirtqueue(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    if VirtqueueFuzzHarness.forcedFormat == nil, let format = getenv("XEMU_FUZZ_FORMAT") {
        VirtqueueFuzzHarness.forcedFormat = String(cString: format) == "packed"
    }
    guard let data else { return 0 }
    VirtqueueFuzzHarness.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
