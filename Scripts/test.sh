#!/usr/bin/env bash
# xemu's test command (README "Test"): builds the guest images the tests boot, then runs every
# test in release mode (guest-running tests are too slow in a debug build).
# Arguments are passed to `swift test`, e.g. Scripts/test.sh --scratch-path .build-mine
# Steps that must run before the Swift tests go above the last line.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

Images/build.sh

# The virtqueue engine under libFuzzer: 30 s per ring format (crash inputs land in
# Tests/VirtioTests/FuzzCrashes/, which the Swift tests replay).
Scripts/fuzz-virtqueue.sh 30

swift test -c release "$@"
