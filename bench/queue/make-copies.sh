#!/usr/bin/env bash
# Builds the ttops copies the cells name (lib.mjs BUILDS), all outside the repo so that a
# rebuild of dist/ during a long run cannot change the code under test. src/ is untouched.
#   head  the current checkout, compiled            → /tmp/ttops-queue-head
#   old   b688b4e (before 3d3dcd8's worker fixes)   → /tmp/ttops-queue-asis
#   fix   old + the one-line lost-wake-up fix below → /tmp/ttops-queue-patched
#
# The fix (src/jobs/worker.ts, Worker.fetchLoop, `finally`): a wake() that arrives after the
# loop's last `while (this.again …)` check (during `await this.maybePrune()` or a `break`)
# only sets `again` and is lost, so the next claim waits for the poll timer (JOB_POLL_MS).
#     } finally {
#       this.fetching = false;
#  +    if (this.again && !this.stopping) this.wake();
#     }
# (3d3dcd8 made this change, and also folded the completion of a batch into the next claim.)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HEAD_DIR="${BENCH_TTOPS_HEAD:-/tmp/ttops-queue-head}"
OLD_DIR="${BENCH_TTOPS_OLD:-/tmp/ttops-queue-asis}"
FIX_DIR="${BENCH_TTOPS_PATCHED:-/tmp/ttops-queue-patched}"
OLD_COMMIT="${BENCH_TTOPS_OLD_COMMIT:-b688b4e}"

build() { # <dir> <source-dir>
  rm -rf "$1" && mkdir -p "$1"
  cp -r "$2/bin" "$2/migrations" "$2/package.json" "$1/"
  ln -s "$ROOT/node_modules" "$1/node_modules"
  # An old commit may not type-check against today's node_modules (e.g. a module since
  # removed); tsc still emits, and only the queue code matters here.
  (cd "$2" && "$ROOT/node_modules/.bin/tsc" -p . --outDir "$1/dist" > "$1/tsc.log") || echo "tsc reported errors for $1 (see $1/tsc.log)"
  test -f "$1/dist/src/jobs/worker.js"
}

build "$HEAD_DIR" "$ROOT"
SRC="$(mktemp -d)"
git -C "$ROOT" archive "$OLD_COMMIT" bin migrations src test package.json tsconfig.json | tar -x -C "$SRC"
ln -s "$ROOT/node_modules" "$SRC/node_modules"
build "$OLD_DIR" "$SRC"
rm -rf "$SRC"
rm -rf "$FIX_DIR" && cp -a "$OLD_DIR" "$FIX_DIR"
node - "$FIX_DIR/dist/src/jobs/worker.js" <<'JS'
const fs = require('node:fs');
const file = process.argv[2];
const before = fs.readFileSync(file, 'utf8');
const after = before.replace(/(finally \{\s*this\.fetching = false;)/, '$1\n            if (this.again && !this.stopping) this.wake();');
if (after === before) throw new Error('pattern not found: fetchLoop finally');
fs.writeFileSync(file, after);
JS
echo "head = $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src || echo ' (src has local changes)'); old = $OLD_COMMIT; fix = $OLD_COMMIT + wake-up fix"
