#!/usr/bin/env bash
# reprise beside promptfoo, in one sitting (issue 16): wall time and peak RSS of the whole command.
#
#   scripts/vs_promptfoo.sh [SIZES...]        default sizes: 1000 10000
#
# promptfoo: its `echo` provider, SIZE single-turn tests with two assertions each
# (`contains` and `icontains`), `--max-concurrency 4`, CSV output, no cache, no telemetry.
# reprise: SIZE synthetic multi-turn cases (`reprise synth --seed 1`), `reprise run … --check`
# with the embedded recorded engine, every report written.
# Each command runs RUNS times (default 3), the two tools taking turns, after one unmeasured
# warm-up run of each (reprise's writes the snapshots its --check runs compare against); the
# table gives the median wall and the median peak RSS. Every promptfoo run starts from an empty
# promptfoo directory (its SQLite database of results), as on a fresh CI runner: otherwise
# each run would add an eval to the database the next one opens, and the runs would differ.
# Peak RSS is GNU time's %M: the largest process of the command (node, or reprise).
# Both tools' checks must pass: reprise must exit 0 with SIZE cases in manifest.json,
# promptfoo must exit 0 (every assertion passed) with SIZE rows in its CSV.
#
# Needs: a release build (`cargo build --release`), GNU time (/usr/bin/time), and promptfoo with
# Node ≥ 22. Without a system Node 22, install both locally from npm (no other network needed):
#   mkdir -p "$PF_DIR" && cd "$PF_DIR" && npm init -y && npm install promptfoo@0.123 node@22
# PF_DIR defaults to /tmp/promptfoo-bench; its node_modules/.bin goes first on PATH.
# Never part of CI: it takes minutes and measures the machine.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REPRISE_BIN:-$ROOT/target/release/reprise}
PF_DIR=${PF_DIR:-/tmp/promptfoo-bench}
RUNS=${RUNS:-3}
WORK=${WORK:-$(mktemp -d /tmp/vs-promptfoo.XXXXXX)}
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(1000 10000)
export PATH="$PF_DIR/node_modules/.bin:$PATH"
export PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_DISABLE_SHARING=1
export PROMPTFOO_CONFIG_DIR="$WORK/pf-home" PROMPTFOO_CACHE_ENABLED=false
# A run in CI mode (env CI set) would change neither tool's work, but keep it out of the record.
unset CI

[ -x "$BIN" ] || { echo "no release binary at $BIN: cargo build --release" >&2; exit 2; }
command -v promptfoo >/dev/null || { echo "promptfoo not found (see the header of $0)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed" >&2; exit 2; }

# One measured command: prints "WALL_S RSS_KB".
measure() {
    local log=$WORK/time.log
    /usr/bin/time -f '%e %M' -o "$log" "$@" >/dev/null 2>"$WORK/last.stderr" || {
        echo "failed: $*" >&2; tail -5 "$WORK/last.stderr" >&2; exit 1; }
    cat "$log"
}

# Median of the numbers on stdin.
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

promptfoo_config() {
    local n=$1 dir=$WORK/pf-$1
    mkdir -p "$dir"
    python3 - "$n" "$dir" <<'EOF'
import json, sys
n, d = int(sys.argv[1]), sys.argv[2]
with open(f"{d}/tests.json", "w") as f:
    json.dump([{"vars": {"q": f"Patient {i} asks to book a visit on day {i % 28 + 1}"},
                "assert": [{"type": "contains", "value": f"Patient {i} "},
                           {"type": "icontains", "value": "BOOK A VISIT"}]} for i in range(n)], f)
with open(f"{d}/promptfooconfig.yaml", "w") as f:
    f.write("description: echo baseline\nprompts: ['{{q}}']\nproviders: [echo]\n"
            "tests: file://tests.json\n")
EOF
    echo "$dir"
}

# What the figures were measured with, for the record.
echo "reprise $("$BIN" --version | awk '{print $NF}') ($BIN), promptfoo $(promptfoo --version 2>/dev/null | tail -1)," \
    "node $(node --version), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), RUNS=$RUNS"

# One promptfoo eval of the config in DIR, from an empty promptfoo directory; prints "WALL_S RSS_KB".
promptfoo_eval() {
    rm -rf "$PROMPTFOO_CONFIG_DIR" "$1/out.csv"
    (cd "$1" && measure promptfoo eval -c promptfooconfig.yaml --max-concurrency 4 \
        --no-cache --no-share --no-progress-bar --no-table -o "$1/out.csv")
}

# The number of data rows of a CSV file.
csv_rows() { python3 -c 'import csv, sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$1"; }

printf '%-9s %-10s %10s %12s\n' tool cases wall_s peak_rss_mb
for n in "${SIZES[@]}"; do
    corpus=$WORK/synth-$n
    # A corpus is reused only when its synth finished (an interrupted one is written again).
    if [ ! -f "$corpus.done" ]; then
        rm -rf "$corpus"
        "$BIN" synth --runs "$n" --seed 1 --out "$corpus" >/dev/null
        touch "$corpus.done"
    fi
    # Warm-up (unmeasured): reprise's writes the snapshots that --check then compares against.
    rm -rf "$WORK/snaps-$n"
    "$BIN" run "$corpus" --out "$WORK/r-$n" --snapshots "$WORK/snaps-$n" --update-snapshots always \
        --no-progress >/dev/null 2>"$WORK/last.stderr" \
        || { echo "the warm-up reprise run failed:" >&2; tail -5 "$WORK/last.stderr" >&2; exit 1; }
    pf=$(promptfoo_config "$n")
    promptfoo_eval "$pf" >/dev/null
    : >"$WORK/reprise-$n.txt"; : >"$WORK/promptfoo-$n.txt"
    for _ in $(seq "$RUNS"); do
        measure "$BIN" run "$corpus" --out "$WORK/r-$n" --snapshots "$WORK/snaps-$n" \
            --check --no-progress >>"$WORK/reprise-$n.txt"
        promptfoo_eval "$pf" >>"$WORK/promptfoo-$n.txt"
    done
    cases=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["cases"])' "$WORK/r-$n/manifest.json")
    [ "$cases" = "$n" ] || { echo "reprise ran $cases cases, not $n" >&2; exit 1; }
    rows=$(csv_rows "$pf/out.csv")
    [ "$rows" = "$n" ] || { echo "promptfoo's CSV has $rows rows, not $n" >&2; exit 1; }
    for tool in reprise promptfoo; do
        wall=$(cut -d' ' -f1 "$WORK/$tool-$n.txt" | median)
        rss=$(cut -d' ' -f2 "$WORK/$tool-$n.txt" | median)
        printf '%-9s %-10s %10.2f %12.1f\n' "$tool" "$n" "$wall" "$(echo "$rss/1024" | bc -l)"
        eval "${tool}_wall=$wall ${tool}_rss=$rss"
    done
    printf '%-9s %-10s %9.1fx %11.1fx\n' ratio "$n" \
        "$(echo "$promptfoo_wall/$reprise_wall" | bc -l)" "$(echo "$promptfoo_rss/$reprise_rss" | bc -l)"
done
echo "work folder: $WORK (raw figures in reprise-N.txt, promptfoo-N.txt)"
