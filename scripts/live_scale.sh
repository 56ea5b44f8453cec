#!/usr/bin/env bash
# Live replay at scale (never in CI): N synthetic cases replayed with `--engine http` against
# `reprise serve --latency-factor F`, default flags but `--eval-wait-secs 5`. Prints the wall
# time against the ideal: the sum of the recorded LLM latencies × F ÷ the cases in flight (the
# default --jobs of a live engine, the HTTP concurrency: 32).
#
#   scripts/live_scale.sh [CASES=500] [FACTOR=0.2] [REPEATS=3]
#
# Needs a release build (`cargo build --release`); writes under ${TMPDIR:-/tmp}/reprise-live-scale.
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-500}
factor=${2:-0.2}
repeats=${3:-3}
jobs=32
bin=target/release/reprise
work=${TMPDIR:-/tmp}/reprise-live-scale
rm -rf "$work"
mkdir -p "$work"
"$bin" synth --runs "$cases" --out "$work/corpus" --seed 1 >/dev/null

# The in-process replay: the reference outcome and the recorded latencies.
"$bin" run "$work/corpus" --out "$work/in" --update-snapshots no --no-progress >/dev/null || true
ideal=$(python3 - "$work/in/runs.csv" "$factor" "$jobs" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
total_ms = sum(float(r["latency_ms_total"] or 0) for r in rows)
print(f"{total_ms * float(sys.argv[2]) / int(sys.argv[3]) / 1000:.3f}")
EOF
)

"$bin" serve "$work/corpus" --latency-factor "$factor" --addr 127.0.0.1:0 --quiet \
  >"$work/serve.out" 2>"$work/serve.err" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  [ -s "$work/serve.out" ] && break
  sleep 0.1
done
url=$(sed -n 's/^listening on //p' "$work/serve.out" | head -1)
[ -n "$url" ] || { echo "reprise serve did not start" >&2; exit 1; }

walls=()
for i in $(seq "$repeats"); do
  start=$(date +%s.%N)
  REPRISE_TOKEN=scale "$bin" run "$work/corpus" --engine http --base-url "$url" \
    --allow-side-effects --eval-wait-secs 5 --out "$work/live$i" --update-snapshots no \
    --no-progress >/dev/null 2>"$work/live$i.err" || true
  end=$(date +%s.%N)
  walls+=("$(python3 -c "print(f'{$end - $start:.3f}')")")
done

python3 - "$work" "$ideal" "$repeats" "${walls[@]}" <<'EOF'
import csv, statistics, sys
work, ideal, repeats = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
walls = [float(w) for w in sys.argv[4:]]
want = {r["run_id"]: r for r in csv.DictReader(open(f"{work}/in/runs.csv"))}
cols = ["status", "turns", "total_tokens", "verdict"]
for i in range(1, repeats + 1):
    got = {r["run_id"]: r for r in csv.DictReader(open(f"{work}/live{i}/runs.csv"))}
    errors = sum(r["verdict"] == "error" for r in got.values())
    differ = sum(any(got[k][c] != want[k][c] for c in cols) for k in want if k in got)
    print(f"run {i}: {len(got)} cases, {errors} errors, {differ} differ from in-process, "
          f"wall {walls[i - 1]:.2f} s")
median = statistics.median(walls)
print(f"cases {len(want)}; ideal {ideal:.2f} s (recorded LLM latency x factor / 32 in flight); "
      f"median wall {median:.2f} s = {median / ideal:.2f}x the ideal")
EOF
