#!/usr/bin/env bash
# Fuzzes the virtqueue engine with libFuzzer for SECONDS per ring format (split, then packed).
# Crash inputs are kept in Tests/VirtioTests/FuzzCrashes/, which FuzzRegressionTests replays.
# Usage: Scripts/fuzz-virtqueue.sh SECONDS     (CI: 60)
set -euo pipefail
seconds="${1:?usage: $0 SECONDS}"
root="$(cd "$(dirname "$0")/.." && pwd)"
crashes="$root/Tests/VirtioTests/FuzzCrashes"
corpus="$root/Fuzz/corpus"
mkdir -p "$crashes" "$corpus/split" "$corpus/packed"

cd "$root/Fuzz"
swift build -c release --sanitize=fuzzer --scratch-path "$root/Fuzz/.build" --product VirtqueueFuzz
fuzzer="$(swift build -c release --sanitize=fuzzer --scratch-path "$root/Fuzz/.build" --show-bin-path)/VirtqueueFuzz"

for format in split packed; do
    echo "== fuzzing the $format ring for ${seconds}s"
    SWIFT_BACKTRACE=enable=no XEMU_FUZZ_FORMAT="$format" "$fuzzer" "$corpus/$format" \
        -max_total_time="$seconds" -max_len=70000 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$crashes/$format-" -print_final_stats=1
done
