#!/usr/bin/env bash
# What a newcomer waits for: the README's two commands, cold, in a fresh clone with an empty
# target directory. Command 1 is `cargo run --release -p accord -- demo`, run here with
# --no-serve so that it ends (its build, then the demo's run, timed apart); command 2 is
# `cargo test --workspace --release`, which reuses what command 1 compiled.
# Usage: scripts/bench-build.sh   (takes about half an hour on 2 cores; needs the network
# for crates.io on a machine that has never fetched them)
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone --quiet . "$work/accord"
cd "$work/accord"
unset CARGO_TARGET_DIR
echo "fresh clone of $(git rev-parse --short HEAD) in $work/accord, empty target directory, $(nproc) cores"
seconds() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.0f}')" "$1" "$2"; }

t0=$(seconds)
cargo build --release -p accord --quiet
t1=$(seconds)
cargo run --release -p accord --quiet -- demo --no-serve > "$work/demo.log" 2>&1
t2=$(seconds)
cargo test --workspace --release --quiet > "$work/test.log" 2>&1 || { tail -40 "$work/test.log"; exit 1; }
t3=$(seconds)
passed=$(grep -Eo '[0-9]+ passed' "$work/test.log" | awk '{s += $1} END {print s}')

echo "command 1, cargo run --release -p accord -- demo:"
echo "  build, cold        $(elapsed "$t0" "$t1") s"
echo "  the demo's run     $(elapsed "$t1" "$t2") s (250,000 people: generate, check, refresh, risk model, evaluation, MDT load)"
echo "command 2, cargo test --workspace --release, after command 1:"
echo "  build and tests    $(elapsed "$t2" "$t3") s ($passed tests passed)"
