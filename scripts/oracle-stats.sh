#!/usr/bin/env bash
# accord-stats against OHID's PHStatsMethods (the Python port of PHEindicatormethods; GPL,
# used here only as a test-time oracle) on 2,000 random cases: Wilson proportions, crude
# rates (exact and Byar's), means (Student's t) and DSRs (Dobson, ESP 2013), at 95% and 99.8%.
# Builds its own venv (cached under $HOME/.cache/accord). If the packages cannot be
# installed the script says so loudly and exits 0: the oracle check is skipped, not failed.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${ACCORD_ORACLE_VENV:-$HOME/.cache/accord/venv-oracle}"
if ! "$venv/bin/python" -c "import PHStatsMethods, scipy" 2>/dev/null; then
  if ! { python3 -m venv "$venv" && "$venv/bin/pip" install --quiet "PHStatsMethods==0.1.16" scipy pandas; }; then
    echo "SKIPPED: oracle check of accord-stats (could not install PHStatsMethods into $venv)"
    exit 0
  fi
fi
cargo build --quiet -p accord-stats --example oracle
"$venv/bin/python" - "${CARGO_TARGET_DIR:-target}/debug/examples/oracle" <<'PY'
import json, subprocess, sys, warnings
import numpy as np, pandas as pd
from PHStatsMethods import confidence_intervals as ci
from PHStatsMethods.DSR import ph_dsr
warnings.simplefilter("ignore")

rng = np.random.default_rng(20261125)
esp = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000]
cases, expected = [], []
for i in range(2000):
    conf = [0.95, 0.998][i % 2]
    kind = ["proportion", "rate", "mean", "dsr"][(i // 2) % 4]
    if kind == "proportion":
        n = int(rng.integers(1, 5000)); x = int(rng.integers(0, n + 1))
        cases.append({"kind": kind, "x": x, "n": n, "confidence": conf})
        expected.append((x / n, ci.wilson_lower(x, n, conf), ci.wilson_upper(x, n, conf)))
    elif kind == "rate":
        n = float(rng.integers(1, 100000)); x = int(rng.choice([rng.integers(0, 10), rng.integers(10, 5000)]))
        cases.append({"kind": kind, "x": x, "n": n, "confidence": conf})
        if x < 10:
            lo, up = (0.0 if x == 0 else ci.exact_lower(x, conf)), ci.exact_upper(x, conf)
        else:
            lo, up = ci.byars_lower(x, conf), ci.byars_upper(x, conf)
        expected.append((x / n * 1e5, lo / n * 1e5, up / n * 1e5))
    elif kind == "mean":
        values = list(rng.normal(50, 15, int(rng.integers(2, 60))))
        cases.append({"kind": kind, "values": values, "confidence": conf})
        m = float(np.mean(values)); half = ci.student_t_dist(len(values), float(np.std(values, ddof=1)), conf)
        expected.append((m, m - half, m + half))
    else:
        pops = [float(p) for p in rng.integers(50, 5000, 19)]
        counts = [float(c) for c in rng.poisson(np.array(pops) * rng.uniform(0.0005, 0.05))]
        cases.append({"kind": kind, "counts": counts, "pops": pops, "confidence": conf})
        df = pd.DataFrame({"area": "a", "num": counts, "denom": pops, "esp": esp})
        out = ph_dsr(df, "num", "denom", "esp", group_cols="area", euro_standard_pops=False, confidence=conf)
        row = out.iloc[0]
        lower = row.filter(like="lower").iloc[0]; upper = row.filter(like="upper").iloc[0]
        expected.append(None if pd.isna(row["Value"]) else (row["Value"], lower, upper))

run = subprocess.run([sys.argv[1]], input=json.dumps(cases), capture_output=True, text=True, check=True)
got = json.loads(run.stdout)
passed = failed = 0
for case, want, have in zip(cases, expected, got):
    if want is None or have is None:
        ok = want is None and have is None
    else:
        ok = "error" not in have and all(abs(have[k] - w) <= 1e-9 * max(1.0, abs(w)) for k, w in zip(["value", "lower", "upper"], want))
    passed += ok; failed += not ok
    if not ok and failed <= 10:
        print("FAIL", case["kind"], case.get("x"), case.get("n"), case["confidence"], "expected", want, "got", have)
print(f"oracle: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
