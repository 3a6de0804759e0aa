#!/usr/bin/env bash
# Benchmark of the synthetic borough generator: wall time of `accord synth` (generate,
# write Parquet atomically, then re-check every row) for 250,000 and 1,000,000 people.
# Targets (issue 2): under 15 s and under 60 s on 2 cores. There is no peer to compare.
# Usage: scripts/bench-synth.sh [PERSONS...]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p accord
bin="${CARGO_TARGET_DIR:-target}/release/accord"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
echo "cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for persons in "${@:-250000 1000000}"; do
  for persons_one in $persons; do
    start=$(date +%s.%N)
    "$bin" synth --persons "$persons_one" --seed 42 --out "$out/b$persons_one" > /dev/null 2> "$out/log"
    end=$(date +%s.%N)
    bytes=$(du -sb "$out/b$persons_one" | cut -f1)
    printf 'synth %9d people: %6.2f s wall, %.0f MB on disk; %s\n' \
      "$persons_one" "$(echo "$end - $start" | bc)" "$(echo "$bytes / 1000000" | bc)" "$(grep '^generated' "$out/log")"
    rm -rf "$out/b$persons_one"
  done
done
