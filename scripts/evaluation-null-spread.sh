#!/usr/bin/env bash
# Is the evaluation's interval as wide as its estimate's spread? Synthetic boroughs with no
# MDT effect, several seeds: for each count outcome, the spread of the log ratio from borough
# to borough (its SD) against the mean standard error the boroughs report (read off their 95%
# intervals), and how many intervals hold 1, for the main estimate and for the
# intention-to-treat ratio beside it. An interval of the right width has SD / SE near 1 and
# holds 1 in about 95% of boroughs. Twenty boroughs are the fewest that say much: the SD of
# twenty has a 95% range of about ±30%. With no effect the main (weighted) estimate and the
# intention-to-treat ratio, made from the same matched sets, should agree in expectation: the
# last lines give, for every count outcome, the mean log gap between them over boroughs with
# its SE and t (a lean of the censoring weights shows there, clear of the borough-to-borough
# noise the two share).
# Boroughs are cached under $HOME/.cache/accord/null-boroughs; anything after the seeds is
# passed to `accord evaluate` (e.g. --control-follow-up intention-to-treat).
# Usage: scripts/evaluation-null-spread.sh [accord binary] [persons] [seeds] [evaluate args...]
#        (default: the release build, 120000 people, seeds 1 to 20)
#        YEARS=7 scripts/evaluation-null-spread.sh   (boroughs with seven years of history;
#        the MDT programme is the last two years whatever the history)
#        BOOTSTRAP=50 scripts/evaluation-null-spread.sh   (pair-bootstrap resamples; default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/release/accord}"
persons="${2:-120000}"
seeds="${3:-$(seq -s ' ' 1 20)}"
shift $(( $# < 3 ? $# : 3 ))
[ -x "$bin" ] || { echo "FAIL: no accord binary at $bin"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for seed in $seeds; do
  data="$(scripts/null-borough.sh "$bin" "$persons" "$seed" "${YEARS:-3}")"
  "$bin" evaluate --data "$data" --seed "$seed" --bootstrap "${BOOTSTRAP:-200}" --no-placebo --json "$@" \
    > "$work/e-$seed.json"
done
python3 - "$work" "$seeds" "${YEARS:-3}" <<'PY'
import json, math, pathlib, statistics, sys
work, seeds = pathlib.Path(sys.argv[1]), sys.argv[2].split()
runs = [json.loads((work / f"e-{s}.json").read_text()) for s in seeds]
def outcome(run, name):
    return next(o for o in run["outcomes"] if o["name"] == name)
def log_and_se(interval):
    return math.log(interval["estimate"]), (math.log(interval["upper"]) - math.log(interval["lower"])) / (2 * 1.959964)
print(f"{len(runs)} null boroughs with {sys.argv[3]} years of history; follow-up {runs[0]['design']['options']['follow_up']}")
print(f"{'outcome':<22} {'estimate':<18} {'geo mean':>8} {'SD':>6} {'mean SE':>7} {'SD/SE':>6} {'held 1':>7}")
for name in ["ae_attendances", "emergency_admissions"]:
    for label, key in [("main", "effect_ratio"), ("intention to treat", "effect_ratio_intention_to_treat")]:
        intervals = [outcome(e, name).get(key) for e in runs]
        intervals = [i for i in intervals if i]
        if len(intervals) < 2:
            continue
        logs, ses = zip(*(log_and_se(i) for i in intervals))
        sd, se = statistics.stdev(logs), statistics.fmean(ses)
        held = sum(i["lower"] <= 1 <= i["upper"] for i in intervals)
        print(f"{name:<22} {label:<18} {math.exp(statistics.fmean(logs)):>8.3f} {sd:>6.3f} {se:>7.3f} {sd / se:>6.2f} {held:>3}/{len(intervals):<3}")
print(f"{'outcome':<22} {'mean log gap, main - intention to treat':<40} {'SE':>6} {'t':>6}")
for name in [o["name"] for o in runs[0]["outcomes"] if o.get("effect_ratio_intention_to_treat")]:
    pairs = [(outcome(e, name).get("effect_ratio"), outcome(e, name).get("effect_ratio_intention_to_treat"))
             for e in runs]
    gaps = [math.log(m["estimate"]) - math.log(i["estimate"]) for m, i in pairs if m and i]
    if len(gaps) > 1:
        mean, se = statistics.fmean(gaps), statistics.stdev(gaps) / math.sqrt(len(gaps))
        print(f"{name:<22} {mean:>+40.3f} {se:>6.3f} {mean / se:>+6.1f}")
PY
