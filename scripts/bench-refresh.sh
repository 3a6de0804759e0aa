#!/usr/bin/env bash
# Benchmark of the indicator engine (issue 3): generate (or reuse) a synthetic borough,
# refresh every built-in framework with every breakdown on DataFusion, then run the same
# generated SQL program on the same Parquet files in DuckDB (Python package) in the same
# run, and print both times and the ratio; then the cached re-refresh after one framework
# changes (the snapshot it replaces reused for the other three). Targets (issue 35): full
# refresh under 2 s on 2 cores for 250,000 people, at most 0.8x DuckDB.
# Boroughs are cached under $HOME/.cache/accord/bench. Builds its own venv for DuckDB.
# Usage: scripts/bench-refresh.sh [PERSONS...]   (default: 250000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p accord
bin="${CARGO_TARGET_DIR:-target}/release/accord"
venv="${ACCORD_INTEROP_VENV:-$HOME/.cache/accord/venv-duckdb}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import duckdb" 2>/dev/null; then
  python3 -m venv "$venv" && "$venv/bin/pip" install --quiet "duckdb>=1.1"
fi
cache="$HOME/.cache/accord/bench"
mkdir -p "$cache"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "cores: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
for persons in ${@:-250000 1000000}; do
  data="$cache/borough-$persons"
  if [ ! -f "$data/dataset.toml" ]; then
    "$bin" synth --persons "$persons" --seed 42 --out "$data" --force > /dev/null 2>&1
  fi
  for run in 1 2 3; do
    start=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$work/peak" \
      "$bin" refresh --data "$data" --out "$work/snapshot" --no-reuse --emit-sql "$work/program.sql" --json > "$work/summary.json"
    end=$(date +%s.%N)
    printf 'accord refresh, %d people, run %d: %.2f s wall, peak %.2f GB\n' "$persons" "$run" \
      "$(echo "$end - $start" | bc)" "$(echo "$(cat "$work/peak") / 1048576" | bc -l)"
  done
  # One framework edited (a comment added: a new definition file, the same figures); the
  # other three and the population profile come from the snapshot being replaced.
  "$bin" framework list --show tht | sed '0,/^\[\[indicator\]\]/s//# edited\n[[indicator]]/' > "$work/tht.toml"
  start=$(date +%s.%N)
  "$bin" refresh --data "$data" --out "$work/snapshot" --framework "$work/tht.toml" \
    --framework islington --framework richmond --framework west_london --json > "$work/cached.json"
  end=$(date +%s.%N)
  reused=$(python3 -c 'import json, sys; print(", ".join(json.load(open(sys.argv[1]))["run"].get("reused", [])))' "$work/cached.json")
  printf 'accord refresh after editing one framework (tht), %d people: %.2f s wall; reused: %s\n' \
    "$persons" "$(echo "$end - $start" | bc)" "$reused"
  "$venv/bin/python" - "$data" "$work/program.sql" "$work/summary.json" "$persons" <<'PY'
import json, pathlib, sys, time
import duckdb

data, program, summary, persons = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
summary = json.loads(pathlib.Path(summary).read_text())
prov = summary["run"]
statements = [s.strip() for s in pathlib.Path(program).read_text().split(";\n\n") if s.strip()]

def duckdb_run():
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    for table in sorted(p.name for p in data.iterdir() if p.is_dir()):
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{data}/{table}/*.parquet')")
    start = time.perf_counter()
    slowest = []
    for sql in statements:
        t = time.perf_counter()
        con.execute(sql).fetchall()
        slowest.append((time.perf_counter() - t, sql.splitlines()[0]))
    return time.perf_counter() - start, sorted(slowest, reverse=True)[:5]

runs = [duckdb_run() for _ in range(3)]
duck, slowest = min(runs, key=lambda r: r[0])
ours = prov["query_seconds"]
print(f"{persons} people, {len(statements)} SQL statements ({len(summary['indicators'])} indicators, {len(summary['shared_tables'])} shared tables)")
print(f"  Accord refresh (DataFusion), whole refresh incl. statistics and writing: {prov['seconds']:.2f} s")
print(f"  Accord, time in the query engine:                                         {ours:.2f} s")
print(f"  DuckDB {duckdb.__version__}, same SQL, same Parquet files (best of 3):          {duck:.2f} s")
print(f"  ratio Accord query engine / DuckDB: {ours / duck:.2f}")
print("  slowest statements in DuckDB: " + "; ".join(f"{s:.2f} s {name}" for s, name in slowest))
top = sorted(summary["indicators"], key=lambda i: -i["query_seconds"])[:5]
print("  slowest indicators in DataFusion: " + "; ".join(f"{i['query_seconds']:.2f} s {i['framework']}/{i['id']}" for i in top))
PY
done
