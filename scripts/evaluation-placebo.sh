#!/usr/bin/env bash
# Do the placebo runs test the comparison? Synthetic boroughs with five years of history (MDTs
# in the last two) and no MDT effect, several seeds, each evaluated with every index moved 12
# and 24 months earlier. The 12-month placebo's year after is the year before the first MDT,
# in which case finding picks people on rising use, so it is expected to fail: it shows the
# selection, not the comparison. The 24-month one's year after ends before that year, so with
# a comparison that works its ratios hold 1 about as often as a 95% interval should. Prints
# one line per borough and, per placebo and outcome, the geometric mean ratio, the spread of
# the log ratio between boroughs (SD), the mean SE the boroughs report and how many intervals
# held 1. Fails if the 24-month placebo's intervals held 1 in fewer than 80% of boroughs for
# either count outcome, or if its mean log ratio is more than twice its standard error over
# boroughs from 0. On 2026-12-02 it fails: the 24-month placebo found the comparison biased
# (A&E attendances +11%, emergency admissions -6%; docs/evaluation.md, "A placebo beyond the
# year people are picked in"). It is the check a fix must pass.
# Boroughs are cached under $HOME/.cache/accord/null-boroughs (as PERSONS-SEED-5y).
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
for seed in $seeds; do
  data="$(scripts/null-borough.sh "$bin" "$persons" "$seed" 5)"
  "$bin" evaluate --data "$data" --seed "$seed" --bootstrap 200 --placebo-months 12,24 --json \
    > "$work/e-$seed.json"
done
python3 - "$work" "$seeds" <<'PY'
import json, math, pathlib, statistics, sys
work, seeds = pathlib.Path(sys.argv[1]), sys.argv[2].split()
runs = [json.loads((work / f"e-{s}.json").read_text()) for s in seeds]
outcomes = {"ae_attendances": "A&E attendances", "emergency_admissions": "emergency admissions"}
def log_and_se(interval):
    return math.log(interval["estimate"]), (math.log(interval["upper"]) - math.log(interval["lower"])) / (2 * 1.959964)
def ratio(outcome_list, name):
    return next(o["effect_ratio"] for o in outcome_list if o["name"] == name)
print(f"{len(runs)} null boroughs with five years of history")
for seed, run in zip(seeds, runs):
    parts = [f"main " + " / ".join(f"{ratio(run['outcomes'], n)['estimate']:.3f}" for n in outcomes)]
    for p in run["placebos"]:
        if p["note"]:
            parts.append(f"{p['months_earlier']} months: not possible ({p['note']})")
            continue
        parts.append(f"{p['months_earlier']} months ({p['matched_treated']} matched) " + " / ".join(
            "{estimate:.3f} ({lower:.3f}-{upper:.3f})".format(**ratio(p["outcomes"], n)) for n in outcomes))
    print(f"seed {seed}: " + "; ".join(parts))
failures = []
print(f"{'placebo':<10} {'outcome':<22} {'geo mean':>8} {'SD':>6} {'mean SE':>7} {'held 1':>7}")
for months in (12, 24):
    for name, label in outcomes.items():
        pairs = []
        for run in runs:
            p = next((p for p in run["placebos"] if p["months_earlier"] == months and not p["note"]), None)
            if p is not None:
                pairs.append(log_and_se(ratio(p["outcomes"], name)))
        if len(pairs) < 2:
            failures.append(f"{months}-month placebo: ran on {len(pairs)} boroughs")
            continue
        logs = [l for l, _ in pairs]
        mean, sd = statistics.fmean(logs), statistics.stdev(logs)
        mean_se = statistics.fmean(se for _, se in pairs)
        held = sum(abs(l) <= 1.959964 * se for l, se in pairs)
        print(f"{months:>2} months  {label:<22} {math.exp(mean):8.3f} {sd:6.3f} {mean_se:7.3f} {held:>3}/{len(pairs)}")
        if months == 24:
            if held < 0.8 * len(pairs):
                failures.append(f"24-month placebo, {label}: intervals held 1 in {held} of {len(pairs)}")
            if abs(mean) > 2 * sd / math.sqrt(len(pairs)):
                failures.append(f"24-month placebo, {label}: mean log ratio {mean:+.3f}, more than twice its SE over boroughs ({sd / math.sqrt(len(pairs)):.3f}) from 0")
for f in failures:
    print("FAIL:", f)
sys.exit(1 if failures else 0)
PY
