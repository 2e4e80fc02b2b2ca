#!/usr/bin/env bash
# tfstack benchmark: lint throughput on generated corpora, synth of generated stacks,
# startup, and the same corpora through `terraform fmt -check` and checkov.
#
#   bash bench/run.sh [--quick] [--runs N] [--profile NAME] [--no-checkov] [--checkov-all]
#
#   --quick        corpora of 10 and 100 files, synth of 100 and 1,000 resources, one
#                  module of 20 and 80 files, one large module of 2 MB instead of 20 MB
#   --runs N       timed runs per measurement (median reported; default 5)
#   --profile NAME the cargo profile benchmarked (default `release`, what `cargo run
#                  --release` and `cargo install` build: fat LTO, one codegen unit)
#   --no-checkov   skip checkov (no virtualenv, no PyPI)
#   --checkov-all  also run checkov on the 2,000-file corpus (takes a long time)
#
# Environment: CARGO_TARGET_DIR (default: target/), BENCH_WORK (corpora, outputs and the
# checkov virtualenv; default /tmp/tfstack-bench), CHECKOV_TIMEOUT (seconds per checkov
# run, default 2400).
#
# Wall times come from bash's $EPOCHREALTIME around each run (no extra process in the
# measured interval); peak RSS and CPU use from GNU time (`/usr/bin/time -f '%M %P'`,
# i.e. wait4's ru_maxrss of the process), on the same runs. The results table (markdown)
# is printed and written to $BENCH_WORK/results.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${BENCH_WORK:-/tmp/tfstack-bench}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
CHECKOV_TIMEOUT=${CHECKOV_TIMEOUT:-2400}
QUICK=0
RUNS=5
PROFILE=release
CHECKOV=1
CHECKOV_ALL=0
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --runs) RUNS=$2; shift ;;
    --profile) PROFILE=$2; shift ;;
    --no-checkov) CHECKOV=0 ;;
    --checkov-all) CHECKOV_ALL=1 ;;
    -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

if [ "$QUICK" = 1 ]; then
  SIZES=(10 100)
  SYNTH_SIZES=(100 1000)
  SCALE_SIZES=(20 80)
else
  SIZES=(10 100 500 2000)
  SYNTH_SIZES=(100 1000 10000)
  SCALE_SIZES=(20 80 320 1280)
fi
RESOURCES_PER_FILE=50
SEED=1
mkdir -p "$WORK"
log() { echo "[bench] $*" >&2; }
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

# --- tools -------------------------------------------------------------------------------
if [ ! -x /usr/bin/time ]; then
  log "installing GNU time (peak RSS)"
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq >/dev/null && apt-get install -y -qq time >/dev/null
  else
    sudo apt-get update -qq >/dev/null && sudo apt-get install -y -qq time >/dev/null
  fi
fi
log "building the $PROFILE binaries into $CARGO_TARGET_DIR"
(cd "$ROOT" && cargo build --profile "$PROFILE" --quiet -p tfstack -p tfstack-bench)
case "$PROFILE" in
  dev) BIN=$CARGO_TARGET_DIR/debug ;;
  *) BIN=$CARGO_TARGET_DIR/$PROFILE ;;
esac
TFSTACK=$BIN/tfstack

CHECKOV_BIN=""
if [ "$CHECKOV" = 1 ]; then
  VENV=$WORK/checkov-venv
  if [ ! -x "$VENV/bin/checkov" ]; then
    log "installing checkov into $VENV (PyPI)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip >/dev/null
    "$VENV/bin/pip" install --quiet checkov >/dev/null
  fi
  CHECKOV_BIN=$VENV/bin/checkov
  CHECKOV_VERSION=$("$CHECKOV_BIN" --version 2>/dev/null | tail -1)
fi
TERRAFORM=$(command -v terraform || true)

# --- measuring ---------------------------------------------------------------------------
# measure RUNS CMD…: runs CMD once to warm the page cache, then RUNS times; sets MEDIAN
# (seconds), RSS (max KiB over the runs), CPU (median % of one core) and STATUS (exit code of
# the last run). Standard output of CMD is discarded.
measure() {
  local runs=$1; shift
  local times=() rss=0 cpus=() status=0 t0 t1 stats
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq "$runs"); do
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%M %P' -o "$WORK/.time" "$@" >/dev/null 2>"$WORK/.stderr" && status=0 || status=$?
    t1=$EPOCHREALTIME
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
    stats=$(grep -v '^Command' "$WORK/.time" | tail -1)
    local kb=${stats%% *} cpu=${stats##* }
    [ "$kb" -gt "$rss" ] && rss=$kb
    cpus+=("${cpu%\%}")
  done
  MEDIAN=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  CPU=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  RSS=$rss
  STATUS=$status
}

# time_once CMD…: one run (for slow tools); sets ONCE (seconds) and STATUS.
time_once() {
  local t0 t1
  t0=$EPOCHREALTIME
  "$@" >/dev/null 2>"$WORK/.stderr" && STATUS=0 || STATUS=$?
  t1=$EPOCHREALTIME
  ONCE=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
}

calc() { awk "BEGIN { printf \"$1\", $2 }"; }

# --- lint --------------------------------------------------------------------------------
LINT_ROWS=()
CMP_ROWS=()
declare -A LINT_TIME MB_OF CHECKOV_TIME
for size in "${SIZES[@]}"; do
  dir=$WORK/corpus-$size
  summary=$("$BIN/tfstack-corpus" --seed "$SEED" --files "$size" --resources-per-file "$RESOURCES_PER_FILE" --out "$dir")
  eval "$summary" # sets modules= files= bytes= resources= flawed= suppressed=
  mb=$(calc '%.2f' "$bytes / 1000000")
  MB_OF[$size]=$mb
  log "lint: $size files × $RESOURCES_PER_FILE resources ($summary)"
  measure "$RUNS" "$TFSTACK" lint "$dir" --format json
  [ "$STATUS" = 1 ] || log "warning: tfstack lint exited $STATUS (1 expected: the corpus has findings): $(head -c 300 "$WORK/.stderr")"
  LINT_TIME[$size]=$MEDIAN
  "$TFSTACK" lint "$dir" --format json >"$WORK/lint-$size.json" 2>/dev/null || true
  found=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len({(f["path"], f.get("resource")) for f in d["findings"]}), len(d["findings"]), len(d["suppressed"]), len(d["errors"]))' "$WORK/lint-$size.json")
  read -r flagged nfindings nsuppressed nerrors <<<"$found"
  LINT_ROWS+=("| $size × $RESOURCES_PER_FILE | $files | $modules | $mb | $resources | $nfindings ($flagged resources, $(calc '%.0f' "100 * $flagged / $resources")%), $nsuppressed suppressed | $(calc '%.3f' "$MEDIAN") | $(calc '%.1f' "$mb / $MEDIAN") | $(calc '%.0f' "$resources / $MEDIAN") | $(calc '%.1f' "$RSS / 1024") | $(calc '%.1f' "$RSS / 1024 / ($bytes / 1048576)")× | $CPU% |")

  fmt_cell="not installed"
  if [ -n "$TERRAFORM" ]; then
    measure "$RUNS" "$TERRAFORM" fmt -check -recursive "$dir"
    fmt_clean=$([ "$STATUS" = 0 ] && echo "fmt-clean" || echo "exit $STATUS")
    fmt_cell="$(calc '%.3f' "$MEDIAN") s, $(calc '%.1f' "$mb / $MEDIAN") MB/s ($fmt_clean) | **$(calc '%.1f' "$MEDIAN / ${LINT_TIME[$size]}")×**"
  fi
  checkov_cell="skipped"
  if [ -n "$CHECKOV_BIN" ] && { [ "$size" -le 500 ] || [ "$CHECKOV_ALL" = 1 ]; }; then
    log "checkov on $size × $RESOURCES_PER_FILE (one run; timeout ${CHECKOV_TIMEOUT}s)"
    time_once timeout "$CHECKOV_TIMEOUT" "$CHECKOV_BIN" -d "$dir" --framework terraform --quiet --compact -o json
    if [ "$STATUS" = 124 ]; then
      checkov_cell="timed out after ${CHECKOV_TIMEOUT} s"
    else
      CHECKOV_TIME[$size]=$ONCE
      checkov_cell="$ONCE s, $(calc '%.3f' "$mb / $ONCE") MB/s (exit $STATUS) | **$(calc '%.0f' "$ONCE / ${LINT_TIME[$size]}")×**"
    fi
  fi
  if [ "$checkov_cell" = skipped ] || [[ "$checkov_cell" == timed* ]]; then
    # Extrapolate from the largest corpus checkov finished, per MB (stated as such).
    best=""
    for s in "${!CHECKOV_TIME[@]}"; do
      if [ -z "$best" ] || [ "$s" -gt "$best" ]; then best=$s; fi
    done
    if [ -n "$best" ]; then
      est=$(calc '%.0f' "${CHECKOV_TIME[$best]} / ${MB_OF[$best]} * $mb")
      checkov_cell="$checkov_cell; ≈ $est s extrapolated per MB from the $best × $RESOURCES_PER_FILE run | ≈ $(calc '%.0f' "$est / ${LINT_TIME[$size]}")× (extrapolated)"
    else
      checkov_cell="$checkov_cell | –"
    fi
  fi
  [ -n "$TERRAFORM" ] || fmt_cell="$fmt_cell | –"
  CMP_ROWS+=("| $size × $RESOURCES_PER_FILE | $mb | $(calc '%.3f' "${LINT_TIME[$size]}") s | $fmt_cell | $checkov_cell |")
done

# The largest corpus again with --format github (one line per finding, no JSON document):
# how much of the peak memory is the JSON report.
largest=${SIZES[${#SIZES[@]}-1]}
measure "$RUNS" "$TFSTACK" lint "$WORK/corpus-$largest" --format github
GITHUB_LINE="The $largest × $RESOURCES_PER_FILE corpus with \`--format github\` instead: $(calc '%.3f' "$MEDIAN") s ($(calc '%.1f' "${MB_OF[$largest]} / $MEDIAN") MB/s), peak RSS $(calc '%.1f' "$RSS / 1024") MiB ($(calc '%.1f' "$RSS / 1024 / (${MB_OF[$largest]} * 1000000 / 1048576)")× the input)."

# The other formats on the largest corpus: SARIF carries the rule descriptions as well.
measure "$RUNS" "$TFSTACK" lint "$WORK/corpus-$largest" --format sarif
SARIF_LINE="With \`--format sarif\`: $(calc '%.3f' "$MEDIAN") s ($(calc '%.1f' "${MB_OF[$largest]} / $MEDIAN") MB/s), peak RSS $(calc '%.1f' "$RSS / 1024") MiB ($(calc '%.1f' "$RSS / 1024 / (${MB_OF[$largest]} * 1000000 / 1048576)")× the input)."

# --- scaling within one module -------------------------------------------------------------
# Cross-resource rules work within a module, so a pair scan anywhere shows up as time per
# resource growing with the size of one module. Each corpus here is a single module.
SCALE_ROWS=()
base_us=""
for f in "${SCALE_SIZES[@]}"; do
  dir=$WORK/module-$f
  summary=$("$BIN/tfstack-corpus" --seed "$SEED" --files "$f" --files-per-module "$f" --resources-per-file "$RESOURCES_PER_FILE" --out "$dir")
  eval "$summary"
  log "scaling: one module of $f files ($summary)"
  measure "$RUNS" "$TFSTACK" lint "$dir" --format json
  us=$(calc '%.1f' "1000000 * $MEDIAN / $resources")
  [ -n "$base_us" ] || base_us=$us
  SCALE_ROWS+=("| $f | $resources | $(calc '%.2f' "$bytes / 1000000") | $(calc '%.3f' "$MEDIAN") | $us | $(calc '%.2f' "$us / $base_us")× | $(calc '%.1f' "$RSS / 1024") | $CPU% |")
done

# --- one large module ----------------------------------------------------------------------
# A single module held whole while it is linted: one file of about 20 MB (54,000 resources;
# --quick: about 2 MB), in the machine and the human format.
LARGE_ROWS=()
if [ "$QUICK" = 1 ]; then LARGE_RESOURCES=5400; else LARGE_RESOURCES=54000; fi
dir=$WORK/large-module
summary=$("$BIN/tfstack-corpus" --seed "$SEED" --files 1 --resources-per-file "$LARGE_RESOURCES" --out "$dir")
eval "$summary"
log "one large module: one file of $LARGE_RESOURCES resources ($summary)"
for format in json human; do
  measure "$RUNS" "$TFSTACK" lint "$dir" --format "$format"
  LARGE_ROWS+=("| one module, one file | $(calc '%.2f' "$bytes / 1000000") | $resources | $format | $(calc '%.3f' "$MEDIAN") | $(calc '%.1f' "$bytes / 1000000 / $MEDIAN") | $(calc '%.1f' "$RSS / 1024") | $(calc '%.1f' "$RSS / 1024 / ($bytes / 1048576)")× | $CPU% |")
done

# --- many small modules --------------------------------------------------------------------
# Public repositories of reusable modules: hundreds of modules of one to three files. The
# pipeline must keep both cores busy here too (CPU / wall ≥ 1.6 on two cores).
SMALL_FILES=$([ "$QUICK" = 1 ] && echo 200 || echo 1000)
dir=$WORK/small-modules
summary=$("$BIN/tfstack-corpus" --seed "$SEED" --files "$SMALL_FILES" --max-files-per-module 3 --resources-per-file 5 --out "$dir")
eval "$summary"
log "many small modules: $summary"
measure "$RUNS" "$TFSTACK" lint "$dir" --format json
SMALL_LINE="| $modules | $files | $(calc '%.2f' "$bytes / 1000000") | $resources | $(calc '%.3f' "$MEDIAN") | $(calc '%.2f' "$CPU / 100") | $(calc '%.1f' "$RSS / 1024") | $(cut -d' ' -f1 /proc/loadavg) |"

# --- synth -------------------------------------------------------------------------------
SYNTH_ROWS=()
rm -rf "$WORK/synth-runs"
for n in "${SYNTH_SIZES[@]}"; do
  log "synth: $n resources"
  # Every timed run writes everything into a new folder. Folders are removed only at the
  # end: ext4 skips inodes freed in the last minutes when it allocates new ones, so
  # creating thousands of files right after deleting thousands costs seconds of kernel
  # time that have nothing to do with tfstack.
  times=()
  rss=0
  for i in $(seq 0 "$RUNS"); do
    out=$WORK/synth-runs/$n-$i-$RANDOM
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%M %P' -o "$WORK/.time" "$BIN/tfstack-synth-bench" --resources "$n" --out "$out" >/dev/null 2>"$WORK/.stderr" || { log "synth failed: $(cat "$WORK/.stderr")"; exit 1; }
    t1=$EPOCHREALTIME
    [ "$i" = 0 ] && continue # warm-up
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
    kb=$(grep -v '^Command' "$WORK/.time" | tail -1 | cut -d' ' -f1)
    [ "$kb" -gt "$rss" ] && rss=$kb
  done
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  nfiles=$(find "$out" -type f | wc -l)
  tfbytes=$(find "$out" -name '*.tf' -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
  SYNTH_ROWS+=("| $n | $nfiles | $(calc '%.2f' "$tfbytes / 1000000") | $(calc '%.3f' "$median") | $(calc '%.0f' "$n / $median") | $(calc '%.1f' "$rss / 1024") |")
done

# --- startup -----------------------------------------------------------------------------
empty=$WORK/empty
rm -rf "$empty" && mkdir -p "$empty"
startup=()
"$TFSTACK" lint "$empty" --format json >/dev/null 2>&1 || true
for _ in $(seq 20); do
  t0=$EPOCHREALTIME
  "$TFSTACK" lint "$empty" --format json >/dev/null 2>&1 || true
  t1=$EPOCHREALTIME
  startup+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
done
STARTUP_MS=$(printf '%s\n' "${startup[@]}" | sort -g | awk '{ a[NR] = $1 } END { printf "%.1f", 1000 * (a[NR / 2] + a[NR / 2 + 1]) / 2 }')

rm -rf "$WORK/synth-runs"

# --- report ------------------------------------------------------------------------------
{
  echo "## tfstack benchmark"
  echo
  echo "$(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'); $(uname -sr)."
  echo "tfstack $("$TFSTACK" --version | awk '{ print $2 }') (\`$PROFILE\` profile); $([ -n "$TERRAFORM" ] && "$TERRAFORM" version 2>/dev/null | awk 'NR == 1' || echo 'terraform: not installed'); checkov ${CHECKOV_VERSION:-not run}."
  echo "Median of $RUNS runs after one warm-up run (page cache warm); seed $SEED. Load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "### Lint (\`tfstack lint DIR --format json > /dev/null\`)"
  echo
  echo "| corpus | files | modules | MB | resources | findings | wall (s) | MB/s | resources/s | peak RSS (MiB) | RSS / input | CPU |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${LINT_ROWS[@]}"
  echo
  echo "$GITHUB_LINE"
  echo "$SARIF_LINE"
  echo
  echo "### Many small modules (\`tfstack lint DIR --format json\`; modules of 1–3 \`.tf\` files of 5 resources, \`main.tf\` declaring the variables and locals)"
  echo
  echo "| modules | files | MB | resources | wall (s) | CPU / wall | peak RSS (MiB) | load (1 min) after |"
  echo "|---|---|---|---|---|---|---|---|"
  echo "$SMALL_LINE"
  echo
  echo "### Scaling within one module (\`tfstack lint DIR --format json\`, DIR one module)"
  echo
  echo "| resource files | resources | MB | wall (s) | µs per resource | vs the smallest | peak RSS (MiB) | CPU |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${SCALE_ROWS[@]}"
  echo
  echo "### One large module (\`tfstack lint DIR --format json|human\`, DIR one module of one file)"
  echo
  echo "| shape | MB | resources | format | wall (s) | MB/s | peak RSS (MiB) | RSS / input | CPU |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${LARGE_ROWS[@]}"
  echo
  echo "### Side by side on the same corpus"
  echo
  echo "| corpus | MB | tfstack lint | terraform fmt -check -recursive | tfstack faster by | checkov (1 run) | tfstack faster by |"
  echo "|---|---|---|---|---|---|---|"
  printf '%s\n' "${CMP_ROWS[@]}"
  echo
  echo "### Synth (\`tfstack synth --out DIR --no-lint\` of a generated typed stack)"
  echo
  echo "| resources | files written | .tf MB | wall (s) | resources/s | peak RSS (MiB) |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${SYNTH_ROWS[@]}"
  echo
  echo "### Startup"
  echo
  echo "\`tfstack lint\` on an empty folder: **$STARTUP_MS ms** (median of 20 runs)."
} | tee "$WORK/results.md"
log "written to $WORK/results.md"
