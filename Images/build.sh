#!/usr/bin/env bash
# Builds xemu's guest images into Images/out/ from Debian packages, without root and without
# touching the system's apt sources or dpkg configuration:
#
#   riscv64/  fw_jump.bin fw_dynamic.bin (OpenSBI)  u-boot.bin (S-mode)  Image  initramfs.cpio.gz
#             initramfs.cpio (the same archive uncompressed: `xemu run`'s default guest)
#             hello.elf (bare-metal test program from Images/src)
#   arm64/    u-boot.bin  Image  initramfs.cpio.gz
#   x86_64/   bzImage  initramfs.cpio.gz
#   disk.ext4 (32 MiB ext4 holding hello.txt and hello.sha256)
#
# Firmware comes from the host's packages (opensbi, u-boot-qemu). Kernels and busybox come from
# Debian: riscv64 from Debian 13 (trixie; Debian 12 has no riscv64), arm64 and amd64 from
# Debian 12 (bookworm). They are fetched with a private apt state (its own sources list, lists
# and cache, and the target architecture given to apt directly), so neither /etc/apt nor dpkg's
# architecture list changes. Downloads are cached under ~/.cache/xemu/ keyed by a hash of the
# recipe (suite, architecture, package names, this script's RECIPE_VERSION).
#
# Idempotent: each part records the hash of its recipe (this script and the files it builds
# from); a part whose outputs exist and whose recipe is unchanged is skipped.
#
# Usage: Images/build.sh [--only riscv64|arm64|x86_64|disk]...
set -euo pipefail

readonly RECIPE_VERSION=1
readonly IMAGES=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly OUT=$IMAGES/out
readonly CACHE=${XEMU_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/xemu}
readonly ALL_PARTS=(riscv64 arm64 x86_64 disk)
readonly STARTED=$SECONDS

say() { printf '==> %s\n' "$*"; }
fail() { printf 'Images/build.sh: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

parts=()
while (($#)); do
    case $1 in
        --only)
            (($# >= 2)) || fail "--only needs a part: ${ALL_PARTS[*]}"
            [[ " ${ALL_PARTS[*]} " == *" $2 "* ]] || fail "unknown part '$2' (known: ${ALL_PARTS[*]})"
            parts+=("$2")
            shift 2
            ;;
        -h | --help) usage; exit 0 ;;
        *) fail "unknown argument '$1' (usage: Images/build.sh [--only ${ALL_PARTS[*]// /|}])" ;;
    esac
done
((${#parts[@]})) || parts=("${ALL_PARTS[@]}")

# --- host requirements -----------------------------------------------------------------------

# require_command COMMAND PACKAGE: fails naming the Debian package when COMMAND is missing.
require_command() {
    command -v "$1" >/dev/null 2>&1 && return 0
    [[ -x /usr/sbin/$1 || -x /sbin/$1 ]] && return 0
    fail "missing host package '$2' (command '$1' not found; install it with Scripts/setup.sh or apt-get install $2)"
}

# require_package PACKAGE: fails when the Debian package is not installed.
require_package() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed' ||
        fail "missing host package '$1' (install it with Scripts/setup.sh or apt-get install $1)"
}

# package_file PACKAGE PATTERN: the one file of an installed package whose path matches PATTERN.
package_file() {
    local path
    path=$(dpkg -L "$1" | grep -E "$2" | head -n 1)
    [[ -n $path && -f $path ]] || fail "package '$1' has no file matching '$2'"
    printf '%s\n' "$path"
}

export PATH=$PATH:/usr/sbin:/sbin
require_command apt-get apt
require_command dpkg-deb dpkg
require_command sha256sum coreutils
require_command gzip gzip
require_command cpio cpio
require_command xz xz-utils
require_command zstd zstd
require_command depmod kmod
require_command modprobe kmod

# --- private apt -------------------------------------------------------------------------------

debian_mirror() {
    if [[ -n ${XEMU_DEBIAN_MIRROR:-} ]]; then
        printf '%s\n' "$XEMU_DEBIAN_MIRROR"
    elif [[ -f /etc/apt/sources.list.d/debian.sources ]] &&
        grep -m1 -E '^URIs:.*/debian/?$' /etc/apt/sources.list.d/debian.sources >/dev/null; then
        grep -m1 -E '^URIs:.*/debian/?$' /etc/apt/sources.list.d/debian.sources | awk '{print $2}'
    elif [[ -f /etc/apt/sources.list ]] && grep -m1 -E '^deb .*/debian/? ' /etc/apt/sources.list >/dev/null; then
        grep -m1 -E '^deb .*/debian/? ' /etc/apt/sources.list | sed -E 's/^deb (\[[^]]*\] )?([^ ]+).*/\2/'
    else
        printf '%s\n' http://deb.debian.org/debian
    fi
}
MIRROR=$(debian_mirror)
readonly MIRROR
readonly KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# private_apt SUITE ARCH COMMAND ARGS...: apt-get/apt-cache over a private state for SUITE/ARCH.
private_apt() {
    local suite=$1 arch=$2 tool=$3
    shift 3
    local state=$CACHE/apt/$suite-$arch
    "$tool" -q \
        -o Dir::Etc::sourcelist="$state/sources.list" -o Dir::Etc::sourceparts=/dev/null \
        -o Dir::State::Lists="$state/lists" -o Dir::Cache="$state/cache" \
        -o Dir::State::status=/dev/null -o Debug::NoLocking=1 \
        -o APT::Architecture="$arch" -o APT::Architectures="$arch" \
        -o APT::Sandbox::User="$(id -un)" "$@"
}

# fetch_debs SUITE ARCH PACKAGE...: downloads the packages (a linux-image-ARCH metapackage is
# followed to the versioned kernel package it depends on) and sets DEB_DIR to their folder.
fetch_debs() {
    local suite=$1 arch=$2
    shift 2
    local key
    key=$(printf '%s\n' "$RECIPE_VERSION" "$MIRROR" "$suite" "$arch" "$@" | sha256sum | cut -c1-16)
    DEB_DIR=$CACHE/debs/$suite-$arch-$key
    if [[ -f $DEB_DIR/.complete ]]; then
        say "$suite/$arch packages: cached in $DEB_DIR"
        return 0
    fi
    [[ -f $KEYRING ]] || fail "missing host package 'debian-archive-keyring' ($KEYRING not found)"
    local state=$CACHE/apt/$suite-$arch
    mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
    printf 'deb [arch=%s signed-by=%s] %s %s main\n' "$arch" "$KEYRING" "$MIRROR" "$suite" >"$state/sources.list"
    say "$suite/$arch packages: updating a private package list"
    # apt's output goes to a log, shown only on failure: the host's own apt hooks (which may
    # try to clean the system's cache) are noise here.
    private_apt "$suite" "$arch" apt-get update >"$state/apt.log" 2>&1 ||
        { cat "$state/apt.log" >&2; fail "apt-get update for $suite/$arch failed (network or mirror $MIRROR)"; }
    local wanted=() package real
    for package in "$@"; do
        if [[ $package == linux-image-* ]]; then
            real=$(private_apt "$suite" "$arch" apt-cache depends "$package" |
                awk '/Depends: linux-image-/ {print $2; exit}')
            [[ -n $real ]] || fail "cannot find the kernel package that $package ($suite/$arch) depends on"
            package=$real
        fi
        wanted+=("$package")
    done
    say "$suite/$arch packages: downloading ${wanted[*]}"
    rm -rf "$DEB_DIR.partial"
    mkdir -p "$DEB_DIR.partial"
    (cd "$DEB_DIR.partial" && private_apt "$suite" "$arch" apt-get download "${wanted[@]}" >"$state/apt.log" 2>&1) ||
        { cat "$state/apt.log" >&2; fail "downloading ${wanted[*]} ($suite/$arch) failed"; }
    touch "$DEB_DIR.partial/.complete"
    rm -rf "$DEB_DIR"
    mv "$DEB_DIR.partial" "$DEB_DIR"
}

# --- parts ---------------------------------------------------------------------------------------

# recipe_hash FILE...: the hash of this script and the files a part is built from.
recipe_hash() {
    cat "${BASH_SOURCE[0]}" "$@" | sha256sum | cut -c1-16
}

# begin_part DIR HASH FILE...: returns 1 (skip) when DIR was built from this recipe and still
# holds every FILE; otherwise empties DIR for a fresh build.
begin_part() {
    local dir=$1 hash=$2 file complete=yes
    shift 2
    for file in "$@"; do
        [[ -f $dir/$file ]] || complete=no
    done
    if [[ $complete == yes && -f $dir/.recipe && $(cat "$dir/.recipe") == "$hash" ]]; then
        return 1
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
}

# extract_debs DEST: unpacks every .deb of DEB_DIR into DEST.
extract_debs() {
    local dest=$1 deb
    rm -rf "$dest"
    mkdir -p "$dest"
    for deb in "$DEB_DIR"/*.deb; do
        dpkg-deb -x "$deb" "$dest"
    done
}

# kernel_tree ROOT: sets MODULE_BASE (the depmod base) and KERNEL_VERSION for an unpacked kernel.
kernel_tree() {
    local root=$1 dir
    for dir in "$root/usr/lib/modules" "$root/lib/modules"; do
        if [[ -d $dir ]]; then
            KERNEL_VERSION=$(ls "$dir" | head -n 1)
            MODULE_BASE=${dir%/lib/modules}
            return 0
        fi
    done
    fail "no lib/modules in the unpacked kernel package"
}

# strip_signature MODULE: drops the signature Debian appends to each module (its key id, then
# the signature, a 12-byte module_signature with the signature's length in its last 4 bytes
# big-endian, then "~Module signature appended~\n"). The kernel loads unsigned modules, since
# Debian's kernels do not force signatures, and checking each signature costs an emulated guest
# seconds per boot.
strip_signature() {
    local module=$1 marker='~Module signature appended~' size length
    [[ $(tail -c 28 "$module" | head -c 27) == "$marker" ]] || return 0
    size=$(stat -c %s "$module")
    length=$(tail -c 32 "$module" | head -c 4 | od -An -tu1 | awk '{print $1 * 16777216 + $2 * 65536 + $3 * 256 + $4}')
    ((length > 0 && length + 40 < size)) || fail "$module: malformed module signature"
    truncate -s $((size - 40 - length)) "$module"
}

# add_modules ROOT DEST: copies the modules of Images/rootfs/modules.txt with their
# dependencies, decompressed and without signatures, into DEST/lib/modules and writes their
# load order there.
add_modules() {
    local root=$1 dest=$2 name line path file
    kernel_tree "$root"
    depmod -b "$MODULE_BASE" "$KERNEL_VERSION"
    mkdir -p "$dest/lib/modules"
    : >"$dest/lib/modules/load-order"
    while read -r name; do
        [[ -z $name || $name == \#* ]] && continue
        modprobe -d "$MODULE_BASE" -S "$KERNEL_VERSION" --show-depends "$name" >"$dest/.deps" 2>/dev/null ||
            fail "kernel $KERNEL_VERSION has no module '$name' (Images/rootfs/modules.txt)"
        while read -r line; do
            [[ $line == insmod\ * ]] || continue
            path=$(awk '{print $2}' <<<"$line")
            file=$(basename "$path")
            file=${file%.xz}
            file=${file%.zst}
            grep -qxF "$file" "$dest/lib/modules/load-order" && continue
            case $path in
                *.xz) xz -dc "$path" >"$dest/lib/modules/$file" ;;
                *.zst) zstd -qdc "$path" >"$dest/lib/modules/$file" ;;
                *) cp "$path" "$dest/lib/modules/$file" ;;
            esac
            strip_signature "$dest/lib/modules/$file"
            printf '%s\n' "$file" >>"$dest/lib/modules/load-order"
        done <"$dest/.deps"
    done <"$IMAGES/rootfs/modules.txt"
    rm -f "$dest/.deps"
}

# newc_entry INODE MODE MAJOR MINOR NAME: one header-only cpio newc entry (a directory or a
# device node), so /dev/console exists before /init runs without creating a device node on
# the host (which needs root).
newc_entry() {
    local name=$5 size=$((${#5} + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        "$1" "$2" 0 0 1 0 0 0 0 "$3" "$4" "$size" 0
    printf '%s\0' "$name"
    local pad=$(((4 - (110 + size) % 4) % 4))
    ((pad == 0)) || head -c "$pad" /dev/zero
}

# make_initramfs UNPACKED DEST_FILE WITH_MODULES: busybox, /init and (optionally) modules as a
# gzip'd newc cpio.
make_initramfs() {
    local unpacked=$1 output=$2 with_modules=$3
    local root=$unpacked.initramfs busybox
    rm -rf "$root"
    mkdir -p "$root/bin"
    busybox=$unpacked/usr/bin/busybox
    [[ -f $busybox ]] || busybox=$unpacked/bin/busybox
    [[ -f $busybox ]] || fail "busybox-static has no busybox binary"
    cp "$busybox" "$root/bin/busybox"
    install -m 0755 "$IMAGES/rootfs/init" "$root/init"
    # busybox builds differ in where udhcpc looks for its script: install it in both places.
    install -D -m 0755 "$IMAGES/rootfs/udhcpc.script" "$root/usr/share/udhcpc/default.script"
    install -D -m 0755 "$IMAGES/rootfs/udhcpc.script" "$root/etc/udhcpc/default.script"
    mkdir -p "$root/etc"
    if [[ $with_modules == yes ]]; then
        add_modules "$unpacked" "$root"
    fi
    {
        newc_entry 1 $((0040755)) 0 0 dev
        newc_entry 2 $((0020600)) 5 1 dev/console
        newc_entry 0 0 0 0 'TRAILER!!!'
        (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --owner=0:0 --quiet)
    } | gzip -9n >"$output.tmp"
    mv "$output.tmp" "$output"
    rm -rf "$root"
}

build_riscv64() {
    local dir=$OUT/riscv64 work=$OUT/.work/riscv64
    require_package opensbi
    require_package u-boot-qemu
    require_command riscv64-linux-gnu-gcc gcc-riscv64-linux-gnu
    if ! begin_part "$dir" "$(recipe_hash "$IMAGES"/rootfs/* "$IMAGES"/src/hello-riscv64.*)" \
        fw_jump.bin fw_dynamic.bin u-boot.bin hello.elf Image initramfs.cpio.gz initramfs.cpio; then
        say "riscv64: up to date"
        return 0
    fi
    say "riscv64: firmware from the host's opensbi and u-boot-qemu"
    cp "$(package_file opensbi '/generic/fw_jump\.bin$')" "$dir/fw_jump.bin"
    cp "$(package_file opensbi '/generic/fw_dynamic\.bin$')" "$dir/fw_dynamic.bin"
    cp "$(package_file u-boot-qemu '/qemu-riscv64_smode/u-boot\.bin$')" "$dir/u-boot.bin"

    say "riscv64: hello.elf from Images/src/hello-riscv64.S"
    riscv64-linux-gnu-gcc -nostdlib -static -no-pie -Wl,--build-id=none -march=rv64imac_zicsr -mabi=lp64 \
        -mcmodel=medany -T "$IMAGES/src/hello-riscv64.ld" -o "$dir/hello.elf" "$IMAGES/src/hello-riscv64.S"
    if command -v qemu-system-riscv64 >/dev/null; then
        local output
        output=$(timeout 30 qemu-system-riscv64 -M virt -bios none -nographic -monitor none \
            -kernel "$dir/hello.elf" </dev/null) || fail "hello.elf did not power off cleanly under QEMU"
        [[ $output == *"Hello from xemu (riscv64 bare metal)"* ]] || fail "hello.elf printed '$output' under QEMU"
        say "riscv64: hello.elf checked under QEMU"
    fi

    fetch_debs trixie riscv64 linux-image-riscv64 busybox-static
    say "riscv64: unpacking the kernel and busybox"
    extract_debs "$work"
    local kernel
    kernel=$(ls "$work"/boot/vmlinux-* 2>/dev/null | head -n 1)
    [[ -n $kernel ]] || fail "the riscv64 kernel package has no boot/vmlinux-*"
    cp "$kernel" "$dir/Image"
    say "riscv64: initramfs with busybox and modules"
    make_initramfs "$work" "$dir/initramfs.cpio.gz" yes
    # Unpacking the gzip'd archive costs the guest kernel about 0.2 G instructions (Debian's
    # riscv64 modules are 13 of its 15 MB), a tenth of a boot under emulation; `xemu run`
    # boots on every command, so it loads the archive uncompressed.
    gzip -dc "$dir/initramfs.cpio.gz" >"$dir/initramfs.cpio"
    rm -rf "$work"
    recipe_hash "$IMAGES"/rootfs/* "$IMAGES"/src/hello-riscv64.* >"$dir/.recipe"
}

build_arm64() {
    local dir=$OUT/arm64 work=$OUT/.work/arm64
    require_package u-boot-qemu
    if ! begin_part "$dir" "$(recipe_hash "$IMAGES"/rootfs/*)" u-boot.bin Image initramfs.cpio.gz; then
        say "arm64: up to date"
        return 0
    fi
    say "arm64: U-Boot from the host's u-boot-qemu"
    cp "$(package_file u-boot-qemu '/qemu_arm64/u-boot\.bin$')" "$dir/u-boot.bin"
    fetch_debs bookworm arm64 linux-image-arm64 busybox-static
    say "arm64: unpacking the kernel and busybox"
    extract_debs "$work"
    local kernel
    kernel=$(ls "$work"/boot/vmlinuz-* 2>/dev/null | head -n 1)
    [[ -n $kernel ]] || fail "the arm64 kernel package has no boot/vmlinuz-*"
    # Debian's arm64 vmlinuz is a plain Image in some releases and a gzip'd one in others.
    if [[ $(head -c 2 "$kernel" | od -An -tx1 | tr -d ' ') == 1f8b ]]; then
        gzip -dc "$kernel" >"$dir/Image"
    else
        cp "$kernel" "$dir/Image"
    fi
    [[ $(tail -c +57 "$dir/Image" | head -c 4) == ARMd ]] || fail "the arm64 kernel is not an arm64 Image (no ARMd magic)"
    say "arm64: initramfs with busybox and modules"
    make_initramfs "$work" "$dir/initramfs.cpio.gz" yes
    rm -rf "$work"
    recipe_hash "$IMAGES"/rootfs/* >"$dir/.recipe"
}

build_x86_64() {
    local dir=$OUT/x86_64 work=$OUT/.work/x86_64
    if ! begin_part "$dir" "$(recipe_hash "$IMAGES"/rootfs/*)" bzImage initramfs.cpio.gz; then
        say "x86_64: up to date"
        return 0
    fi
    fetch_debs bookworm amd64 linux-image-amd64 busybox-static
    say "x86_64: unpacking the kernel and busybox"
    extract_debs "$work"
    local kernel
    kernel=$(ls "$work"/boot/vmlinuz-* 2>/dev/null | head -n 1)
    [[ -n $kernel ]] || fail "the amd64 kernel package has no boot/vmlinuz-*"
    cp "$kernel" "$dir/bzImage"
    say "x86_64: initramfs with busybox and modules"
    make_initramfs "$work" "$dir/initramfs.cpio.gz" yes
    rm -rf "$work"
    recipe_hash "$IMAGES"/rootfs/* >"$dir/.recipe"
}

build_disk() {
    local stamp=$OUT/.disk.recipe hash staging=$OUT/.work/disk
    require_command mke2fs e2fsprogs
    hash=$(recipe_hash)
    if [[ -f $OUT/disk.ext4 && -f $stamp && $(cat "$stamp") == "$hash" ]]; then
        say "disk: up to date"
        return 0
    fi
    say "disk: disk.ext4 (32 MiB ext4 with hello.txt and hello.sha256)"
    rm -rf "$staging"
    mkdir -p "$staging"
    printf 'Hello from the xemu test disk.\n' >"$staging/hello.txt"
    (cd "$staging" && sha256sum hello.txt >hello.sha256)
    rm -f "$OUT/disk.ext4"
    mke2fs -q -F -t ext4 -L xemu-test -d "$staging" "$OUT/disk.ext4.tmp" 32M >/dev/null
    mv "$OUT/disk.ext4.tmp" "$OUT/disk.ext4"
    rm -rf "$staging"
    printf '%s\n' "$hash" >"$stamp"
}

mkdir -p "$OUT"
for part in "${parts[@]}"; do
    "build_$part"
done
rm -rf "$OUT/.work"
say "done in $((SECONDS - STARTED)) s: ${parts[*]} in ${OUT#"$PWD"/}"
