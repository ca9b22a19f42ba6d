#!/usr/bin/env bash
# Installs the Debian packages that building and testing xemu needs (Scripts/host-packages.txt).
# Does nothing when all of them are installed already. Uses sudo when not run as root.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' Scripts/host-packages.txt)

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
    echo "==> host packages: all ${#packages[@]} installed"
else
    sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || { echo "Scripts/setup.sh: run as root or install sudo" >&2; exit 1; }
        sudo=(sudo)
    fi
    echo "==> host packages: installing ${missing[*]}"
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v swift >/dev/null; then
    echo "Scripts/setup.sh: no 'swift' on PATH; install the Swift 6.3 toolchain from https://www.swift.org/install/" >&2
    exit 1
fi
