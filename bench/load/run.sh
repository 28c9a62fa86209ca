#!/usr/bin/env bash
# bench/load/run.sh - the load benchmark (not a test): generate a log set
# of BENCH_LOAD_MB MB of text (default 10240, i.e. 10 GB) over 4 nodes
# with 100,000 tokens, 1,000,000 client addresses and 1,000 requests in
# flight per node, snapshot the matching export, run analyze once and
# print its elapsed time and peak memory.  Data and reports go to
# bench/work/load-N/ (git-ignored); the data is kept for the next run.
#
# Usage: make bench-load [BENCH_LOAD_MB=N]
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
MB=${BENCH_LOAD_MB:-10240}
TOKENS=100000
ADDRESSES=1000000
OPEN=1000
TT=$BUILD/tokentrail
DIR=bench/work/load-$MB

if [ ! -f "$DIR/done" ]; then
	echo "generating $MB MB of logs in $DIR ..."
	rm -rf "$DIR"
	mkdir -p "$(dirname "$DIR")"
	"$BUILD/bench/load/genload" --mb "$MB" --tokens "$TOKENS" \
	    --addresses "$ADDRESSES" --open "$OPEN" "$DIR"
	"$TT" snapshot -q --from-csv "$DIR/csv" -o "$DIR/snapshot.db"
	touch "$DIR/done"
fi

rm -rf "$DIR/out"
/usr/bin/time -f '%e %U %S %M' -o "$DIR/time" "$TT" analyze -q \
    -s "$DIR/snapshot.db" --log-tz UTC -o "$DIR/out" "$DIR/logs"
read -r elapsed user sys peak_kb <"$DIR/time"

# The figures, from the manifest and the token report.
python3 - "$DIR/out" "$MB" "$elapsed" "$user" "$sys" "$peak_kb" <<'PY'
import csv, sys
out, mb, elapsed, user, sys_s, peak_kb = sys.argv[1:]
lines = requests = unfinished = 0
with open(out + '/manifest.csv', newline='') as f:
    for row in csv.DictReader(f):
        if row['kind'] == 'input':
            lines += int(row['lines_read'])
            requests += int(row['token_requests'])
            unfinished += int(row['unfinished_requests'])
with open(out + '/tokens.csv', newline='') as f:
    used = sum(1 for row in csv.DictReader(f) if int(row['requests']) > 0)
print('input:        %s MB of text, %d lines' % (mb, lines))
print('requests:     %d with a token, by %d tokens; %d never ended'
      % (requests, used, unfinished))
print('addresses:    %d distinct (every request k uses address k * 7919'
      ' mod 1,000,000)' % min(requests, 1000000))
print('analyze:      %s s elapsed, %.1f s CPU'
      % (elapsed, float(user) + float(sys_s)))
print('peak memory:  %d MiB' % (int(peak_kb) // 1024))
PY
