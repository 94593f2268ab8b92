#!/usr/bin/env bash
# The whole queue benchmark, in the order BENCHMARKS.md reports it; logs go to results/.
#   npm install --prefix bench/queue && bash bench/queue/all.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE22=bench/queue/node_modules/.bin/node
mkdir -p bench/queue/results
log() { tee -a "bench/queue/results/$1.log"; }
bench/queue/make-copies.sh 2>&1 | log setup
export BENCH_TTOPS_ROOT=/tmp/ttops-queue-head # what the helper scripts below import
$NODE22 bench/queue/run.mjs drain --mode warm --reps "${REPS:-5}" --cap 20 2>&1 | log drain-warm
$NODE22 bench/queue/run.mjs drain --mode cold --reps "${REPS_COLD:-3}" --cap 20 2>&1 | log drain-cold
$NODE22 bench/queue/run.mjs latency --reps "${LAT_REPS:-2}" --duration 20 --warmup 3 2>&1 | log latency
$NODE22 bench/queue/run.mjs latency --reps 2 --rates 400 --cells ttops-default,before-default,gw-batched,pgboss-fast-lc2 --duration 20 --warmup 3 2>&1 | log latency-400-extra
$NODE22 bench/queue/recovery.mjs --reps 3 --leases 5 2>&1 | log recovery
$NODE22 bench/queue/inflight.mjs --build head 2>&1 | log inflight
$NODE22 bench/queue/claim-plan.mjs 2>&1 | log claim-plan
$NODE22 bench/queue/claim-call.mjs 2>&1 | log claim-call
