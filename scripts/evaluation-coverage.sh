#!/usr/bin/env bash
# Does the evaluation recover a planted effect? Synthetic boroughs with a true MDT effect of
# 0%, 12% and 25% fewer A&E attendances and emergency admissions in the year after a first
# MDT (social care cost unchanged), several seeds each. For every run: the matched estimate's
# 95% CI should cover the truth (1 - effect), the naive before/after should show a visibly
# larger fall, and with no effect the CI should cover 1. Prints one line per run and the
# coverage; fails if coverage of the truth falls below 80% for either outcome, if the naive
# before/after does not show a larger fall than the matched estimate in at least 80% of runs
# and by 0.05 on average (one run in many can land the other way: at 1,200 matched people
# the matched estimate's own SE is about 0.15 for emergency admissions), or if the mean
# matched estimate is more than 5% from the truth. The mean is taken on the log scale
# (the geometric mean), where the estimate and its interval are made: an estimate without
# bias there has an arithmetic mean above the truth by about half its variance (with the
# censoring weights' spread, 0.01-0.03 at 120,000 people), which is printed beside it.
# Usage: scripts/evaluation-coverage.sh [path to accord binary] [persons] [seeds]
#        (default: the release build, 120000 people, seeds 1 2 3)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/release/accord}"
persons="${2:-120000}"
seeds="${3:-1 2 3}"
[ -x "$bin" ] || { echo "FAIL: no accord binary at $bin"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for effect in 0 0.12 0.25; do
  for seed in $seeds; do
    "$bin" synth --persons "$persons" --seed "$seed" --out "$work/b" --force \
      --effect-ae "$effect" --effect-emergency "$effect" --effect-social-care-cost 0 > /dev/null 2>&1
    "$bin" evaluate --data "$work/b" --seed "$seed" --bootstrap 500 --no-placebo --json > "$work/e-$effect-$seed.json"
  done
done
python3 - "$work" "$seeds" <<'PY'
import json, math, pathlib, sys
work, seeds = pathlib.Path(sys.argv[1]), sys.argv[2].split()
failures, rows = [], {"ae_attendances": [], "emergency_admissions": []}
print(f"{'truth':>6} {'seed':>4} {'outcome':<22} {'matched':>7} {'matched ratio (95% CI)':<26} {'naive':>6} {'controls':>8} {'ITT':>6}  covers")
for effect in ["0", "0.12", "0.25"]:
    truth = 1 - float(effect)
    for seed in seeds:
        e = json.loads((work / f"e-{effect}-{seed}.json").read_text())
        for name in rows:
            o = next(o for o in e["outcomes"] if o["name"] == name)
            r = o["effect_ratio"]
            covers = r["lower"] <= truth <= r["upper"]
            rows[name].append((truth, r["estimate"], covers, o["naive_ratio"]["estimate"]))
            # The same matched sets followed as intention to treat, for reading beside it.
            itt = f"{o['effect_ratio_intention_to_treat']['estimate']:.3f}" if o.get("effect_ratio_intention_to_treat") else "-"
            print(f"{truth:>6.2f} {seed:>4} {name:<22} {e['attrition']['matched_treated']:>7} "
                  f"{r['estimate']:.3f} ({r['lower']:.3f} to {r['upper']:.3f})   {o['naive_ratio']['estimate']:>6.3f} "
                  f"{o['control_ratio']['estimate']:>8.3f} {itt:>6}  {'yes' if covers else 'NO'}")
            if o["naive_ratio"]["estimate"] >= r["estimate"]:
                print(f"  (here the naive before/after does not show a larger fall)")
for name, values in rows.items():
    coverage = sum(c for _, _, c, _ in values) / len(values)
    bias = math.exp(sum(math.log(est / truth) for truth, est, _, _ in values) / len(values)) - 1
    arithmetic = sum(est - truth for truth, est, _, _ in values) / len(values)
    gap = sum(est - naive for _, est, _, naive in values) / len(values)
    naive_lower = sum(naive < est for _, est, _, naive in values) / len(values)
    print(f"{name}: CI covered the truth in {coverage:.0%} of {len(values)} runs; geometric mean estimate / truth - 1 {bias:+.3f} (arithmetic mean - truth {arithmetic:+.3f}); "
          f"naive below the matched estimate in {naive_lower:.0%} of runs, by {gap:.3f} on average")
    if naive_lower < 0.8:
        failures.append(f"{name}: the naive before/after shows a larger fall in only {naive_lower:.0%} of runs")
    if gap < 0.05:
        failures.append(f"{name}: the naive before/after overstates the fall by only {gap:.3f} on average")
    if coverage < 0.8:
        failures.append(f"{name}: coverage {coverage:.0%}")
    if abs(bias) > 0.05:
        failures.append(f"{name}: mean bias {bias:+.3f}")
if failures:
    print("FAIL:", "; ".join(failures))
    sys.exit(1)
print("evaluation coverage: passed")
PY
