#!/usr/bin/env bash
# Does the evaluation recover a planted effect? Synthetic boroughs with a true MDT effect of
# 0%, 12% and 25% fewer A&E attendances and emergency admissions in the year after a first
# MDT (social care cost unchanged), several seeds each. For every run: the matched estimate's
# 95% CI should cover the truth (1 - effect), the naive before/after should overstate the
# fall (a ratio below the truth: regression to the mean), and with no effect the CI should
# cover 1. Prints one line per run and the coverage; fails if coverage of the truth falls
# below 80% for either outcome, if the naive ratio is below the truth in fewer than 80% of
# runs or its mean overstatement is not clear of zero (more than twice its standard error
# over boroughs, the runs of one borough moving together), or if the mean matched estimate
# is more than 5% from the truth. How far the naive ratio overstates depends on how the
# cohort was picked: the synthetic boroughs' case finding weighs emergency admissions 0.9
# and A&E attendances 0.25, so the fall it invents is about 19% for the first and 3% for the
# second. Beside it, for reading: how often and by how much the naive ratio is below the
# matched estimate (one run in several can land the other way for A&E attendances, whose
# matched estimate's own SE at 1,200 matched people is twice that 3%). The mean is taken on the log scale
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
            rows[name].append((truth, r["estimate"], covers, o["naive_ratio"]["estimate"], seed))
            # The same matched sets followed as intention to treat, for reading beside it.
            itt = f"{o['effect_ratio_intention_to_treat']['estimate']:.3f}" if o.get("effect_ratio_intention_to_treat") else "-"
            print(f"{truth:>6.2f} {seed:>4} {name:<22} {e['attrition']['matched_treated']:>7} "
                  f"{r['estimate']:.3f} ({r['lower']:.3f} to {r['upper']:.3f})   {o['naive_ratio']['estimate']:>6.3f} "
                  f"{o['control_ratio']['estimate']:>8.3f} {itt:>6}  {'yes' if covers else 'NO'}")
            if o["naive_ratio"]["estimate"] >= r["estimate"]:
                print(f"  (here the naive before/after does not show a larger fall)")
for name, values in rows.items():
    coverage = sum(v[2] for v in values) / len(values)
    bias = math.exp(sum(math.log(est / truth) for truth, est, *_ in values) / len(values)) - 1
    arithmetic = sum(est - truth for truth, est, *_ in values) / len(values)
    gap = sum(est - naive for _, est, _, naive, _ in values) / len(values)
    naive_lower = sum(naive < est for _, est, _, naive, _ in values) / len(values)
    # The naive ratio's overstatement of the fall (truth - naive), averaged per borough first:
    # the three effects of one borough share its people, so boroughs are the independent units.
    by_seed = {}
    for truth, _, _, naive, seed in values:
        by_seed.setdefault(seed, []).append(truth - naive)
    means = [sum(g) / len(g) for g in by_seed.values()]
    over = sum(means) / len(means)
    over_se = (sum((m - over) ** 2 for m in means) / (len(means) - 1) / len(means)) ** 0.5 if len(means) > 1 else float("inf")
    naive_below_truth = sum(naive < truth for truth, _, _, naive, _ in values) / len(values)
    print(f"{name}: CI covered the truth in {coverage:.0%} of {len(values)} runs; geometric mean estimate / truth - 1 {bias:+.3f} (arithmetic mean - truth {arithmetic:+.3f}); "
          f"naive below the truth in {naive_below_truth:.0%} of runs, overstating the fall by {over:.3f} (SE {over_se:.3f} over {len(means)} boroughs); "
          f"naive below the matched estimate in {naive_lower:.0%} of runs, by {gap:.3f} on average")
    if naive_below_truth < 0.8:
        failures.append(f"{name}: the naive before/after is below the truth in only {naive_below_truth:.0%} of runs")
    if not over > 2 * over_se:
        failures.append(f"{name}: the naive before/after overstates the fall by {over:.3f}, not clear of its SE {over_se:.3f}")
    if coverage < 0.8:
        failures.append(f"{name}: coverage {coverage:.0%}")
    if abs(bias) > 0.05:
        failures.append(f"{name}: mean bias {bias:+.3f}")
if failures:
    print("FAIL:", "; ".join(failures))
    sys.exit(1)
print("evaluation coverage: passed")
PY
