#!/usr/bin/env bash
# What do placebo runs show where the comparison holds? Synthetic boroughs with seven years
# of history (MDTs in the last two) and no MDT effect, each evaluated with every index moved
# 12, 24, 36 and 48 months earlier, once with the default need shock (month-to-month
# persistence 0.88) and once with shocks that do not persist (0). Prints one line per
# borough and, per setting, estimate and outcome, the geometric mean ratio, the spread of the
# log ratio between boroughs (SD), the mean SE the boroughs report, how many intervals held 1
# and the mean log ratio over its standard error between boroughs (t).
# It is a measurement, not a pass/fail check: it fails only if a run fails. On 2026-12-02
# (docs/studies/evaluation-recovery.md, "Placebos further back") the main intention-to-treat estimates held 1
# while every placebo missed it by 5-10% or more, as much 48 months back as 24, and as much
# without persistent shocks: a placebo's treated are people picked for an MDT later, on need
# that rose after its index, so no placebo tests the comparison alone.
# Boroughs are cached under $HOME/.cache/accord/null-boroughs (as PERSONS-SEED-7y[-pP]).
# Usage: scripts/evaluation-placebo.sh [accord binary] [persons] [seeds]
#        (default: the release build, 120000 people, seeds 1 to 10)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/release/accord}"
persons="${2:-120000}"
seeds="${3:-$(seq -s ' ' 1 10)}"
[ -x "$bin" ] || { echo "FAIL: no accord binary at $bin"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for persistence in default 0; do
  for seed in $seeds; do
    data="$(scripts/null-borough.sh "$bin" "$persons" "$seed" 7 "${persistence#default}")"
    "$bin" evaluate --data "$data" --seed "$seed" --bootstrap 200 --placebo-months 12,24,36,48 \
      --json > "$work/e-$persistence-$seed.json"
  done
done
python3 - "$work" "$seeds" <<'PY'
import json, math, pathlib, statistics, sys
work, seeds = pathlib.Path(sys.argv[1]), sys.argv[2].split()
outcomes = {"ae_attendances": "A&E attendances", "emergency_admissions": "emergency admissions"}
def log_and_se(interval):
    return math.log(interval["estimate"]), (math.log(interval["upper"]) - math.log(interval["lower"])) / (2 * 1.959964)
def result(outcome_list, name):
    return next(o for o in outcome_list if o["name"] == name)
def summary(label, pairs):
    logs = [l for l, _ in pairs]
    mean, sd = statistics.fmean(logs), statistics.stdev(logs)
    held = sum(abs(l) <= 1.959964 * se for l, se in pairs)
    print(f"  {label:<50} {math.exp(mean):8.3f} {sd:6.3f} {statistics.fmean(s for _, s in pairs):7.3f} {held:>3}/{len(pairs)} {mean / (sd / math.sqrt(len(logs))):+6.1f}")
for persistence, title in (("default", "need shock persistence 0.88 (the default)"), ("0", "need shocks that do not persist (0)")):
    runs = [json.loads((work / f"e-{persistence}-{s}.json").read_text()) for s in seeds]
    print(f"{len(runs)} null boroughs with seven years of history, {title}")
    for seed, run in zip(seeds, runs):
        parts = ["main " + " / ".join(f"{result(run['outcomes'], n)['effect_ratio']['estimate']:.3f}" for n in outcomes)]
        for p in run["placebos"]:
            parts.append(f"{p['months_earlier']}: " + (f"not possible ({p['note']})" if p["note"] else " / ".join(
                f"{result(p['outcomes'], n)['effect_ratio']['estimate']:.3f}" for n in outcomes)))
        print(f"  seed {seed}: " + "; ".join(parts))
    print(f"  {'estimate':<50} {'geo mean':>8} {'SD':>6} {'mean SE':>7} {'held 1':>7} {'t':>6}")
    for name, label in outcomes.items():
        summary(f"main (weighted), {label}", [log_and_se(result(r["outcomes"], name)["effect_ratio"]) for r in runs])
        summary(f"main (intention to treat), {label}", [log_and_se(result(r["outcomes"], name)["effect_ratio_intention_to_treat"]) for r in runs])
        for months in (12, 24, 36, 48):
            pairs = [log_and_se(result(p["outcomes"], name)["effect_ratio"]) for r in runs for p in r["placebos"]
                     if p["months_earlier"] == months and not p["note"]]
            if len(pairs) > 1:
                summary(f"placebo {months} months earlier, {label}", pairs)
PY
