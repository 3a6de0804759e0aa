#!/usr/bin/env bash
# A synthetic borough with no MDT effect, for the evaluation's checks: generated once into
# $HOME/.cache/accord/null-boroughs (PERSONS-SEED, with -Yy for other than three years of
# history and -pP for a need shock persistence other than the default) and its path printed.
# Usage: scripts/null-borough.sh ACCORD_BINARY PERSONS SEED [YEARS] [SHOCK_PERSISTENCE]
#        (default: 3 years, the synthetic default persistence)
set -euo pipefail
bin="$1" persons="$2" seed="$3" years="${4:-3}" persistence="${5:-}"
data="$HOME/.cache/accord/null-boroughs/$persons-$seed"
[ "$years" = 3 ] || data="$data-${years}y"
extra=()
if [ -n "$persistence" ]; then
  data="$data-p$persistence"
  extra=(--shock-persistence "$persistence")
fi
if [ ! -f "$data/dataset.toml" ]; then
  mkdir -p "$(dirname "$data")"
  "$bin" synth --persons "$persons" --seed "$seed" --years "$years" --out "$data" --force \
    --effect-ae 0 --effect-emergency 0 --effect-social-care-cost 0 "${extra[@]}" > /dev/null 2>&1
fi
echo "$data"
