#!/usr/bin/env bash
# Browser test of the dashboard (issue 5) and the MDT workflow (issue 6): runs `accord
# demo` on a small borough, which refreshes every built-in framework, loads the MDT demo
# database and serves both on a free port, then drives Debian's Chromium with
# playwright-core: every page reachable from the overview is opened and fails the test on
# a console error, a page error, a failed request or a broken link; a filter is changed
# and the figure shown is compared with the API's; a coordinator schedules a meeting,
# pulls two people from case finding and records a discussion and an action, and a member
# of another network is refused that person; screenshots are saved. Installs what it needs (Debian `chromium`, npm `playwright-core` under
# $HOME/.cache/accord/browser); if it cannot, it says SKIPPED loudly and exits 0.
# Usage: scripts/browser-test.sh [path to accord binary]   (screenshots: $ACCORD_SCREENSHOTS,
# default $HOME/.cache/accord/screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-${CARGO_TARGET_DIR:-target}/release/accord}"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
tools="$HOME/.cache/accord/browser"
shots="${ACCORD_SCREENSHOTS:-$HOME/.cache/accord/screenshots}"
if ! command -v chromium >/dev/null 2>&1; then
  if ! { DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 ||
         { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; }; }; then
    echo "SKIPPED: browser test (could not install Debian's chromium)"
    exit 0
  fi
fi
if [ ! -f "$tools/node_modules/playwright-core/package.json" ]; then
  mkdir -p "$tools"
  if ! (cd "$tools" && npm install --silent --no-audit --no-fund playwright-core@1 >/dev/null 2>&1); then
    echo "SKIPPED: browser test (could not install playwright-core from npm)"
    exit 0
  fi
fi
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$bin" demo --data "$work/borough" --persons 6000 --port 0 > "$work/demo.log" 2>&1 &
server=$!
url=""
for _ in $(seq 1 600); do
  url="$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/demo.log" | head -1 || true)"
  [ -n "$url" ] && break
  if ! kill -0 "$server" 2>/dev/null; then
    cat "$work/demo.log"; echo "FAIL: accord demo stopped before serving"; exit 1
  fi
  sleep 0.5
done
[ -n "$url" ] || { cat "$work/demo.log"; echo "FAIL: accord demo printed no URL"; exit 1; }
echo "accord demo serves $url"
mkdir -p "$shots"
grep -q "^MDT evaluation written" "$work/demo.log" || { cat "$work/demo.log"; echo "FAIL: accord demo did not evaluate the MDT programme"; exit 1; }
NODE_PATH="$tools/node_modules" node scripts/browser/crawl.mjs "$url" "$shots"
grep -q "^MDT workflow: http" "$work/demo.log" || { cat "$work/demo.log"; echo "FAIL: accord demo did not serve the MDT workflow"; exit 1; }
NODE_PATH="$tools/node_modules" node scripts/browser/mdt.mjs "$url" "$shots"
