#!/usr/bin/env bash
# Side-by-side load benchmark on one generated file: kvtrail against DuckDB, jq and lnav, in the same run,
# each timed right after re-reading the file into the page cache (this machine evicts files read less than
# every few seconds). Prints every run and the medians. Figures go to BENCHMARKS.md.
#
#   benches/compare.sh [EVENTS] [RUNS]        defaults: 1000000 events, 5 runs (jq and lnav run once: slow)
#
# Needs: python3 with duckdb (pip install duckdb), jq, lnav (apt-get install jq lnav). Missing peers are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
runs=${2:-5}
dir=${BENCH_DIR:-bench-data}
file="$dir/gen-$events.jsonl"
mkdir -p "$dir"

cargo build --release --quiet --bin kvtrail --bench load
bench=$(find target/release/deps -maxdepth 1 -name 'load-*' -type f -executable | head -n 1)
[ -f "$file" ] || ./target/release/kvtrail gen --events "$events" --seed 1 --out "$file"
size=$(stat -c %s "$file")
echo "file: $file, $events events, $((size / 1000000)) MB, $(nproc) CPUs"

warm() { cat "$file" > /dev/null; }
# seconds and peak RSS (MB) of a command
measure() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -n 1; }

declare -A results
record() { results[$1]+="$2 "; }

for run in $(seq 1 "$runs"); do
    warm; read -r t _ < <(measure cat "$file"); record cat "$t"
    warm; out=$("$bench" "$file"); t=$(awk '/^load /{print $2}' <<<"$out"); record kvtrail "$t"
    record rss_bytes_per_event "$(awk '/^rss after load/{print $(NF-1)}' <<<"$out" | sed 's/=//')"
    record facet_ms "$(awk '/^facet recount/{print $8}' <<<"$out")"
    record kvtrail_stats "$(warm; measure ./target/release/kvtrail stats "$file" | cut -d' ' -f1)"
    if python3 -c 'import duckdb' 2>/dev/null; then
        warm; read -r t _ < <(measure python3 -c "
import duckdb; c = duckdb.connect(); c.execute('SET threads=2'); c.execute('SET enable_progress_bar=false')
c.execute(\"SELECT callerIpAddress, count(*) FROM read_json_auto('$file') GROUP BY 1\").fetchall()")
        record duckdb_groupby "$t"
        warm; out=$(python3 -c "
import duckdb, time; c = duckdb.connect(); c.execute('SET threads=2'); c.execute('SET enable_progress_bar=false')
t = time.time()
c.execute(\"CREATE TABLE e AS SELECT callerIpAddress, identity.claim.oid AS oid, resourceId, operationName, properties.httpStatusCode AS status FROM read_json_auto('$file')\")
load = time.time() - t
warm = []
for col in ['callerIpAddress', 'oid', 'resourceId', 'operationName']:
    t = time.time(); c.execute(f'SELECT {col}, count(*) FROM e GROUP BY 1').fetchall(); warm.append(time.time() - t)
print(f'{load:.3f} {sorted(warm)[len(warm)//2]*1000:.1f}')")
        record duckdb_load_table "$(cut -d' ' -f1 <<<"$out")"
        record duckdb_warm_groupby_ms "$(cut -d' ' -f2 <<<"$out")"
    fi
    if [ "$run" = 1 ]; then
        if command -v jq >/dev/null; then
            warm; read -r t _ < <(measure sh -c "jq -r .callerIpAddress '$file' | sort | uniq -c"); record jq "$t"
        fi
        if command -v lnav >/dev/null; then
            warm; read -r t m < <(measure lnav -n -c ';SELECT count(*) FROM lnav_file' "$file"); record lnav "$t"
        fi
    fi
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR) print a[int((NR+1)/2)]}'; }
echo
printf '%-26s %-10s %s\n' measure median runs
for k in cat kvtrail kvtrail_stats rss_bytes_per_event facet_ms duckdb_groupby duckdb_load_table duckdb_warm_groupby_ms jq lnav; do
    [ -n "${results[$k]:-}" ] || continue
    printf '%-26s %-10s %s\n' "$k" "$(median <<<"${results[$k]}")" "${results[$k]}"
done
