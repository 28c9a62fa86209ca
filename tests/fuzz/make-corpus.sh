#!/usr/bin/env bash
# tests/fuzz/make-corpus.sh - rebuild the seed corpora tests/fuzz/corpus/
# from the fixtures and the reference samples: one seed per log line for
# the line parser and the resolver, the log files themselves (plain and
# gzipped) for the gzip reader and the scan, the cells of the demo export
# for the CSV writer, the export's files for the CSV importer, timestamps
# and tokens.
# Run from the top of the source tree; the output is deterministic.
set -eu
C=tests/fuzz/corpus
# Inputs that once failed (regress-*) are kept; everything else is rebuilt.
find "$C" -type f ! -name 'regress-*' -delete 2>/dev/null || true
mkdir -p "$C"/fuzz_parse "$C"/fuzz_resolve "$C"/fuzz_gzlines \
    "$C"/fuzz_csvout "$C"/fuzz_csvimport "$C"/fuzz_tokenid "$C"/fuzz_logtime \
    "$C"/fuzz_scan

LOGS="fixtures/logs/node1/* fixtures/logs/node2/* fixtures/samples/*.log
    fixtures/findings/*/*.log"

# seed DIR: store standard input as DIR/<sha1 of it>.
seed() {
	local tmp
	tmp=$(mktemp)
	cat >"$tmp"
	mv "$tmp" "$1/$(sha1sum <"$tmp" | cut -c1-16)"
}

# Lines: every distinct log line, without comments.
# shellcheck disable=SC2086
cat $LOGS | grep -v '^#' | sort -u | while IFS= read -r line; do
	printf '%s' "$line" | seed "$C"/fuzz_parse
	printf '%s' "$line" | seed "$C"/fuzz_resolve
	# The request field alone, as the resolver's split form.
	target=$(printf '%s' "$line" | awk -F' [|] ' '{print $6}' |
	    awk '{print $2}')
	method=$(printf '%s' "$line" | awk -F' [|] ' '{print $6}' |
	    tr -d '"' | awk '{print $1}')
	printf '%s\0%s\0https\0clone\0alice' "$method" "$target" |
	    seed "$C"/fuzz_resolve
	printf '%s' "$line" | awk -F' [|] ' '{print $5}' | tr -d '\n' |
	    seed "$C"/fuzz_logtime
	printf '%s' "$line" | awk -F' [|] ' '{print $7}' | tr -d '\n' |
	    seed "$C"/fuzz_csvout
done

# Files: each log plain and gzipped, two members, a truncated member.
# shellcheck disable=SC2086
for f in $LOGS; do
	seed "$C"/fuzz_gzlines <"$f"
	gzip -9nc "$f" | seed "$C"/fuzz_gzlines
	{ gzip -nc "$f"; gzip -nc "$f"; } | seed "$C"/fuzz_gzlines
	gzip -nc "$f" | head -c 200 | seed "$C"/fuzz_gzlines
done
# The scan: the log files as they are, and the demo's gzipped logs.
# shellcheck disable=SC2086
for f in $LOGS fixtures/demo/logs/*/*; do
	seed "$C"/fuzz_scan <"$f"
done
printf 'a\rb\rc\r' | seed "$C"/fuzz_gzlines
printf 'a\r\nb\r\n' | gzip -nc | seed "$C"/fuzz_gzlines

# CSV: each demo file, behind the byte that selects its table.
i=0
for t in AO_E5A814_ACCESS_TOKEN AO_E5A814_ACCESS_TOKEN_PERM sta_normal_user \
    sta_service_user project repository sta_project_permission \
    sta_repo_permission sta_personal_project bb_project_alias \
    bb_repository_alias sta_permission_type AO_C77861_AUDIT_ENTITY; do
	{ printf "\\x$(printf %02x $i)"; cat "fixtures/demo/csv/$t.csv"; } |
	    seed "$C"/fuzz_csvimport
	i=$((i + 1))
done
for cell in 'ci, nightly' '=1+2' '-' '@SUM(A1)' 'a"b' 'x\y' 'é€😀' \
    "$(printf 'tab\there\r\nnl')" "$(printf '\x1b[31mred\xc2\x85\xff')"; do
	printf '%s' "$cell" | seed "$C"/fuzz_csvout
done

# Times: --since/--until forms.
for t in 2024-05-01 2024-05-01T14:00 '2024-05-01 14:00:59' \
    2024-05-01T14:00:00Z 2024-05-01T14:00:00+02:00 2024-03-31T02:30:00 \
    2024-10-27T02:30:00-01:30 '2024-02-29 23:59:60,999'; do
	printf '%s' "$t" | seed "$C"/fuzz_logtime
done

# Tokens: built as Bitbucket does (base64 of 12 digits, ':' and 20
# bytes), with and without the prefix, and near misses.
for id in 012345678901 999999999999; do
	body=$({ printf '%s:' "$id"; printf '%020d' 7; } | base64 -w 0)
	printf '%s' "$body" | seed "$C"/fuzz_tokenid
	printf 'BBDC-%s\n  %s \r\n' "$body" "$body" | seed "$C"/fuzz_tokenid
	printf 'BBDC-%s' "${body:0:40}" | seed "$C"/fuzz_tokenid
done
