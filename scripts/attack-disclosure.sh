#!/usr/bin/env bash
# The hostile reader of crates/web/tests/disclosure.rs on a larger borough: it walks every
# public route and the public export of a snapshot of every built-in framework, and tries
# to recover a small or an unrounded count by differencing, from values and denominators,
# from comparisons and from funnel limits. It must recover nothing (CI runs the test itself
# on 8,000 people).
# Usage: scripts/attack-disclosure.sh [people (default 20000)]
set -euo pipefail
cd "$(dirname "$0")/.."
export ACCORD_ATTACK_PERSONS="${1:-20000}"
cargo test --workspace --release --test disclosure -- --nocapture 2>&1 | grep -E "requests|ways in|test result|^/|panicked"
