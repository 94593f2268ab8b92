#!/usr/bin/env bash
# Builds the ttops copies the cells name (lib.mjs BUILDS), all outside the repo so that a
# rebuild of dist/ during a long run cannot change the code under test. src/ is untouched.
#   head    the current checkout, compiled                       → /tmp/ttops-queue-head
#   before  2156417, the last commit before the lean claim path  → /tmp/ttops-queue-before
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HEAD_DIR="${BENCH_TTOPS_HEAD:-/tmp/ttops-queue-head}"
BEFORE_DIR="${BENCH_TTOPS_BEFORE:-/tmp/ttops-queue-before}"
BEFORE_COMMIT="${BENCH_TTOPS_BEFORE_COMMIT:-2156417}"

build() { # <dir> <source-dir>
  rm -rf "$1" && mkdir -p "$1"
  cp -r "$2/bin" "$2/migrations" "$2/package.json" "$1/"
  ln -s "$ROOT/node_modules" "$1/node_modules"
  (cd "$2" && "$ROOT/node_modules/.bin/tsc" -p . --outDir "$1/dist" > "$1/tsc.log") || echo "tsc reported errors for $1 (see $1/tsc.log)"
  test -f "$1/dist/src/jobs/worker.js"
}

build "$HEAD_DIR" "$ROOT"
SRC="$(mktemp -d)"
git -C "$ROOT" archive "$BEFORE_COMMIT" bin migrations src test package.json tsconfig.json | tar -x -C "$SRC"
ln -s "$ROOT/node_modules" "$SRC/node_modules"
build "$BEFORE_DIR" "$SRC"
rm -rf "$SRC"
echo "head = $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src migrations || echo ' (with local changes)'); before = $BEFORE_COMMIT"
