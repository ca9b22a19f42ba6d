#!/bin/sh
# xemu compute benchmark: builds compute.c natively and for bare-metal riscv64 (virt board),
# runs native, qemu-system-riscv64 and xemu (when built; --jit interp and --jit auto) side by side
# with hyperfine, checks that every checksum agrees, and prints wall time, guest MIPS, ratios to
# QEMU and native, and the LLVM tier's statistics (regions, compile latency median/p99, compile
# share of wall time) from one --jit-stats run.
#
#   Benchmarks/compute/run.sh                 (XEMU=path/to/xemu to pick a binary; default:
#                                              .build/release/xemu if present)
#   ROUNDS=n RUNS=n Benchmarks/compute/run.sh  (workload scale, default 64; timed runs, default 5)
#
# Guest MIPS uses the exact instruction count of the workload, measured once under QEMU with
# -icount (QEMU's instret otherwise counts host ticks); the program is deterministic, so the
# count is the same on every emulator.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
guest="$root/Tests/GuestPrograms/riscv64"
out="${OUT:-$root/.build-bench/compute}"
rounds="${ROUNDS:-64}"
runs="${RUNS:-5}"
xemu="${XEMU:-$root/.build/release/xemu}"
mkdir -p "$out"

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing $1: apt-get install $2" >&2; exit 1; }; }
need riscv64-linux-gnu-gcc gcc-riscv64-linux-gnu
need qemu-system-riscv64 qemu-system-misc
need hyperfine hyperfine
need python3 python3
need cc gcc

cc -O2 -DROUNDS="$rounds" -o "$out/compute-native" "$here/compute.c"
riscv64-linux-gnu-gcc -O2 -DROUNDS="$rounds" -DBARE_METAL -march=rv64gc -mabi=lp64d -mcmodel=medany \
    -ffreestanding -fno-pic -no-pie -nostdlib -nostartfiles -static -T "$guest/runtime/link.ld" \
    -I"$guest/runtime" -Wl,--build-id=none -Wl,--no-warn-rwx-segments \
    "$guest/runtime/start.S" "$guest/runtime/runtime.c" "$here/compute.c" -o "$out/compute-riscv64.elf"

qemu="qemu-system-riscv64 -M virt -bios none -display none -monitor none -serial stdio -kernel $out/compute-riscv64.elf"
checksum() { grep '^checksum' | awk '{print $2}'; }

native_sum=$("$out/compute-native" | checksum)
qemu_sum=$($qemu </dev/null | checksum)
instructions=$(qemu-system-riscv64 -M virt -bios none -display none -monitor none -serial stdio -icount shift=0 \
    -kernel "$out/compute-riscv64.elf" </dev/null | grep '^instret' | awk '{print $2}')
[ "$native_sum" = "$qemu_sum" ] || { echo "checksum mismatch: native $native_sum, qemu $qemu_sum" >&2; exit 1; }

status=0
set -- --runs "$runs" --warmup 1 --export-json "$out/results.json" \
    -n native "$out/compute-native" \
    -n qemu "$qemu </dev/null"
if [ -x "$xemu" ]; then
    for tier in interp auto; do
        xemu_cmd="$xemu --board virt-riscv64 --bios none --kernel $out/compute-riscv64.elf --serial stdio --jit $tier"
        xemu_sum=$($xemu_cmd --jit-stats </dev/null 2>"$out/jit-stats-$tier.txt" | checksum || true)
        if [ "$xemu_sum" = "$native_sum" ]; then
            set -- "$@" -n "xemu-$tier" "$xemu_cmd </dev/null"
        else
            echo "xemu --jit $tier printed checksum '$xemu_sum', native $native_sum: not timed" >&2
            status=1
        fi
    done
else
    echo "(no xemu at $xemu: set XEMU=... or build with swift build -c release)" >&2
fi
hyperfine --style basic "$@" >/dev/null

python3 - "$out/results.json" "$instructions" "$native_sum" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
instructions = int(sys.argv[2])
native = results["native"]["mean"]
qemu = results["qemu"]["mean"]
print(f"checksum {sys.argv[3]} (agrees); {instructions} guest instructions (exact, from QEMU -icount)")
print(f"{'runner':12} {'wall s':>9} {'± s':>7} {'guest MIPS':>11} {'vs QEMU':>8} {'vs native':>10}")
for name in ("native", "qemu", "xemu-interp", "xemu-auto"):
    if name not in results:
        continue
    r = results[name]
    mips = "-" if name == "native" else f"{instructions / r['mean'] / 1e6:.0f}"
    print(f"{name:12} {r['mean']:9.3f} {r['stddev']:7.3f} {mips:>11} {r['mean'] / qemu:7.2f}x {r['mean'] / native:9.2f}x")
PY
if [ -s "$out/jit-stats-auto.txt" ]; then
    echo "xemu --jit auto, one untimed run with --jit-stats:"
    sed 's/^/  /' "$out/jit-stats-auto.txt"
fi
exit $status
