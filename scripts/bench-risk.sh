#!/usr/bin/env bash
# Benchmark of the risk model (issue 4): on a generated (or cached) borough, time Accord's
# dataset read, then feature extraction + fit + scoring (development cohort, temporal
# validation cohort, the 75/25 refit and every model-card measure), as `accord risk fit`
# reports them; then scikit-learn's LogisticRegression without penalty (C=inf) and statsmodels'
# Logit fitting the same development matrix (exported by Accord), in the same run, and the
# ratio. Target: features, fit and scoring under 3 s on 2 cores for 250,000 people.
# Boroughs are cached under $HOME/.cache/accord/bench. Builds its own venv.
# Usage: scripts/bench-risk.sh [PERSONS...]   (default: 250000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p accord
bin="${CARGO_TARGET_DIR:-target}/release/accord"
venv="${ACCORD_RISK_VENV:-$HOME/.cache/accord/venv-risk}"
if ! "$venv/bin/python" -c "import statsmodels, sklearn, pandas" 2>/dev/null; then
  python3 -m venv "$venv" && "$venv/bin/pip" install --quiet statsmodels scikit-learn pandas
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
  "$bin" risk fit --data "$data" --out "$work/model" --export "$work/matrix" --json > /dev/null
  for run in 1 2 3; do
    "$bin" risk fit --data "$data" --out "$work/model" --json > "$work/fit-$run.json"
  done
  "$venv/bin/python" - "$work" "$persons" <<'PY'
import json, pathlib, sys, time
import numpy as np, pandas as pd
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression

work, persons = pathlib.Path(sys.argv[1]), int(sys.argv[2])
fits = [json.loads((work / f"fit-{r}.json").read_text()) for r in (1, 2, 3)]
best = min(fits, key=lambda f: f["timings"]["total_seconds"])
card = best["card"]
dev = pd.read_csv(work / "matrix" / "development.csv")
X = dev.drop(columns=["outcome", "accord_predicted"]).to_numpy(float)
y = dev["outcome"].to_numpy(float)
def timed(fn):
    runs = []
    for _ in range(3):
        t = time.perf_counter(); fn(); runs.append(time.perf_counter() - t)
    return min(runs)
sk = timed(lambda: LogisticRegression(C=np.inf, fit_intercept=False, solver="newton-cholesky", tol=1e-8, max_iter=1000).fit(X, y))
sk_lbfgs = timed(lambda: LogisticRegression(C=np.inf, fit_intercept=False, solver="lbfgs", max_iter=5000).fit(X, y))
smt = timed(lambda: sm.Logit(y, X).fit(method="newton", disp=0))
ours = best["timings"]["total_seconds"]
fit_only = best["timings"]["fit_seconds"]
print(f"{persons} people in the borough; development cohort {card['development']['n']} registered, validation cohort {card['temporal']['n'] if card['temporal'] else 0}; {X.shape[1]} columns")
loads = ", ".join(f"{f['timings']['load_seconds']:.2f}" for f in fits)
trains = ", ".join(f"{f['timings']['total_seconds']:.2f}" for f in fits)
print(f"  Accord: read the dataset                                   {best['timings']['load_seconds']:.2f} s (runs: {loads})")
print(f"  Accord: features, fits, scoring and every card measure     {ours:.2f} s (runs: {trains})")
print(f"  Accord: of which development features {best['timings']['features_seconds']:.2f} s, development fit {fit_only:.2f} s")
print(f"  scikit-learn newton-cholesky fit of the development matrix {sk:.2f} s (lbfgs {sk_lbfgs:.2f} s)")
print(f"  statsmodels Logit (Newton) fit of the same matrix          {smt:.2f} s")
print(f"  ratio Accord fit / scikit-learn fit, same matrix:          {fit_only / sk:.2f}")
print(f"  Accord read + features + fits + scoring + card:            {best['timings']['load_seconds'] + ours:.2f} s (target 3 s)")
auc = card["temporal"]["auc"] if card["temporal"] else card["split"]["auc"]
print(f"  validation AUC {auc['auc']:.3f} ({auc['lower']:.3f} to {auc['upper']:.3f})")
PY
done
