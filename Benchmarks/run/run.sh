#!/bin/bash
# `xemu run -- true` wall time beside the same run under qemu-system-riscv64, in one hyperfine run.
#
# Both emulators boot the same Debian kernel and busybox initramfs (Images/out/riscv64, the
# uncompressed initramfs.cpio that `xemu run` boots) with OpenSBI fw_dynamic.bin, and run the
# same script: xemu writes the cpio segment that carries the command (`xemu run
# --dump-run-archive`), and QEMU gets the initramfs with that segment appended, the current
# directory over virtio-9p with the same tag, three virtio consoles (the script's hvc0-hvc2) and
# the kernel command line xemu uses (RunCommand.kernelArguments, then quiet). The script loads the same modules, mounts the
# share, runs `true` and powers off through the SiFive test finisher on both.
#
#   Benchmarks/run/run.sh            (XEMU=path/to/xemu; default .build/release/xemu)
#   RUNS=n Benchmarks/run/run.sh     (hyperfine runs per command, default 5, after one warm-up)
#
# Prints hyperfine's summary and the ratio of the mean wall times (xemu / QEMU).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
images="$root/Images/out/riscv64"
xemu="${XEMU:-$root/.build/release/xemu}"
runs="${RUNS:-5}"

command -v hyperfine >/dev/null || { echo "missing hyperfine: apt-get install hyperfine" >&2; exit 1; }
command -v qemu-system-riscv64 >/dev/null || { echo "missing qemu-system-riscv64: apt-get install qemu-system-misc" >&2; exit 1; }
[[ -x $xemu ]] || { echo "no xemu at $xemu: swift build -c release (or set XEMU)" >&2; exit 1; }
for image in fw_dynamic.bin Image initramfs.cpio; do
    [[ -f $images/$image ]] || { echo "missing $images/$image: run Images/build.sh --only riscv64" >&2; exit 1; }
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/share"
cd "$scratch/share"

# The same command, shares and kernel command line for both.
"$xemu" run --board virt-riscv64 --dump-run-archive "$scratch/run.cpio" -- true
cp "$images/initramfs.cpio" "$scratch/initrd"
pad=$(( (4 - $(stat -c %s "$scratch/initrd") % 4) % 4 ))
head -c "$pad" /dev/zero >>"$scratch/initrd"
cat "$scratch/run.cpio" >>"$scratch/initrd"

qemu=(qemu-system-riscv64 -M virt -m 512M -smp 1 -display none -monitor none -serial none -nic none
    -bios "$images/fw_dynamic.bin" -kernel "$images/Image" -initrd "$scratch/initrd"
    -append "console=ttyS0 panic=-1 cryptomgr.notests initcall_blacklist=jent_mod_init,crypto_kdf108_init,check_unaligned_access_all_cpus quiet"
    -fsdev "local,id=share,path=$PWD,security_model=none" -device virtio-9p-device,fsdev=share,mount_tag=xemu0
    -device virtio-serial-device
    -chardev null,id=out -device virtconsole,chardev=out
    -chardev null,id=err -device virtconsole,chardev=err
    -chardev null,id=control -device virtconsole,chardev=control)

# Check both once: each must run the command and exit 0.
"$xemu" run --board virt-riscv64 --timeout 300 -- true || { echo "xemu run -- true failed" >&2; exit 1; }
timeout 300 "${qemu[@]}" </dev/null || { echo "the QEMU run failed" >&2; exit 1; }

quote() { printf '%q ' "$@"; }
hyperfine --warmup 1 --runs "$runs" --export-json "$scratch/results.json" \
    -n "xemu run -- true" "$(quote "$xemu" run --board virt-riscv64 --timeout 300 -- true)" \
    -n "qemu-system-riscv64, same guest and script" "$(quote timeout 300 "${qemu[@]}")"

python3 - "$scratch/results.json" <<'PY' 2>/dev/null || awk '/"mean"/ {gsub(/[",]/, ""); print}' "$scratch/results.json"
import json, sys
xemu, qemu = (r["mean"] for r in json.load(open(sys.argv[1]))["results"])
print(f"\nmean wall time: xemu {xemu:.2f} s, QEMU {qemu:.2f} s, ratio xemu/QEMU {xemu / qemu:.2f}")
PY
