#!/usr/bin/env bash
# Issue 16: "the 1,000-case corpus in two JSONL files loads ≥ 1.8× faster on two cores than on
# one". Packs a synthetic corpus into two JSONL files of about equal size (every document on one
# line, arrays unpacked, files dealt out by size), then times `reprise validate` (load and
# normalize only) with RAYON_NUM_THREADS=1 and =2: the loader's threads are rayon's global pool,
# so that variable is the tool's thread setting for loading.
#
#   scripts/two_file_load.sh [CASES] [RUNS]      defaults: 1000 cases, 5 runs each
#
# Prints the median wall time (seconds) of each and their ratio, and beside it the
# median CPU time (user + system) and minor page faults of a run: on a machine shared with other
# work the wall ratio is pessimistic, while CPU time that barely grows from one thread to two
# shows that the load itself scales. Needs a release build, python3 and /usr/bin/time. Never
# part of CI: it measures the machine (a loaded machine shows a lower ratio; check `uptime`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REPRISE_BIN:-$ROOT/target/release/reprise}
CASES=${1:-1000}
RUNS=${2:-5}
WORK=${WORK:-$(mktemp -d /tmp/two-file-load.XXXXXX)}

[ -x "$BIN" ] || { echo "no release binary at $BIN: cargo build --release" >&2; exit 2; }

corpus=$WORK/synth-$CASES
packed=$WORK/two-$CASES
[ -d "$corpus" ] || "$BIN" synth --runs "$CASES" --seed 1 --out "$corpus" >/dev/null
if [ ! -d "$packed" ]; then
    mkdir -p "$packed"
    python3 - "$corpus" "$packed" <<'EOF'
import json, pathlib, sys
src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
docs = []
for p in sorted(src.rglob("*")):
    if p.is_dir() or "recordings-v2" in p.parts:
        continue
    if p.suffix == ".jsonl":
        docs += [l for l in p.read_text().splitlines() if l.strip()]
        continue
    v = json.loads(p.read_text())
    docs += [json.dumps(d, separators=(",", ":")) for d in (v if isinstance(v, list) else [v])]
# Deal the documents out so the two files end up about the same size.
files, sizes = ([], []), [0, 0]
for d in sorted(docs, key=len, reverse=True):
    i = 0 if sizes[0] <= sizes[1] else 1
    files[i].append(d)
    sizes[i] += len(d) + 1
for i, lines in enumerate(files):
    (out / f"part-{i + 1}.jsonl").write_text("\n".join(lines) + "\n")
print(f"{len(docs)} documents in two files of {sizes[0]} and {sizes[1]} bytes", file=sys.stderr)
EOF
fi
"$BIN" validate "$packed" >/dev/null || { echo "the packed corpus does not validate" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
declare -A wall
echo "load: $(uptime)"
: >"$WORK/t1.txt"
: >"$WORK/t2.txt"
# One and two threads alternate, run after run: other work on the machine then weighs on both
# series alike instead of on whichever ran while it did.
for _ in $(seq "$RUNS"); do
    for threads in 1 2; do
        # Wall time in milliseconds from the clock (GNU time's %e has 10 ms steps).
        start=$(date +%s%N)
        RAYON_NUM_THREADS=$threads /usr/bin/time -f '%U %S %R' -o "$WORK/cpu.txt" \
            "$BIN" validate "$packed" >/dev/null
        end=$(date +%s%N)
        echo "$(((end - start) / 1000))e-6 $(cat "$WORK/cpu.txt")" >>"$WORK/t$threads.txt"
    done
done
for threads in 1 2; do
    wall[$threads]=$(awk '{printf "%.4f\n", $1}' <"$WORK/t$threads.txt" | median)
    cpu=$(awk '{print $2 + $3}' <"$WORK/t$threads.txt" | median)
    faults=$(cut -d' ' -f4 <"$WORK/t$threads.txt" | median)
    echo "threads=$threads median_wall_s=${wall[$threads]} median_cpu_s=$cpu median_minor_faults=$faults" \
        "walls=$(awk '{printf "%.3f ", $1}' <"$WORK/t$threads.txt")"
done
echo "load after: $(uptime)"
echo "speed-up 1→2 threads: $(echo "${wall[1]} / ${wall[2]}" | bc -l | cut -c1-5)×"
