#!/usr/bin/env bash
# bench/run.sh - the analyze benchmark behind "make bench": generates the
# log set and database export once into bench/work/ (bench/genlogs.c),
# then times, from one run, the zlib and ISA-L floors, analyze's line
# reader alone, what an analyst would run instead (gzip, zcat | grep, rg)
# and tokentrail analyze with -j 1 (pinned to one CPU like the floors),
# with the default jobs and with -j N for N = 1 .. CPUs, and prints
# seconds, uncompressed MB/s, the speed as a ratio to each floor and the
# peak resident memory of each.
#
# Usage: bench/run.sh [--mb N]     (default 1500; also BENCH_MB=N)
#
# Each command runs BENCH_REPEAT times (default 3); its row shows the
# fastest run and the highest peak memory.  BENCH_BIG=1 also builds one
# gzip file of a single member holding the log set three times (4.5 GB of
# text at the default size) and times the floors and analyze -j 1 on it.
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
# The ISA-L rows need ISA-L in the build (see the Makefile).
HAS_ISAL=
if TOKENTRAIL_INFLATE=isal "$TT" analyze --help >/dev/null 2>&1; then
	HAS_ISAL=1
	make -s "$BUILD/bench/isal_floor"
fi
PIN=(taskset -c 0)
command -v taskset >/dev/null || PIN=()

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
zlib_mbs=
isal_mbs=

# time_once COMMAND...: run it once; sets secs, kib and status.
time_once() {
	local tf
	tf=$(mktemp)
	status=0
	"$TIME" -f '%e %M %U %S' -o "$tf" "$@" >/dev/null \
	    2>"$WORK/last.stderr" || status=$?
	# GNU time puts "Command exited with non-zero status N" first.
	read -r secs kib user sys < <(tail -n 1 "$tf")
	cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	rm -f "$tf"
}

# measure NAME COMMAND...: time REPEAT runs and print one row: the fastest
# run's seconds (other load on the machine only ever slows a run down) and
# its CPU seconds (user + system, which other load barely changes), the
# speed against each floor, the highest peak memory and the last run's
# exit status.  Sets last_secs and last_mbs.
measure() {
	local name=$1 best= best_cpu= peak=0 secs kib user sys cpu status mbs
	shift
	for _ in $(seq "$REPEAT"); do
		time_once "$@"
		if [ -z "$best" ] || awk -v a="$secs" -v b="$best" \
		    'BEGIN { exit !(a < b) }'; then
			best=$secs
			best_cpu=$cpu
		fi
		[ "$kib" -le "$peak" ] || peak=$kib
	done
	last_secs=$best
	mbs=$(awk -v b="$bytes" -v s="$best" \
	    'BEGIN { printf "%.1f", (s > 0 ? b / 1e6 / s : 0) }')
	last_mbs=$mbs
	printf '%-36s %7.2f %6.2f %7s %6s %6s %7.1f' "$name" "$best" \
	    "$best_cpu" "$mbs" \
	    "$(ratio "$mbs" "$zlib_mbs")" "$(ratio "$mbs" "$isal_mbs")" \
	    "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')"
	# analyze exits 3 (partial) or 4 (findings) on a good run too.
	case $status in
	0) echo ;;
	3 | 4) echo "  (exit $status)" ;;
	*) echo "  FAILED (exit $status): $(head -c 200 "$WORK/last.stderr")" ;;
	esac
}

# ratio A B: A / B with two decimals, or "-" without B.
ratio() {
	if [ -z "$2" ]; then
		echo -
	else
		awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
	fi
}

skip() {
	printf '%-36s %7s %6s %7s %6s %6s %7s  (%s)\n' "$1" - - - - - - "$2"
}

# floors FILE...: the zlib and ISA-L floor rows, pinned; they set the
# speeds the later rows are compared with.
floors() {
	zlib_mbs=
	isal_mbs=
	measure "zlib floor (bench/inflate_floor)" \
	    "${PIN[@]}" "$BUILD/bench/inflate_floor" "$@"
	zlib_mbs=$last_mbs
	if [ -n "$HAS_ISAL" ]; then
		measure "ISA-L floor (bench/isal_floor)" \
		    "${PIN[@]}" "$BUILD/bench/isal_floor" "$@"
		isal_mbs=$last_mbs
	else
		skip "ISA-L floor (bench/isal_floor)" "built without ISA-L"
	fi
}

table_head() {
	printf '%-36s %7s %6s %7s %6s %6s %7s\n' run seconds "cpu s" MB/s \
	    "x zlib" "x isal" "peak MB"
}

bytes=$floor_bytes
printf 'analyze benchmark: %d files, %.1f MB uncompressed, %.1f MB gzip, ' \
    "${#FILES[@]}" "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" \
    "$(awk -v b="$gz_bytes" 'BEGIN { print b / 1e6 }')"
printf '%s CPUs, %s\n' "$(nproc)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
printf 'floors and -j 1 rows pinned to CPU 0 (%s); "x zlib", "x isal": speed\n' \
    "${PIN[*]:-taskset missing, not pinned}"
printf 'as a multiple of the zlib and ISA-L floors\n'
table_head

floors "${FILES[@]}"
measure "gzlines only (bench/readlines)" \
    "${PIN[@]}" "$BUILD/bench/readlines" "${FILES[@]}"
measure "gzlines + parse_line (readlines)" \
    "${PIN[@]}" "$BUILD/bench/readlines" --parse "${FILES[@]}"
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
	exit 0
elif [ ! -f "$SNAP" ]; then
	skip "tokentrail analyze -j 1" "no snapshot: snapshot --from-csv"
	exit 0
fi
ANALYZE=("$TT" analyze -q -s "$SNAP" -o "$OUT" -f)
if [ -n "$HAS_ISAL" ]; then
	measure "analyze -j 1 --inflate=zlib" \
	    "${PIN[@]}" "${ANALYZE[@]}" -j 1 --inflate=zlib "${FILES[@]}"
	measure "analyze -j 1 (isal)" \
	    "${PIN[@]}" "${ANALYZE[@]}" -j 1 "${FILES[@]}"
else
	measure "analyze -j 1 (zlib)" \
	    "${PIN[@]}" "${ANALYZE[@]}" -j 1 "${FILES[@]}"
fi
one_job=$last_secs
measure "analyze (default jobs)" "${ANALYZE[@]}" "${FILES[@]}"
awk -v a="$one_job" -v b="$last_secs" -v n="$(nproc)" 'BEGIN {
	printf "analyze with default jobs on %d CPUs: ", n
	printf "%.2fx the speed of -j 1 (pinned)\n", (b > 0 ? a / b : 0) }'

# The -j curve, unpinned: how the speed grows with the jobs.
echo
echo "-j curve (unpinned; speed-up against -j 1 of this curve):"
curve_one=
for n in $(seq "$(nproc)"); do
	measure "analyze -j $n" "${ANALYZE[@]}" -j "$n" "${FILES[@]}"
	[ -n "$curve_one" ] || curve_one=$last_secs
	printf '%-36s %7s\n' "  speed-up -j $n" "$(ratio "$curve_one" "$last_secs")"
done

# One very large single-member file must stream at the one-core rate.
if [ "${BENCH_BIG:-0}" = 1 ]; then
	BIG=$WORK/big-$MB.log.gz
	if [ ! -f "$BIG" ]; then
		echo "writing $BIG (the log set three times, one member) ..." >&2
		for _ in 1 2 3; do zcat "${FILES[@]}"; done | gzip -6 >"$BIG.tmp"
		mv "$BIG.tmp" "$BIG"
	fi
	cat "$BIG" >/dev/null
	bytes=$("$BUILD/bench/inflate_floor" "$BIG")
	echo
	printf 'one gzip member, %.1f MB uncompressed, %.1f MB gzip:\n' \
	    "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" \
	    "$(awk -v b="$(stat -c %s "$BIG")" 'BEGIN { print b / 1e6 }')"
	table_head
	REPEAT=1
	floors "$BIG"
	measure "analyze -j 1 (one big file)" \
	    "${PIN[@]}" "${ANALYZE[@]}" -j 1 "$BIG"
fi
