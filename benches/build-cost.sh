#!/usr/bin/env bash
# What a one-provider application costs to build with the SDK, against the
# same call written by hand on reqwest with the same TLS choice: a cold
# `cargo build --release` (fresh target directory, sources already
# downloaded), its CPU-seconds (user + system of cargo and every rustc, cc
# and build script it ran), its wall time, and the binary's size.
#
#   benches/build-cost.sh [tls ...]     # default: rustls rustls-aws-lc
#
# PARTNER_BUILD_COST_API=dvs builds the DT One DVS pair instead of the Goods
# & Services one (default `gs`); `dvs-typed` the same SDK app against a
# hand-written one that decodes the whole typed transaction (and the error
# body) rather than the three fields it prints.
#
# PARTNER_BUILD_COST_RUNS=n (default 1) builds each app n times, the two
# apps alternating, and reports the median of each: on a shared machine a
# build's CPU-seconds move by several per cent from one run to the next.
#
# PARTNER_BUILD_COST_CRATES=1 also times every rustc the builds run (a
# RUSTC_WRAPPER writing each crate's user + system seconds) and prints,
# per TLS choice, the crates whose CPU-seconds differ between the two apps
# by more than 0.2 s, summed over the runs and divided by their number:
# steadier than the whole build's seconds, and it names what the SDK adds.
# It also prints the sum over all crates of each crate's median rustc CPU
# per app, and their ratio (C builds run by build scripts not included).
#
# tls is the SDK's TLS feature: `rustls` (rustls on ring, the default) or
# `rustls-aws-lc` (reqwest's own rustls, on aws-lc-rs). The hand-written app
# uses the same TLS: reqwest's `rustls-no-provider` with ring installed as
# the process's provider, or reqwest's `rustls`.
#
# The apps are benches/build-cost/sdk.rs (partner-sdk with only
# `dtone-gs`, the Goods & Services client) and benches/build-cost/plain.rs
# (reqwest, serde, hmac, sha2, base64), or for DVS sdk_dvs.rs (only
# `dtone-dvs`) and plain_dvs.rs (reqwest's Basic auth, serde), or
# plain_dvs_typed.rs (the same with rust_decimal) for `dvs-typed`, each
# built as its own package with this repository's Cargo.lock, so both get
# the same versions of what they share. The builds run one after another;
# CPU-seconds hardly depend on the machine's load, wall time does.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
tls_choices=("$@")
[ ${#tls_choices[@]} -gt 0 ] || tls_choices=(rustls rustls-aws-lc)
api=${PARTNER_BUILD_COST_API:-gs}
case $api in
gs) sdk_src=sdk.rs plain_src=plain.rs feature=dtone-gs ;;
dvs) sdk_src=sdk_dvs.rs plain_src=plain_dvs.rs feature=dtone-dvs ;;
dvs-typed) sdk_src=sdk_dvs.rs plain_src=plain_dvs_typed.rs feature=dtone-dvs ;;
*) echo "unknown API: $api (gs, dvs or dvs-typed)" >&2; exit 2 ;;
esac
out=${PARTNER_BUILD_COST_DIR:-$(mktemp -d)}
mkdir -p "$out"
[ -n "${PARTNER_BUILD_COST_DIR:-}" ] || trap 'rm -rf "$out"' EXIT
[ -x /usr/bin/time ] || { echo "/usr/bin/time is required (GNU time)" >&2; exit 1; }

manifest() { # side tls
    local side=$1 tls=$2
    printf '[package]\nname = "%s-app"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n' "$side"
    printf '[[bin]]\nname = "app"\npath = "main.rs"\n\n[workspace]\n\n'
    case $side in
    sdk)
        printf '[dependencies]\npartner-sdk = { path = "%s", default-features = false, features = ["%s", "%s"] }\n' "$repo" "$feature" "$tls"
        ;;
    plain)
        case $tls in
        rustls)
            printf '[features]\ndefault = ["ring"]\nring = ["dep:rustls"]\n\n[dependencies]\n'
            printf 'reqwest = { version = "0.13", default-features = false, features = ["http2", "charset", "json", "rustls-no-provider"] }\n'
            printf 'rustls = { version = "0.23", default-features = false, features = ["ring", "std", "tls12"], optional = true }\n'
            ;;
        rustls-aws-lc)
            printf '[dependencies]\n'
            printf 'reqwest = { version = "0.13", default-features = false, features = ["http2", "charset", "json", "rustls"] }\n'
            ;;
        *) echo "unknown TLS choice: $tls" >&2; exit 2 ;;
        esac
        printf 'serde = { version = "1", features = ["derive"] }\nserde_json = "1"\n'
        case $api in
        gs) printf 'hmac = "0.12"\nsha2 = "0.10"\nbase64 = "0.23"\n' ;;
        dvs-typed) printf 'rust_decimal = { version = "1.36", default-features = false, features = ["std", "serde"] }\n' ;;
        esac
        ;;
    esac
    printf 'tokio = { version = "1", default-features = false, features = ["rt", "macros"] }\n'
}

wrapper="$out/time-rustc"
cat >"$wrapper" <<'WRAPPER'
#!/usr/bin/env bash
name=unknown
prev=
for arg in "$@"; do
    [ "$prev" = --crate-name ] && name=$arg
    prev=$arg
done
exec /usr/bin/time -a -o "$PARTNER_BUILD_COST_RUSTC_LOG" -f "$name %U %S" "$@"
WRAPPER
chmod +x "$wrapper"

build() { # side tls run -> "wall cpu bytes"
    local side=$1 tls=$2 dir="$out/$2/$1-$3"
    rm -rf "$dir"
    mkdir -p "$dir"
    manifest "$side" "$tls" >"$dir/Cargo.toml"
    local src=$sdk_src
    [ "$side" = sdk ] || src=$plain_src
    cp "$repo/benches/build-cost/$src" "$dir/main.rs"
    cp "$repo/Cargo.lock" "$dir/Cargo.lock"
    (cd "$dir" && cargo fetch -q >/dev/null 2>&1 || true)
    local rustc_wrapper=
    [ "${PARTNER_BUILD_COST_CRATES:-0}" = 1 ] && rustc_wrapper=$wrapper
    (cd "$dir" && CARGO_TARGET_DIR="$dir/target" CARGO_INCREMENTAL=0 RUSTC_WRAPPER="$rustc_wrapper" \
        PARTNER_BUILD_COST_RUSTC_LOG="$out/$2.$1.rustc" /usr/bin/time -f '%e %U %S' -o "$dir/time" cargo build -q --release --offline >"$dir/log" 2>&1) || {
        cat "$dir/log" >&2
        exit 1
    }
    read -r wall user sys <"$dir/time"
    echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }') $(stat -c %s "$dir/target/release/app")"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

runs=${PARTNER_BUILD_COST_RUNS:-1}
printf '%-14s %-6s %9s %9s %10s   (%s, median of %s)\n' tls app "wall s" "CPU s" "MB" "$api" "$runs"
for tls in "${tls_choices[@]}"; do
    : >"$out/$tls.sdk" && : >"$out/$tls.plain" && : >"$out/$tls.sdk.rustc" && : >"$out/$tls.plain.rustc"
    for run in $(seq "$runs"); do
        build sdk "$tls" "$run" >>"$out/$tls.sdk"
        build plain "$tls" "$run" >>"$out/$tls.plain"
    done
    sdk_wall=$(cut -d' ' -f1 "$out/$tls.sdk" | median)
    sdk_cpu=$(cut -d' ' -f2 "$out/$tls.sdk" | median)
    sdk_bytes=$(cut -d' ' -f3 "$out/$tls.sdk" | median)
    plain_wall=$(cut -d' ' -f1 "$out/$tls.plain" | median)
    plain_cpu=$(cut -d' ' -f2 "$out/$tls.plain" | median)
    plain_bytes=$(cut -d' ' -f3 "$out/$tls.plain" | median)
    awk -v t="$tls" -v sw="$sdk_wall" -v sc="$sdk_cpu" -v sb="$sdk_bytes" \
        -v pw="$plain_wall" -v pc="$plain_cpu" -v pb="$plain_bytes" 'BEGIN {
        printf "%-14s %-6s %9.1f %9.1f %10.2f\n", t, "sdk", sw, sc, sb / 1e6
        printf "%-14s %-6s %9.1f %9.1f %10.2f\n", t, "plain", pw, pc, pb / 1e6
        printf "%-14s %-6s %8.2fx %8.2fx %9.2fx\n", t, "ratio", sw / pw, sc / pc, sb / pb
    }'
    echo "$tls CPU s per run: sdk $(cut -d' ' -f2 "$out/$tls.sdk" | tr '\n' ' ')plain $(cut -d' ' -f2 "$out/$tls.plain" | tr '\n' ' ')"
    if [ "${PARTNER_BUILD_COST_CRATES:-0}" = 1 ]; then
        echo "$tls per crate (CPU s per build, sdk plain difference):"
        awk -v runs="$runs" '
            FNR == 1 { side++ }
            NF == 3 && $2 ~ /^[0-9.]+$/ { cpu[$1, side] += $2 + $3; seen[$1] = 1 }
            END {
                for (c in seen) {
                    d = (cpu[c, 1] - cpu[c, 2]) / runs
                    if (d > 0.2 || d < -0.2) printf "  %-28s %7.2f %7.2f %+7.2f\n", c, cpu[c, 1] / runs, cpu[c, 2] / runs, d
                }
            }' "$out/$tls.sdk.rustc" "$out/$tls.plain.rustc" | sort -k4 -g -r
        # Each build's rustc lines end with the app's own crate (`app`).
        awk '
            FNR == 1 { side++; run = 1 }
            NF == 3 && $2 ~ /^[0-9.]+$/ {
                cpu[side, $1, run] += $2 + $3; seen[side, $1] = 1
                if ($1 == "app") { runs[side] = run; run++ }
            }
            function median(s, c,   i, j, n, t, v) {
                n = runs[s]
                for (i = 1; i <= n; i++) v[i] = cpu[s, c, i] + 0
                for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
                return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
            }
            END {
                for (k in seen) { split(k, p, SUBSEP); sum[p[1]] += median(p[1], p[2]) }
                printf "  rustc CPU s summed over crates (each crate'"'"'s median): sdk %.1f plain %.1f ratio %.3fx\n", sum[1], sum[2], sum[1] / sum[2]
            }' "$out/$tls.sdk.rustc" "$out/$tls.plain.rustc"
    fi
done
