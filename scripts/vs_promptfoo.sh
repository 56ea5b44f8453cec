#!/usr/bin/env bash
# reprise beside promptfoo, in one sitting (issue 16): wall time and peak RSS of the whole command.
#
#   scripts/vs_promptfoo.sh [SIZES...]        default sizes: 1000 10000
#
# promptfoo: its `echo` provider, SIZE single-turn tests with two assertions each
# (`contains` and `icontains`), `--max-concurrency 4`, CSV output, no cache, no telemetry.
# reprise: SIZE synthetic multi-turn cases (`reprise synth --seed 1`), `reprise run … --check`
# with the embedded recorded engine, every report written.
# Each command runs RUNS times (default 3); the table gives the median wall and the median peak RSS.
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

printf '%-9s %-10s %10s %12s\n' tool cases wall_s peak_rss_mb
for n in "${SIZES[@]}"; do
    corpus=$WORK/synth-$n
    [ -d "$corpus" ] || "$BIN" synth --runs "$n" --seed 1 --out "$corpus" >/dev/null
    # A first run writes the snapshots that --check then compares against.
    "$BIN" run "$corpus" --out "$WORK/r-$n" --snapshots "$WORK/snaps-$n" --update-snapshots always --no-progress >/dev/null 2>&1 || true
    pf=$(promptfoo_config "$n")
    : >"$WORK/reprise-$n.txt"; : >"$WORK/promptfoo-$n.txt"
    for _ in $(seq "$RUNS"); do
        measure "$BIN" run "$corpus" --out "$WORK/r-$n" --snapshots "$WORK/snaps-$n" \
            --check --no-progress >>"$WORK/reprise-$n.txt"
        (cd "$pf" && measure promptfoo eval -c promptfooconfig.yaml --max-concurrency 4 \
            --no-cache --no-progress-bar --no-table -o "$pf/out.csv") >>"$WORK/promptfoo-$n.txt"
    done
    [ -s "$pf/out.csv" ] || { echo "promptfoo wrote no CSV" >&2; exit 1; }
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
