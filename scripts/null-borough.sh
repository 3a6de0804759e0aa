#!/usr/bin/env bash
# A synthetic borough with no MDT effect, for the evaluation's checks: generated once into
# $HOME/.cache/accord/null-boroughs (PERSONS-SEED, or PERSONS-SEED-Yy for other than three
# years of history) and its path printed.
# Usage: scripts/null-borough.sh ACCORD_BINARY PERSONS SEED [YEARS]   (default: 3 years)
set -euo pipefail
bin="$1" persons="$2" seed="$3" years="${4:-3}"
data="$HOME/.cache/accord/null-boroughs/$persons-$seed"
[ "$years" = 3 ] || data="$data-${years}y"
if [ ! -f "$data/dataset.toml" ]; then
  mkdir -p "$(dirname "$data")"
  "$bin" synth --persons "$persons" --seed "$seed" --years "$years" --out "$data" --force \
    --effect-ae 0 --effect-emergency 0 --effect-social-care-cost 0 > /dev/null 2>&1
fi
echo "$data"
