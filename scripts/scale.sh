#!/usr/bin/env bash
# Issue 16, scale: wall time and peak RSS of the whole `reprise run … --check` on synthetic
# corpora of growing size, and whether a run split into shards and merged with
# `reprise report merge` writes the same reports as the whole run.
#
#   scripts/scale.sh SIZE...             measure: e.g. scripts/scale.sh 10000 100000
#   scripts/scale.sh shards SIZE [N]     a run of SIZE cases whole and as N shards (default
#                                        10), merged; prints IDENTICAL or the differing files
#   scripts/scale.sh merge ROWS [N]      `reprise report merge` alone (wall, peak RSS) over N
#                                        journals (default 10) of ROWS rows in all, made by
#                                        copying the rows of a 1,000-case run under new run ids
#
# measure: for each SIZE, one preparation run writes the snapshots (`--update-snapshots
# always`, timed but not counted), then RUNS runs of
#   reprise run CORPUS --out OUT --snapshots SNAPS --check --no-progress
# each under GNU time (`%e %M`); prints the median wall (s) and median peak RSS (MB) per size,
# and the slope (RSS(last SIZE) − RSS(first SIZE)) / (last − first) in KB per case: with
# `10000 100000`, the issue's "peak RSS per case" (target ≤ 4 KB).
#
# Environment:
#   REPRISE_BIN  the binary (default target/release/reprise; build it with --release)
#   WORK         work folder, kept between calls (default /tmp/reprise-scale): corpora are
#                cached in $WORK/synth-SIZE (as `reprise synth --runs SIZE --seed 1` writes
#                them) or $WORK/jsonl-SIZE (packed), snapshots in $WORK/snaps-SIZE
#   RUNS         measured runs per size (default 3)
#   PACK         1: pack the corpus into JSONL files of ~PACK_MB MB (one document a line,
#                arrays unpacked, the loose files deleted as they are packed); 0: keep the
#                files synth writes; auto (default): pack above 100000 cases
#   PACK_MB      size of a packed file (default 64)
#   JOBS         passed as `-j` (default: reprise's own, the number of CPUs)
#   SNAPS        prepared (default): the measured runs use `--check` against snapshots written
#                once; none: no snapshot folder and `--update-snapshots no` instead of
#                `--check` (no preparation run, no snapshot files: about 6 KB per case less
#                disk; every case's snapshot then counts as new)
# A corpus takes about 36 KB per case as synth writes it (1,000,000 cases: ~35 GB, before
# packing); the script checks `df` first and refuses when the disk cannot hold it.
# Never part of CI: it takes minutes to hours and measures the machine (check `uptime`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${REPRISE_BIN:-$ROOT/target/release/reprise}
WORK=${WORK:-/tmp/reprise-scale}
RUNS=${RUNS:-3}
PACK=${PACK:-auto}
PACK_MB=${PACK_MB:-64}
JOBS=${JOBS:+-j $JOBS}
SNAPS=${SNAPS:-prepared}
# Disk per case, measured on synth --seed 1 (du of 2,000 and 10,000 cases; the reports of a
# 1,000,000-case run: 3.6 GB, the journal with every transcript 2.84 of it), rounded up. A run also keeps its run cache
# in its report folder while it runs (an anonymous file: 4.2 KB a run, about 1.6 runs a case).
CORPUS_KB_PER_CASE=36
REPORT_KB_PER_CASE=4
SNAP_KB_PER_CASE=6
CACHE_KB_PER_CASE=7

usage() { sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
die() { echo "scale.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] || usage
[ -x "$BIN" ] || die "no binary at $BIN (cargo build --release, or set REPRISE_BIN)"
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is needed"
command -v python3 >/dev/null || die "python3 is needed"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

is_size() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
free_kb() { df -Pk "$WORK" | awk 'NR==2 {print $4}'; }

# Refuses unless the disk under $WORK has NEED_KB free.
need_disk() {
    local need=$1 what=$2 free
    free=$(free_kb)
    if [ "$free" -lt "$need" ]; then
        die "$what needs about $(mb "$need") MB on $(df -P "$WORK" | awk 'NR==2 {print $6}'), $(mb "$free") MB are free: free some space or point WORK at a larger disk"
    fi
}

# Should a corpus of N cases be packed?
packs() {
    case $PACK in
        1 | yes) return 0 ;;
        0 | no) return 1 ;;
        auto) [ "$1" -gt 100000 ] ;;
        *) die "PACK must be 1, 0 or auto" ;;
    esac
}

# Prints the folder of the cached corpus of N cases, generating (and packing) it if needed.
corpus() {
    local n=$1
    local raw=$WORK/synth-$n packed=$WORK/jsonl-$n
    if packs "$n"; then
        [ -f "$packed.done" ] && { echo "$packed"; return; }
    else
        [ -f "$raw.done" ] && { echo "$raw"; return; }
    fi
    if [ ! -f "$raw.done" ]; then
        rm -rf "$raw" "$packed" "$packed.done"
        need_disk $((n * CORPUS_KB_PER_CASE)) "a corpus of $n cases"
        echo "generating $n cases into $raw" >&2
        "$BIN" synth --runs "$n" --seed 1 --out "$raw" >/dev/null
        touch "$raw.done"
    fi
    packs "$n" || { echo "$raw"; return; }
    echo "packing $raw into JSONL files of ~$PACK_MB MB in $packed (the loose files go as they are packed)" >&2
    rm -f "$raw.done"
    rm -rf "$packed"
    mkdir -p "$packed"
    python3 - "$raw" "$packed" "$PACK_MB" <<'EOF'
import json, os, sys
src, out, limit = sys.argv[1], sys.argv[2], int(sys.argv[3]) << 20
paths = []
for d, dirs, files in os.walk(src):
    dirs.sort()
    paths += [os.path.join(d, f) for f in sorted(files)]
part, size, f = 0, 0, None
def line(doc):
    global part, size, f
    if f is None or size >= limit:
        if f:
            f.close()
        part += 1
        f, size = open(os.path.join(out, f"part-{part:05}.jsonl"), "w"), 0
    f.write(doc + "\n")
    size += len(doc) + 1
for p in paths:
    with open(p) as src_file:
        text = src_file.read()
    if p.endswith(".jsonl"):
        for l in text.splitlines():
            if l.strip():
                line(l)
    else:
        v = json.loads(text)
        for d in v if isinstance(v, list) else [v]:
            line(json.dumps(d, separators=(",", ":"), ensure_ascii=False))
    os.remove(p)
if f:
    f.close()
print(f"{len(paths)} files packed into {part} JSONL files", file=sys.stderr)
EOF
    rm -rf "$raw"
    touch "$packed.done"
    echo "$packed"
}

# One measured command: appends "WALL_S RSS_KB EXIT" to FILE.
measure() {
    local file=$1 rc=0
    shift
    /usr/bin/time -f '%e %M' -o "$WORK/time.log" "$@" >"$WORK/last.stdout" 2>"$WORK/last.stderr" || rc=$?
    [ -s "$WORK/time.log" ] || die "no time for: $*"
    echo "$(tail -1 "$WORK/time.log") $rc" >>"$file"
}

# The snapshots of the corpus of N cases (written once by an unmeasured-in-the-median run).
snapshots() {
    local n=$1 dir=$2
    local snaps=$WORK/snaps-$n
    if [ ! -f "$snaps.done" ]; then
        rm -rf "$snaps"
        need_disk $((n * (SNAP_KB_PER_CASE + REPORT_KB_PER_CASE + CACHE_KB_PER_CASE))) "the snapshots of $n cases"
        : >"$WORK/prep-$n.txt"
        # shellcheck disable=SC2086
        measure "$WORK/prep-$n.txt" "$BIN" run "$dir" --out "$WORK/out-$n" --snapshots "$snaps" \
            --update-snapshots always --no-progress $JOBS
        read -r w r rc <"$WORK/prep-$n.txt"
        echo "prepared snapshots of $n cases: wall ${w}s, peak $(mb "$r") MB, exit $rc" >&2
        [ "$rc" -le 1 ] || { tail -5 "$WORK/last.stderr" >&2; die "the preparation run failed"; }
        touch "$snaps.done"
    fi
    echo "$snaps"
}

# Sets SNAP_ARGS: the snapshot flags of the measured runs over the corpus DIR of N cases.
snap_args() {
    case $SNAPS in
        none) SNAP_ARGS=(--snapshots "$WORK/no-snapshots" --update-snapshots no) ;;
        prepared)
            local snaps
            snaps=$(snapshots "$1" "$2")
            SNAP_ARGS=(--snapshots "$snaps" --check)
            ;;
        *) die "SNAPS must be prepared or none" ;;
    esac
}

cases_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cases"])' "$1/manifest.json"; }
files_of() { find "$1" -type f | wc -l; }

measure_sizes() {
    local first="" last="" n dir t wall rss rcs
    declare -A RSS
    printf '%-9s %8s %10s %6s %9s %12s  %s\n' cases files corpus_mb runs wall_s peak_rss_mb "walls (s) / exit codes"
    for n in "$@"; do
        is_size "$n" || die "not a size: $n"
        dir=$(corpus "$n")
        snap_args "$n" "$dir"
        need_disk $((n * (REPORT_KB_PER_CASE + CACHE_KB_PER_CASE))) "the reports of $n cases"
        t=$WORK/times-$n.txt
        : >"$t"
        for _ in $(seq "$RUNS"); do
            # shellcheck disable=SC2086
            measure "$t" "$BIN" run "$dir" --out "$WORK/out-$n" "${SNAP_ARGS[@]}" --no-progress $JOBS
        done
        wall=$(cut -d' ' -f1 "$t" | median)
        rss=$(cut -d' ' -f2 "$t" | median)
        RSS[$n]=$rss
        rcs=$(awk '{printf "%s%s/%s", (NR>1?" ":""), $1, $3}' "$t")
        printf '%-9s %8s %10s %6s %9.2f %12s  %s\n' "$(cases_of "$WORK/out-$n")" "$(files_of "$dir")" \
            "$(du -sk "$dir" | awk '{printf "%.0f", $1/1024}')" "$RUNS" "$wall" "$(mb "$rss")" "$rcs"
        grep -qv ' 0$' "$t" && echo "  warning: a run of $n cases did not exit 0 (see $WORK/last.stdout): changed snapshots?" >&2
        [ -z "$first" ] && first=$n
        last=$n
    done
    if [ "$first" != "$last" ]; then
        awk -v a="${RSS[$first]}" -v b="${RSS[$last]}" -v na="$first" -v nb="$last" 'BEGIN {
            printf "peak RSS slope %d → %d cases: %.2f KB per case\n", na, nb, (b - a) / (nb - na) }'
    fi
    echo "work folder: $WORK (raw figures in times-N.txt: wall_s rss_kb exit)"
}

# Masks what must differ between a whole run and a merge of its shards: times, durations,
# the shard and the git commit.
mask() {
    sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+)/<TIME>/g;
        s/"(started_at|ended_at|git_sha|shard|duration[a-z_]*|elapsed[a-z_]*)": *("[^"]*"|[^,}]*)/"\1": X/g' "$1"
}

# Compares two report folders file by file; prints IDENTICAL or the differing files.
compare_folders() {
    local a=$1 b=$2 f same=1
    for f in $( (cd "$a" && ls; cd "$b" && ls) | sort -u); do
        if [ ! -f "$a/$f" ] || [ ! -f "$b/$f" ]; then
            echo "ONLY IN ONE: $f"; same=0; continue
        fi
        if [ "$f" = journal.jsonl ]; then
            # Finish order differs; the rows must not.
            if ! cmp -s <(sort "$a/$f") <(sort "$b/$f"); then
                echo "DIFFERS $f (as sorted lines)"; diff <(sort "$a/$f") <(sort "$b/$f") | head -6 | cut -c1-300; same=0
            fi
        elif ! cmp -s <(mask "$a/$f") <(mask "$b/$f"); then
            echo "DIFFERS $f"; diff <(mask "$a/$f") <(mask "$b/$f") | head -8 | cut -c1-300; same=0
        fi
    done
    [ $same = 1 ] && echo IDENTICAL
    [ $same = 1 ]
}

shards() {
    local n=$1 k=${2:-10} dir out=$WORK/shards-$1 i rc=0 t
    is_size "$n" || die "not a size: $n"
    is_size "$k" || die "not a shard count: $k"
    dir=$(corpus "$n")
    snap_args "$n" "$dir"
    need_disk $((n * (REPORT_KB_PER_CASE * 3 + CACHE_KB_PER_CASE))) "the whole, shard and merged reports of $n cases"
    rm -rf "$out"
    mkdir -p "$out"
    t=$out/times.txt
    # shellcheck disable=SC2086
    measure "$out/whole.txt" "$BIN" run "$dir" --out "$out/whole" "${SNAP_ARGS[@]}" --no-progress $JOBS
    for i in $(seq "$k"); do
        # shellcheck disable=SC2086
        measure "$out/shard.txt" "$BIN" run "$dir" --out "$out/shard-$i" "${SNAP_ARGS[@]}" --no-progress \
            --shard "$i/$k" $JOBS
    done
    local dirs=()
    for i in $(seq "$k"); do dirs+=("$out/shard-$i"); done
    measure "$out/merge.txt" "$BIN" report merge --out "$out/merged" "${dirs[@]}"
    {
        read -r w r c <"$out/whole.txt"
        printf 'whole    %d cases: wall %ss, peak %s MB, exit %s\n' "$(cases_of "$out/whole")" "$w" "$(mb "$r")" "$c"
        awk -v k="$k" '{w += $1; if ($2 > r) r = $2; e = e " " $3} END {
            printf "shards   %d: wall %.2fs in all, largest peak %.1f MB, exits%s\n", k, w, r / 1024, e }' "$out/shard.txt"
        read -r w r c <"$out/merge.txt"
        printf 'merge    %d cases: wall %ss, peak %s MB, exit %s\n' "$(cases_of "$out/merged")" "$w" "$(mb "$r")" "$c"
    } | tee "$t"
    compare_folders "$out/whole" "$out/merged" || rc=1
    echo "folders: $out/whole $out/merged"
    return $rc
}

# `report merge` alone over N shard folders holding ROWS journal rows in all: the rows of a
# 1,000-case run, copied under new run ids (`ID~COPY`), dealt out round-robin, each journal
# in a shuffled order (as cases finish).
merge_only() {
    local rows=$1 k=${2:-10} dir snaps out=$WORK/merge-$1 i
    is_size "$rows" || die "not a row count: $rows"
    is_size "$k" || die "not a shard count: $k"
    dir=$(corpus 1000)
    snaps=$(snapshots 1000 "$dir")
    [ -f "$WORK/out-1000/journal.jsonl" ] || die "no journal in $WORK/out-1000"
    need_disk $((rows * REPORT_KB_PER_CASE * 2)) "$rows journal rows and their merge"
    rm -rf "$out"
    python3 - "$WORK/out-1000/journal.jsonl" "$out" "$rows" "$k" <<'PY'
import json, os, random, sys
src, out, rows, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
base = [json.loads(l) for l in open(src) if l.strip()]
files = []
for i in range(k):
    os.makedirs(f"{out}/shard-{i + 1}")
    files.append(open(f"{out}/shard-{i + 1}/journal.jsonl", "w"))
rng = random.Random(1)
block = []
def flush():
    rng.shuffle(block)
    for n, line in block:
        files[n % k].write(line)
    block.clear()
for n in range(rows):
    row = base[n % len(base)]
    row["run_id"] = f"{row['run_id'].split('~')[0]}~{n // len(base):07}"
    block.append((n, json.dumps(row, separators=(",", ":")) + "\n"))
    if len(block) >= 10000:
        flush()
flush()
PY
    local dirs=()
    for i in $(seq "$k"); do dirs+=("$out/shard-$i"); done
    : >"$out/merge.txt"
    measure "$out/merge.txt" "$BIN" report merge --out "$out/merged" "${dirs[@]}"
    read -r w r c <"$out/merge.txt"
    printf 'merge of %d rows in %d journals (%s MB): wall %ss, peak %s MB, exit %s, %s cases in manifest.json\n' \
        "$rows" "$k" "$(du -sk "${dirs[@]}" | awk '{s += $1} END {printf "%.0f", s / 1024}')" "$w" "$(mb "$r")" "$c" \
        "$(cases_of "$out/merged")"
}

case $1 in
    merge) shift; [ $# -ge 1 ] || usage; merge_only "$@" ;;
    shards) shift; [ $# -ge 1 ] || usage; shards "$@" ;;
    measure) shift; [ $# -ge 1 ] || usage; measure_sizes "$@" ;;
    -h | --help) usage ;;
    *) measure_sizes "$@" ;;
esac
