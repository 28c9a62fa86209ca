#!/usr/bin/env bash
# bench/run.sh - the analyze benchmark behind "make bench": generates the
# log set and database export once into bench/work/ (bench/genlogs.c),
# then times, from one run, the zlib floor, analyze's line reader alone,
# what an analyst would run instead (gzip, zcat | grep, rg) and tokentrail
# analyze with -j 1 and the default jobs, and prints seconds, uncompressed
# MB/s, the speed as a ratio to the zlib floor and the peak resident
# memory of each.
#
# Usage: bench/run.sh [--mb N]     (default 1500; also BENCH_MB=N)
#
# Each command runs BENCH_REPEAT times (default 3); its row shows the
# fastest run and the highest peak memory.
#
# analyze runs only once build/tokentrail supports it ("analyze --help"
# exits 0 and shows -s); the snapshot is built with "tokentrail snapshot
# --from-csv" once that exists.  Until then those rows say why they are
# missing.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
MB=${BENCH_MB:-1500}
REPEAT=${BENCH_REPEAT:-3}
if [ "${1:-}" = --mb ] && [ $# -ge 2 ]; then
	MB=$2
	shift 2
fi
if [ $# -gt 0 ]; then
	echo "usage: bench/run.sh [--mb N]" >&2
	exit 2
fi
for n in "$MB" "$REPEAT"; do
	case $n in
	'' | 0 | *[!0-9]*)
		echo "bench/run.sh: invalid number \"$n\" (--mb or BENCH_REPEAT)" >&2
		exit 2
		;;
	esac
done

TT=$BUILD/tokentrail
WORK=bench/work
DATA=$WORK/data-$MB
TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
	echo "bench/run.sh: $TIME is missing (Debian package \"time\")" >&2
	exit 1
fi

mkdir -p "$WORK"
make -s "$TT" "$BUILD/bench/genlogs" "$BUILD/bench/inflate_floor" \
    "$BUILD/bench/readlines"

# Generate the data once per size and generator version; the stamp holds
# the generator source's digest and marks a finished generation.
GEN=$(sha256sum bench/genlogs.c | cut -c1-16)
if [ "$(cat "$DATA/.done" 2>/dev/null)" != "$GEN" ]; then
	rm -rf "$DATA" "$WORK/snapshot-$MB.db"
	echo "generating $MB MB of logs into $DATA ..." >&2
	"$BUILD/bench/genlogs" --mb "$MB" "$DATA"
	echo "$GEN" >"$DATA/.done"
fi
FILES=("$DATA"/logs/atlassian-bitbucket-access-*.log.gz)
SNAP=$WORK/snapshot-$MB.db
OUT=$WORK/out

has_analyze() {
	"$TT" analyze --help 2>/dev/null | grep -Eq -- '(^|[[ ])-s([] ]|$)'
}
has_snapshot_csv() {
	"$TT" snapshot --help 2>/dev/null | grep -q -- '--from-csv'
}

if has_snapshot_csv && [ ! -f "$SNAP" ]; then
	"$TT" snapshot --from-csv "$DATA/csv" -o "$SNAP.tmp" >&2 &&
	    mv "$SNAP.tmp" "$SNAP" ||
	    echo "bench/run.sh: snapshot --from-csv failed" >&2
fi

# Warm the page cache so that every run reads from memory.
cat "${FILES[@]}" >/dev/null

floor_bytes=$("$BUILD/bench/inflate_floor" "${FILES[@]}")
gz_bytes=$(cat "${FILES[@]}" | wc -c)
floor_mbs=

# time_once COMMAND...: run it once; sets secs, kib and status.
time_once() {
	local tf
	tf=$(mktemp)
	status=0
	"$TIME" -f '%e %M' -o "$tf" "$@" >/dev/null 2>"$WORK/last.stderr" ||
	    status=$?
	# GNU time puts "Command exited with non-zero status N" first.
	read -r secs kib < <(tail -n 1 "$tf")
	rm -f "$tf"
}

# measure NAME COMMAND...: time REPEAT runs and print one row: the fastest
# run's seconds (other load on the machine only ever slows a run down),
# the highest peak memory and the last run's exit status.
measure() {
	local name=$1 best= peak=0 secs kib status mbs ratio
	shift
	for _ in $(seq "$REPEAT"); do
		time_once "$@"
		if [ -z "$best" ] || awk -v a="$secs" -v b="$best" \
		    'BEGIN { exit !(a < b) }'; then
			best=$secs
		fi
		[ "$kib" -le "$peak" ] || peak=$kib
	done
	last_secs=$best
	mbs=$(awk -v b="$floor_bytes" -v s="$best" \
	    'BEGIN { printf "%.1f", (s > 0 ? b / 1e6 / s : 0) }')
	[ -n "$floor_mbs" ] || floor_mbs=$mbs
	ratio=$(awk -v a="$mbs" -v f="$floor_mbs" \
	    'BEGIN { printf "%.2f", (f > 0 ? a / f : 0) }')
	printf '%-34s %8.2f %9s %8s %10.1f' "$name" "$best" "$mbs" \
	    "$ratio" "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')"
	# analyze exits 3 (partial) or 4 (findings) on a good run too.
	case $status in
	0) echo ;;
	3 | 4) echo "  (exit $status)" ;;
	*) echo "  FAILED (exit $status): $(head -c 200 "$WORK/last.stderr")" ;;
	esac
}

skip() {
	printf '%-34s %8s %9s %8s %10s  (%s)\n' "$1" - - - - "$2"
}

printf 'analyze benchmark: %d files, %.1f MB uncompressed, %.1f MB gzip, ' \
    "${#FILES[@]}" "$(awk -v b="$floor_bytes" 'BEGIN { print b / 1e6 }')" \
    "$(awk -v b="$gz_bytes" 'BEGIN { print b / 1e6 }')"
printf '%s CPUs, %s\n' "$(nproc)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
printf '%-34s %8s %9s %8s %10s\n' run seconds MB/s "x floor" "peak MB"

measure "zlib floor (bench/inflate_floor)" \
    "$BUILD/bench/inflate_floor" "${FILES[@]}"
measure "gzlines only (bench/readlines)" \
    "$BUILD/bench/readlines" "${FILES[@]}"
measure "gzip -dc > /dev/null" gzip -dc "${FILES[@]}"
measure "zcat | grep -cF access-token:id:" \
    sh -c 'zcat "$@" | grep -cF access-token:id:' sh "${FILES[@]}"
if command -v rg >/dev/null; then
	measure "rg -z -c access-token:id:" \
	    rg -z -c -F access-token:id: "${FILES[@]}"
else
	skip "rg -z -c access-token:id:" "ripgrep is not installed"
fi

if ! has_analyze; then
	skip "tokentrail analyze -j 1" "analyze is not implemented yet"
	skip "tokentrail analyze" "analyze is not implemented yet"
elif [ ! -f "$SNAP" ]; then
	skip "tokentrail analyze -j 1" "no snapshot: snapshot --from-csv"
	skip "tokentrail analyze" "no snapshot: snapshot --from-csv"
else
	measure "tokentrail analyze -j 1" \
	    "$TT" analyze -j 1 -s "$SNAP" -o "$OUT" -f "${FILES[@]}"
	one_job=$last_secs
	measure "tokentrail analyze (default jobs)" \
	    "$TT" analyze -s "$SNAP" -o "$OUT" -f "${FILES[@]}"
	awk -v a="$one_job" -v b="$last_secs" -v n="$(nproc)" 'BEGIN {
		printf "analyze with default jobs on %d CPUs: ", n
		printf "%.2fx the speed of -j 1\n", (b > 0 ? a / b : 0) }'
fi
