#!/usr/bin/env bash
# Benchmark of `accord evaluate` (issue 7): on a generated (or cached) borough, the whole
# evaluation with its default 1,000 bootstrap resamples and the placebo run, with the time of
# each step as the command reports it. Target: under 5 s on 2 cores for 250,000 people.
# There is no peer that runs the same pipeline; the matching step alone is checked against
# MatchIt in scripts/oracle-evaluation.sh. Boroughs are cached under $HOME/.cache/accord/bench.
# Usage: scripts/bench-evaluation.sh [PERSONS...]   (default: 250000)
#        MDT_NEW_PER_100K=361.5 scripts/bench-evaluation.sh   (five times seed 004's MDT volume;
#        the case-finding pool caps how many are discussed)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p accord
bin="${CARGO_TARGET_DIR:-target}/release/accord"
cache="$HOME/.cache/accord/bench"
mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for persons in ${@:-250000}; do
  data="$cache/borough-$persons${MDT_NEW_PER_100K:+-mdt$MDT_NEW_PER_100K}"
  if [ ! -f "$data/dataset.toml" ]; then
    "$bin" synth --persons "$persons" --seed 42 --out "$data" --force \
      ${MDT_NEW_PER_100K:+--mdt-new-per-100k "$MDT_NEW_PER_100K"} > /dev/null 2>&1
  fi
  "$bin" risk fit --data "$data" --out "$work/model" --json > /dev/null
  start=$(date +%s.%N)
  "$bin" evaluate --data "$data" --risk-model "$work/model" --json > "$work/e.json"
  end=$(date +%s.%N)
  python3 - "$work/e.json" "$persons" "$start" "$end" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
wall = float(sys.argv[4]) - float(sys.argv[3])
a = e["attrition"]
print(f"{int(sys.argv[2]):,} people: {a['treated']['discussed']:,} discussed, {a['control_pool_rows']:,} control person-months, {a['matched_treated']:,} matched")
for t in e["timings"]:
    print(f"  {t['step']:<52} {t['seconds']:6.2f} s")
steps = sum(t["seconds"] for t in e["timings"])
print(f"  {'all steps':<52} {steps:6.2f} s (wall {wall:.2f} s including start-up; target 5 s)")
PY
done
