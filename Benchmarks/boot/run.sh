#!/bin/bash
# xemu boot benchmark: wall time from start to a console marker on virt-riscv64, for xemu
# (--jit interp and --jit auto) and for qemu-system-riscv64 (TCG) with the same images, side by
# side, with the ratio xemu auto/QEMU.
#
#   u-boot: OpenSBI fw_jump.bin + U-Boot qemu-riscv64_smode until the "=> " prompt (this
#           includes U-Boot's 2 s autoboot countdown on both emulators)
#   kernel: OpenSBI fw_dynamic.bin + Debian's kernel + busybox initramfs until "XEMU-INIT: ready"
#
#   Benchmarks/boot/run.sh            (XEMU=path/to/xemu; default .build/release/xemu)
#   RUNS=n Benchmarks/boot/run.sh     (runs per cell, default 3; the median is reported)
#
# Each run starts the emulator with its console on a file, polls the file every 20 ms for the
# marker and stops the emulator when it appears. Images come from Images/build.sh --only riscv64.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
images="$root/Images/out/riscv64"
xemu="${XEMU:-$root/.build/release/xemu}"
runs="${RUNS:-3}"
limit="${LIMIT:-300}"

command -v qemu-system-riscv64 >/dev/null || { echo "missing qemu-system-riscv64: apt-get install qemu-system-misc" >&2; exit 1; }
[[ -x $xemu ]] || { echo "no xemu at $xemu: swift build -c release (or set XEMU)" >&2; exit 1; }
for image in fw_jump.bin fw_dynamic.bin u-boot.bin Image initramfs.cpio.gz; do
    [[ -f $images/$image ]] || { echo "missing $images/$image: run Images/build.sh --only riscv64" >&2; exit 1; }
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
append='console=ttyS0 xemu.cmd="exit 0"'

# time_to MARKER COMMAND...: seconds until MARKER appears in COMMAND's output (or "timeout").
time_to() {
    local marker=$1
    shift
    local log="$scratch/console.log"
    : >"$log"
    local start
    start=$(date +%s.%N)
    "$@" </dev/null >"$log" 2>&1 &
    local pid=$!
    local result=timeout
    while kill -0 "$pid" 2>/dev/null; do
        if grep -qF -- "$marker" "$log"; then
            result=$(echo "$(date +%s.%N) - $start" | bc)
            break
        fi
        if (($(echo "$(date +%s.%N) - $start > $limit" | bc))); then break; fi
        sleep 0.02
    done
    if [[ $result == timeout ]] && grep -qF -- "$marker" "$log"; then result=$(echo "$(date +%s.%N) - $start" | bc); fi
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "$result"
}

# median of the arguments ("timeout" if any run timed out).
median() {
    for v in "$@"; do [[ $v == timeout ]] && { echo timeout; return; }; done
    printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%.2f", a[int((NR+1)/2)]}'
}

measure() { # NAME MARKER -- XEMU_ARGS... -- QEMU_ARGS...
    local name=$1 marker=$2
    shift 3
    local xargs=() qargs=()
    while [[ $1 != -- ]]; do xargs+=("$1"); shift; done
    shift
    qargs=("$@")
    local xs=() as=() qs=()
    for ((i = 0; i < runs; i++)); do
        xs+=("$(time_to "$marker" "$xemu" "${xargs[@]}" --jit interp)")
        as+=("$(time_to "$marker" "$xemu" "${xargs[@]}" --jit auto)")
        qs+=("$(time_to "$marker" qemu-system-riscv64 "${qargs[@]}")")
    done
    local x a q ratio
    x=$(median "${xs[@]}")
    a=$(median "${as[@]}")
    q=$(median "${qs[@]}")
    if [[ $a == timeout || $q == timeout ]]; then ratio=n/a; else ratio=$(echo "scale=2; $a / $q" | bc); fi
    printf '| %-34s | %8s | %8s | %8s | %6s |\n' "$name" "$x" "$a" "$q" "$ratio"
}

qemu_common=(-M virt -m 512M -smp 1 -display none -monitor none -serial stdio -nic none)
echo "virt-riscv64 boot, median of $runs runs (seconds of wall time)"
echo
printf '| %-34s | %8s | %8s | %8s | %6s |\n' "boot" "interp" "auto" "QEMU" "auto/QEMU"
printf '|%s|%s|%s|%s|%s|\n' "------------------------------------" "----------" "----------" "----------" "--------"
measure "OpenSBI + U-Boot to \"=>\"" '=> ' \
    -- --board virt-riscv64 --bios "$images/fw_jump.bin" --kernel "$images/u-boot.bin" \
    -- "${qemu_common[@]}" -bios "$images/fw_jump.bin" -kernel "$images/u-boot.bin"
measure "Debian kernel to XEMU-INIT: ready" "XEMU-INIT: ready" \
    -- --board virt-riscv64 --bios "$images/fw_dynamic.bin" --kernel "$images/Image" \
       --initrd "$images/initramfs.cpio.gz" --append "$append" \
    -- "${qemu_common[@]}" -bios "$images/fw_dynamic.bin" -kernel "$images/Image" \
       -initrd "$images/initramfs.cpio.gz" -append "$append"
