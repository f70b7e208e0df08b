#!/usr/bin/env bash
# Whole-process timing of klar-lint (every rule) against schema-only validators, each
# validating the same generated orders against klar-lint's own orders schema
# (schemas/07.2025/orders.schema.json), with hyperfine; peak RSS from /usr/bin/time -v.
#
#   bench/compare.sh            # the full run (about 15 minutes on two cores)
#   bench/compare.sh --quick    # one run each, 20,000 JSON Lines records: checks the script
#
# Peers are installed on first use into a cache folder outside the repository
# (KLAR_BENCH_CACHE, default ${XDG_CACHE_HOME:-$HOME/.cache}/klar-lint-bench), pinned:
# jsonschema-cli and boon-cli (cargo install), ajv-cli with ajv-formats (npm), and
# check-jsonschema (pip, in a venv). A peer that cannot be installed is left out of the table.
# hyperfine, GNU time and jq come from Debian's packages when missing.
#
# Scenarios: one 1-order file (start-up); 2,000 one-order files; 100 files of 1,000 orders;
# one 25 MB array; one JSON Lines file of 200,000 orders (the peers cannot read JSON Lines:
# klar-lint against a bare, single-threaded per-line serde_json parse, examples/parse_lines.rs),
# and the same at twice the records, to show memory does not grow with the file; and
# `klar-lint split` cutting a JSON Lines file of 250,000 orders into bodies of 1,000
# (docs/split.md; no peer does this).
# Checks across files (docs/cross-file.md): the same number of orders in 4 JSON Lines files,
# with a COGS item per order line and a logistics cost per order in 4 files each, klar-lint
# against itself with the four rules that check across files off (nothing collected).
#
# The table goes to standard output and to $KLAR_BENCH_CACHE/results/table.md.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${KLAR_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/klar-lint-bench}
SCHEMA=$ROOT/schemas/07.2025/orders.schema.json
SEED=${KLAR_BENCH_SEED:-7}
RECORDS=${KLAR_BENCH_RECORDS:-200000}
SPLIT_RECORDS=${KLAR_BENCH_SPLIT_RECORDS:-250000}
QUICK=0
if [[ ${1:-} == --quick ]]; then
  QUICK=1
  RECORDS=20000
  SPLIT_RECORDS=20000
fi
DATA=$CACHE/data/seed-$SEED
OUT=$CACHE/results
mkdir -p "$CACHE" "$DATA" "$OUT"

say() { printf '== %s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

apt_install() {
  local sudo=""
  if [[ $(id -u) != 0 ]]; then sudo=sudo; fi
  say "installing $* from Debian's packages"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "$@" >/dev/null
}
have hyperfine || apt_install hyperfine
[[ -x /usr/bin/time ]] || apt_install time
have jq || apt_install jq

# The `dist` profile (Cargo.toml): fat LTO and one codegen unit, the build releases ship. The
# plain `release` profile builds faster and runs a little slower.
say "building klar-lint (profile dist) and the data generator"
(cd "$ROOT" && cargo build --profile dist --quiet --bin klar-lint --example generate --example parse_lines)
KLAR=$ROOT/target/dist/klar-lint
GEN=$ROOT/target/dist/examples/generate
PARSE_LINES=$ROOT/target/dist/examples/parse_lines

# ---- peers, pinned, installed once ----------------------------------------------------------
JSONSCHEMA=$CACHE/cargo/bin/jsonschema-cli
BOON=$CACHE/cargo/bin/boon
AJV=$CACHE/npm/node_modules/.bin/ajv
CHECK=$CACHE/venv/bin/check-jsonschema
install_peer() {
  case $1 in
    jsonschema-cli) [[ -x $JSONSCHEMA ]] || cargo install --quiet --locked --root "$CACHE/cargo" jsonschema-cli --version 0.60.2 ;;
    boon) [[ -x $BOON ]] || cargo install --quiet --locked --root "$CACHE/cargo" boon-cli --version 0.6.2 ;;
    ajv) [[ -x $AJV ]] || npm install --silent --no-audit --no-fund --prefix "$CACHE/npm" ajv-cli@5.0.0 ajv-formats@3.0.1 ;;
    check-jsonschema)
      [[ -x $CHECK ]] || { python3 -m venv "$CACHE/venv" && "$CACHE/venv/bin/pip" install --quiet check-jsonschema==0.39.0; } ;;
  esac
}
PEERS=()
for peer in ${KLAR_BENCH_PEERS:-jsonschema-cli boon ajv check-jsonschema}; do
  say "peer $peer"
  if install_peer "$peer" >"$CACHE/install-$peer.log" 2>&1; then
    PEERS+=("$peer")
  else
    say "could not install $peer (see $CACHE/install-$peer.log): left out"
  fi
done

# ---- data -------------------------------------------------------------------------------
generate() { # name orders-per-file files [--ndjson]
  local dir=$DATA/$1
  if [[ ! -f $dir/.done ]]; then
    rm -rf "$dir"
    "$GEN" --seed "$SEED" --orders "$2" --files "$3" ${4:-} --out "$dir" 2>/dev/null
    touch "$dir/.done"
  fi
  printf '%s' "$dir"
}
say "generating data in $DATA"
SMALL=$(generate small 1 1)
MANY=$(generate many 1 2000)
BATCHES=$(generate batches 1000 100)
BIG=$(generate big 13000 1) # 26 MB: 25 MiB
JSONL=$(generate "jsonl-$RECORDS" "$RECORDS" 1 --ndjson)
JSONL2=$(generate "jsonl-$((2 * RECORDS))" "$((2 * RECORDS))" 1 --ndjson)
SPLIT=$(generate "jsonl-$SPLIT_RECORDS" "$SPLIT_RECORDS" 1 --ndjson)
# Bodies go outside the data folder; each run replaces the last one's (--force).
SPLIT_OUT=$CACHE/split-out
# Checks across files: orders in 4 files, their COGS (one item per line with an `id`) and
# logistics costs (one per order) in 4 files each, made from the orders with jq.
cross_data() { # orders-per-file files
  local dir=$DATA/cross-$1x$2 f n
  if [[ ! -f $dir/.done ]]; then
    rm -rf "$dir"
    "$GEN" --seed "$SEED" --orders "$1" --files "$2" --ndjson --out "$dir" 2>/dev/null
    mkdir -p "$dir/07.2025/cogs" "$dir/07.2025/logistics-costs"
    for f in "$dir"/07.2025/orders/*.jsonl; do
      n=$(basename "$f" .jsonl)
      n=${n#orders-}
      jq -c '.id as $o | .lineItems[] | select(.id) | {orderId: $o, lineItemId: .id, productCogs: 1.5}' \
        "$f" >"$dir/07.2025/cogs/cogs-$n.jsonl"
      jq -c '{orderId: .id, totalLogisticsCosts: 4.9}' "$f" >"$dir/07.2025/logistics-costs/logistics-costs-$n.jsonl"
    done
    touch "$dir/.done"
  fi
  printf '%s' "$dir"
}
CROSS=$(cross_data "$((RECORDS / 4))" 4)
CROSS_RULES=unknown-order,unknown-line-item,over-refund,conflicting-cost
# One file is one array of 13,000 orders, not one request: let klar-lint take it whole.
BIG_CONFIG=$CACHE/big-array.toml
printf 'max-batch-size = 1000000\n' >"$BIG_CONFIG"

# Commands run from the scenario's folder with relative file names: 2,000 absolute paths in
# one command line would pass the kernel's 128 kB limit on one argument (hyperfine's).
files() { (cd "$1" && find 07.2025/orders -name "*.$2" | sort); }
size() { du -sb --exclude=.done "$1" | cut -f1; }

# ---- commands -----------------------------------------------------------------------------
# command TOOL SCENARIO: the command line (no shell: hyperfine -N), on one line.
command_for() {
  local tool=$1 scenario=$2 dir list
  dir=$(dir_for "$scenario")
  list=$(files "$dir" json | tr '\n' ' ')
  case $tool in
    klar-lint)
      if [[ $scenario == big ]]; then
        echo "$KLAR --config $BIG_CONFIG --quiet 07.2025/orders"
      elif [[ $scenario == cross ]]; then
        echo "$KLAR --no-config --quiet 07.2025"
      else
        echo "$KLAR --no-config --quiet 07.2025/orders"
      fi ;;
    klar-lint-no-ids) echo "$KLAR --no-config --quiet --ignore duplicate-id 07.2025/orders" ;;
    klar-lint-split) echo "$KLAR split --no-config --no-progress --force --out $SPLIT_OUT 07.2025/orders" ;;
    klar-lint-no-cross) echo "$KLAR --no-config --quiet --ignore $CROSS_RULES 07.2025" ;;
    parse-lines) echo "$PARSE_LINES $(files "$dir" jsonl)" ;;
    jsonschema-cli) echo "$JSONSCHEMA validate $SCHEMA $(printf -- '-i %s ' $list)" ;;
    boon) echo "$BOON $SCHEMA $list" ;;
    ajv) echo "$AJV validate --spec=draft2020 -c ajv-formats --errors=no -s $SCHEMA -d 07.2025/orders/*.json" ;;
    check-jsonschema) echo "$CHECK --schemafile $SCHEMA $list" ;;
  esac
}

dir_for() {
  case $1 in
    small) echo "$SMALL" ;; many) echo "$MANY" ;; batches) echo "$BATCHES" ;; big) echo "$BIG" ;;
    jsonl) echo "$JSONL" ;; jsonl2) echo "$JSONL2" ;; split) echo "$SPLIT" ;;
    cross) echo "$CROSS" ;;
  esac
}

# Runs per tool and scenario: enough for a stable median, few where one run takes minutes.
runs_for() {
  if ((QUICK)); then echo 1; return; fi
  case $1/$2 in
    */small) echo 50 ;;
    check-jsonschema/batches | check-jsonschema/big | boon/batches | ajv/batches) echo 1 ;;
    check-jsonschema/* | boon/* | ajv/*) echo 3 ;;
    */jsonl2 | */split) echo 3 ;;
    *) echo 5 ;;
  esac
}

measure() { # tool scenario -> "median_seconds peak_rss_kb"
  local tool=$1 scenario=$2 cmd runs json
  cmd=$(command_for "$tool" "$scenario")
  runs=$(runs_for "$tool" "$scenario")
  json=$OUT/$scenario-$tool.json
  local warmup=1
  if ((runs == 1)); then warmup=0; fi
  # Exit codes are checked: every tool must find the data valid.
  cd "$(dir_for "$scenario")"
  hyperfine -N --style none --warmup "$warmup" --runs "$runs" --export-json "$json" \
    --command-name "$tool" "$cmd" >"$OUT/$scenario-$tool.log" 2>&1 || {
    say "$tool failed on $scenario (see $OUT/$scenario-$tool.log): ${cmd:0:200}..."
    echo "- -"
    return
  }
  local median rss
  median=$(jq '.results[0].median' "$json")
  # shellcheck disable=SC2086 # the command is a word list
  /usr/bin/time -v -o "$OUT/$scenario-$tool.time" $cmd >/dev/null 2>&1 || true
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$OUT/$scenario-$tool.time")
  echo "$median ${rss:--}"
}

fmt_time() { awk -v s="$1" 'BEGIN { if (s == "-") print "failed"; else if (s < 1) printf "%.1f ms", s * 1000; else printf "%.2f s", s }'; }
fmt_rss() { awk -v k="$1" 'BEGIN { if (k == "-") print "-"; else printf "%.0f MB", k / 1024 }'; }
fmt_ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-") print "-"; else printf "%.1fx", a / b }'; }
fmt_size() { awk -v b="$1" 'BEGIN { if (b >= 1e6) printf "%.0f MB", b / 1e6; else printf "%.0f kB", b / 1e3 }'; }

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
TABLE=$OUT/table.md
{
  echo "| Scenario | Tool | Median | Time vs klar-lint | Peak RSS |"
  echo "|---|---|---:|---:|---:|"
} >"$TABLE"

row() { # scenario-label tool-label median rss ratio
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$2" "$(fmt_time "$3")" "$5" "$(fmt_rss "$4")" >>"$TABLE"
}

scenario() { # key label tools...
  local key=$1 label=$2
  shift 2
  say "scenario: $label"
  local klar klar_median klar_rss
  klar=$(measure klar-lint "$key")
  read -r klar_median klar_rss <<<"$klar"
  row "$label" "**klar-lint** (schema + every rule)" "$klar_median" "$klar_rss" "1.0x"
  local tool result median rss name
  for tool in "$@"; do
    result=$(measure "$tool" "$key")
    read -r median rss <<<"$result"
    case $tool in
      parse-lines) name="bare per-line serde_json parse, 1 thread" ;;
      klar-lint-no-ids) name="klar-lint \`--ignore duplicate-id\` (remembers no ids)" ;;
      klar-lint-no-cross) name="klar-lint, the 4 rules across files off (collects nothing)" ;;
      *) name="$tool (schema only)" ;;
    esac
    row "" "$name" "$median" "$rss" "$(fmt_ratio "$median" "$klar_median")"
  done
}

scenario small "Start-up: one 1-order file" "${PEERS[@]}"
scenario many "2,000 one-order files ($(fmt_size "$(size "$MANY")"))" "${PEERS[@]}"
scenario batches "100 files of 1,000 orders ($(fmt_size "$(size "$BATCHES")"))" "${PEERS[@]}"
scenario big "One array of 13,000 orders ($(fmt_size "$(size "$BIG")"))" "${PEERS[@]}"
scenario jsonl "JSON Lines, $RECORDS orders ($(fmt_size "$(size "$JSONL")"))" parse-lines klar-lint-no-ids
scenario jsonl2 "JSON Lines, $((2 * RECORDS)) orders ($(fmt_size "$(size "$JSONL2")"))" parse-lines klar-lint-no-ids
scenario cross "Across files: $RECORDS orders + COGS + logistics costs, 12 JSON Lines files ($(fmt_size "$(size "$CROSS")"))" klar-lint-no-cross

# `klar-lint split`: the lint of every order plus the bodies and the manifest written.
say "scenario: split"
read -r split_median split_rss <<<"$(measure klar-lint-split split)"
row "\`klar-lint split\`: JSON Lines, $SPLIT_RECORDS orders ($(fmt_size "$(size "$SPLIT")")) into bodies of 1,000" \
  "**klar-lint split** (every rule, bodies and manifest written)" "$split_median" "$split_rss" "-"

{
  echo
  echo "Machine: $(nproc) CPUs, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)," \
    "$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM, $(uname -sr);" \
    "load average before the run: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Tools: klar-lint $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?') (profile dist," \
    "mimalloc), jsonschema-cli 0.60.2, boon-cli 0.6.2, ajv-cli 5.0.0 with ajv-formats 3.0.1 (node" \
    "$(node --version 2>/dev/null || echo '?')), check-jsonschema 0.39.0 (python" \
    "$(python3 -c 'import platform; print(platform.python_version())' 2>/dev/null || echo '?')), $(hyperfine --version)."
  echo "Median of $(runs_for jsonschema-cli many) runs (50 for start-up; 1 to 3 for the slowest peers), after one warm-up run;" \
    "\"Time vs klar-lint\" is the tool's median over klar-lint's (above 1.0x: klar-lint is faster)."
} >>"$TABLE"
cat "$TABLE"
