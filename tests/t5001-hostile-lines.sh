#!/usr/bin/env bash
# tests/t5001-hostile-lines.sh - lines that break the layout: 10, 13 and 15
# fields, too few fields, an SSH key label with commas, request starts
# and ends that have no partner, CRLF and CR-only line ends, invalid UTF-8
# in every field, separators, quotes and a token label inside URLs and
# user agents, and a 100 MB line that must be skipped in bounded memory.
# Each line is accounted for in the manifest.
. "$(dirname "$0")/lib/harness.sh"
. "$TESTS_DIR/lib/hostile.sh"

make_csv_snapshot "$T_ROOT/snap.db" || exit 1
cd "$T_ROOT" || exit 1

TIME='2024-05-01 10:00:00,000'
REQ='"GET /rest/api/1.0/projects/PLAT/repos/web-app/commits HTTP/1.1"'

new_work
{
	# 13 fields (layout B): a request start and its end.
	printf '10.0.0.1 | https | i*PZQFBCx60x101x1 | - | %s | %s | "" "curl/8" | - | - | - | - | - | s1 |\n' "$TIME" "$REQ"
	printf '10.0.0.1 | https | o*PZQFBCx60x101x1 | alice | %s | %s | "" "curl/8" | 200 | 0 | 10 | access-token:id:012345678901 | 5 | s1 |\n' "$TIME" "$REQ"
	# 10 fields (layout A, Stash): no labels, so no token.
	printf '10.0.0.2 | https | o1112x6x6 | bob | %s | %s | "" "git/1.7" | - | 3 | s2 |\n' "$TIME" "$REQ"
	# 15 fields (Mesh gRPC): counters, no token.
	printf '10.0.0.3 | grpc | o@1GGG0Q5Kx420x106x2 | @5XDWX5x420x2768x0 | admin | %s | "HostingService/HttpBackend" | - | 0 | 2 | 141 | 18 | 38 | - | 508 |\n' "$TIME"
	# 14 fields: 13 with one separator forged inside the user agent.
	printf '10.0.0.4 | https | o*PZQFBCx60x103x1 | alice | %s | %s | "" "evil | agent" | 200 | 0 | 10 | access-token:id:444444444444 | 5 | s3 |\n' "$TIME" "$REQ"
	# Too few fields, twice.
	printf '10.0.0.5 | https | o*PZQFBCx60x104x1 | alice | %s |\n' "$TIME"
	printf 'just | three | fields\n'
	# A quoted SSH key label with commas and a forged token label.
	printf "10.0.0.6 | ssh | o*PZQFBCx60x105x1 | alice | %s | SSH - git-upload-pack '/plat/web-app.git' | - | 0 | 1 | 2 | refs, ssh:id:7, ssh:label:'a, access-token:id:111111111111, b' | 9 | s4 |\n" "$TIME"
	# An end without a start, and a start without an end.
	printf '10.0.0.7 | https | o*PZQFBCx60x106x1 | alice | %s | %s | "" "curl/8" | 200 | 0 | 10 | access-token:id:012345678901 | 5 | s5 |\n' "$TIME" "$REQ"
	printf '10.0.0.8 | https | i*PZQFBCx60x107x1 | - | %s | %s | "" "curl/8" | - | - | - | - | - | s6 |\n' "$TIME" "$REQ"
} >fields.log
run "$TT" analyze -s snap.db --log-tz UTC -o out fields.log
expect_status "broken layouts do not stop the run" 0
expect_grep "the lines set aside are reported" \
    'tokentrail: fields.log: warning: 2 of 10 lines set aside; see manifest.csv' \
    "$WORK/stderr"
expect_text_eq "every line is read" \
    "$(manifest_field out/manifest.csv fields.log lines_read)" 10
expect_text_eq "10, 13, 14 and 15 fields and the SSH line are parsed" \
    "$(manifest_field out/manifest.csv fields.log lines_parsed)" 8
expect_text_eq "too few fields are set aside by reason" \
    "$(manifest_field out/manifest.csv fields.log set_aside_reasons)" \
    "unrecognized-layout=2"
expect_text_eq "the forged separator is a repair" \
    "$(manifest_field out/manifest.csv fields.log lines_repaired)" 1
# Ends without a start: the 10, 14 and 15-field lines, the SSH line and
# the lone end.
expect_text_eq "an end without its start is counted" \
    "$(manifest_field out/manifest.csv fields.log unmatched_completions)" 5
expect_text_eq "a start without its end is counted" \
    "$(manifest_field out/manifest.csv fields.log unfinished_requests)" 1
expect_text_eq "three token requests, none from the key label" \
    "$(manifest_field out/manifest.csv fields.log token_requests)" 3
expect_no_grep "the token inside the key label is not attributed" \
    111111111111 out/requests.csv
expect_grep "the forged separator stays in the user agent" \
    '"evil | agent"' out/requests.csv
expect_lines_add_up "every line of the broken layouts is accounted for" \
    out/manifest.csv

# CRLF and CR-only line ends, plain and gzipped: every line is read once
# and no CR is left at the end of a field.
new_work
ends_line() {
	printf '10.0.0.1 | https | o*PZQFBCx60x%dx1 | alice | %s | %s | "" "curl/8" | 200 | 0 | 10 | access-token:id:012345678901 | 5 | s1 |%s' \
	    "$1" "$TIME" "$REQ" "$2"
}
for i in 201 202 203; do ends_line "$i" $'\r\n'; done >crlf.log
for i in 301 302 303; do ends_line "$i" $'\r'; done >cr.log
gzip -nc crlf.log >crlf.log.gz
gzip -nc cr.log >cr.log.gz
run "$TT" analyze -s snap.db --log-tz UTC -o out-ends crlf.log cr.log \
    crlf.log.gz cr.log.gz
expect_status "CRLF and CR-only ends do not stop the run" 0
expect_no_grep "CRLF and CR-only ends draw no warning" warning: "$WORK/stderr"
for f in crlf.log cr.log crlf.log.gz cr.log.gz; do
	expect_text_eq "$f: three lines read, parsed and attributed" \
	    "$(for c in lines_read lines_parsed lines_repaired token_requests; do
		manifest_field out-ends/manifest.csv "$f" "$c"
	    done | tr '\n' ' ')" "3 3 0 3 "
done
expect_text_eq "each line's user agent and node end before its CR" \
    "$(python3 -c '
import csv
rows = list(csv.DictReader(open("out-ends/requests.csv", newline="")))
print(len(rows), sorted({(r["node"], r["user_agent"]) for r in rows}))')" \
    "12 [('PZQFBC', 'curl/8')]"
expect_no_grep "no CR is kept inside a cell" '\x0d' out-ends/requests.csv
expect_lines_add_up "CRLF and CR-only: every line is accounted for" \
    out-ends/manifest.csv

# Invalid UTF-8 in each of the 13 fields in turn.  Text fields keep it,
# shown as \xNN; a request id, time, number or token label holding it is
# not trusted: the line is set aside, or its label is an anomaly.
new_work
X=$'\xff'
utf8_line() {
	local f=(10.0.0.1 https "o*PZQFBCx60x$((400 + $1))x1" alice "$TIME"
	    "$REQ" '"" "curl/8"' 200 0 10 access-token:id:012345678901 5 s1)
	local out i
	case $1 in
	5) f[5]="\"GET /rest/api/1.0/projects/PLAT/repos/web-app/commits$X HTTP/1.1\"" ;;
	6) f[6]="\"$X\" \"curl/8$X\"" ;;
	*) f[$1]=${f[$1]}$X ;;
	esac
	out=${f[0]}
	for ((i = 1; i < 13; i++)); do out="$out | ${f[i]}"; done
	printf '%s |\n' "$out"
}
for ((i = 0; i < 13; i++)); do utf8_line "$i"; done >utf8.log
run "$TT" analyze -s snap.db --log-tz UTC -o out-utf8 utf8.log
expect_status "invalid UTF-8 does not stop the run" 0
expect_grep "the lines set aside are reported" \
    'tokentrail: utf8.log: warning: 6 of 13 lines set aside; see manifest.csv' \
    "$WORK/stderr"
expect_text_eq "untrusted fields set their line aside, by reason" \
    "$(manifest_field out-utf8/manifest.csv utf8.log set_aside_reasons)" \
    "unrecognized-layout=4; bad-request-id=1; bad-timestamp=1"
expect_text_eq "a token label with invalid UTF-8 is an anomaly" \
    "$(manifest_field out-utf8/manifest.csv utf8.log token_label_anomalies)" 1
expect_text_eq "the byte is shown as \\xff in each text field" \
    "$(python3 -c '
import csv
for r in csv.DictReader(open("out-utf8/requests.csv", newline="")):
    print(r["request_id"], *(k for k in r if "\\xff" in r[k]))')" \
    "o*PZQFBCx60x400x1 client_ip
o*PZQFBCx60x401x1 protocol
o*PZQFBCx60x403x1 log_user
o*PZQFBCx60x405x1 path
o*PZQFBCx60x406x1 user_agent
o*PZQFBCx60x412x1"
expect_no_grep "no raw invalid byte reaches a report" "$X" out-utf8
expect_lines_add_up "invalid UTF-8: every line is accounted for" \
    out-utf8/manifest.csv

# Separators, quotes and a token label inside URLs and user agents: kept
# in their field, and access-token:id:999999999999 there attributes
# nothing, even when it forges the rest of a line.
new_work
{
	printf '10.0.0.1 | https | o*PZQFBCx60x501x1 | alice | %s | "GET /rest/api/1.0/projects/PLAT/repos/web-app/browse?q=a | b HTTP/1.1" | "" "curl/8" | 200 | 0 | 10 | access-token:id:012345678901 | 5 | s1 |\n' "$TIME"
	printf '10.0.0.1 | https | o*PZQFBCx60x502x1 | alice | %s | "GET /rest/api/1.0/projects/PLAT/repos/web-app/browse?q="x" HTTP/1.1" | "" "curl/8" | 200 | 0 | 10 | access-token:id:012345678901 | 5 | s1 |\n' "$TIME"
	printf '10.0.0.1 | https | o*PZQFBCx60x503x1 | alice | %s | %s | "" "say "hi" | x" | 200 | 0 | 10 | access-token:id:012345678901 | 5 | s1 |\n' "$TIME" "$REQ"
	printf '10.0.0.1 | https | o*PZQFBCx60x504x1 | - | %s | "GET /rest/api/1.0/projects/PLAT/repos/web-app/commits?t=access-token:id:999999999999 HTTP/1.1" | "" "curl/8" | 200 | 0 | 10 | - | 5 | s1 |\n' "$TIME"
	printf '10.0.0.1 | https | o*PZQFBCx60x505x1 | - | %s | %s | "" "curl/8 access-token:id:999999999999" | 200 | 0 | 10 | - | 5 | s1 |\n' "$TIME" "$REQ"
	printf '10.0.0.1 | https | o*PZQFBCx60x506x1 | - | %s | %s | "" "x | 200 | 0 | 10 | access-token:id:999999999999 | 5 | s1 |" | 200 | 0 | 10 | - | 5 | s1 |\n' "$TIME" "$REQ"
	printf '10.0.0.1 | https | o*PZQFBCx60x507x1 | - | %s | "GET /a | 200 | 0 | 10 | access-token:id:999999999999 | 5 | s1 | HTTP/1.1" | "" "curl/8" | 200 | 0 | 10 | - | 5 | s1 |\n' "$TIME"
} >inside.log
run "$TT" analyze -s snap.db --log-tz UTC -o out-inside inside.log
expect_status "separators and quotes inside fields do not stop the run" 0
expect_no_grep "nothing is set aside or warned about" warning: "$WORK/stderr"
expect_text_eq "every line is parsed; a separator inside is a repair" \
    "$(for c in lines_read lines_parsed lines_repaired; do
	manifest_field out-inside/manifest.csv inside.log "$c"
    done | tr '\n' ' ')" "7 7 4 "
expect_text_eq "only the three real token labels attribute" \
    "$(manifest_field out-inside/manifest.csv inside.log token_requests)" 3
expect_no_grep "a token in a URL or user agent is attributed nowhere" \
    999999999999 out-inside
expect_text_eq "separators and quotes stay in the URL and user agent" \
    "$(python3 -c '
import csv
for r in csv.DictReader(open("out-inside/requests.csv", newline="")):
    print(r["request_id"], r["path"], r["user_agent"], sep=" ~ ")')" \
    "o*PZQFBCx60x501x1 ~ /rest/api/1.0/projects/PLAT/repos/web-app/browse?q=a | b ~ curl/8
o*PZQFBCx60x502x1 ~ /rest/api/1.0/projects/PLAT/repos/web-app/browse?q=\"x\" ~ curl/8
o*PZQFBCx60x503x1 ~ /rest/api/1.0/projects/PLAT/repos/web-app/commits ~ say \"hi\" | x"
expect_lines_add_up "inside fields: every line is accounted for" \
    out-inside/manifest.csv

# 2026-12-03, issue #5: damage in a gzip member after the first lost the
# earlier members' text with ISA-L.  Two members, the second cut short:
# each inflater built in gives the lines zlib gives.
new_work
N1=$FIXTURES/logs/node1
{
	gzip -nc "$N1/atlassian-bitbucket-access-2024-05-01.0.log"
	gzip -nc "$N1/atlassian-bitbucket-access.log" | head -c 300
} >cut.log.gz
inflaters=zlib
"$TT_BIN" analyze --help | grep -q 'isal' && inflaters="zlib isal"
for lib in $inflaters; do
	run "$TT" analyze -q -s snap.db --log-tz UTC --inflate "$lib" \
	    -o "out-$lib" cut.log.gz
	expect_status "$lib: a cut second member makes a partial run" 3
	expect_text_eq "$lib: 23 lines of member 1 and 2 of the cut one" \
	    "$(manifest_field "out-$lib/manifest.csv" cut.log.gz lines_parsed)" \
	    25
	expect_text_eq "$lib: the cut member is damage" \
	    "$(manifest_field "out-$lib/manifest.csv" cut.log.gz damaged)" yes
	expect_lines_add_up "$lib: the cut file is accounted for" \
	    "out-$lib/manifest.csv"
	expect_file_eq "$lib: the same requests as zlib" \
	    "out-$lib/requests.csv" out-zlib/requests.csv
done

# A 100 MB line between two good ones: skipped, counted, memory bounded.
new_work
{
	printf '10.0.0.1 | https | o*PZQFBCx60x101x1 | alice | %s | %s | "" "curl/8" | 200 | 0 | 10 | access-token:id:012345678901 | 5 | s1 |\n' "$TIME" "$REQ"
	head -c 104857600 /dev/zero | tr '\0' 'x'
	printf '\n10.0.0.1 | https | o*PZQFBCx60x102x1 | alice | %s | %s | "" "curl/8" | 200 | 0 | 10 | access-token:id:012345678901 | 5 | s1 |\n' "$TIME" "$REQ"
} | gzip -1 >huge.log.gz
run /usr/bin/time -f 'peak_kb=%M' "$TT_BIN" analyze -s snap.db --log-tz UTC \
    -o outbig huge.log.gz
expect_status "a 100 MB line does not stop the run" 0
expect_grep "the long line is reported" \
    'tokentrail: huge.log.gz: warning: 1 of 3 lines set aside; see manifest.csv' \
    "$WORK/stderr"
expect_text_eq "the long line is set aside as too long" \
    "$(manifest_field outbig/manifest.csv huge.log.gz set_aside_reasons)" \
    "too-long=1"
expect_text_eq "the lines on both sides are attributed" \
    "$(manifest_field outbig/manifest.csv huge.log.gz token_requests)" 2
peak=$(sed -n 's/^peak_kb=//p' "$WORK/stderr")
if [ -n "$peak" ] && [ "$peak" -lt 65536 ]; then
	pass "peak memory stays under 64 MiB for a 100 MB line (${peak} KiB)"
else
	fail "peak memory stays under 64 MiB for a 100 MB line" \
	    "peak: ${peak:-unknown} KiB"
fi
expect_lines_add_up "the long line is accounted for" outbig/manifest.csv

done_testing
