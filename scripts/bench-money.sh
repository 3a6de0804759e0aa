#!/usr/bin/env bash
# Benchmark of money (issue 36): `accord money` on a synthetic borough with its synthetic
# contract register (spend by every breakdown, contracts, concentration, capitation and
# shadow budgets for both built-in plans), beside the same spend aggregations in DuckDB
# (Python package) on the same Parquet files and register, in the same run, as a ratio.
# Target: spend and budgets for 250,000 people in under 1 s beyond the refresh.
#
# What each side does:
# - Accord: opens and checks the dataset and loads person histories (printed apart, as the
#   refresh does this already and issue 34 will share it), then costs every row of two
#   years, matches each to its contract (provider, setting, day, age), assigns every person
#   to their practice, age band, quintile and segment of four segment models for each year,
#   and sums every breakdown, the concentration curve, capitation and shadow budgets.
# - DuckDB: costs the same rows, matches each to its first contract by the same rules (a
#   join to the register and a window), takes each person's practice on the first day
#   registered in the budget year, and sums spend by provider, contract, setting, month,
#   network, practice, age band and IMD quintile, and the concentration curve. It does not
#   evaluate segment models, capitation or shadow budgets, so the ratio flatters DuckDB.
# Boroughs are cached under $HOME/.cache/accord/bench. Builds its own venv for DuckDB.
# Usage: scripts/bench-money.sh [PERSONS...]   (default: 250000)
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
for persons in ${@:-250000}; do
  data="$cache/borough-$persons"
  if [ ! -f "$data/dataset.toml" ]; then
    "$bin" synth --persons "$persons" --seed 42 --out "$data" --force > /dev/null 2>&1
  fi
  "$bin" contracts synth --data "$data" --out "$work/contracts.csv" > /dev/null
  best_load=999; best_compute=999
  for run in 1 2 3; do
    "$bin" money --data "$data" --contracts "$work/contracts.csv" > "$work/money.txt" 2> "$work/timing.txt"
    line=$(grep -o 'loaded in [0-9.]* s, spend and budgets computed in [0-9.]* s' "$work/timing.txt")
    load=$(echo "$line" | awk '{print $3}'); compute=$(echo "$line" | awk '{print $10}')
    printf 'accord money, %d people, run %d: dataset and histories %.2f s, money %.2f s\n' "$persons" "$run" "$load" "$compute"
    best_load=$(echo "if ($load < $best_load) $load else $best_load" | bc)
    best_compute=$(echo "if ($compute < $best_compute) $compute else $best_compute" | bc)
  done
  total=$(grep -o 'spend £[0-9,.]*' "$work/money.txt" | head -1)
  "$venv/bin/python" - "$data" "$work/contracts.csv" "$persons" "$best_load" "$best_compute" "$total" <<'PY'
import pathlib, sys, time
import duckdb

data, register, persons = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
load, compute, accord_total = float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
units = {"ae": 18000, "apc_nel": 220000, "apc_el": 160000, "op": 14500, "gp": 4200, "community": 5500, "mh": 15000}
unit_case = "CASE setting " + " ".join(f"WHEN '{k}' THEN {v}" for k, v in units.items()) + " ELSE 0 END"
SQL = f"""
CREATE OR REPLACE TEMP TABLE costed AS
SELECT a.activity_id, a.person_id, a.provider_code, a.setting, a.start_date,
       CASE WHEN a.cost_gbp > 0 THEN CAST(round(a.cost_gbp * 100) AS BIGINT) ELSE {unit_case} END AS pence,
       date_diff('year', p.birth_month, a.start_date)
         - CASE WHEN strftime(a.start_date, '%m%d') < strftime(p.birth_month, '%m%d') THEN 1 ELSE 0 END AS age_then
FROM activity a JOIN person p USING (person_id)
WHERE a.start_date BETWEEN DATE '2025-04-01' AND DATE '2026-03-31';

CREATE OR REPLACE TEMP TABLE matched AS
SELECT c.*, m.contract_id
FROM costed c LEFT JOIN (
  SELECT activity_id, contract_id FROM (
    SELECT c.activity_id, r.contract_id,
           row_number() OVER (PARTITION BY c.activity_id ORDER BY r.line) AS k
    FROM costed c JOIN register r
      ON r.provider_code = c.provider_code
     AND list_contains(r.services, c.setting)
     AND c.start_date BETWEEN r.start_date AND r.end_date
     AND c.age_then >= r.min_age AND c.age_then <= r.max_age)
  WHERE k = 1) m USING (activity_id);

CREATE OR REPLACE TEMP TABLE assigned AS
SELECT person_id, practice_code, network_id, age_band, quintile FROM (
  SELECT r.person_id, r.practice_code, pr.network_id,
         least(floor(date_diff('year', p.birth_month, greatest(r.start_date, DATE '2025-04-01')) / 5), 17) AS age_band,
         (p.imd_decile + 1) // 2 AS quintile,
         row_number() OVER (PARTITION BY r.person_id ORDER BY r.start_date) AS k
  FROM registration r JOIN person p USING (person_id) JOIN practice pr USING (practice_code)
  WHERE r.start_date <= DATE '2026-03-31' AND coalesce(r.end_date, DATE '9999-12-31') >= DATE '2025-04-01')
WHERE k = 1;

SELECT 'provider' AS b, provider_code AS g, sum(pence) FROM matched GROUP BY ALL
UNION ALL SELECT 'contract', coalesce(contract_id, 'none'), sum(pence) FROM matched GROUP BY ALL
UNION ALL SELECT 'setting', setting, sum(pence) FROM matched GROUP BY ALL
UNION ALL SELECT 'month', strftime(start_date, '%Y-%m'), sum(pence) FROM matched GROUP BY ALL
UNION ALL SELECT 'network', coalesce(network_id, 'none'), sum(pence) FROM matched LEFT JOIN assigned USING (person_id) GROUP BY ALL
UNION ALL SELECT 'practice', coalesce(practice_code, 'none'), sum(pence) FROM matched LEFT JOIN assigned USING (person_id) GROUP BY ALL
UNION ALL SELECT 'age_band', coalesce(CAST(age_band AS VARCHAR), 'none'), sum(pence) FROM matched LEFT JOIN assigned USING (person_id) GROUP BY ALL
UNION ALL SELECT 'quintile', coalesce(CAST(quintile AS VARCHAR), 'none'), sum(pence) FROM matched LEFT JOIN assigned USING (person_id) GROUP BY ALL;

WITH spend AS (
  SELECT a.person_id, coalesce(sum(m.pence), 0) AS pence FROM assigned a LEFT JOIN matched m USING (person_id) GROUP BY ALL),
ranked AS (SELECT pence, row_number() OVER (ORDER BY pence DESC) AS k, count(*) OVER () AS n, sum(pence) OVER () AS total FROM spend)
SELECT p, sum(pence) / any_value(total) FROM ranked, (VALUES (1), (2), (5), (10), (20), (50)) t(p)
WHERE k <= ceil(n * p / 100.0) GROUP BY p ORDER BY p;
"""

def run():
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    for table in sorted(p.name for p in data.iterdir() if p.is_dir()):
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{data}/{table}/*.parquet')")
    con.execute(f"""
        CREATE TEMP TABLE register AS
        SELECT row_number() OVER () AS line, contract_id, provider_code, string_split(services, ';') AS services,
               CAST(start_date AS DATE) AS start_date, CAST(end_date AS DATE) AS end_date,
               CASE WHEN population LIKE 'age %+' THEN CAST(regexp_extract(population, 'age (\\d+)', 1) AS INT)
                    WHEN population LIKE 'age %-%' THEN CAST(regexp_extract(population, 'age (\\d+)-', 1) AS INT) ELSE 0 END AS min_age,
               CASE WHEN population LIKE 'age %-%' THEN CAST(regexp_extract(population, '-(\\d+)', 1) AS INT) ELSE 200 END AS max_age
        FROM read_csv('{register}', header = true, all_varchar = true)""")
    start = time.perf_counter()
    out = None
    for statement in [s for s in SQL.split(";\n") if s.strip()]:
        out = con.execute(statement).fetchall()
    elapsed = time.perf_counter() - start
    total = con.execute("SELECT sum(pence) FROM matched").fetchone()[0]
    return elapsed, total

runs = [run() for _ in range(3)]
duck, total = min(runs)
print(f"{persons} people")
print(f"  Accord: dataset opened and checked, histories loaded: {load:.2f} s (best of 3; the refresh does this too)")
print(f"  Accord: money (every breakdown, 4 segment models, contracts, capitation, 2 plans' shadow budgets): {compute:.2f} s")
print(f"  DuckDB {duckdb.__version__}, spend by 8 breakdowns + concentration, same Parquet and register, 2 threads: {duck:.2f} s")
print(f"  ratio Accord money / DuckDB: {compute / duck:.2f}")
print(f"  the year's spend: Accord {accord_total.replace('spend ', '')}; DuckDB £{total / 100:,.2f}")
PY
done
