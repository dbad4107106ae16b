#!/usr/bin/env bash
# Instructions (callgrind) and heap blocks (dhat) per call of the SDK call and
# of the plain hand-written reqwest call, per provider, from the bench's
# profiling mode (see BENCHMARKS.md, "How it measures"). Deterministic: the
# counts do not depend on the machine's load.
#
#   benches/profile.sh [low high]      # default 500 and 1500 calls
#
# PARTNER_BENCH_BIN=<path> profiles an already built bench binary (to
# compare builds of two commits) instead of building this tree's.
#
# Each figure is (profile of `high` calls − profile of `low` calls) /
# (high − low): one-time work (start-up, the first connection, the token or
# session request) cancels out. The whole process is counted (client,
# runtime and the bench's loopback server).
set -euo pipefail
cd "$(dirname "$0")/.."
low=${1:-500}
high=${2:-1500}
command -v valgrind >/dev/null || { echo "valgrind is required" >&2; exit 1; }
bin=${PARTNER_BENCH_BIN:-$(cargo bench --bench partner --no-run --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*partner-[^"]*"' | tail -n 1 | cut -d'"' -f4)}
[ -x "$bin" ] || { echo "could not build the bench" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run() { # tool side calls provider -> total
    local tool=$1 side=$2 n=$3 provider=$4 log="$out/$1-$2-$3-$4"
    case $tool in
    callgrind)
        PARTNER_BENCH_SECTIONS=1 PARTNER_BENCH_PROFILE="$side:1:$n:$provider" \
            valgrind --tool=callgrind --callgrind-out-file="$log.cg" "$bin" >/dev/null 2>&1
        grep -m1 '^summary:' "$log.cg" | awk '{print $2}'
        ;;
    dhat)
        PARTNER_BENCH_SECTIONS=1 PARTNER_BENCH_PROFILE="$side:1:$n:$provider" \
            valgrind --tool=dhat --dhat-out-file="$log.dhat" "$bin" >/dev/null 2>"$log.err"
        grep -m1 'Total:' "$log.err" | sed 's/.* in \([0-9,]*\) blocks.*/\1/' | tr -d ,
        ;;
    esac
}

printf '%-8s %-9s %18s %18s\n' provider side "instructions/call" "blocks/call"
for provider in BBTI DT Brighte DVS; do
    for side in sdk baseline; do
        i_lo=$(run callgrind "$side" "$low" "$provider")
        i_hi=$(run callgrind "$side" "$high" "$provider")
        b_lo=$(run dhat "$side" "$low" "$provider")
        b_hi=$(run dhat "$side" "$high" "$provider")
        awk -v p="$provider" -v s="$side" -v n=$((high - low)) \
            -v i="$((i_hi - i_lo))" -v b="$((b_hi - b_lo))" \
            'BEGIN { printf "%-8s %-9s %18.1f %18.2f\n", p, s, i / n, b / n }'
    done
done
