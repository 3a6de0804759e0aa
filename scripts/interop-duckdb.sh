#!/usr/bin/env bash
# Interoperability with the tools partnerships use: DuckDB reads an Accord dataset and gets
# the manifest's row counts and the same totals; then DuckDB writes the tables back out as a
# warehouse would (signed BIGINT keys, its own Parquet writer, several files per table), and
# `accord dataset seal` accepts that export and reads the same figures, and `accord refresh`
# of it gives every figure of the original exactly.
# Builds its own venv (cached under $HOME/.cache/accord). If DuckDB cannot be installed the
# script says so loudly and exits 0: the interop check is skipped, not failed.
# Usage: scripts/interop-duckdb.sh [path to accord binary]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/release/accord}"
venv="${ACCORD_INTEROP_VENV:-$HOME/.cache/accord/venv-duckdb}"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import duckdb" 2>/dev/null; then
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet "duckdb>=1.1"; }; then
    echo "SKIPPED: interop with DuckDB (could not install the duckdb package into $venv)"
    exit 0
  fi
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" synth --persons 4000 --seed 3 --out "$work/accord" --json > "$work/accord.json"
"$venv/bin/python" - "$work" "$bin" <<'PY'
import json, subprocess, sys, pathlib, tomllib
import duckdb

work = pathlib.Path(sys.argv[1]); accord = sys.argv[2]
manifest = tomllib.loads((work / "accord" / "dataset.toml").read_text())
con = duckdb.connect()
passed = failed = 0
def check(name, ok, detail=""):
    global passed, failed
    passed += ok; failed += not ok
    print(("ok   " if ok else "FAIL ") + name + (f": {detail}" if detail else ""))

tables = sorted({f["table"] for f in manifest["file"]})
for table in tables:
    expected = sum(f["rows"] for f in manifest["file"] if f["table"] == table)
    got = con.execute(f"select count(*) from read_parquet('{work}/accord/{table}/*.parquet')").fetchone()[0]
    check(f"duckdb reads {table}", got == expected, f"{got} rows, manifest says {expected}")

original = json.loads((work / "accord.json").read_text())
cost = con.execute(f"select sum(cost_gbp) from read_parquet('{work}/accord/activity/*.parquet')").fetchone()[0]
check("activity cost agrees", abs(cost - original["activity_cost_gbp"]) < 0.01, f"duckdb {cost:.2f}, accord {original['activity_cost_gbp']:.2f}")

# Export as a warehouse would: signed keys, DuckDB's writer, activity split over files.
export = work / "export"
for table in tables:
    (export / table).mkdir(parents=True)
    cols = [d[0] for d in con.execute(f"select * from read_parquet('{work}/accord/{table}/*.parquet') limit 0").description]
    select = ", ".join(f"cast({c} as bigint) as {c}" if c in ("person_id", "activity_id", "respondent_id") else c for c in cols)
    source = f"read_parquet('{work}/accord/{table}/*.parquet')"
    if table == "activity":
        con.execute(f"copy (select {select} from {source} where activity_id % 2 = 0) to '{export}/{table}/even.parquet' (format parquet)")
        con.execute(f"copy (select {select} from {source} where activity_id % 2 = 1) to '{export}/{table}/odd.parquet' (format parquet)")
    else:
        con.execute(f"copy (select {select} from {source}) to '{export}/{table}/data.parquet' (format parquet)")

sealed = subprocess.run([accord, "dataset", "seal", str(export), "--extract-date", "2026-03-31", "--json"], capture_output=True, text=True)
check("accord seals the DuckDB export", sealed.returncode == 0, sealed.stderr.strip())
if sealed.returncode == 0:
    report = json.loads(sealed.stdout)
    for key in ["people", "deaths", "registered_at_extract", "practices", "activity_first", "activity_last"]:
        check(f"sealed {key} agrees", report[key] == original[key], f"{report[key]} vs {original[key]}")
    check("sealed activity cost agrees", abs(report["activity_cost_gbp"] - original["activity_cost_gbp"]) < 0.01)
    checked = subprocess.run([accord, "dataset", "check", str(export)], capture_output=True, text=True)
    check("the sealed export checks again", checked.returncode == 0, checked.stderr.strip())
    # DuckDB marks every column nullable: the export must refresh to the very same figures.
    for name, data in (("accord", work / "accord"), ("export", export)):
        refreshed = subprocess.run([accord, "refresh", "--data", str(data), "--out", str(work / f"snapshot-{name}"), "--json"], capture_output=True, text=True)
        check(f"accord refreshes the {name} dataset", refreshed.returncode == 0, refreshed.stderr.strip()[-400:])
    for file in ("results.parquet", "inequality.parquet"):
        a, b = work / "snapshot-accord" / file, work / "snapshot-export" / file
        if a.exists() and b.exists():
            rows = con.execute(f"select count(*) from read_parquet('{a}')").fetchone()[0]
            # Person-time is summed in whatever order the engine's threads finish: compare
            # numbers to six decimal places, everything else exactly.
            described = con.execute(f"describe select * from read_parquet('{a}')").fetchall()
            columns = ", ".join(f'round("{c}", 6) as "{c}"' if t == "DOUBLE" else f'"{c}"' for c, t, *_ in described)
            differ = sum(con.execute(f"select count(*) from (select {columns} from read_parquet('{x}') except all select {columns} from read_parquet('{y}'))").fetchone()[0] for x, y in ((a, b), (b, a)))
            check(f"every figure of {file} is the same from the export", rows > 0 and differ == 0, f"{rows} rows, {differ} differ")

print(f"interop: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
