#!/usr/bin/env bash
# Load benchmark of the MDT workflow (issue 6): a release build serves the MDT demo of the
# 250,000-person borough with three years of meetings (12 networks, about 13,000
# discussions) from SQLite and from PostgreSQL (127.0.0.1:5432, database `test`, its own
# schema). For a meeting's case list and a person's MDT page, signed in as the network's
# coordinator: `hey` at a fixed 100 requests per second (10 connections × 10/s, 15 s) for
# p50/p99 latency, then `wrk` flat out (2 threads, 16 connections, 10 s) for the most
# requests per second. Every request is a real person-level read: it checks the session,
# the role and the network, and appends its audit entries (one per person shown) in the
# same transaction. The server and the load generators share the machine's cores.
# The borough and model are cached under $HOME/.cache/accord/bench.
# Usage: scripts/bench-mdt.sh [PERSONS]   (default 250000)
set -euo pipefail
cd "$(dirname "$0")/.."
persons="${1:-250000}"
for tool in hey wrk sqlite3; do
  command -v "$tool" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$tool" >/dev/null
done
cargo build --release --quiet -p accord
bin="${CARGO_TARGET_DIR:-target}/release/accord"
cache="$HOME/.cache/accord/bench"
data="$cache/mdt-borough-$persons"
model="$cache/mdt-model-$persons"
mkdir -p "$cache"
if [ ! -f "$data/dataset.toml" ]; then
  "$bin" synth --persons "$persons" --seed 42 --years 4 --mdt-start 2023-04-01 --out "$data" --force > /dev/null 2>&1
fi
if [ ! -f "$model/model.json" ]; then
  "$bin" risk fit --data "$data" --out "$model" --json > /dev/null
fi
work="$(mktemp -d)"
server=""
schema="accord_bench_$$"
pg="postgres://postgres@127.0.0.1:5432/test"
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  psql "$pg" -q -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
echo "cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); borough of $persons people"
printf '%-11s %-34s %10s %9s %9s %13s\n' database route "rate (/s)" "p50 (ms)" "p99 (ms)" "max rate (/s)"

# Runs SQL on the benchmark database and prints the one value it returns.
value() {
  if [ "$1" = SQLite ]; then sqlite3 "$work/mdt.sqlite" "$2"; else psql "$pg" -Atq -c "SET search_path TO $schema; $2" | tail -1; fi
}

for backend in SQLite PostgreSQL; do
  if [ "$backend" = SQLite ]; then
    url_db="sqlite://$work/mdt.sqlite?mode=rwc"
  else
    if ! psql "$pg" -q -c "CREATE SCHEMA $schema" >/dev/null 2>&1; then
      echo "SKIPPED: PostgreSQL at $pg is not reachable"; continue
    fi
    url_db="$pg?options=-c%20search_path%3D$schema"
  fi
  load_start=$(date +%s.%N)
  "$bin" mdt demo-load --data "$data" --model "$model" --database "$url_db" --json > "$work/load.json"
  load_s=$(echo "$(date +%s.%N) - $load_start" | bc)
  discussions=$(value "$backend" "SELECT COUNT(*) FROM discussion")
  networks=$(value "$backend" "SELECT COUNT(*) FROM network")
  meetings=$(value "$backend" "SELECT COUNT(*) FROM meeting WHERE status = 'held'")
  echo "$backend: demo loaded in ${load_s%???????} s: $networks networks, $meetings meetings held, $discussions discussions"
  # The biggest case list of network N01's meetings, and its most-discussed person.
  meeting=$(value "$backend" "SELECT m.id FROM meeting m JOIN network n ON n.id = m.network_id JOIN case_item c ON c.meeting_id = m.id WHERE n.code = 'N01' GROUP BY m.id ORDER BY COUNT(*) DESC, m.id LIMIT 1")
  person=$(value "$backend" "SELECT d.person_id FROM discussion d JOIN person p ON p.id = d.person_id JOIN network n ON n.id = p.network_id WHERE n.code = 'N01' GROUP BY d.person_id ORDER BY COUNT(*) DESC, d.person_id LIMIT 1")
  "$bin" mdt serve --database "$url_db" --port 0 > "$work/serve.log" 2>&1 &
  server=$!
  url=""
  for _ in $(seq 1 100); do
    url="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.log" | head -1 || true)"
    [ -n "$url" ] && break
    sleep 0.2
  done
  [ -n "$url" ] || { cat "$work/serve.log"; exit 1; }
  token=$(curl -sf -D "$work/h1" "$url/mdt/sign-in" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"$//')
  curl -s -o /dev/null -D "$work/h2" -H "Cookie: accord_sign_in=$token" \
    --data "csrf=$token&next=/mdt&username=coordinator.n01&password=accord-demo-2026" "$url/mdt/sign-in"
  session=$(grep -io 'set-cookie: accord_session=[0-9a-f]*' "$work/h2" | head -1 | sed 's/.*=//')
  [ -n "$session" ] || { echo "could not sign in"; cat "$work/h2"; exit 1; }
  cookie="Cookie: accord_session=$session"
  for route in "/mdt/meetings/$meeting" "/mdt/people/$person"; do
    status=$(curl -s -o "$work/page.html" -w '%{http_code}' -H "$cookie" "$url$route")
    [ "$status" = 200 ] || { echo "$route answered $status"; cat "$work/page.html"; exit 1; }
    hey -z 15s -c 10 -q 10 -H "$cookie" "$url$route" > "$work/hey.txt"
    if grep -q "Error distribution" "$work/hey.txt" || grep -E '^\s+\[[0-9]+\]' "$work/hey.txt" | grep -vq '\[200\]'; then
      echo "non-200 answers:"; cat "$work/hey.txt"; exit 1
    fi
    rate=$(awk '/Requests\/sec:/ {print $2}' "$work/hey.txt")
    p50=$(awk '/ 50% in/ {print $3 * 1000}' "$work/hey.txt")
    p99=$(awk '/ 99% in/ {print $3 * 1000}' "$work/hey.txt")
    max=$(wrk -t2 -c16 -d10s -H "$cookie" "$url$route" | awk '/Requests\/sec:/ {print $2}')
    cases=""
    [[ "$route" == /mdt/meetings/* ]] && cases=" ($(grep -o 'section class="panel"' "$work/page.html" | wc -l) on the list)"
    printf '%-11s %-34s %10.1f %9.2f %9.2f %13.0f\n' "$backend" "$route$cases" "$rate" "$p50" "$p99" "$max"
  done
  entries=$(value "$backend" "SELECT COUNT(*) FROM audit_log")
  echo "$backend: $entries audit entries written during the run"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
done
