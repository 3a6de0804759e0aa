#!/usr/bin/env bash
# Load benchmark of the dashboard (issue 5): serves the 250,000-person demo snapshot with a
# release build and loads three routes over loopback: the THT overview, an indicator page,
# and an indicator's JSON. For each: `hey` at a fixed 300 requests per second (10
# connections × 30/s, 20 s) for p50/p99 latency, then `wrk` flat out (2 threads, 16
# connections, 10 s) for the most requests per second. Target: p99 under 25 ms at 300/s.
# The server and the load generator share the machine's cores.
# The borough and snapshot are cached under $HOME/.cache/accord/bench.
# Usage: scripts/bench-web.sh [PERSONS]   (default 250000)
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-250000}"
for tool in hey wrk; do
  command -v "$tool" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$tool" >/dev/null
done
cargo build --release --quiet -p accord
bin="${CARGO_TARGET_DIR:-target}/release/accord"
cache="$HOME/.cache/accord/bench"
data="$cache/borough-$persons"
snapshot="$cache/snapshot-$persons"
mkdir -p "$cache"
if [ ! -f "$data/dataset.toml" ]; then
  "$bin" synth --persons "$persons" --seed 42 --out "$data" --force > /dev/null 2>&1
fi
if ! "$bin" explain --snapshot "$snapshot" --list > /dev/null 2>&1; then
  "$bin" refresh --data "$data" --out "$snapshot" --json > /dev/null
fi
work="$(mktemp -d)"
"$bin" serve --snapshot "$snapshot" --port 0 > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
url=""
for _ in $(seq 1 100); do
  url="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.log" | head -1 || true)"
  [ -n "$url" ] && break
  sleep 0.2
done
[ -n "$url" ] || { cat "$work/serve.log"; exit 1; }
echo "cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); snapshot of $persons people"
printf '%-58s %10s %9s %9s %12s\n' route "rate (/s)" "p50 (ms)" "p99 (ms)" "max rate (/s)"
for route in /frameworks/tht /frameworks/islington/indicators/emergency_admissions /api/frameworks/islington/indicators/emergency_admissions; do
  curl -sf -o /dev/null "$url$route"
  hey -z 20s -c 10 -q 30 "$url$route" > "$work/hey.txt"
  rate=$(awk '/Requests\/sec:/ {print $2}' "$work/hey.txt")
  p50=$(awk '/ 50% in/ {print $3 * 1000}' "$work/hey.txt")
  p99=$(awk '/ 99% in/ {print $3 * 1000}' "$work/hey.txt")
  errors=$(awk '/^ *\[[0-9]+\][[:space:]]+[0-9]+ responses/ && !/\[200\]/ || /Error distribution/' "$work/hey.txt" | wc -l)
  [ "$errors" -eq 0 ] || { echo "non-200 answers:"; cat "$work/hey.txt"; exit 1; }
  max=$(wrk -t2 -c16 -d10s "$url$route" | awk '/Requests\/sec:/ {print $2}')
  printf '%-58s %10.1f %9.2f %9.2f %12.0f\n' "$route" "$rate" "$p50" "$p99" "$max"
done
